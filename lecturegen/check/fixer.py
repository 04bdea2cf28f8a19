"""``lecturegen check --fix`` / ``--diff``: rewrite every snippet with the codemod, put the rewritten
snippets back where they came from (a ``.py`` file, a notebook cell, a Markdown fence or inline code
span, an HTML ``<pre><code>`` block), then run each changed snippet again in the sandbox and say
per snippet: fixed, still failing, needs data, or needs a human (and why).

``--diff`` prints the patch (``diff -u`` of every changed file) and writes nothing; ``--fix`` writes
each changed file in place (atomically).  Both run the rewritten code, from memory.
"""

from __future__ import annotations

import dataclasses
import difflib
import html
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lecturegen import safefs
from lecturegen.check.audit import CheckResult, check_snippets
from lecturegen.check.codemod import INLINE_HEADER, Result, upgrade
from lecturegen.check.extract import Snippet
from lecturegen.messages import say

MAGIC = re.compile(r"^(\s*)pass  # ([%!].*)$", re.M)  # lines extract._strip_magics turned into `pass`

FIXED, FAILING, HUMAN, DATA = "fixed", "still failing", "needs a human", "needs data"


@dataclass
class Outcome:
    """What ``--fix`` did to one snippet and what the sandbox said about the result."""

    location: str
    path: str
    snippet: str
    status: str  # fixed | still failing | needs a human | needs data
    reason: str
    changes: list[str] = field(default_factory=list)  # "line N: what was rewritten"
    human: list[str] = field(default_factory=list)  # "line N: why it was not rewritten"


def plan(snippets: list[Snippet]) -> dict[int, Result]:
    """The codemod's result for every snippet (by position in ``snippets``), each with the imports
    of the earlier cells/blocks of its file in scope."""
    by_file: dict[Path, list[int]] = {}
    for i, s in enumerate(snippets):
        by_file.setdefault(s.path, []).append(i)
    results: dict[int, Result] = {}
    for indices in by_file.values():
        blocks = [i for i in indices if snippets[i].kind != "inline"]
        codes = [snippets[i].code for i in blocks]
        for i in indices:
            s = snippets[i]
            if s.kind == "inline":
                results[i] = upgrade(s.code, [INLINE_HEADER])
            else:
                results[i] = upgrade(s.code, codes[: blocks.index(i)], codes)
    return results


def _restore_magics(code: str, original: str) -> str:
    code = MAGIC.sub(lambda m: m.group(1) + m.group(2), code)
    return code[:-1] if code.endswith("\n") and not original.endswith("\n") else code


def _notebook(text: str, changed: dict[int, str]) -> str:
    nb = json.loads(text)
    for index, code in changed.items():
        cell = nb["cells"][index - 1]
        source = cell["source"]
        original = "".join(source) if isinstance(source, list) else source
        new = _restore_magics(code, original)
        cell["source"] = new.splitlines(keepends=True) if isinstance(source, list) else new
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _spans(text: str, changed: list[tuple[Snippet, str]]) -> str:
    for s, code in sorted(changed, key=lambda pair: pair[0].start, reverse=True):
        if s.kind == "md":
            code = "".join(s.indent + ln if ln.strip() else ln for ln in code.splitlines(keepends=True))
        elif s.kind == "html":
            code = html.escape(code, quote=False)
        text = text[: s.start] + code + text[s.end:]
    return text


def new_texts(snippets: list[Snippet], results: dict[int, Result]) -> dict[Path, tuple[str, str]]:
    """{file: (old text, new text)} for every file with a rewritten snippet that can be put back."""
    by_file: dict[Path, list[int]] = {}
    for i, s in enumerate(snippets):
        if results[i].changed and s.fixable:
            by_file.setdefault(s.path, []).append(i)
    out = {}
    for path, indices in by_file.items():
        old = safefs.read_text(path, say("check.snippet_file"))
        kind = snippets[indices[0]].kind
        if kind == "py":
            new = results[indices[0]].code
        elif kind == "ipynb":
            new = _notebook(old, {snippets[i].index: results[i].code for i in indices})
        else:
            new = _spans(old, [(snippets[i], results[i].code) for i in indices])
        if new != old:
            out[path] = (old, new)
    return out


def patch(texts: dict[Path, tuple[str, str]]) -> str:
    """A unified diff of every changed file (``git apply`` / ``patch -p0`` take it)."""
    return "".join("".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                                f"{path}", f"{path}")) for path, (old, new) in sorted(texts.items()))


def _line(f: Any, s: Snippet) -> str:
    return f"line {f.line + (0 if s.kind == 'ipynb' else s.line - 1)}: {f.message}"


def _first(text: str, limit: int = 160) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _outcome(s: Snippet, result: Result, after: CheckResult | None) -> Outcome:
    changes = [_line(f, s) for f in result.findings if f.action == "rewrite"]
    human = [_line(f, s) for f in result.findings if f.action == "human"]
    where = f"{s.path}[cell {s.index}]" if s.kind == "ipynb" else str(s.path)
    out = Outcome(f"{where}:{s.line}", str(s.path), s.snippet_id, FIXED, "", changes, human)
    if result.changed and not s.fixable:
        out.status, out.reason = HUMAN, say("check.fix.cannot_put_back")
    elif human:
        more = len(human) - 1
        out.status, out.reason = HUMAN, human[0] + (say("check.fix.more", n=more) if more else "")
    elif after is None:
        out.status, out.reason = FAILING, say("check.fix.not_run")
    elif after.verdict == "needs-data":
        out.status, out.reason = DATA, after.message
    elif after.verdict in ("error", "timeout"):
        message = f"{after.error_type}: {after.message}" if after.error_type else after.message
        out.status = FAILING
        out.reason = f"{after.location}: {message.strip().splitlines()[0] if message.strip() else after.verdict}" + (
            f" (fix: {after.fix})" if after.fix else "")
    else:
        out.reason = say("check.fix.runs_now", n=len(changes)) + (
            say("check.fix.still_warns", message=_first(after.message)) if after.verdict == "warning" else "")
    return out


def _write(path: Path, text: str) -> None:
    """Replace ``path`` atomically (a temporary file next to it, then rename), keeping its mode."""
    tmp = path.with_name(f".{path.name}.lecturegen-fix")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, path.stat().st_mode & 0o7777)
    os.replace(tmp, path)


def fix(snippets: list[Snippet], write: bool, timeout: float, memory_mb: int,
        jobs: int) -> tuple[list[Outcome], str, dict[Path, tuple[str, str]]]:
    """Rewrite, (write,) re-run: the outcome of every snippet with a finding, the patch, the new texts."""
    results = plan(snippets)
    texts = new_texts(snippets, results)
    touched = [i for i, s in enumerate(snippets) if results[i].findings]
    if not touched:
        return [], "", texts
    # Run what the files will hold: a notebook runs whole (its cells share state), the rest per snippet.
    run: list[Snippet] = []
    where: dict[int, int] = {}
    for i, s in enumerate(snippets):
        if i in touched or (s.kind == "ipynb" and any(snippets[j].path == s.path for j in touched)):
            code = results[i].code if s.fixable else s.code
            where[i] = len(run)
            run.append(dataclasses.replace(s, code=code, findings=[]))
    after = check_snippets(run, timeout=timeout, memory_mb=memory_mb, jobs=jobs) if run else []
    by_snippet = {(r.path, r.snippet): r for r in after}
    outcomes = [_outcome(snippets[i], results[i], by_snippet.get((str(snippets[i].path), snippets[i].snippet_id)))
                for i in touched]
    if write:
        for path, (_, new) in texts.items():
            _write(path, new)
    return outcomes, patch(texts), texts
