"""Subprocess side of ``lecturegen check``: execute snippets and report a verdict.

Run as ``python -P path/to/runner.py JOB.json RESULT.json``.  This file is
deliberately self-contained (standard library only, no ``lecturegen`` imports)
so it can be executed by path inside an isolated interpreter.

JOB.json::

    {"cells": [{"code": str, "filename": str, "offset": int, "file": str|null}],
     "timeout": float, "sys_path": [str, ...]}

All cells run in order in ONE namespace (a notebook); a plain snippet is a job
with one cell.  ``offset`` is added to every line number so tracebacks, syntax
errors and warnings refer to lines of the ORIGINAL file.  After every cell the
runner rewrites RESULT.json::

    {"pid": int, "cells": [{"verdict": "ok"|"error"|"timeout", "error_type": str|null,
                "message": str, "line": int|null,
                "warnings": [{"category": str, "message": str, "line": int|null}]}],
     "done": bool}
"""

from __future__ import annotations

import ast
import builtins
import json
import os
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
        traceback.print_exc()
    finally:
        warnings.showwarning = saved_showwarning
    return result


def _write(path: str, cells: list[dict[str, Any]], done: bool) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"pid": os.getpid(), "cells": cells, "done": done}, fh)
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    """Entry point: ``runner.py JOB.json RESULT.json``."""
    job_path, result_path = argv[1], argv[2]
    with open(job_path, encoding="utf-8") as fh:
        job = json.load(fh)
    sys.path[:0] = job.get("sys_path", [])
    signal.signal(signal.SIGALRM, _on_alarm)
    first = job["cells"][0]
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    if first.get("file"):
        namespace["__file__"] = first["file"]
    sys.argv[:] = [first.get("file") or ""]  # as if the snippet were the main script
    results: list[dict[str, Any]] = []
    _write(result_path, results, done=False)
    for cell in job["cells"]:
        results.append(run_cell(cell, namespace, float(job["timeout"])))
        _write(result_path, results, done=False)
    _write(result_path, results, done=True)
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # don't wait for threads the snippet left running, nor for TF teardown
