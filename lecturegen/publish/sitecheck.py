"""Checks a published site before it goes live: every HTML page parses without an html5lib
error, every link or resource reference (href/src in pages, url()/@import in style sheets)
is relative and resolves to a file inside the site, and (given the list of files publish wrote)
the site holds nothing else: no file that did not come from the build, no link, no special file."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib

URL_ATTRS = ("href", "src", "poster", "data")
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")


@dataclass(frozen=True)
class Ref:
    source: Path
    url: str


def _parse(path: Path):
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    tree = parser.parse(path.read_bytes(), transport_encoding="utf-8")
    return tree, parser.errors


def raw_refs(path: Path) -> list[Ref]:
    """Every URL an HTML page or a style sheet refers to, as written."""
    if path.suffix == ".css":
        text = path.read_text(encoding="utf-8")
        return [Ref(path, m.group(2) or m.group(4)) for m in CSS_URL.finditer(text)]
    tree, _ = _parse(path)
    refs = []
    for element in tree.iter():
        for attr in URL_ATTRS:
            value = element.get(attr)
            if value:
                refs.append(Ref(path, value.strip()))
        style = element.get("style")
        if style:
            refs.extend(Ref(path, m.group(2) or m.group(4)) for m in CSS_URL.finditer(style))
        if element.tag == "style" and element.text:
            refs.extend(Ref(path, m.group(2) or m.group(4)) for m in CSS_URL.finditer(element.text))
    return refs


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme and parts.scheme != "data") or url.startswith("//")


def target_of(ref: Ref) -> Path | None:
    """The local file a relative reference points to (None for data: URLs and same-page anchors)."""
    parts = urlsplit(ref.url)
    if parts.scheme == "data" or not parts.path:
        return None
    return (ref.source.parent / unquote(parts.path)).resolve()


def local_refs(path: Path) -> list[Path]:
    return [t for r in raw_refs(path) if not is_external(r.url) and (t := target_of(r)) is not None]


def unexpected_entries(root: Path, expected: set[str]) -> list[str]:
    """Entries under ``root`` that are not among the ``expected`` files (relative POSIX paths)."""
    problems: list[str] = []
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                problems.append(f"{rel} is a symbolic link, which publish never writes")
            elif stat.S_ISREG(mode) and rel not in expected:
                problems.append(f"{rel} was not written by publish (it did not come from the build)")
            elif not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
                problems.append(f"{rel} is a special file, which publish never writes")
    return problems


def check_site(root: Path, expected: set[str] | None = None) -> list[str]:
    """Problems found in the site at ``root`` (an empty list means it is fine).

    With ``expected`` (the files publish wrote, relative to ``root``), any other entry is a problem.
    """
    root = root.resolve()
    problems: list[str] = [] if expected is None else unexpected_entries(root, expected)
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".html", ".css"))
    for path in files:
        name = path.relative_to(root).as_posix()
        if path.suffix == ".html":
            _, errors = _parse(path)
            for (line, col), code, data in errors[:5]:
                problems.append(f"{name}:{line}:{col}: HTML parse error {code} {data or ''}".rstrip())
        for ref in raw_refs(path):
            if is_external(ref.url):
                problems.append(f"{name}: external reference {ref.url}")
                continue
            target = target_of(ref)
            if target is None:
                continue
            if not target.is_relative_to(root):
                problems.append(f"{name}: {ref.url} leaves the site folder")
            elif not target.is_file():
                problems.append(f"{name}: broken link {ref.url}")
    return problems
