"""What students read in two builds: the text of their pages, line by line, and which figures changed.

``lecturegen diff`` shows a unified diff of the text of the student pages (the slides without the
speaker notes, the handout with them), extracted from the two builds' HTML with the standard
library's parser, and lists the figures whose files differ. Only pages and figures a report names
are read, each inside its own build folder.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

STUDENT_PAGES = ("slides.html", "handout.html")  # what a student opens (the instructor pages are not theirs)
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre", "section", "div", "br", "table", "ul",
          "ol", "figure", "figcaption", "header", "footer", "main", "blockquote", "dt", "dd", "caption", "img"}
SKIPPED = {"head", "script", "style", "template", "svg", "noscript"}
CONTEXT_LINES = 1
PRE = "\x00"  # marks a line of code while parsing (its indentation is kept)


class _Text(HTMLParser):
    """The visible text of a page: one line per block, code kept as it is, images as their alt text."""

    def __init__(self, skip_notes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_notes = skip_notes
        self.parts: list[str] = []
        self.skipping: list[str] = []  # the open tags whose content is not read
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if self.skipping:
            if tag == self.skipping[-1] and tag not in ("br", "img"):
                self.skipping.append(tag)
            return
        if tag in SKIPPED or (self.skip_notes and tag == "aside" and "notes" in classes):
            self.skipping.append(tag)
            return
        if tag == "pre":
            self.pre += 1
        if tag in BLOCKS:
            self.parts.append("\n" + (PRE if self.pre else ""))
        if tag == "img" and attributes.get("alt"):
            self.parts.append(f"[{attributes['alt']}]\n")
        if tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        self.parts.append(data.replace("\n", "\n" + PRE) if self.pre else re.sub(r"\s+", " ", data))

    def lines(self) -> list[str]:
        """Lines of code keep their indentation (marked while parsing), other lines are stripped."""
        found = []
        for raw in "".join(self.parts).split("\n"):
            line = raw[1:].replace(PRE, "").rstrip() if raw.startswith(PRE) else raw.replace(PRE, "").strip()
            if line.strip():
                found.append(line)
        return found


def page_text(html: str, skip_notes: bool = False) -> list[str]:
    parser = _Text(skip_notes)
    parser.feed(html)
    parser.close()
    return parser.lines()


@dataclass(frozen=True)
class PageDiff:
    page: str
    lines: tuple[str, ...]  # a unified diff (without the two file header lines)
    added: int
    removed: int


@dataclass(frozen=True)
class FigureChange:
    path: str
    status: str  # "changed", "added", "removed"


def _inside(folder: Path, name: str) -> Path | None:
    """``folder/name`` when it is a file inside ``folder`` (a report is not trusted to name others)."""
    path = (folder / name).resolve()
    return path if path.is_file() and path.is_relative_to(folder.resolve()) else None


def compare_pages(old_dir: Path, new_dir: Path) -> list[PageDiff]:
    """The text diff of each student page both builds have and whose text differs."""
    found = []
    for page in STUDENT_PAGES:
        a, b = _inside(old_dir, page), _inside(new_dir, page)
        if a is None or b is None:
            continue
        skip_notes = page == "slides.html"
        old = page_text(a.read_text(encoding="utf-8", errors="replace"), skip_notes)
        new = page_text(b.read_text(encoding="utf-8", errors="replace"), skip_notes)
        if old == new:
            continue
        lines = list(difflib.unified_diff(old, new, lineterm="", n=CONTEXT_LINES))[2:]
        found.append(PageDiff(page, tuple(lines), sum(1 for x in lines if x.startswith("+")),
                              sum(1 for x in lines if x.startswith("-"))))
    return found


def _digest(path: Path | None) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path else None


def compare_figures(old_dir: Path, new_dir: Path, old_figures: list[str], new_figures: list[str]) -> list[FigureChange]:
    """The figures (as the reports list them) that differ between two builds, were added or removed."""
    changes = []
    for path in list(dict.fromkeys([*old_figures, *new_figures])):
        a = _digest(_inside(old_dir, path)) if path in old_figures else None
        b = _digest(_inside(new_dir, path)) if path in new_figures else None
        if a is None and b is None:
            continue
        status = "added" if a is None else "removed" if b is None else "changed" if a != b else ""
        if status:
            changes.append(FigureChange(path, status))
    return changes
