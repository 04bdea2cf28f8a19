"""Shared fixtures: one real quick build on the offline MNIST sample, reused by many tests; one
headless browser. Plain helpers are in helpers.py.

`pytest -m "not slow"` trains nothing: a test using a fixture of TRAINING_FIXTURES is marked slow,
and in such a run TensorFlow cannot be imported, neither here nor in the commands the helpers start
(tests/no_tensorflow): a test that tries fails, even when it catches the ImportError.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

os.environ.setdefault("LECTUREGEN_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import helpers  # noqa: E402
from helpers import BROWSER_ARGS, CHROMIUM, run_cli, start_cli, wait_for_line  # noqa: E402
from lecturegen.cli import app  # noqa: E402


# fixtures that train models, execute a notebook or drive a browser: a test using one is slow
TRAINING_FIXTURES = {"quick_build", "seeds_build", "built_both", "published_site", "concurrent_builds", "ch5_build",
                     "cached_runs", "evil_build", "browser", "visit"}

BLOCKER = pytest.StashKey[object]()


def _skips_slow(config) -> bool:
    return re.sub(r"\s+", " ", config.getoption("markexpr") or "").strip() == "not slow"


def pytest_configure(config) -> None:
    """In a `-m "not slow"` run, refuse TensorFlow in this process and in the Python processes it starts."""
    if not _skips_slow(config):
        return
    spec = importlib.util.spec_from_file_location("no_tensorflow", helpers.NO_TENSORFLOW / "sitecustomize.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loaded = sorted(name for name in sys.modules if name.partition(".")[0] in module.BLOCKED)
    if loaded:
        raise pytest.UsageError(f"TensorFlow was imported before the tests started ({loaded[0]})")
    config.stash[BLOCKER] = module.install()
    helpers.block_tensorflow = True  # the commands the helpers start
    # and every other Python child of this process that inherits its environment (probes, workers)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(helpers.NO_TENSORFLOW), os.environ.get("PYTHONPATH")]))


def pytest_collection_modifyitems(items) -> None:
    """Every test that trains (through a shared build fixture) carries the slow mark, so that
    `pytest -m "not slow"` trains nothing."""
    for item in items:
        if TRAINING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a test of a `-m "not slow"` run that reached TensorFlow, even if it caught the ImportError."""
    blocker = item.config.stash.get(BLOCKER, None)
    before = len(blocker.attempts) if blocker else 0
    result = yield
    if blocker is not None and len(blocker.attempts) > before:
        pytest.fail(f"this test imported {blocker.attempts[before]} (TensorFlow): a test that trains must be "
                    "marked @pytest.mark.slow", pytrace=False)
    return result


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
              "--cache-dir", str(cache_dir), "--seeds", "2"]  # not --quiet: the progress names each seed,
    )
    assert result.exit_code == 0, result.output
    return out / "ch4", result


@pytest.fixture()
def tiny_idx(tmp_path) -> Path:
    """A folder with the four MNIST IDX files, holding 200 + 50 random 28x28 images."""
    return helpers.make_idx_folder(tmp_path / "tiny-idx", 200, 50)


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


@pytest.fixture(scope="session")
def concurrent_builds(tmp_path_factory, quick_build, cache_dir):
    """A cold quick build of ch4 (own cache) and, while it trains, a second build into the same folder.

    Used by the lock test and by the determinism test (this is the second cold build with seed 0).
    """
    out = tmp_path_factory.mktemp("concurrent")
    cold_cache = tmp_path_factory.mktemp("cold-cache")
    first = start_cli("build", "ch4", "--profile", "quick", "--data", "sample", "--out", str(out),
                      "--cache-dir", str(cold_cache))  # not --quiet: its progress lines say when it trains
    wait_for_line(first, "[sigmoid] training,")
    second = run_cli("build", "ch4", "--profile", "quick", "--data", "sample", "--out", str(out),
                     "--cache-dir", str(cache_dir), "--quiet")
    first.wait(timeout=600)
    first.pump.join(timeout=10)
    return out, first, second


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, driven by Playwright: one for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield browser
        browser.close()
