"""Shared fixtures: one real quick build on the offline MNIST sample, reused by many tests."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

os.environ.setdefault("LECTUREGEN_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from lecturegen.cli import app  # noqa: E402


@pytest.fixture(scope="session")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def quick_build(tmp_path_factory, cache_dir, runner):
    """`lecturegen build ch4 --profile quick --data sample` through the real pipeline."""
    out = tmp_path_factory.mktemp("out")
    result = runner.invoke(
        app, ["build", "ch4", "--profile", "quick", "--data", "sample", "--out", str(out),
              "--cache-dir", str(cache_dir), "--quiet"],
    )
    assert result.exit_code == 0, result.output
    return out / "ch4", result


@pytest.fixture(scope="session")
def seeds_build(tmp_path_factory, cache_dir, runner, quick_build):
    """The same quick build with `--seeds 2`: seed 0 comes from the cache, seed 1 trains."""
    out = tmp_path_factory.mktemp("out-seeds")
    result = runner.invoke(
        app, ["build", "ch4", "--profile", "quick", "--data", "sample", "--out", str(out),
              "--cache-dir", str(cache_dir), "--quiet", "--seeds", "2"],
    )
    assert result.exit_code == 0, result.output
    return out / "ch4", result


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write an unsigned-byte IDX file (the MNIST format)."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.fixture()
def tiny_idx(tmp_path) -> Path:
    """A folder with the four MNIST IDX files, holding 200 + 50 random 28x28 images."""
    rng = np.random.default_rng(1)
    folder = tmp_path / "tiny-idx"
    folder.mkdir()
    write_idx(folder / "train-images-idx3-ubyte", rng.integers(0, 256, (200, 28, 28)))
    write_idx(folder / "train-labels-idx1-ubyte", rng.integers(0, 10, 200))
    write_idx(folder / "t10k-images-idx3-ubyte", rng.integers(0, 256, (50, 28, 28)))
    write_idx(folder / "t10k-labels-idx1-ubyte", rng.integers(0, 10, 50))
    return folder


@pytest.fixture(scope="session")
def built_both(quick_build, cache_dir, runner) -> Path:
    """The quick build's output folder with the English build next to the Korean one (cached results)."""
    out = quick_build[0].parent
    result = runner.invoke(app, ["build", "ch4", "--profile", "quick", "--data", "sample", "--lang", "en",
                                 "--out", str(out), "--cache-dir", str(cache_dir), "--quiet"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def published_site(built_both, cache_dir, runner, tmp_path_factory) -> Path:
    """`lecturegen publish` of ch4 (Korean and English) into a fresh site."""
    site = tmp_path_factory.mktemp("web") / "site"
    result = runner.invoke(app, ["publish", "--out", str(built_both), "--site", str(site),
                                 "--cache-dir", str(cache_dir)])
    assert result.exit_code == 0, result.output
    return site
