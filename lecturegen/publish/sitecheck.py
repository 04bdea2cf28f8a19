"""Checks a published site before it goes live: every HTML page parses without an html5lib
error, every link or resource reference (href/src/srcset/action/meta refresh/xlink:href in pages and
SVG files, url()/@import/image-set() in style sheets, style attributes and SVG paint attributes)
is relative and resolves to a file inside the site, and (given the list of files publish wrote)
the site holds nothing else: no file that did not come from the build, no link, no special file."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib

# Every attribute that loads or navigates somewhere (HTML, and SVG's xlink:href)
URL_ATTRS = ("href", "src", "poster", "data", "action", "formaction", "background", "cite", "longdesc",
             "manifest", "codebase", "lowsrc", "dynsrc", "icon", "profile", "usemap", "archive",
             "{http://www.w3.org/1999/xlink}href", "xlink:href")
LIST_ATTRS = ("ping", "archive")  # space-separated URLs
SRCSET_ATTRS = ("srcset", "imagesrcset")  # "url 2x, url 300w"
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")
CSS_IMAGE_SET = re.compile(r"""image-set\(([^)]*)\)""", re.I)
QUOTED = re.compile(r"""(['"])([^'"]+)\1""")
REFRESH_URL = re.compile(r"""^\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)(.+?)\1\s*$""", re.I)


def css_refs(text: str) -> list[str]:
    """URLs in CSS text: url(), @import and image-set() strings."""
    found = [m.group(2) or m.group(4) for m in CSS_URL.finditer(text)]
    for m in CSS_IMAGE_SET.finditer(text):
        found += [q.group(2) for q in QUOTED.finditer(m.group(1))]
    return found


def _srcset(value: str) -> list[str]:
    return [c.strip().split()[0] for c in value.split(",") if c.strip()]


def _refresh(value: str) -> list[str]:
    """The URL of ``<meta http-equiv=refresh content="5; url=...">`` (none for a plain reload)."""
    m = REFRESH_URL.match(value)
    return [m.group(2).strip()] if m and not re.fullmatch(r"[\d.]+", m.group(2).strip()) else []


@dataclass(frozen=True)
class Ref:
    source: Path
    url: str


SCANNED: dict[bytes, tuple[list[str], list]] = {}
"""What :func:`_scan` found in a file, by the SHA-256 of its bytes: publish checks the site twice
(before the PDFs and at the end), and between the two only the index page and the PDFs change."""

SCANNED_MAX = 4096  # distinct files remembered by one process


def _scan(path: Path) -> tuple[list[str], list]:
    """The URLs an HTML page or SVG file refers to, as written, and the page's html5lib errors: one
    parse per distinct content."""
    data = path.read_bytes()
    key = hashlib.sha256(data).digest()
    found = SCANNED.get(key)
    if found is None:
        parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
        tree = parser.parse(data, transport_encoding="utf-8")
        found = (_tree_urls(tree), parser.errors)
        if len(SCANNED) >= SCANNED_MAX:
            SCANNED.clear()
        SCANNED[key] = found
    return found


def _tree_urls(tree) -> list[str]:
    urls: list[str] = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for attr, value in element.attrib.items():
            if not value:
                continue
            name = attr.lower() if isinstance(attr, str) else str(attr)
            found: list[str] = []
            if name in URL_ATTRS:
                found = [value.strip()]
            elif name in SRCSET_ATTRS:
                found = _srcset(value)
            elif name in LIST_ATTRS:
                found = value.split()
            if name == "content" and (element.get("http-equiv") or "").lower() == "refresh":
                found = _refresh(value)
            if "url(" in value.lower() or "image-set(" in value.lower():  # style=, and SVG fill=/filter=/mask=
                found += css_refs(value)
            urls.extend(found)
        if element.tag.rsplit("}", 1)[-1] == "style" and element.text:
            urls.extend(css_refs(element.text))
    return urls


def raw_refs(path: Path) -> list[Ref]:
    """Every URL an HTML page or a style sheet refers to, as written."""
    if path.suffix == ".css":
        return [Ref(path, url) for url in css_refs(path.read_text(encoding="utf-8", errors="replace"))]
    return [Ref(path, url) for url in _scan(path)[0]]


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
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".html", ".css", ".svg"))
    for path in files:
        name = path.relative_to(root).as_posix()
        if path.suffix == ".html":  # an .svg is read for its references only
            errors = _scan(path)[1]
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
