"""The ``lecturegen check`` worker: import the heavy libraries once, fork a confined child per job.

Started by ``audit.Worker`` as ``python -P worker.py`` with a scrubbed environment; loads
``sandbox.py``, ``runner.py`` and, before TensorFlow, ``lecturegen/lazykeras.py`` by path (standard
library only, so no snippet can shadow them).
Three levels of processes, all trusted code until the last step:

* the worker (W) imports the heavy libraries the snippets import (``client.PRELOAD_ROOTS``:
  TensorFlow takes seconds), then serves jobs; it never runs snippet code;
* per job a supervisor (C), forked from W: makes the verdict key and pipe, a new PID namespace,
  forks the snippet process, enforces the wall-clock deadline, verifies every message, kills and
  reaps the whole process tree, and sends the report to W;
* the snippet process (S), forked from C: PID 1 of its namespace, confines itself
  (``sandbox.confine``) and runs the cells (``runner.serve``) in the fresh copy of W's memory.

Lines on stdin/stdout, one JSON object each::

    in  {"preload": [module, ...], "namespaces": bool}   out {"ready": true, "preloaded": [module, ...]}
    in  {"id": int, "job": {...}, "work": dir, "memory_mb": int, "deadline": seconds, "datasets": dir|null}
    out {"id": int, "cells": [record, ...], "done": bool, "forged": bool, "timed_out": bool,
         "status": int|null, "isolation": {step: true|reason}, "stderr": str,
         "output": {"stdout": bytes written, "stderr": bytes written}}

The snippet's stdout and stderr are pipes the supervisor reads as they come: stdout is counted
and dropped, stderr is counted and only its last ``STDERR_TAIL`` bytes kept, so however much a
snippet prints, nothing of it reaches the disk and memory stays bounded.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import select
import selectors
import signal
import sys
import time
import traceback
from types import ModuleType
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
# One verdict message may be this long; an honest record is at most ~1 MiB (runner.MAX_MESSAGE
# characters, JSON-escaped, for the message and each of runner.MAX_WARNINGS warnings).
MAX_LINE = 4 << 20
STDERR_TAIL = 4000
NAMESPACES = True  # from the hello message: False runs without namespaces (the fallback path)


def _load(name: str, folder: str = HERE) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_lecturegen_check_{name}", os.path.join(folder, f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


sandbox = _load("sandbox")
runner = _load("runner")


def _status(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


class Stream:
    """The supervisor's view of the verdict pipe: verified records, in order."""

    def __init__(self, key: bytes, cells: int) -> None:
        self.key, self.buf, self.seq = key, b"", 0
        self.max_seq = cells + 1  # isolation, one record per cell, done
        self.cells: list[dict[str, Any]] = []
        self.isolation: dict[str, Any] = {}
        self.done = self.forged = False

    def feed(self, data: bytes) -> None:
        if self.forged or self.done:
            return
        self.buf += data
        while b"\n" in self.buf and not (self.forged or self.done):
            line, self.buf = self.buf.split(b"\n", 1)
            if len(line) > MAX_LINE or self.seq > self.max_seq:
                self.forged = True
                return
            self._message(runner.verify(self.key, self.seq, line))
            self.seq += 1
        if len(self.buf) > MAX_LINE:  # a line longer than any honest record: memory stays bounded
            self.forged = True
            self.buf = b""

    def _message(self, body: dict[str, Any] | None) -> None:
        if body is None:
            self.forged = True
        elif self.seq == 0 and isinstance(body.get("isolation"), dict):
            self.isolation = {str(k)[:20]: v if v is True else str(v)[:200] for k, v in body["isolation"].items()}
        elif self.seq > 0 and body.get("done") is True:
            self.done = True
        elif self.seq > 0 and (record := runner.clean_record(body.get("cell"))) is not None:
            self.cells.append(record)
        else:
            self.forged = True


class Output:
    """One of the snippet's output pipes: bytes counted, only the last ``keep`` bytes kept."""

    def __init__(self, keep: int) -> None:
        self.keep, self.size, self.tail = keep, 0, b""

    def feed(self, data: bytes) -> None:
        self.size += len(data)
        if self.keep:
            self.tail = (self.tail + data)[-self.keep:]


def _drain(fd: int, sink: Any) -> bool:
    """Read what ``fd`` has now into ``sink``; False at end of file."""
    try:
        data = os.read(fd, 65536)
    except BlockingIOError:
        return True
    sink.feed(data)
    return bool(data)


def _snippet_process(req: dict[str, Any], iso: Any, key: bytes, fds: tuple[int, int, int]) -> None:
    """S: confine this process, then run the cells; never returns."""
    w, out, err = fds
    try:
        sandbox.die_with_parent()
        devnull = os.open(os.devnull, os.O_RDONLY)
        for src, dst in ((devnull, 0), (out, 1), (err, 2)):
            os.dup2(src, dst)
        sandbox.close_fds_except({w})
        sandbox.confine(iso, req["work"], int(req["memory_mb"]), dict(os.environ), NAMESPACES, req.get("datasets"))
        os.write(w, runner.sign(key, 0, {"isolation": iso.steps}))
        runner.serve(req["job"], w, key, first_seq=1)
    except BaseException:  # noqa: BLE001 - report, then leave without running anything else
        traceback.print_exc()
    os._exit(70)


def _watch(sinks: dict[int, Any], pid: int, deadline: float) -> tuple[int, bool]:
    """Read the pipes until S exits (killing it at ``deadline`` or when it forges); its status."""
    timed_out = killed = False
    stream = next(s for s in sinks.values() if isinstance(s, Stream))
    open_fds = set(sinks)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status, timed_out
        if not killed and (stream.forged or time.monotonic() > deadline):
            timed_out, killed = not stream.forged, True
            os.kill(pid, signal.SIGKILL)  # PID 1 of its namespace: takes every process in it along
        if not open_fds:
            time.sleep(0.05)  # every pipe closed (the snippet closed its own ends): wait for its exit
            continue
        for fd in select.select(list(open_fds), [], [], 0.05)[0]:
            if not _drain(fd, sinks[fd]):
                open_fds.discard(fd)


def _abandon(pid: int) -> None:
    """The worker (so lecturegen) is gone: kill the snippet process and all it started, then leave."""
    os.kill(pid, signal.SIGKILL)
    sandbox.reap_descendants()  # without a PID namespace its orphans come to us (subreaper)
    os._exit(1)


def supervise(req: dict[str, Any], report_fd: int) -> None:
    """C: run one job in a confined snippet process and write the verified report to ``report_fd``."""
    sandbox.die_with_parent(signal.SIGTERM)  # the worker died: kill the snippet's tree, see below
    iso = sandbox.Isolation()
    key = os.urandom(32)
    r, w = os.pipe()
    out_r, out = os.pipe()
    err_r, err = os.pipe()
    sandbox.new_pid_namespace(iso, NAMESPACES)
    pid = os.fork()
    if pid == 0:
        for fd in (r, out_r, err_r):
            os.close(fd)
        _snippet_process(req, iso, key, (w, out, err))
    for fd in (w, out, err):
        os.close(fd)
    signal.signal(signal.SIGTERM, lambda *_: _abandon(pid))
    stream, stdout, stderr = Stream(key, len(req["job"]["cells"])), Output(0), Output(STDERR_TAIL)
    sinks: dict[int, Any] = {r: stream, out_r: stdout, err_r: stderr}
    for fd in sinks:
        os.set_blocking(fd, False)
    status, timed_out = _watch(sinks, pid, time.monotonic() + float(req["deadline"]))
    sandbox.reap_descendants()  # no one holds the pipes' write ends any more
    for fd, sink in sinks.items():
        while _drain(fd, sink) and select.select([fd], [], [], 0)[0]:
            pass
    report = {"cells": stream.cells, "done": stream.done, "forged": stream.forged, "timed_out": timed_out,
              "status": _status(status), "isolation": {**iso.steps, **stream.isolation},
              "stderr": stderr.tail.decode("utf-8", errors="replace"),
              "output": {"stdout": stdout.size, "stderr": stderr.size}}
    runner._send(report_fd, json.dumps(report).encode())


def _start(req: dict[str, Any]) -> tuple[int, int]:
    """Fork a supervisor for ``req``; return (its pid, the read end of its report pipe)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 0)
            os.dup2(devnull, 1)
            sandbox.close_fds_except({w})  # W's protocol pipes stay out of reach
            supervise(req, w)
        except BaseException:  # noqa: BLE001
            traceback.print_exc()
            os._exit(70)
        os._exit(0)
    os.close(w)
    return pid, r


REPLY_FD = 1  # moved off fd 1 in main(), so that nothing printed can break a reply


def _reply(obj: dict[str, Any]) -> None:
    runner._send(REPLY_FD, json.dumps(obj).encode() + b"\n")


def _preload(names: list[str]) -> list[str]:
    if any(name.partition(".")[0] in ("tensorflow", "keras") for name in names):
        # Keras' scikit-learn wrappers and plotting helpers load when a snippet uses them, not with
        # TensorFlow (1.2 of its 4.3 CPU s here); standard library only, like sandbox and runner
        _load("lazykeras", os.path.dirname(HERE)).defer_optional_helpers()
    loaded = []
    for name in names:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception:  # noqa: BLE001 - the snippet will meet the same error itself
            pass
    return loaded


def _finish(pid: int, req_id: int, data: bytes) -> None:
    _, status = os.waitpid(pid, 0)
    try:
        report = json.loads(data)
    except ValueError:
        report = {"error": f"job supervisor failed (status {_status(status)})"}
    _reply({"id": req_id, **report})


Jobs = dict[int, tuple[int, int, bytearray]]  # report pipe fd -> (job id, supervisor pid, report so far)


def _accept(inbox: bytes, sel: selectors.BaseSelector, jobs: Jobs) -> bytes:
    """Start a supervisor for every complete request line in ``inbox``; the rest."""
    while b"\n" in inbox:
        line, inbox = inbox.split(b"\n", 1)
        req = json.loads(line)
        pid, r = _start(req)
        jobs[r] = (req["id"], pid, bytearray())
        sel.register(r, selectors.EVENT_READ)
    return inbox


def _hello() -> tuple[dict[str, Any], bytes]:
    inbox = b""
    while b"\n" not in inbox:
        chunk = os.read(0, 1 << 16)
        if not chunk:
            os._exit(0)
        inbox += chunk
    line, inbox = inbox.split(b"\n", 1)
    return json.loads(line), inbox


def main() -> None:
    global NAMESPACES, REPLY_FD
    sandbox.die_with_parent()
    REPLY_FD = os.dup(1)
    os.dup2(2, 1)  # whatever a library prints goes to the worker's log
    hello, inbox = _hello()
    NAMESPACES = hello.get("namespaces", True) is not False
    _reply({"ready": True, "preloaded": _preload(list(hello.get("preload", [])))})
    sel, jobs = selectors.DefaultSelector(), {}
    sel.register(0, selectors.EVENT_READ)
    inbox, reading = _accept(inbox, sel, jobs), True
    while reading or jobs:
        for key, _ in sel.select():
            chunk = os.read(key.fd, 1 << 20)
            if key.fd == 0:
                reading = bool(chunk)
                if not reading:
                    sel.unregister(0)
                inbox = _accept(inbox + chunk, sel, jobs)
            elif chunk:
                jobs[key.fd][2].extend(chunk)
            else:
                sel.unregister(key.fd)
                os.close(key.fd)
                req_id, pid, buf = jobs.pop(key.fd)
                _finish(pid, req_id, bytes(buf))
    os._exit(0)


if __name__ == "__main__":
    main()
