"""``lecturegen check``: run existing lecture code against the installed TF/Keras/NumPy.

Snippets come from ``extract`` (whole ``.py`` files, notebook code cells, Python blocks of
Markdown and HTML); all cells of a notebook form one job.  Each job runs in a fresh process
forked from a warm worker (``worker.py``: TensorFlow imported once), confined by ``sandbox.py``
(scrubbed environment, own temporary folder, no network, its process tree reaped) under time and
address-space limits; the verdicts come back verified (``runner.verify``).  ``rules`` suggests
fixes.  Result lines are file lines (for notebooks: lines of the named cell).
"""

from __future__ import annotations

import logging
import re
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from lecturegen.check.client import Workers
from lecturegen.check.extract import CheckInputError, Snippet, collect_snippets
from lecturegen.check.rules import match_message, static_hits
from lecturegen.messages import say

__all__ = ["CheckInputError", "CheckResult", "Snippet", "check_snippets", "collect_snippets"]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
# Address space, not RSS: TF 2.21 + Keras 3 fitting a tiny model peaks at 1.9 GiB VmPeak
# (RSS 0.75 GiB) with MALLOC_ARENA_MAX=2 (set by the sandbox), 2.9 GiB without it.
DEFAULT_MEMORY_MB = 4096
STARTUP_GRACE = 10.0  # wall-clock deadline per job = timeout * cells + grace


@dataclass
class CheckResult:
    """Verdict for one snippet: ``ok`` | ``warning`` | ``error`` | ``timeout``."""

    path: str
    line: int
    snippet: str
    kind: str
    verdict: str
    message: str = ""
    error_type: str | None = None
    fix: str | None = None
    rule: str | None = None
    warnings: list[dict[str, Any]] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- execution
def _code_filename(s: Snippet) -> str:
    path = str(s.path.resolve())
    return f"{path} [cell {s.index}]" if s.kind == "ipynb" else path


def _describe_exit(rc: int | None, stderr: str, memory_mb: int) -> str:
    tail = next((ln.strip() for ln in reversed(stderr.splitlines()) if ln.strip()), "")
    if rc is not None and rc < 0:
        name = signal.Signals(-rc).name if -rc in signal.valid_signals() else str(-rc)
        why = f"killed by {name} (possibly over the {memory_mb} MiB memory limit)"
    else:
        why = f"exited with status {rc} before reporting"
    return f"runner {why}" + (f": {tail[:200]}" if tail else "")


def _job(group: list[Snippet], timeout: float) -> dict[str, Any]:
    return {"cells": [{"code": s.code, "filename": _code_filename(s),
                       "offset": 0 if s.kind == "ipynb" else s.line - 1,
                       "file": str(s.path.resolve()) if s.kind == "py" else None} for s in group],
            "timeout": timeout, "sys_path": [str(group[0].path.resolve().parent)]}


def _failure(report: dict[str, Any], timeout: float, memory_mb: int) -> tuple[str, str]:
    """Verdict and message for the first cell without a verified record, from what the parent saw."""
    if report.get("error"):
        return "error", str(report["error"])
    if report.get("forged"):
        return "error", ("the snippet's process sent a result that failed verification "
                         "(forged or garbled); nothing it reported is trusted")
    if report.get("timed_out"):
        return "timeout", f"exceeded {timeout:g} s time limit (killed)"
    return "error", _describe_exit(report.get("status"), str(report.get("stderr", "")), memory_mb)


def _results(group: list[Snippet], report: dict[str, Any], timeout: float,
             memory_mb: int) -> list[CheckResult]:
    """Verdicts for one job from the worker's report (records are verified and cleaned there)."""
    trusted = [] if report.get("forged") or report.get("error") else list(report.get("cells", []))
    results = [_classify(s, r) for s, r in zip(group, trusted)]
    if len(trusted) < len(group):  # killed, crashed, forged, or stopped in cell len(trusted)
        verdict, why = _failure(report, timeout, memory_mb)
        stuck = group[len(trusted)]
        results.append(_classify(stuck, {"verdict": verdict, "message": why}))
        for s in group[len(trusted) + 1:]:
            results.append(_classify(s, {"verdict": verdict,
                                         "message": f"not run: stopped in {stuck.snippet_id}"}))
    return results


def _is_relevant(w: dict[str, Any], hits: dict[int, tuple[str, str]]) -> bool:
    return (w["category"] != "UserWarning" or bool(re.search("deprecat", w["message"], re.I))
            or match_message(f"UserWarning: {w['message']}") is not None or w["line"] in hits)


def _classify(s: Snippet, rec: dict[str, Any]) -> CheckResult:
    offset = 0 if s.kind == "ipynb" else s.line - 1
    hits = static_hits(s.code, offset)  # {line: (rule_id, fix)} found via ast
    res = CheckResult(path=str(s.path), line=s.line, snippet=s.snippet_id, kind=s.kind,
                      verdict=rec["verdict"], message=rec.get("message", ""),
                      error_type=rec.get("error_type"))
    res.warnings = [w for w in rec.get("warnings", []) if _is_relevant(w, hits)]
    text = f"{res.error_type}: {res.message}"
    line = rec.get("line")
    if res.verdict == "ok" and res.warnings:
        first, more = res.warnings[0], len(res.warnings) - 1
        res.verdict, res.error_type, line = "warning", first["category"], first["line"]
        res.message = first["message"] + (f" (+{more} more)" if more else "")
        text = f"{first['category']}: {first['message']}"
    res.line = line or s.line
    if res.verdict != "ok":
        res.rule, res.fix = match_message(text) or hits.get(res.line, (None, None))
    res.hints = [f"line {n}: {fix}" for n, (rule, fix) in sorted(hits.items())
                 if not (n == res.line and rule == res.rule)]
    return res


def _groups(snippets: list[Snippet]) -> list[list[Snippet]]:
    groups: list[list[Snippet]] = []
    for s in snippets:  # all cells of one notebook form one job
        if s.kind == "ipynb" and groups and (groups[-1][0].kind, groups[-1][0].path) == ("ipynb", s.path):
            groups[-1].append(s)
        else:
            groups.append([s])
    return groups


def check_snippets(snippets: list[Snippet], timeout: float = DEFAULT_TIMEOUT,
                   memory_mb: int = DEFAULT_MEMORY_MB, jobs: int = 2) -> list[CheckResult]:
    """Run every snippet in its own confined process (``jobs`` at a time), in input order."""
    if not (0 < timeout < 86400) or not (64 <= memory_mb <= 1 << 24) or not (1 <= jobs <= 256):
        raise CheckInputError(say("errors.check_audit.timeout_memory_mb_or", timeout=timeout, memory_mb=memory_mb, jobs=jobs))
    groups = _groups(snippets)
    with Workers([[s.code for s in g] for g in groups]) as workers:
        def run(i: int) -> list[CheckResult]:
            report = workers.run(i, _job(groups[i], timeout), memory_mb,
                                 timeout * len(groups[i]) + STARTUP_GRACE)
            return _results(groups[i], report, timeout, memory_mb)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {i: pool.submit(run, i) for i in workers.order()}  # light jobs first
            done = [futures[i].result() for i in range(len(groups))]
        workers.warn_isolation()
    return [r for group_results in done for r in group_results]
