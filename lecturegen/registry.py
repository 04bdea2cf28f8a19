"""Finding chapters by id: the built-in modules of :mod:`lecturegen.chapters`, plus (for tests and
local experiments) the ``*.py`` chapter modules of the folder named by ``$LECTUREGEN_CHAPTERS_DIR``.

A module found through ``$LECTUREGEN_CHAPTERS_DIR`` keeps its content next to it, in
``<folder>/<chapter id>/<lang>.md``, unless its ``chapter(...)`` names a ``content_dir``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import re
import sys
from pathlib import Path
from types import ModuleType

from lecturegen import chapters as builtin_chapters
from lecturegen.chapter import Chapter
from lecturegen.errors import ChapterError, UsageError

CHAPTERS_DIR_ENV = "LECTUREGEN_CHAPTERS_DIR"
# chapter ids and experiment names become folder and file names: nothing that can leave a folder
SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def package_templates_dir() -> Path:
    """The templates folder: inside the installed package (wheel) or at the repository top."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise ChapterError("lecturegen's templates folder is missing; reinstall lecturegen")


def _import_file(path: Path) -> ModuleType:
    name = f"lecturegen_chapter_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path.name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # inspect.getsource needs the module registered
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, SyntaxError) and exc.lineno:
        text = f"{exc.msg} (line {exc.lineno})"
    return f"{type(exc).__name__}: {text}"[:300]


def _load_module(module_name: str, origin: str, path: Path | None = None) -> Chapter:
    fix = f"fix it or remove it from ${CHAPTERS_DIR_ENV}" if path else "reinstall lecturegen"
    try:
        module = _import_file(path) if path else importlib.import_module(module_name)
    except Exception as exc:  # a broken chapter module must not crash the CLI
        raise ChapterError(f"chapter module {origin} failed to import: {_one_line(exc)}; {fix}") from None
    found = getattr(module, "CHAPTER", None)
    if not isinstance(found, Chapter):
        raise ChapterError(f"chapter module {origin} defines no CHAPTER = chapter(...); {fix}")
    if not SAFE_ID.match(found.id):
        raise ChapterError(
            f"chapter module {origin} has the id {found.id!r}; rename it: ids are lowercase letters, digits, '-' and '_'"
        )
    for exp in found.experiments:
        if not SAFE_NAME.match(exp.name):
            raise ChapterError(f"chapter {found.id}: experiment name {exp.name!r} is not a plain name; rename it")
    default = (path.parent if path else package_templates_dir() / "chapters") / found.id
    return Chapter(found.id, found.title, found.experiments, found.content_dir or default, origin)


def _extra_modules() -> list[Path]:
    folder = os.environ.get(CHAPTERS_DIR_ENV)
    if not folder:
        return []
    root = Path(folder)
    if not root.is_dir():
        raise ChapterError(f"${CHAPTERS_DIR_ENV} is {folder}, which is not a folder; fix or unset it")
    return sorted(p for p in root.glob("*.py") if not p.name.startswith("_"))


def available() -> dict[str, Chapter]:
    """All chapters, keyed by id."""
    found: dict[str, Chapter] = {}
    for info in sorted(pkgutil.iter_modules(builtin_chapters.__path__), key=lambda m: m.name):
        chap = _load_module(f"{builtin_chapters.__name__}.{info.name}", f"lecturegen.chapters.{info.name}")
        found[chap.id] = chap
    for path in _extra_modules():
        chap = _load_module(path.stem, str(path), path)
        if chap.id in found:
            raise ChapterError(f"chapter module {path} reuses the id '{chap.id}' of {found[chap.id].origin}; rename it")
        found[chap.id] = chap
    return found


def get(chapter_id: str) -> Chapter:
    if not SAFE_ID.match(chapter_id):
        raise UsageError(
            f"invalid chapter id {chapter_id!r}: ids are lowercase letters, digits, '-' and '_' "
            "(see 'lecturegen list')"
        )
    chapters = available()
    if chapter_id not in chapters:
        known = ", ".join(sorted(chapters)) or "none"
        raise UsageError(f"unknown chapter '{chapter_id}'; known chapters: {known} (see 'lecturegen list')")
    return chapters[chapter_id]
