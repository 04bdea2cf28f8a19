"""Snippet side of ``lecturegen check``: execute snippets and report a verdict.

Loaded by path in the check worker (``worker.py``); standard library only, no
``lecturegen`` imports.  A job::

    {"cells": [{"code": str, "filename": str, "offset": int, "file": str|null}],
     "timeout": float, "sys_path": [str, ...]}

All cells run in order in ONE namespace (a notebook); a plain snippet is a job
with one cell.  ``offset`` is added to every line number so tracebacks, syntax
errors and warnings refer to lines of the ORIGINAL file.  After every cell
``serve`` sends a record on a pipe to its supervisor, signed with a key the
supervisor made for this job (``sign``/``verify``)::

    {"verdict": "ok"|"error"|"timeout"|"needs-data", "error_type": str|null, "message": str,
     "line": int|null, "warnings": [{"category": str, "message": str, "line": int|null}],
     "needs_data": keras.datasets module whose download failed | null}

then ``{"done": true}``.  The supervisor trusts only records that verify, in order, and
re-checks every field (``clean_record``).
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import hmac
import json
import os
import re
import signal
import sys
import traceback
import warnings
from types import FrameType, TracebackType
from typing import Any

MAX_WARNINGS = 20
MAX_MESSAGE = 4000
WARNING_CATEGORIES = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, UserWarning,
                      SyntaxWarning)


class CellTimeout(BaseException):
    """Raised by SIGALRM; BaseException so snippet ``except Exception`` can't swallow it."""


class _WarningRecorder:
    """``warnings.showwarning`` replacement that attributes warnings to snippet lines."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.records: list[dict[str, Any]] = []

    def __call__(self, message: Warning | str, category: type[Warning], filename: str,
                 lineno: int, file: Any = None, line: str | None = None) -> None:
        if not issubclass(category, WARNING_CATEGORIES):
            return
        snippet_line = lineno if filename == self.filename else None
        via_import = False
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            code_file = frame.f_code.co_filename
            if code_file == self.filename:
                snippet_line = snippet_line or frame.f_lineno
                break
            if code_file.startswith("<frozen importlib"):
                via_import = True
            frame = frame.f_back
        if snippet_line is None or (via_import and filename != self.filename):
            return  # emitted by library code on its own, e.g. while importing it
        record = {"category": category.__name__, "message": str(message)[:MAX_MESSAGE],
                  "line": snippet_line}
        if record not in self.records and len(self.records) < MAX_WARNINGS:
            self.records.append(record)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise CellTimeout()


def _snippet_line(tb: TracebackType | None, filename: str) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


DATASET_FILE = re.compile(r"[/\\]keras[/\\](?:src[/\\])?datasets[/\\](\w+)\.py$")


def _missing_dataset(tb: TracebackType | None) -> str | None:
    """The keras.datasets module (``mnist``, ``cifar10``...) whose download failed, if that is the error:
    the sandbox has no network, so a data set that is not in the Keras cache cannot be loaded."""
    name = None
    while tb is not None:
        m = DATASET_FILE.search(tb.tb_frame.f_code.co_filename)
        if m and m.group(1) != "__init__":
            name = m.group(1)
        if name and tb.tb_frame.f_code.co_name == "get_file":
            return name
        tb = tb.tb_next
    return None


def _keras_home(home: str) -> None:
    """Point an already imported Keras at the snippet's own HOME: the worker imported it (and fixed its
    cache folder, ~/.keras) before this process had a HOME of its own."""
    config = sys.modules.get("keras.src.backend.config")
    if config is not None and hasattr(config, "_KERAS_DIR"):
        config._KERAS_DIR = os.path.join(home, ".keras")


def _compile(cell: dict[str, Any], recorder: _WarningRecorder) -> Any:
    """Compile with line numbers shifted to the original file (errors and warnings too)."""
    try:
        with warnings.catch_warnings(record=True) as caught:  # e.g. invalid escape sequences
            warnings.simplefilter("always")
            tree = ast.parse(cell["code"], filename=cell["filename"])
    except SyntaxError as exc:
        if exc.lineno is not None:
            exc.lineno += cell["offset"]
        raise
    for w in caught:
        recorder(w.message, w.category, cell["filename"], (w.lineno or 1) + cell["offset"])
    ast.increment_lineno(tree, cell["offset"])
    return compile(tree, cell["filename"], "exec")


def run_cell(cell: dict[str, Any], namespace: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Execute one cell in ``namespace`` and return its result record."""
    recorder = _WarningRecorder(cell["filename"])
    result: dict[str, Any] = {"verdict": "ok", "error_type": None, "message": "",
                              "line": None, "warnings": recorder.records}
    saved_showwarning = warnings.showwarning
    warnings.showwarning = recorder
    warnings.simplefilter("always")
    try:
        code = _compile(cell, recorder)
    except SyntaxError as exc:  # only the snippet's own syntax; runtime ones are below
        warnings.showwarning = saved_showwarning
        result.update(verdict="error", error_type=type(exc).__name__, message=exc.msg,
                      line=exc.lineno)
        return result
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            exec(code, namespace)  # noqa: S102 - executing the audited snippet is the point
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except CellTimeout:
        result.update(verdict="timeout", message=f"exceeded {timeout:g} s time limit")
        result["line"] = _snippet_line(sys.exc_info()[2], cell["filename"])
    except SystemExit as exc:
        if exc.code not in (None, 0):
            result.update(verdict="error", error_type="SystemExit",
                          message=f"exit status {exc.code}")
    except BaseException as exc:  # noqa: BLE001 - every failure of the snippet is a verdict
        result.update(verdict="error", error_type=type(exc).__name__,
                      message=str(exc)[:MAX_MESSAGE],
                      line=_snippet_line(exc.__traceback__, cell["filename"]))
        dataset = _missing_dataset(exc.__traceback__)
        if dataset:
            result.update(verdict="needs-data", needs_data=dataset)
        traceback.print_exc()
    finally:
        warnings.showwarning = saved_showwarning
    return result


def sign(key: bytes, seq: int, body: dict[str, Any]) -> bytes:
    """One message of the verdict stream: a JSON line whose MAC binds its body to ``seq``."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    mac = hmac.new(key, f"{seq}:{text}".encode(), hashlib.sha256).hexdigest()
    return json.dumps({"seq": seq, "body": body, "mac": mac}).encode() + b"\n"


def verify(key: bytes, seq: int, line: bytes) -> dict[str, Any] | None:
    """The body of a message signed with ``key`` as number ``seq``, else None."""
    try:
        msg = json.loads(line)
        text = json.dumps(msg["body"], sort_keys=True, separators=(",", ":"))
        mac = hmac.new(key, f"{seq}:{text}".encode(), hashlib.sha256).hexdigest()
        ok = msg["seq"] == seq and isinstance(msg["body"], dict) and hmac.compare_digest(mac, msg["mac"])
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    return msg["body"] if ok else None


def _text(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _line(value: Any) -> int | None:
    return value if type(value) is int and 0 <= value < 1 << 31 else None


def clean_record(rec: Any) -> dict[str, Any] | None:
    """A cell record with exactly the expected fields and types, else None."""
    if not isinstance(rec, dict) or rec.get("verdict") not in ("ok", "error", "timeout", "needs-data"):
        return None
    warns = rec.get("warnings")
    if not isinstance(warns, list):
        return None
    clean = [{"category": _text(w.get("category"), 100) or "Warning",
              "message": _text(w.get("message"), MAX_MESSAGE) or "", "line": _line(w.get("line"))}
             for w in warns[:MAX_WARNINGS] if isinstance(w, dict)]
    return {"verdict": rec["verdict"], "error_type": _text(rec.get("error_type"), 100),
            "message": _text(rec.get("message"), MAX_MESSAGE) or "", "line": _line(rec.get("line")),
            "warnings": clean, "needs_data": _text(rec.get("needs_data"), 40)}


def _send(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def serve(job: dict[str, Any], fd: int, key: bytes, first_seq: int = 0) -> None:
    """Run the job's cells in one namespace, sending each record (then "done") on ``fd``."""
    sys.path[:0] = job.get("sys_path", [])
    _keras_home(os.environ.get("HOME", ""))
    signal.signal(signal.SIGALRM, _on_alarm)
    first = job["cells"][0]
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    if first.get("file"):
        namespace["__file__"] = first["file"]
    sys.argv[:] = [first.get("file") or ""]  # as if the snippet were the main script
    seq = first_seq
    for cell in job["cells"]:
        record = run_cell(cell, namespace, float(job["timeout"]))
        _send(fd, sign(key, seq, {"cell": record}))
        seq += 1
    _send(fd, sign(key, seq, {"done": True}))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # don't wait for threads the snippet left running, nor for TF teardown
