"""lecturegen's side of the check worker (``worker.py``): start it, send jobs, collect reports.

The worker runs with a scrubbed environment (``sandbox.scrubbed_env``) in a temporary folder
that also holds one ``job-N/`` folder per job: ``work/`` (the snippet's cwd, HOME and TMPDIR; in a
mount namespace a tmpfs of ``sandbox.WORK_DISK_MB``).  The snippet's output never reaches the disk.  Everything is removed when the check ends.
"""

from __future__ import annotations

import ast
import itertools
import json
import logging
import os
import shutil
import site
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Iterable

from lecturegen.check.rules import parse_quietly
from lecturegen.check.sandbox import OFF, scrubbed_env
from lecturegen.messages import say

logger = logging.getLogger(__name__)

WORKER = Path(__file__).with_name("worker.py")
# Imported once by the worker when a snippet imports them (TensorFlow alone takes seconds).
PRELOAD_ROOTS = {"numpy", "tensorflow", "keras", "matplotlib", "pandas", "scipy", "sklearn"}
HEAVY_ROOTS = {"tensorflow", "keras"}  # seconds to import: their jobs get a worker of their own
READY_TIMEOUT = 600.0  # importing TensorFlow on a loaded machine
REPORT_GRACE = 30.0  # on top of the job's own deadline, which the worker enforces
ISOLATION_STEPS = ("pid", "net", "files", "caps", "landlock", "sockets")  # confinement steps; check.isolation.<step> says what it means


def preload_modules(codes: Iterable[str]) -> list[str]:
    """Modules the snippets import whose import is worth doing once (TensorFlow and friends)."""
    found: dict[str, None] = {}
    for code in codes:
        try:
            tree = parse_quietly(code)  # e.g. invalid escapes: the runner reports them
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level
                     else [])
            for name in names:
                if name.split(".")[0] in PRELOAD_ROOTS:
                    found.setdefault(name.split(".")[0])
                    if name == "matplotlib.pyplot":
                        found.setdefault(name)
    return list(found)


def keras_datasets() -> str | None:
    """The user's Keras dataset cache (``$KERAS_HOME/datasets`` or ``~/.keras/datasets``), if any."""
    folder = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets"
    return str(folder.resolve()) if folder.is_dir() else None


def _environment(home: str) -> dict[str, str]:
    env = scrubbed_env(dict(os.environ), home)
    user_site = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user_site and user_site in sys.path:  # keep packages installed with `pip install --user`
        env["PYTHONUSERBASE"] = site.getuserbase()
    return env


class Worker:
    """A ``worker.py`` process: ``start``, then ``run`` (from several threads at once), ``close``."""

    def __init__(self, preload: list[str]) -> None:
        self.preload = preload
        self.root: Path | None = None  # made by start()
        self.ids = itertools.count(1)
        self.lock = threading.Lock()
        self.pending: dict[int, Future[dict[str, Any]]] = {}
        self.isolation: dict[str, Any] = {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready: Future[dict[str, Any]] = Future()

    def start(self) -> None:
        """Start the worker; it imports its modules while the caller goes on (``run`` waits)."""
        root = self.root = Path(tempfile.mkdtemp(prefix="lecturegen-check-"))
        home = root / "home"
        home.mkdir()
        with open(root / "worker.log", "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-P", str(WORKER)], cwd=home,
                                         env=_environment(str(home)), stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        namespaces = os.environ.get("LECTUREGEN_CHECK_NAMESPACES", "1") != "0"
        self.proc.stdin.write(json.dumps({"preload": self.preload, "namespaces": namespaces}).encode() + b"\n")
        self.proc.stdin.flush()
        self.pending[0] = self.ready
        threading.Thread(target=self._read, args=(root / "worker.log",), daemon=True).start()

    def _read(self, log_path: Path) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                future = self.pending.pop(0 if msg.get("ready") else msg["id"], None)
            if future is not None:
                future.set_result(msg)
        try:
            log = log_path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:  # removed: the check is over
            log = ""
        why = "the check worker stopped unexpectedly" + (f": {log.splitlines()[-1][:200]}" if log else "")
        with self.lock:  # the worker died: fail whatever still waits
            for future in self.pending.values():
                future.set_result({"error": why})
            self.pending.clear()

    def run(self, job: dict[str, Any], memory_mb: int, deadline: float) -> dict[str, Any]:
        """Run one job; its report (see ``worker.py``)."""
        assert self.proc is not None and self.proc.stdin is not None
        hello = self.ready.result(timeout=READY_TIMEOUT)
        if hello.get("error"):
            return hello
        job_id = next(self.ids)
        assert self.root is not None
        folder = self.root / f"job-{job_id}"
        (folder / "work").mkdir(parents=True)
        request = {"id": job_id, "job": job, "work": str(folder / "work"), "memory_mb": memory_mb, "deadline": deadline,
                   "datasets": keras_datasets()}
        future: Future[dict[str, Any]] = Future()
        with self.lock:
            self.pending[job_id] = future
            try:
                self.proc.stdin.write(json.dumps(request).encode() + b"\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                self.pending.pop(job_id, None)
                return {"error": "the check worker stopped unexpectedly"}
        try:
            report = future.result(timeout=deadline + REPORT_GRACE)
        except TimeoutError:
            report = {"error": f"no report from the check worker within {deadline + REPORT_GRACE:g} s"}
        shutil.rmtree(folder, ignore_errors=True)
        self.isolation = self.isolation or dict(report.get("isolation") or {})
        return report

    def warn_isolation(self) -> None:
        """Say once which confinement steps did not hold on this machine."""
        for step in ISOLATION_STEPS:
            state = self.isolation.get(step)
            if self.isolation and state is not True:
                why = (say("check.isolation.not_attempted") if not state else say("check.isolation.why_off")
                       if state == OFF else say(f"check.isolation.why_{step}", detail=state))
                logger.warning(say("check.isolation.line", what=say(f"check.isolation.{step}", why=why)))

    def close(self) -> None:
        """Let the worker finish (kill it if it does not) and remove its folder."""
        if self.proc is not None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()  # the worker we started, by its own pid; its children die with it
                self.proc.wait()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)


class Workers:
    """One worker for the jobs that import TensorFlow or Keras, one for the rest, started together:
    the light jobs run while the heavy worker is still importing TensorFlow."""

    def __init__(self, jobs_codes: list[list[str]]) -> None:
        preloads = [preload_modules(codes) for codes in jobs_codes]
        self.kinds = ["heavy" if any(m.split(".")[0] in HEAVY_ROOTS for m in p) else "light" for p in preloads]
        self.workers = {kind: Worker(list(dict.fromkeys(m for p, k in zip(preloads, self.kinds) if k == kind
                                                         for m in p)))
                        for kind in dict.fromkeys(self.kinds)}

    def __enter__(self) -> Workers:
        for worker in self.workers.values():
            worker.start()
        return self

    def order(self) -> list[int]:
        """Job indices, light jobs first."""
        return sorted(range(len(self.kinds)), key=lambda i: self.kinds[i] == "heavy")

    def run(self, index: int, job: dict[str, Any], memory_mb: int, deadline: float) -> dict[str, Any]:
        return self.workers[self.kinds[index]].run(job, memory_mb, deadline)

    def warn_isolation(self) -> None:
        for worker in self.workers.values():
            if worker.isolation:
                worker.warn_isolation()
                return

    def __exit__(self, *exc: object) -> None:
        for worker in self.workers.values():
            worker.close()
