"""Plain helpers shared by the tests (fixtures live in conftest.py).

Two ways to run the command line:
- :func:`cli` runs ``lecturegen.cli.main`` in this process (typer's ``CliRunner`` isolation: its own
  stdout, stderr and environment): fast, for the many cases that check one error line;
- :func:`run_cli` / :func:`start_cli` start the real entry point, ``python -m lecturegen``, in a
  subprocess: for what only a process shows (a traceback on stderr, signals, resource limits).

While the run is ``-m "not slow"`` (see conftest.py), TensorFlow cannot be imported: in this process
a blocker on ``sys.meta_path`` refuses it, and subprocesses started here get the same blocker
through ``tests/no_tensorflow/sitecustomize.py`` on their PYTHONPATH.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
NO_TENSORFLOW = Path(__file__).resolve().parent / "no_tensorflow"
# a chapter of two of ch4's experiments (relu, opt_adam: three runs), built once per test run (pair_build)
PAIR_CHAPTERS = Path(__file__).resolve().parent / "pair_chapter"

# set by conftest.py for a `-m "not slow"` run: the commands started here may not import TensorFlow
block_tensorflow = False

# ---------------------------------------------------------------- the headless browser

CHROMIUM = Path(os.environ.get("LECTUREGEN_CHROMIUM", "/usr/bin/chromium"))
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(os.environ.get("LECTUREGEN_ARTIFACTS", Path(__file__).resolve().parent / "artifacts"))


# ---------------------------------------------------------------- the command line


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for `python -m lecturegen`: this checkout, offline, TF quiet (and, in a
    `-m "not slow"` run, the TensorFlow blocker first on the path)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LECTUREGEN_")}
    path = [str(NO_TENSORFLOW)] if block_tensorflow else []
    env.update(PYTHONPATH=os.pathsep.join([*path, str(REPO)]), LECTUREGEN_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="2")
    env.update(extra)
    return env


@dataclass
class Completed:
    """What a command run in this process left: the same fields as ``subprocess.CompletedProcess``."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 60) -> Completed:
    """`lecturegen ARGS` in this process through ``lecturegen.cli.main``: stdout and stderr captured,
    the environment exactly ``env`` (default :func:`cli_env`) for the call and restored afterwards.

    An exception that escapes ``main`` is a traceback the user would see: it propagates and fails the
    test. ``timeout`` (SIGALRM) stops a command that waits where it must refuse (e.g. on a FIFO).
    """
    import logging
    import signal

    from typer.testing import CliRunner

    from lecturegen.cli import main

    wanted = env if env is not None else cli_env()
    changes: dict[str, str | None] = {k: None for k in os.environ if k not in wanted}
    changes.update(wanted)
    root = logging.getLogger()
    handlers, root.handlers = root.handlers, []  # main's logging.basicConfig writes to the captured stderr
    previous_dir = Path.cwd()

    def expired(signum, frame):
        raise TimeoutError(f"lecturegen {' '.join(args)} took more than {timeout} s")

    old_alarm = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with CliRunner().isolation(env=changes) as (stdout, stderr, _):
            if cwd is not None:
                os.chdir(cwd)
            code = main(list(args))
            sys.stdout.flush()
            sys.stderr.flush()
            out, err = stdout.getvalue().decode(), stderr.getvalue().decode()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_alarm)
        os.chdir(previous_dir)
        for handler in root.handlers:
            handler.close()
        root.handlers = handlers
    return Completed(list(args), code, out, err)


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300, cwd: Path | None = None):
    """`python -m lecturegen ARGS` in a subprocess, to the end."""
    return subprocess.run([sys.executable, "-m", "lecturegen", *args], capture_output=True, text=True,
                          env=env or cli_env(), timeout=timeout, cwd=cwd)


# A terminal starts a command with Ctrl-C (SIGINT) and SIGQUIT at their defaults. A test run started in the
# background by a script (``(pytest ... &)``: a non-interactive shell starts such commands with both ignored)
# hands them on ignored to every child, and Python leaves an ignored SIGINT ignored: the build would never see
# the test's Ctrl-C. The launcher puts both back, then becomes the command (exec: same pid).
AS_FROM_A_TERMINAL = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                      "signal.signal(signal.SIGQUIT, signal.SIG_DFL); os.execv(sys.executable, [sys.executable, *sys.argv[1:]])")


def start_cli(*args: str, env: dict[str, str] | None = None):
    """`python -m lecturegen ...` running in the background; its lines collected as they come: stderr's
    and stdout's together in ``lines``, stdout's also in ``out_lines``."""
    proc = subprocess.Popen([sys.executable, "-c", AS_FROM_A_TERMINAL, "-m", "lecturegen", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env or cli_env())
    proc.lines = []  # type: ignore[attr-defined]
    proc.out_lines = []  # type: ignore[attr-defined]

    def pump(stream, *into: list) -> None:
        for line in stream:
            for lines in into:
                lines.append(line.rstrip("\n"))

    proc.pump = threading.Thread(target=pump, args=(proc.stderr, proc.lines), daemon=True)  # type: ignore[attr-defined]
    proc.pump.start()  # type: ignore[attr-defined]
    threading.Thread(target=pump, args=(proc.stdout, proc.lines, proc.out_lines), daemon=True).start()
    return proc


def wait_for_line(proc, needle: str, timeout: float = 240) -> None:
    """Wait until a process of :func:`start_cli` printed a line holding ``needle`` (else kill it, fail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(needle in line for line in proc.lines):
            return
        if proc.poll() is not None and not proc.pump.is_alive():
            break
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"never saw {needle!r}; stderr:\n" + "\n".join(proc.lines))


TF_NOISE = re.compile(r"^([IWEF]\d{4} \d|WARNING: All log messages before absl)")


def error_lines(stderr: str) -> list[str]:
    """stderr without progress lines, warnings and TensorFlow's own C++ log lines."""
    return [line for line in stderr.splitlines()
            if line.strip() and not TF_NOISE.match(line) and not line.startswith(("warning:", "[", "data:"))]


# ---------------------------------------------------------------- chapters, data, reports, trees

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
                  layer: str = 'keras.layers.Dense(10, activation="softmax"),', optimizer: str = '"adam"',
                  loss: str = "sparse_categorical_crossentropy", content: str | None = TINY_CONTENT,
                  source: str | None = None) -> dict[str, str]:
    """A chapter module in ``folder`` (content in folder/<id>/ko.md); returns the env that finds it."""
    folder.mkdir(parents=True, exist_ok=True)
    text = source if source is not None else TINY_MODULE.format(
        title=title, layer=layer, optimizer=optimizer, loss=loss, chapter_id=chapter_id)
    (folder / f"{re.sub(r'[^a-z0-9]', '', chapter_id) or 'x'}.py").write_text(text, encoding="utf-8")
    if content is not None:
        (folder / chapter_id).mkdir(parents=True, exist_ok=True)
        (folder / chapter_id / "ko.md").write_text(content, encoding="utf-8")
    return cli_env(LECTUREGEN_CHAPTERS_DIR=str(folder))


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


def report_data(runs: dict[str, dict] | None = None, *, chapter_id: str = "ch4", lang: str = "ko",
                claims: list[dict] | None = None, outputs: list[str] | None = None, **provenance) -> dict:
    """A report.json object that passes lecturegen's report schema (for diff and publish tests)."""
    prov = {"lecturegen": "0.1.0", "tensorflow": "2.20.0", "keras": "3.15.1", "numpy": "2.3.0", "python": "3.11.7",
            "device": "CPU", "dataset": "MNIST", "dataset_sha256": "0" * 64, "sample_data": False, "seed": 0,
            "profile": "quick", "build_date": "2026-01-01 00:00 UTC", **provenance}
    return {"schema": 1, "chapter": {"id": chapter_id, "title": "t", "lang": lang}, "provenance": prov,
            "dataset": {"name": "MNIST"}, "sample_data": False, "profile": "quick", "runs": runs or {},
            "claims": claims or [], "figures": [], "outputs": outputs or ["report.json"]}


def seed_numbers(run: dict) -> list[tuple]:
    """A report run's numbers seed by seed (a run of several seeds reports their mean at the top; the
    per-seed entries also hold wall times, which no two builds share)."""
    return [(s["seed"], s["test_accuracy"], s["test_loss"], s["history"]) for s in run.get("per_seed") or []]


def copy_shared(src: Path, dst: Path) -> Path:
    """Copy a folder that another process of the test run may be adding to (the shared cache): a file
    gone by the time it is copied (a temporary file renamed into place meanwhile) is left out."""
    import shutil

    def copy(source, target):
        try:
            return shutil.copy2(source, target)
        except FileNotFoundError:
            return target

    return Path(shutil.copytree(src, dst, copy_function=copy))


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under root, by relative path: equal digests mean byte-identical trees."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}
