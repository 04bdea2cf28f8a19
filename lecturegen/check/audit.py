"""``lecturegen check``: run existing lecture code against the installed TF/Keras/NumPy.

Snippets come from ``extract`` (whole ``.py`` files, notebook code cells, Python blocks of
Markdown and HTML); all cells of a notebook form one job.  Each job runs in a fresh process
forked from a warm worker (``worker.py``: TensorFlow imported once), confined by ``sandbox.py``
(scrubbed environment, own temporary folder, no network, its process tree reaped) under time and
address-space limits; the verdicts come back verified (``runner.verify``).  ``rules`` suggests
fixes.  Result lines are file lines (for notebooks: lines of the named cell).
"""

from __future__ import annotations

import ast
import logging
import re
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from lecturegen.check.client import Workers, keras_datasets
from lecturegen.check.extract import CheckInputError, Snippet, collect_snippets
from lecturegen.check.limits import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from lecturegen.check.rules import match_message, parse_quietly, static_hits
from lecturegen import messages
from lecturegen.messages import say

__all__ = ["CheckInputError", "CheckResult", "Snippet", "check_snippets", "collect_snippets"]

logger = logging.getLogger(__name__)

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
    location: str = ""  # file:line, with the cell of a notebook: lecture.ipynb[cell 3]:2
    findings: list[dict[str, Any]] = field(default_factory=list)  # the static pass: every stale API


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
    return {"cells": [{"code": s.prelude + s.code, "filename": _code_filename(s),
                       "offset": (0 if s.kind == "ipynb" else s.line - 1) - s.prelude.count("\n"),
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


def _assigned(code: str) -> set[str]:
    try:
        tree = parse_quietly(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _data_cascade(group: list[Snippet], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """After a cell that needs data, a NameError for a name that cell (or one failing the same way) would
    have made is not the code's fault: the same verdict, naming the cell, instead of an error."""
    missing: dict[str, str] = {}  # name -> snippet id of the cell that needed data
    out = []
    for s, rec in zip(group, records):
        m = re.match(r"name '(\w+)' is not defined", rec.get("message", ""))
        if rec.get("verdict") == "error" and rec.get("error_type") == "NameError" and m and m.group(1) in missing:
            source = missing[m.group(1)]
            rec = {**rec, "verdict": "needs-data", "needs_data": None, "error_type": None,
                   "message": say("check.needs_data_earlier", name=m.group(1), cell=source)}
            missing.update(dict.fromkeys(_assigned(s.code), source))
        elif rec.get("verdict") == "needs-data":
            missing.update(dict.fromkeys(_assigned(s.code), s.snippet_id))
        out.append(rec)
    return out


DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", "cifar10": "CIFAR-10", "cifar100": "CIFAR-100",
                 "imdb": "IMDB", "reuters": "Reuters", "boston_housing": "Boston Housing",
                 "california_housing": "California Housing"}


def _needs_data_message(rec: dict[str, Any]) -> dict[str, Any]:
    name = rec.get("needs_data")
    if rec.get("verdict") != "needs-data" or not name:
        return rec
    return {**rec, "error_type": None, "message": say(
        "check.needs_data", dataset=DATASET_NAMES.get(name, name), module=name,
        cache=keras_datasets() or "~/.keras/datasets")}


OUTPUT_NOTE = 1 << 20  # a job that printed more than this gets a note saying it was cut


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _output_note(report: dict[str, Any]) -> str | None:
    """The truncation note for a job whose snippets printed a lot (the supervisor kept only a tail)."""
    output = report.get("output") or {}
    sizes = {k: output.get(k) for k in ("stdout", "stderr") if isinstance(output.get(k), int)}
    big = {k: v for k, v in sizes.items() if v > OUTPUT_NOTE}
    if not big:
        return None
    stream, size = max(big.items(), key=lambda kv: kv[1])
    return say("check.output_cut", size=_size(size), stream=stream, kept=_size(4000))


def _results(group: list[Snippet], report: dict[str, Any], timeout: float,
             memory_mb: int) -> list[CheckResult]:
    """Verdicts for one job from the worker's report (records are verified and cleaned there)."""
    trusted = [] if report.get("forged") or report.get("error") else list(report.get("cells", []))
    trusted = _data_cascade(group, [_needs_data_message(r) for r in trusted])
    results = [_classify(s, r) for s, r in zip(group, trusted)]
    if len(trusted) < len(group):  # killed, crashed, forged, or stopped in cell len(trusted)
        verdict, why = _failure(report, timeout, memory_mb)
        stuck = group[len(trusted)]
        results.append(_classify(stuck, {"verdict": verdict, "message": why}))
        for s in group[len(trusted) + 1:]:
            results.append(_classify(s, {"verdict": verdict,
                                         "message": f"not run: stopped in {stuck.snippet_id}"}))
    note = _output_note(report)
    if note and results:
        results[-1].hints.append(note)
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
    res.findings = [dict(f) for f in getattr(s, "findings", [])]
    res.warnings = [w for w in rec.get("warnings", []) if _is_relevant(w, hits)]
    text = f"{res.error_type}: {res.message}"
    line = rec.get("line")
    if res.verdict == "ok" and res.warnings:
        first, more = res.warnings[0], len(res.warnings) - 1
        res.verdict, res.error_type, line = "warning", first["category"], first["line"]
        res.message = first["message"] + (f" (+{more} more)" if more else "")
        text = f"{first['category']}: {first['message']}"
    res.line = line or s.line
    if s.kind == "inline" and res.verdict == "error" and res.error_type == "NameError":
        res.verdict, res.message = "warning", say("check.inline_not_alone", message=res.message)
    by_line = {f["line"]: f for f in res.findings}
    if res.verdict not in ("ok", "needs-data"):
        res.rule, res.fix = match_message(text) or hits.get(res.line, (None, None))
        if res.fix is None and res.line in by_line:
            res.rule, res.fix = by_line[res.line]["rule"], by_line[res.line]["message"]
    for f in res.findings:  # the runtime confirms what the static pass found on the failing line
        f["confirmed"] = res.verdict in ("error", "warning") and f["line"] == res.line
    res.hints = [f"line {n}: {fix}" for n, (rule, fix) in sorted(hits.items())
                 if not (n == res.line and rule == res.rule) and n not in by_line]
    where = f"{s.path}[cell {s.index}]" if s.kind == "ipynb" else str(s.path)
    res.location = f"{where}:{res.line}"
    return res


def static_findings(snippets: list[Snippet]) -> None:
    """The static pass: every stale API in every snippet (``codemod`` findings, file lines), attached to
    the snippet as ``findings``; snippets of one notebook or Markdown file see each other's imports."""
    from lecturegen.check.codemod import INLINE_HEADER, upgrade

    by_file: dict[Any, list[Snippet]] = {}
    for s in snippets:
        by_file.setdefault(s.path, []).append(s)
    for group in by_file.values():
        blocks = [s for s in group if s.kind != "inline"]
        for s in group:
            context = [INLINE_HEADER] if s.kind == "inline" else [b.code for b in blocks[: blocks.index(s)]]
            offset = 0 if s.kind == "ipynb" else s.line - 1
            result = upgrade(s.code, context, None if s.kind == "inline" else [b.code for b in blocks])
            s.findings = [{"line": f.line + offset, "rule": f.rule, "message": f.message, "action": f.action}
                          for f in result.findings]  # type: ignore[attr-defined]


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
        raise CheckInputError(say("check.limits_out_of_range", timeout=timeout, memory_mb=memory_mb, jobs=jobs))
    static_findings(snippets)
    groups = _groups(snippets)
    with Workers([[s.prelude + s.code for s in g] for g in groups]) as workers:
        def run(i: int) -> list[CheckResult]:
            report = workers.run(i, _job(groups[i], timeout), memory_mb,
                                 timeout * len(groups[i]) + STARTUP_GRACE)
            return _results(groups[i], report, timeout, memory_mb)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            said_run = messages.carried(run)  # the pool's threads say their lines in this command's language
            futures = {i: pool.submit(said_run, i) for i in workers.order()}  # light jobs first
            done = [futures[i].result() for i in range(len(groups))]
        workers.warn_isolation()
    return [r for group_results in done for r in group_results]
