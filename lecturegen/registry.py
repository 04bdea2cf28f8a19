"""Finding chapters by id: the built-in modules of :mod:`lecturegen.chapters`."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from lecturegen import chapters as builtin_chapters
from lecturegen.chapter import Chapter
from lecturegen.errors import ChapterError, UsageError


def package_templates_dir() -> Path:
    """The templates folder: inside the installed package (wheel) or at the repository top."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise ChapterError("lecturegen's templates folder is missing; reinstall lecturegen")


def _load_module(module_name: str, origin: str) -> Chapter:
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # a broken chapter module must not crash the CLI
        raise ChapterError(f"chapter module {origin} failed to import: {type(exc).__name__}: {exc}") from None
    found = getattr(module, "CHAPTER", None)
    if not isinstance(found, Chapter):
        raise ChapterError(f"chapter module {origin} defines no CHAPTER = chapter(...)")
    content = found.content_dir or package_templates_dir() / "chapters" / found.id
    return Chapter(found.id, found.title, found.experiments, content, origin)


def available() -> dict[str, Chapter]:
    """All chapters, keyed by id."""
    found: dict[str, Chapter] = {}
    for info in sorted(pkgutil.iter_modules(builtin_chapters.__path__), key=lambda m: m.name):
        chap = _load_module(f"{builtin_chapters.__name__}.{info.name}", f"lecturegen.chapters.{info.name}")
        found[chap.id] = chap
    return found


def get(chapter_id: str) -> Chapter:
    chapters = available()
    if chapter_id not in chapters:
        known = ", ".join(sorted(chapters)) or "none"
        raise UsageError(f"unknown chapter '{chapter_id}'; known chapters: {known} (see 'lecturegen list')")
    return chapters[chapter_id]
