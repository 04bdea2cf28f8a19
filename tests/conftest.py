"""Shared fixtures: one real quick build on the offline MNIST sample (Korean and English), its
published site, its `--seeds 2` build and a build of a two-experiment chapter (tests/pair_chapter),
each made once per test run and only read by the tests (shared_builds.py; a test that changes one works on a copy); one headless browser per process.
Plain helpers are in helpers.py.

The run may be spread over processes with pytest-xdist (`pytest -n 2`): the shared builds are then
still made once (a file lock per build), the tests that need them run after the others, which they
overlap with (the builds start in the background as soon as the tests are collected), and the
tests sharing an expensive module fixture run in one process (`--dist loadgroup`).

`pytest -m "not slow"` trains nothing: a test using a fixture of TRAINING_FIXTURES is marked slow,
and in such a run TensorFlow cannot be imported, neither here nor in the commands the helpers start
(tests/no_tensorflow): a test that tries fails, even when it catches the ImportError.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

os.environ.setdefault("LECTUREGEN_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import helpers  # noqa: E402
import shared_builds  # noqa: E402
from helpers import BROWSER_ARGS, CHROMIUM, PAIR_CHAPTERS, run_cli, start_cli, wait_for_line  # noqa: E402


# fixtures that train models, execute a notebook or drive a browser: a test using one is slow
TRAINING_FIXTURES = {"quick_build", "seeds_build", "built_both", "published_site", "concurrent_builds", "ch5_build",
                     "pair_build",
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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items) -> None:
    """Every test that trains (through a shared build fixture) carries the slow mark, so that
    `pytest -m "not slow"` trains nothing. The tests that read a shared build run last (they wait for
    it, the others need not), and tests sharing an expensive module fixture get one xdist group.

    First of the hooks (tryfirst): pytest-xdist reads the groups in its own hook of this name, in each
    worker, and a group marked after that is silently ignored: the module fixture is then made once in
    every worker that runs one of the module's tests (as the cluster was, twice a run, until this)."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if TRAINING_FIXTURES & names:
            item.add_marker(pytest.mark.slow)
        module_fixtures = sorted(MODULE_FIXTURES & names)
        if module_fixtures:
            item.add_marker(pytest.mark.xdist_group(f"{item.path.name}::{module_fixtures[0]}"))
    items.sort(key=lambda item: bool(_stages(item)))  # stable: otherwise in collection order


# the session fixtures that read a shared build, and the stage of shared_builds.py each needs
# (`decks`: test_classroom.py's, which asks for built_both unless given other decks)
STAGE_OF = {"quick_build": "quick", "cache_dir": "quick", "built_both": "both", "decks": "both",
            "published_site": "site", "seeds_build": "seeds", "pair_build": "pair", "concurrent_builds": "pair"}
STAGE_NEEDS = {"quick": {"quick"}, "both": {"quick", "both"}, "site": {"quick", "both", "site"},
               "seeds": {"quick", "seeds"}, "pair": {"pair"}}
# module fixtures that build or start something costly: their module's tests run in one xdist worker
MODULE_FIXTURES = {"cluster", "evil_build", "ch5_build", "audit", "decks", "served", "cached_runs",
                   "sequential_runs"}
PREBUILD = pytest.StashKey[subprocess.Popen]()


def _stages(item) -> set[str]:
    names = set(getattr(item, "fixturenames", ()))
    return set().union(*(STAGE_NEEDS[STAGE_OF[name]] for name in names & STAGE_OF.keys()))


def _shared_root(factory: pytest.TempPathFactory) -> Path:
    """Where the shared builds live: this run's base temp, or under pytest-xdist the folder of the
    workers' base temps (one per run, shared by its workers). $LECTUREGEN_TEST_SHARED names a folder
    to keep them in across runs instead (while working on slow tests; stale once the code changes)."""
    if os.environ.get("LECTUREGEN_TEST_SHARED"):
        return Path(os.environ["LECTUREGEN_TEST_SHARED"])
    base = factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared-builds"


def pytest_collection_finish(session) -> None:
    """Start making the shared builds the collected tests need, in the background: the tests that need
    none run meanwhile. Only the first process of the run to get here starts it (shared_builds.claim)."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    if session.config.option.collectonly or factory is None:
        return
    needed = set().union(*(_stages(item) for item in session.items)) if session.items else set()
    stages = [stage for stage in shared_builds.STAGES if stage in needed]
    if not stages:
        return
    root = _shared_root(factory)
    fds = shared_builds.claim(root, stages)
    if fds is None:
        return
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(helpers.REPO), os.environ.get("PYTHONPATH")]))}
    with open(root / "background.log", "w") as log:
        session.config.stash[PREBUILD] = subprocess.Popen(
            [sys.executable, str(Path(shared_builds.__file__)), str(root), *(f"{s}={fd}" for s, fd in fds.items())],
            pass_fds=tuple(fds.values()), stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    for fd in fds.values():
        os.close(fd)


def pytest_sessionfinish(session, exitstatus) -> None:
    """Wait for the background builds (another xdist worker may still be reading them), unless the
    run was cut short: then stop them."""
    proc = session.config.stash.get(PREBUILD, None)
    if proc is None or proc.poll() is not None:
        return
    if exitstatus == pytest.ExitCode.INTERRUPTED or session.shouldstop or session.shouldfail:
        proc.kill()
    proc.wait()


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
def shared_root(tmp_path_factory) -> Path:
    root = _shared_root(tmp_path_factory)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _stage(root: Path, stage: str) -> SimpleNamespace:
    """A shared build's record (exit_code, output), made here if no other process made it."""
    record = shared_builds.stage_result(root, stage)
    assert record["exit_code"] == 0, record["output"]
    return SimpleNamespace(**record)


@pytest.fixture(scope="session")
def quick_build(shared_root):
    """`lecturegen build ch4 --profile quick --data sample` through the real pipeline: (OUT/ch4, result)."""
    return shared_root / "out" / "ch4", _stage(shared_root, "quick")


@pytest.fixture(scope="session")
def cache_dir(shared_root, quick_build) -> Path:
    """The cache the quick build filled (shared by the run: only add to it; copy it to damage it)."""
    return shared_root / "cache"


@pytest.fixture(scope="session")
def seeds_build(shared_root, quick_build):
    """The same quick build with `--seeds 2`: seed 0 comes from the cache, seed 1 trains."""
    return shared_root / "out-seeds" / "ch4", _stage(shared_root, "seeds")


@pytest.fixture(scope="session")
def pair_build(shared_root):
    """`lecturegen build pair` (tests/pair_chapter: ch4's relu and opt_adam, three runs) the default way,
    its own cache: (OUT/pair, result); build it with --chapters-dir PAIR_CHAPTERS."""
    return shared_root / "pair" / "out" / "pair", _stage(shared_root, "pair")


@pytest.fixture()
def tiny_idx(tmp_path) -> Path:
    """A folder with the four MNIST IDX files, holding 200 + 50 random 28x28 images."""
    return helpers.make_idx_folder(tmp_path / "tiny-idx", 200, 50)


@pytest.fixture(scope="session")
def built_both(shared_root, quick_build) -> Path:
    """The quick build's output folder with the English build next to the Korean one (cached results)."""
    _stage(shared_root, "both")
    return shared_root / "out"


@pytest.fixture(scope="session")
def published_site(shared_root, built_both) -> Path:
    """`lecturegen publish` of ch4 (Korean and English) into a fresh site (read only: copy it to publish over it)."""
    _stage(shared_root, "site")
    return shared_root / "web" / "site"


@pytest.fixture(scope="session")
def concurrent_builds(shared_root, pair_build):
    """A cold build of the pair chapter (own cache) and, while it trains, a second build into the same folder.

    Used by the lock test and by the determinism test (the second cold build with seed 0, pair_build
    the first). The first build is stopped (SIGSTOP) once it trains and continued after the second has
    run: it holds the folder's lock all that time, however fast the machine. Made once per run (under
    pytest-xdist, by the first worker that needs it): (OUT, first, second).
    """
    out = shared_root / "concurrent"
    record = shared_root / "concurrent.json"
    pair = ("build", "pair", "--chapters-dir", str(PAIR_CHAPTERS), "--profile", "quick", "--data", "sample",
            "--out", str(out))
    with shared_builds.locked(shared_root, "concurrent"):
        if not record.exists():
            first = start_cli(*pair, "--cache-dir", str(shared_root / "cold-cache"))  # not --quiet: its progress says when it trains
            try:
                wait_for_line(first, "[relu] training,")
                first.send_signal(signal.SIGSTOP)
                second = run_cli(*pair, "--cache-dir", str(shared_root / "pair" / "cache"), "--quiet")
            finally:
                first.send_signal(signal.SIGCONT)
            first.wait(timeout=600)
            first.pump.join(timeout=10)
            done = {"first": {"returncode": first.returncode, "lines": first.lines},
                    "second": {"returncode": second.returncode, "stdout": second.stdout, "stderr": second.stderr}}
            record.write_text(json.dumps(done), encoding="utf-8")
        done = json.loads(record.read_text(encoding="utf-8"))
    return out, SimpleNamespace(**done["first"]), SimpleNamespace(**done["second"])


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, driven by Playwright: one for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield browser
        browser.close()
