import gzip

import numpy as np
import pytest

from lecturegen.build import data
from lecturegen.errors import DataError
from conftest import write_idx


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
    ds = data.resolve("sample")
    assert ds.fingerprint.is_sample and "sample" in ds.fingerprint.name
    a = ds.arrays
    assert a.x_train.shape == (4000, 28, 28) and a.x_test.shape == (1000, 28, 28)
    assert np.bincount(a.y_test).tolist() == [100] * 10
    assert np.array_equal(data.resolve("sample").arrays.y_train, a.y_train)


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
