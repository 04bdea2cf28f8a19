"""Shared fixtures: one real quick build on the offline MNIST sample, reused by many tests."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

os.environ.setdefault("LECTUREGEN_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from lecturegen.cli import app  # noqa: E402


# fixtures that train models, execute a notebook or drive a browser: a test using one is slow
TRAINING_FIXTURES = {"quick_build", "seeds_build", "built_both", "published_site", "concurrent_builds", "ch5_build",
                     "cached_runs", "evil_build", "browser", "visit"}


def pytest_collection_modifyitems(items) -> None:
    """Every test that trains (through a shared build fixture) carries the slow mark, so that
    `pytest -m "not slow"` trains nothing."""
    for item in items:
        if TRAINING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


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


def make_idx_folder(folder: Path, train: int, test: int) -> Path:
    """A folder with the four MNIST IDX files, holding ``train`` + ``test`` random 28x28 images."""
    rng = np.random.default_rng(1)
    folder.mkdir()
    write_idx(folder / "train-images-idx3-ubyte", rng.integers(0, 256, (train, 28, 28)))
    write_idx(folder / "train-labels-idx1-ubyte", rng.integers(0, 10, train))
    write_idx(folder / "t10k-images-idx3-ubyte", rng.integers(0, 256, (test, 28, 28)))
    write_idx(folder / "t10k-labels-idx1-ubyte", rng.integers(0, 10, test))
    return folder


@pytest.fixture()
def tiny_idx(tmp_path) -> Path:
    """A folder with the four MNIST IDX files, holding 200 + 50 random 28x28 images."""
    return make_idx_folder(tmp_path / "tiny-idx", 200, 50)


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


# ---------------------------------------------------------------- the real command in a subprocess

REPO = Path(__file__).resolve().parent.parent


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for `python -m lecturegen`: this checkout, offline, TF quiet."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LECTUREGEN_")}
    env.update(PYTHONPATH=str(REPO), LECTUREGEN_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="2")
    env.update(extra)
    return env


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300, cwd: Path | None = None):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "lecturegen", *args], capture_output=True, text=True,
                          env=env or cli_env(), timeout=timeout, cwd=cwd)


TINY_MODULE = '''"""A one-experiment chapter for tests."""
from lecturegen.chapter import chapter, experiment


@experiment(title={{"ko": {title!r}, "en": {title!r}}}, epochs=1, batch_size=64, inputs="flat", labels="int")
def tiny():
    from tensorflow import keras

    model = keras.Sequential([
        keras.Input(shape=(784,)),
        {layer}
    ])
    model.compile(optimizer={optimizer}, loss={loss!r}, metrics=["accuracy"])
    return model


CHAPTER = chapter(id={chapter_id!r}, title={{"ko": {title!r}, "en": {title!r}}}, experiments=[tiny])
'''
TINY_CONTENT = "# 작은 장\n\n정확도 {{ runs.tiny.test_accuracy | pct }}, 데이터 {{ dataset.name }}\n\n---\n\n{{ summary(\"tiny\") }}\n"


def write_chapter(folder: Path, *, chapter_id: str = "tiny", title: str = "Tiny chapter",
                  layer: str = 'keras.layers.Dense(10, activation="softmax"),', optimizer: str = '"adam"', loss: str = "sparse_categorical_crossentropy",
                  content: str | None = TINY_CONTENT, source: str | None = None) -> dict[str, str]:
    """A chapter module in ``folder`` (content in folder/<id>/ko.md); returns the env that finds it."""
    folder.mkdir(parents=True, exist_ok=True)
    text = source if source is not None else TINY_MODULE.format(
        title=title, layer=layer, optimizer=optimizer, loss=loss, chapter_id=chapter_id)
    (folder / f"{re.sub(r'[^a-z0-9]', '', chapter_id) or 'x'}.py").write_text(text, encoding="utf-8")
    if content is not None:
        (folder / chapter_id).mkdir(parents=True, exist_ok=True)
        (folder / chapter_id / "ko.md").write_text(content, encoding="utf-8")
    return cli_env(LECTUREGEN_CHAPTERS_DIR=str(folder))


TF_NOISE = re.compile(r"^([IWEF]\d{4} \d|WARNING: All log messages before absl)")


def error_lines(stderr: str) -> list[str]:
    """stderr without progress lines, warnings and TensorFlow's own C++ log lines."""
    return [line for line in stderr.splitlines()
            if line.strip() and not TF_NOISE.match(line) and not line.startswith(("warning:", "[", "data:"))]


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under root, by relative path: equal digests mean byte-identical trees."""
    import hashlib

    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def start_cli(*args: str, env: dict[str, str] | None = None):
    """`python -m lecturegen ...` running in the background; stderr lines collected as they come."""
    import subprocess
    import sys
    import threading

    proc = subprocess.Popen([sys.executable, "-m", "lecturegen", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env or cli_env())
    proc.lines = []  # type: ignore[attr-defined]

    def pump() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            proc.lines.append(line.rstrip("\n"))  # type: ignore[attr-defined]

    proc.pump = threading.Thread(target=pump, daemon=True)  # type: ignore[attr-defined]
    proc.pump.start()  # type: ignore[attr-defined]
    return proc


def wait_for_line(proc, needle: str, timeout: float = 240) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(needle in line for line in proc.lines):
            return
        if proc.poll() is not None and not proc.pump.is_alive():
            break
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"never saw {needle!r}; stderr:\n" + "\n".join(proc.lines))


@pytest.fixture(scope="session")
def concurrent_builds(tmp_path_factory, quick_build, cache_dir):
    """A cold quick build of ch4 (own cache) and, while it trains, a second build into the same folder.

    Used by the lock test and by the determinism test (this is the second cold build with seed 0).
    """
    out = tmp_path_factory.mktemp("concurrent")
    cold_cache = tmp_path_factory.mktemp("cold-cache")
    first = start_cli("build", "ch4", "--profile", "quick", "--data", "sample", "--out", str(out),
                      "--cache-dir", str(cold_cache), "--quiet")
    wait_for_line(first, "[sigmoid] training,")
    second = run_cli("build", "ch4", "--profile", "quick", "--data", "sample", "--out", str(out),
                     "--cache-dir", str(cache_dir), "--quiet")
    first.wait(timeout=600)
    first.pump.join(timeout=10)
    return out, first, second


def report_data(runs: dict[str, dict] | None = None, *, chapter_id: str = "ch4", lang: str = "ko",
                claims: list[dict] | None = None, outputs: list[str] | None = None, **provenance) -> dict:
    """A report.json object that passes lecturegen's report schema (for diff and publish tests)."""
    prov = {"lecturegen": "0.1.0", "tensorflow": "2.20.0", "keras": "3.15.1", "numpy": "2.3.0", "python": "3.11.7",
            "device": "CPU", "dataset": "MNIST", "dataset_sha256": "0" * 64, "sample_data": False, "seed": 0,
            "profile": "quick", "build_date": "2026-01-01 00:00 UTC", **provenance}
    return {"schema": 1, "chapter": {"id": chapter_id, "title": "t", "lang": lang}, "provenance": prov,
            "dataset": {"name": "MNIST"}, "sample_data": False, "profile": "quick", "runs": runs or {},
            "claims": claims or [], "figures": [], "outputs": outputs or ["report.json"]}
