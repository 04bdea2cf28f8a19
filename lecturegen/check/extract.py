"""Find the Python snippets ``lecturegen check`` runs, with real parsers' tokens (linear time).

Whole ``.py`` files, notebook code cells, fenced ```` ```python ```` blocks of Markdown
(markdown-it tokens: a fence inside an HTML comment or an indented code block is not code to
run), and ``<pre><code class="language-python">`` blocks of HTML (``html.parser`` events:
comments, scripts and unclosed tags are handled by the parser, not by a regular expression).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable

from lecturegen import safefs
from lecturegen.errors import LecturegenError, UsageError
from lecturegen.messages import say

logger = logging.getLogger(__name__)

SUFFIXES = (".py", ".ipynb", ".md", ".html")
MD_LANGS = {"python", "py", "python3"}
HTML_LANG = re.compile(r"\b(?:language|lang)-(?:python3?|py)\b", re.I)
CELL_MAGICS_RUN = {"time", "timeit", "capture"}


class CheckInputError(UsageError):
    """Bad input for ``check``: missing path, unsupported file, nothing to check."""


# Inline code in prose (`keras.optimizers.Adam(lr=0.001)` in a table) names what a lecture imports:
# run and rewritten as if these imports came first (one line, so line numbers stay the file's).
INLINE_PRELUDE = ("import numpy as np; import tensorflow as tf; import keras; from keras import layers, optimizers; "
                  "from keras.optimizers import *; from keras.layers import *\n")


@dataclass
class Snippet:
    """A piece of Python code found in ``path``; ``line`` is its first line (1-based).

    ``start``/``end``: where its text is in the file's text (character offsets; -1: the whole file,
    or a notebook cell), ``indent`` the indentation a Markdown fence strips from its lines, so that
    ``check --fix`` can put a rewritten snippet back; ``fixable`` is False where it cannot (a fence in
    a quote, highlighted HTML)."""

    path: Path
    line: int
    index: int
    code: str
    kind: str  # "py" | "md" | "html" | "ipynb" | "inline"
    start: int = -1
    end: int = -1
    indent: str = ""
    fixable: bool = True
    findings: list[dict] = field(default_factory=list)  # the static pass (``audit.static_findings``)

    @property
    def snippet_id(self) -> str:
        return {"py": "script", "ipynb": f"cell {self.index}",
                "inline": f"inline {self.index}"}.get(self.kind, f"block {self.index}")

    @property
    def location(self) -> str:
        """``file:line``, and the cell for a notebook (``lecture.ipynb[cell 3]:2``) in every format."""
        where = f"{self.path}[cell {self.index}]" if self.kind == "ipynb" else str(self.path)
        return f"{where}:{self.line}"

    @property
    def prelude(self) -> str:
        return INLINE_PRELUDE if self.kind == "inline" else ""


def _read(path: Path) -> str:
    try:  # a FIFO or a device is refused, not waited on
        return safefs.read_text(path, say("check.snippet_file"))
    except LecturegenError as exc:
        raise CheckInputError(str(exc)) from None


def _from_py(path: Path) -> list[Snippet]:
    code = _read(path)
    return [Snippet(path, 1, 1, code, "py")] if code.strip() else []


def _md_lang(info: str) -> str:
    words = info.strip().strip("{}").split()
    return words[0].strip("{}").lstrip(".").lower() if words else ""  # python, {python}, {.python}


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())
    starts.append(len(text))
    return starts


def _fence_span(text: str, starts: list[int], token) -> tuple[int, int, str, bool]:  # type: ignore[no-untyped-def]
    """Offsets of a fence's content lines, the indentation its lines lose, and whether it can be rewritten."""
    first, last = token.map[0], token.map[1]
    opening = text[starts[first]:starts[first + 1]]
    indent = opening[: len(opening) - len(opening.lstrip(" "))]
    closing = text[starts[last - 1]:starts[last]].strip() if last - 1 > first else ""
    end_line = last - 1 if closing.startswith(token.markup) and closing.strip(token.markup[0]) == "" else last
    plain = opening.lstrip(" ").startswith(token.markup)  # not inside a quote or a list item marker
    return starts[first + 1], starts[min(end_line, len(starts) - 1)], indent, plain


def _inline_spans(text: str, md, found: list[Snippet], path: Path) -> None:  # type: ignore[no-untyped-def]
    """Inline code in prose that mentions an API a rule knows (the rest is not code to check)."""
    from lecturegen.check.codemod import inline_candidate

    starts = _line_starts(text)
    for token in md.parse(text):
        if token.type != "inline" or not token.map or not token.children:
            continue
        pos = starts[token.map[0]]
        for child in token.children:
            if child.type != "code_inline":
                continue
            at = text.find(child.content, pos, starts[min(token.map[1], len(starts) - 1)])
            if at < 0:
                continue
            pos = at + len(child.content)
            if inline_candidate(child.content):
                line = text.count("\n", 0, at) + 1
                found.append(Snippet(path, line, len(found) + 1, child.content, "inline", at, pos))


def _from_md(path: Path) -> list[Snippet]:
    from markdown_it import MarkdownIt

    text = _read(path)
    out: list[Snippet] = []
    starts = _line_starts(text)
    blocks_only = MarkdownIt("commonmark").disable(["inline", "text_join"])  # fences are block tokens
    for token in blocks_only.parse(text):
        if token.type == "fence" and _md_lang(token.info) in MD_LANGS and token.content.strip() and token.map:
            start, end, indent, plain = _fence_span(text, starts, token)
            out.append(Snippet(path, token.map[0] + 2, len(out) + 1, token.content, "md", start, end, indent, plain))
    inline: list[Snippet] = []
    _inline_spans(text, MarkdownIt("commonmark").enable("table"), inline, path)
    return out + inline


class _LinearHTMLParser(HTMLParser):
    """``html.parser`` that ends an unterminated construct at the end of the input.

    The stock parser (before CPython 3.11.13) answers an unclosed ``<!--``, ``<?``, ``</x`` or
    ``<tag`` by searching to the end, keeping one character as text and searching again from the
    next one: quadratic time.  At the end of the input, as HTML5 does, the construct takes the rest
    of the document (comments swallow it, unfinished tags are dropped).
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.at_eof = False

    def close(self) -> None:
        self.at_eof = True
        super().close()

    def _or_eof(self, k: int) -> int:
        return len(self.rawdata) if k < 0 and self.at_eof else k

    def parse_starttag(self, i: int) -> int:
        return self._or_eof(super().parse_starttag(i))

    def parse_endtag(self, i: int) -> int:
        return self._or_eof(super().parse_endtag(i))

    def parse_comment(self, i: int, report: bool = True) -> int:
        return self._or_eof(super().parse_comment(i, report))

    def parse_pi(self, i: int) -> int:
        return self._or_eof(super().parse_pi(i))

    def parse_html_declaration(self, i: int) -> int:
        try:
            return self._or_eof(super().parse_html_declaration(i))
        except AssertionError:  # e.g. "<![foo[": a bogus comment up to the next ">"
            return self._or_eof(self.parse_bogus_comment(i))


class _CodeBlocks(_LinearHTMLParser):
    """Collects the text of ``<code>`` elements inside ``<pre>`` marked as Python."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[tuple[int, str]] = []
        self.pre_python: list[bool] = []  # one entry per open <pre>
        self.code_depth = 0  # > 0 inside a Python <code> (nested <code> tags count)
        self.parts: list[str] = []
        self.start = 0
        self.raw_start = 0  # (line, column) where the code element's content starts
        self.spans: list[tuple[tuple[int, int], tuple[int, int]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        python = any(name == "class" and value and HTML_LANG.search(value) for name, value in attrs)
        if tag == "pre":
            self.pre_python.append(python)
        elif tag == "code" and self.code_depth:
            self.code_depth += 1
        elif tag == "code" and self.pre_python and (python or self.pre_python[-1]):
            self.code_depth, self.parts, self.start = 1, [], 0
            line, col = self.getpos()
            self.raw_start = (line, col + len(self.get_starttag_text() or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "code" and self.code_depth:
            self.code_depth -= 1
            if not self.code_depth:
                self._close(self.getpos())
        elif tag == "pre" and self.pre_python:
            self.pre_python.pop()
            if self.code_depth:  # </pre> closes an unclosed <code> too
                self.code_depth = 0
                self._close(self.getpos())

    def handle_data(self, data: str) -> None:
        if self.code_depth:
            if not self.start:
                self.start = self.getpos()[0]
            self.parts.append(data)

    def _close(self, end: tuple[int, int]) -> None:
        code = "".join(self.parts)
        if code.strip():
            self.blocks.append((self.start, code))
            self.spans.append((self.raw_start, end))
        self.parts = []


def _from_html(path: Path) -> list[Snippet]:
    import html

    text = _read(path)
    parser = _CodeBlocks()
    parser.feed(text)
    parser.close()
    starts = _line_starts(text)
    out = []
    for n, ((line, code), (a, b)) in enumerate(zip(parser.blocks, parser.spans), 1):
        start, end = starts[a[0] - 1] + a[1], starts[b[0] - 1] + b[1]
        raw = text[start:end]
        out.append(Snippet(path, line, n, code, "html", start, end, "", html.unescape(raw) == code and "<" not in raw))
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
        nb = nbformat.reads(_read(path), as_version=4)
    except CheckInputError:
        raise
    except Exception as exc:  # nbformat raises a zoo of JSON/validation errors
        raise CheckInputError(say("check.notebook_unreadable", path=path, exc=exc)) from exc
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
        raise CheckInputError(say("check.no_paths"))
    files: list[Path] = []
    for path in given:
        if not path.exists():
            raise CheckInputError(say("check.no_such_path", path=path))
        if safefs.is_special(path):  # reading a FIFO would wait for a writer forever
            raise CheckInputError(say("check.not_a_file", path=path))
        if path.is_dir():
            files.extend(_walk(path))
        elif path.suffix.lower() in EXTRACTORS:
            files.append(path)
        else:
            raise CheckInputError(say("check.unsupported_file", path=path, suffixes=', '.join(SUFFIXES)))
    snippets = [s for f in dict.fromkeys(files) for s in EXTRACTORS[f.suffix.lower()](f)]
    if not snippets:
        raise CheckInputError(say("check.no_snippets", paths=', '.join(map(str, given))))
    logger.info(say("check.collected", n_snippets=len(snippets), n_files=len(set(files))))
    return snippets
