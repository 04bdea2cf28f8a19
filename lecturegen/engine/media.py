"""A chapter's own files: images and downloads its content file references by a relative path.

``![diagram](diagram.png)`` or ``[data](files/table.csv)`` in ``ko.md`` refers to a file next to
``ko.md``; the build copies each such file into the output under the same relative path, so the
pages (and the published site) find it. A reference to a missing file, or one leaving the
chapter's folder (``../``, an absolute path, a symlink to elsewhere), fails the build naming the
content file and line. Links with a scheme (``https:``), fragments and the build's own folders
(figures, formulas, assets) are left alone.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from lecturegen.errors import ChapterError
from lecturegen.messages import say

RESERVED = ("assets", "figures", "math", "slides.html", "handout.html", "report.json")


@dataclass(frozen=True)
class LocalFile:
    reference: str  # as written in the content
    source: Path
    target: PurePosixPath  # relative to the output folder


def _references(markdown_text: str, tokens: list | None = None) -> list[tuple[str, str]]:
    """(kind, src) of every Markdown image and link, in order; ``tokens``: the text's, parsed already
    (``myst.Document.tokens``)."""
    from lecturegen.engine.myst import directive_files
    from lecturegen.engine.render import markdown

    md = markdown()
    found = []
    if tokens is None:
        tokens = md.parse(markdown_text, {"prepass": True})  # parsed once for both
    for token in tokens:
        for child in token.children or ():
            if child.type == "image":
                found.append(("image", str(child.attrGet("src") or "")))
            elif child.type == "link_open":
                found.append(("link", str(child.attrGet("href") or "")))
    return found + [("image", src) for src in directive_files(md, markdown_text, tokens)]


def _line_of(content: Path, reference: str) -> int | None:
    try:
        lines = content.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for needle in (f"]({reference}", reference):
        for number, line in enumerate(lines, 1):
            if needle in line:
                return number
    return None


def _fail(content: Path, reference: str, problem: str) -> ChapterError:
    line = _line_of(content, reference)
    where = f"{say('content.at_line', name=content.name, line=line) if line else content.name} ({content.parent.name})"
    return ChapterError(f"{where}: {problem}")


def local_files(markdown_text: str, content: Path, tokens: list | None = None) -> list[LocalFile]:
    """The files next to ``content`` (a ko.md/en.md) that its rendered Markdown refers to; ``tokens``:
    the text's as the MyST reading parsed it (``myst.Document.tokens``), else it is parsed here."""
    folder = content.parent.resolve()
    files: dict[PurePosixPath, LocalFile] = {}
    for kind, src in _references(markdown_text, tokens):
        parts = urlsplit(src)
        if parts.scheme or parts.netloc or not parts.path:
            continue  # https:, mailto:, data:, //host, #fragment
        rel = unquote(parts.path)
        target = PurePosixPath(rel)
        if target.is_absolute() or ".." in target.parts:
            raise _fail(content, src, say("content.media.points_outside", kind=say(f"content.media.{kind}"), src=src,
                                          folder=folder))
        if target.parts and target.parts[0] in RESERVED:
            continue  # the build's own figures, formulas and assets
        source = (folder / rel).resolve()
        if not source.is_relative_to(folder):
            raise _fail(content, src, say("content.media.leads_outside", kind=say(f"content.media.{kind}"), src=src,
                                          folder=folder))
        if not source.is_file():
            raise _fail(content, src, say("content.media.not_found", kind=say(f"content.media.{kind}"), src=src,
                                          source=source, name=content.name))
        files[target] = LocalFile(src, source, target)
    return list(files.values())


def copy_local_files(files: list[LocalFile], out_dir: Path) -> list[str]:
    """Copy them into the output, keeping their relative paths; returns those paths."""
    for f in files:
        dest = out_dir / f.target
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f.source, dest)
    return [str(f.target) for f in files]
