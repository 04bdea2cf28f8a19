"""``lecturegen check``: run existing lecture code against the installed TF/Keras/NumPy.

Snippets: whole ``.py`` files, notebook code cells (all cells of a notebook run in
one subprocess), ```` ```python ```` blocks in Markdown, ``<pre><code
class="language-python">`` blocks in HTML.  Each job runs ``runner.py`` in a
fresh interpreter under time and address-space limits; ``check_rules`` suggests
fixes.  Result lines are file lines (for notebooks: lines of the named cell).
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Iterable

from lecturegen.errors import UsageError
from lecturegen.check.rules import match_message, static_hits

logger = logging.getLogger(__name__)

RUNNER = Path(__file__).with_name("runner.py")
DEFAULT_TIMEOUT = 60.0
# Address space, not RSS: TF 2.21 + Keras 3 fitting a tiny model peaks at 1.9 GiB VmPeak
# (RSS 0.75 GiB) with MALLOC_ARENA_MAX=2 (set below), 2.9 GiB without it.
DEFAULT_MEMORY_MB = 4096
STARTUP_GRACE = 10.0  # outer subprocess timeout = timeout * cells + grace
SUFFIXES = (".py", ".ipynb", ".md", ".html")
MD_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*\{?(?P<lang>[\w+-]*)")
MD_LANGS = {"python", "py", "python3"}
HTML_BLOCK = re.compile(r"<pre\b(?P<pre>[^>]*)>\s*<code\b(?P<code>[^>]*)>(?P<body>.*?)</code\s*>",
                        re.S | re.I)
HTML_LANG = re.compile(r"""class\s*=\s*["'][^"']*\b(?:language|lang)-(?:python3?|py)\b""", re.I)
CELL_MAGICS_RUN = {"time", "timeit", "capture"}


class CheckInputError(UsageError):
    """Bad input for ``check``: missing path, unsupported file, nothing to check."""


@dataclass
class Snippet:
    """A piece of Python code found in ``path``; ``line`` is its first line (1-based)."""

    path: Path
    line: int
    index: int
    code: str
    kind: str  # "py" | "md" | "html" | "ipynb"

    @property
    def snippet_id(self) -> str:
        return {"py": "script", "ipynb": f"cell {self.index}"}.get(self.kind, f"block {self.index}")


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


# --------------------------------------------------------------------- collection
def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckInputError(f"cannot read {path}: {exc}") from exc


def _from_py(path: Path) -> list[Snippet]:
    code = _read(path)
    return [Snippet(path, 1, 1, code, "py")] if code.strip() else []


def _from_md(path: Path) -> list[Snippet]:
    lines, out, i = _read(path).splitlines(), [], 0
    while i < len(lines):
        m = MD_FENCE.match(lines[i])
        i += 1
        if not m:
            continue
        fence, indent = m["fence"], len(m["indent"])
        close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        start, body = i, []
        while i < len(lines) and not close.match(lines[i]):
            body.append(re.sub(rf"^[ \t]{{0,{indent}}}", "", lines[i]))
            i += 1
        i += 1
        if m["lang"].lower() in MD_LANGS and "".join(body).strip():
            out.append(Snippet(path, start + 1, len(out) + 1, "\n".join(body) + "\n", "md"))
    return out


def _from_html(path: Path) -> list[Snippet]:
    text, out = _read(path), []
    for m in HTML_BLOCK.finditer(text):
        if not HTML_LANG.search(m["pre"] + " " + m["code"]):
            continue
        code = html.unescape(re.sub(r"<[^>]+>", "", m["body"]))
        if code.strip():
            line = text.count("\n", 0, m.start("body")) + 1
            out.append(Snippet(path, line, len(out) + 1, code, "html"))
    return out


def _strip_magics(source: str) -> str | None:
    """Turn IPython line magics / shell escapes into ``pass``; None for non-Python cells."""
    lines = source.splitlines()
    if lines and lines[0].startswith("%%"):
        if lines[0][2:].split(" ")[0] not in CELL_MAGICS_RUN:
            return None
        lines[0] = f"pass  # {lines[0]}"
    for n, ln in enumerate(lines):
        stripped = ln.lstrip()
        if stripped.startswith(("%", "!")):
            lines[n] = f"{ln[: len(ln) - len(stripped)]}pass  # {stripped}"
    return "\n".join(lines) + "\n"


def _from_ipynb(path: Path) -> list[Snippet]:
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises a zoo of JSON/validation errors
        raise CheckInputError(f"cannot read notebook {path}: {exc}") from exc
    codes = [_strip_magics(c.source) if c.cell_type == "code" else None for c in nb.cells]
    return [Snippet(path, 1, i, code, "ipynb") for i, code in enumerate(codes, 1)
            if code and code.strip()]


EXTRACTORS = {".py": _from_py, ".md": _from_md, ".html": _from_html, ".ipynb": _from_ipynb}


def _walk(root: Path) -> list[Path]:
    return sorted(
        f for f in root.rglob("*")
        if f.suffix.lower() in EXTRACTORS and f.is_file()
        and not any(p.startswith(".") or p == "__pycache__" for p in f.relative_to(root).parts)
    )


def collect_snippets(paths: Iterable[str | os.PathLike[str]]) -> list[Snippet]:
    """Find all Python snippets in ``paths`` (files or directories, recursively)."""
    given = [Path(p) for p in paths]
    if not given:
        raise CheckInputError("no paths given")
    files: list[Path] = []
    for path in given:
        if not path.exists():
            raise CheckInputError(f"path not found: {path}")
        if path.is_dir():
            files.extend(_walk(path))
        elif path.suffix.lower() in EXTRACTORS:
            files.append(path)
        else:
            raise CheckInputError(f"unsupported file type: {path} (expected {', '.join(SUFFIXES)})")
    snippets = [s for f in dict.fromkeys(files) for s in EXTRACTORS[f.suffix.lower()](f)]
    if not snippets:
        raise CheckInputError(f"no Python snippets found in {', '.join(map(str, given))}")
    logger.info("collected %d snippets from %d files", len(snippets), len(set(files)))
    return snippets


# ---------------------------------------------------------------------- execution
def _limit_memory(memory_mb: int) -> None:  # runs in the child between fork and exec
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    limit = memory_mb << 20 if hard == resource.RLIM_INFINITY else min(memory_mb << 20, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


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


def _run_group(group: list[Snippet], timeout: float, memory_mb: int) -> list[CheckResult]:
    """Run one job (a snippet, or all cells of a notebook) in a fresh subprocess."""
    first = group[0]
    with tempfile.TemporaryDirectory(prefix="lecturegen-check-") as tmp:
        job_file, result_file, work = Path(tmp, "job.json"), Path(tmp, "result.json"), Path(tmp, "cwd")
        work.mkdir()
        job_file.write_text(json.dumps({
            "cells": [{"code": s.code, "filename": _code_filename(s),
                       "offset": 0 if s.kind == "ipynb" else s.line - 1,
                       "file": str(s.path.resolve()) if s.kind == "py" else None} for s in group],
            "timeout": timeout, "sys_path": [str(first.path.resolve().parent)]}), encoding="utf-8")
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg",
                   # glibc reserves 64 MiB of address space per thread arena; cap it so
                   # RLIMIT_AS tracks real use rather than the machine's core count.
                   MALLOC_ARENA_MAX="2", PYTHONDONTWRITEBYTECODE="1")
        cmd = [sys.executable, "-P", str(RUNNER), str(job_file), str(result_file)]
        logger.debug("running %s (%d cells) in %s", first.path, len(group), work)
        rc: int | None = None
        with open(Path(tmp, "stdout"), "wb") as out, open(Path(tmp, "stderr"), "wb") as err:
            try:
                rc = subprocess.run(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=err, timeout=timeout * len(group) + STARTUP_GRACE,
                                    preexec_fn=partial(_limit_memory, memory_mb),
                                    start_new_session=True, check=False).returncode
            except subprocess.TimeoutExpired:
                logger.info("%s: killed after timeout", first.path)
        try:
            data = json.loads(result_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if data.get("pid"):  # kill what the snippet left behind; the runner led a session
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(data["pid"], signal.SIGKILL)
        stderr = Path(tmp, "stderr").read_text(encoding="utf-8", errors="replace")
    records: list[dict[str, Any]] = data.get("cells", [])
    results = [_classify(s, r) for s, r in zip(group, records)]
    if len(records) < len(group):  # killed (timeout) or crashed in cell len(records)
        verdict = "timeout" if rc is None else "error"
        why = (f"exceeded {timeout:g} s time limit (killed)" if rc is None
               else _describe_exit(rc, stderr, memory_mb))
        stuck = group[len(records)]
        results.append(_classify(stuck, {"verdict": verdict, "message": why}))
        for s in group[len(records) + 1:]:
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


def check_snippets(snippets: list[Snippet], timeout: float = DEFAULT_TIMEOUT,
                   memory_mb: int = DEFAULT_MEMORY_MB, jobs: int = 2) -> list[CheckResult]:
    """Run every snippet in an isolated subprocess (``jobs`` at a time), in input order."""
    if timeout <= 0 or memory_mb <= 0 or jobs < 1:
        raise CheckInputError("--timeout and --memory-mb must be positive, --jobs at least 1")
    groups: list[list[Snippet]] = []
    for s in snippets:  # all cells of one notebook form one job
        if s.kind == "ipynb" and groups and (groups[-1][0].kind, groups[-1][0].path) == ("ipynb", s.path):
            groups[-1].append(s)
        else:
            groups.append([s])
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        done = pool.map(lambda g: _run_group(g, timeout, memory_mb), groups)
        return [r for group_results in done for r in group_results]
