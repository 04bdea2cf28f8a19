"""Finding chapters by id, in this order:

1. built-in: the modules of :mod:`lecturegen.chapters` (content in ``templates/chapters/<id>/``);
2. entry points of the group ``lecturegen.chapters`` (a course shipped as a pip package); each
   entry point names a chapter module or a ``Chapter`` object;
3. folders: ``chapters_dirs`` of ``lecturegen.toml``, then each ``--chapters-dir``; every
   ``*.py`` file not starting with ``_`` is a chapter module, imported by its path.

For tests and local experiments, the folder named by ``$LECTUREGEN_CHAPTERS_DIR`` is searched
like a ``--chapters-dir``. A module exposes ``CHAPTER = chapter(...)``. The same id found twice is an error naming both
places. Outside the package, content files sit next to the module (see :func:`_content_dir`).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import pkgutil
import re
import sys
import traceback
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Iterable, Iterator, Sequence

from lecturegen import chapters as builtin_chapters
from lecturegen.core.chapter import CHAPTER_ID, Chapter
from lecturegen.safefs import is_special
from lecturegen.errors import ChapterError, UsageError
from lecturegen.messages import say

ENTRY_POINT_GROUP = "lecturegen.chapters"
CHAPTERS_DIR_ENV = "LECTUREGEN_CHAPTERS_DIR"
# experiment names become file names: nothing that can leave a folder (chapter ids: the one rule
# of lecturegen.core.chapter.CHAPTER_ID, which chapter() also applies)
SAFE_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_-]*\Z")


def package_templates_dir() -> Path:
    """The templates folder: inside the installed package (wheel) or at the repository top."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise ChapterError(say("install.templates_missing"))


def _failure(origin: str, exc: BaseException, path: Path | None = None) -> ChapterError:
    """One line: where, what, and the line of the chapter file that raised, when there is one."""
    line = exc.lineno if isinstance(exc, SyntaxError) else None
    if path is not None:
        for frame in traceback.extract_tb(exc.__traceback__):
            if Path(frame.filename) == path:
                line = frame.lineno
    message = str(exc.msg if isinstance(exc, SyntaxError) else exc).splitlines()[0] if str(exc) else ""
    where = say("content.at_line", name=origin, line=line) if line else str(origin)
    return ChapterError(say("chapter.module_import_failed", where=where, kind=type(exc).__name__, message=message))


def _content_dir(chap: Chapter, module_file: Path | None) -> Path:
    """Explicit ``content_dir`` (relative to the module), else ``<module folder>/<id>/``,
    else ``<module folder>/<module name>/``; built-in chapters: ``templates/chapters/<id>/``."""
    if module_file is None:
        return chap.content_dir or package_templates_dir() / "chapters" / chap.id
    folder = module_file.resolve().parent
    if chap.content_dir is not None:
        return folder / chap.content_dir  # an absolute content_dir stays as it is
    by_module = folder / module_file.stem
    return by_module if by_module.is_dir() and not (folder / chap.id).is_dir() else folder / chap.id


def _as_chapter(found: object, origin: str, module_file: Path | None) -> Chapter:
    if isinstance(found, ModuleType):
        found = getattr(found, "CHAPTER", None)
    if not isinstance(found, Chapter):
        raise ChapterError(say("chapter.module_without_chapter", origin=origin))
    if not CHAPTER_ID.match(found.id):
        raise ChapterError(
            say("chapter.module_bad_id", origin=origin, id=found.id)
        )
    for exp in found.experiments:
        if not SAFE_NAME.match(exp.name):
            raise ChapterError(say("chapter.experiment_bad_name", id=found.id, name=exp.name))
    return replace(found, content_dir=_content_dir(found, module_file), origin=origin)


def _builtin() -> Iterator[Chapter]:
    for info in sorted(pkgutil.iter_modules(builtin_chapters.__path__), key=lambda m: m.name):
        name = f"{builtin_chapters.__name__}.{info.name}"
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # a broken chapter module must not crash the CLI
            raise _failure(name, exc) from None
        yield _as_chapter(module, name, None)


def _from_entry_points() -> Iterator[Chapter]:
    seen: set[tuple[str, str]] = set()
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if (ep.name, ep.value) in seen:  # the same distribution twice on sys.path
            continue
        seen.add((ep.name, ep.value))
        dist = f" of {ep.dist.name}" if ep.dist is not None else ""
        origin = f"entry point {ep.name} = {ep.value}{dist}"
        try:
            found = ep.load()
        except Exception as exc:
            raise _failure(origin, exc) from None
        module = found if isinstance(found, ModuleType) else sys.modules.get(ep.module)
        module_file = getattr(module, "__file__", None)
        yield _as_chapter(found, origin, Path(module_file) if module_file else None)


def _import_file(path: Path) -> ModuleType:
    """Import a chapter file under a name unique to its path, so two folders never collide."""
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    name = f"_lecturegen_chapter_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ChapterError(say("chapter.module_not_python", path=path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and inspect look the module up while it runs
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise _failure(str(path), exc, path) from None
    return module


def _from_folder(folder: Path) -> Iterator[Chapter]:
    if not folder.is_dir():
        raise UsageError(say("chapter.no_such_folder", folder=folder))
    for path in sorted(folder.resolve().glob("*.py")):
        if is_special(path):  # importing a FIFO would wait for a writer forever
            raise ChapterError(say("chapter.module_not_a_file", path=path, folder=folder))
        if not path.name.startswith("_"):
            yield _as_chapter(_import_file(path), str(path), path)


def _collect(chapters: Iterable[Chapter]) -> dict[str, Chapter]:
    found: dict[str, Chapter] = {}
    for chap in chapters:
        if chap.id in found:
            raise ChapterError(say("chapter.defined_twice", id=chap.id, origin=found[chap.id].origin, other=chap.origin))
        found[chap.id] = chap
    return found


def available(chapters_dirs: Sequence[Path] = ()) -> dict[str, Chapter]:
    """All chapters, keyed by id, in discovery order."""
    extra = os.environ.get(CHAPTERS_DIR_ENV)
    if extra and not Path(extra).is_dir():
        raise ChapterError(say("chapter.env_not_a_folder", chapters_dir_env=CHAPTERS_DIR_ENV, extra=extra))
    dirs = [*chapters_dirs, *([Path(extra)] if extra else [])]
    folders = dict.fromkeys(Path(d).resolve() for d in dirs)  # a folder given twice counts once
    return _collect([*_builtin(), *_from_entry_points(), *(c for d in folders for c in _from_folder(d))])


def get(chapter_id: str, chapters_dirs: Sequence[Path] = ()) -> Chapter:
    if not CHAPTER_ID.match(chapter_id):
        raise UsageError(
            say("chapter.invalid_id", chapter_id=chapter_id)
        )
    chapters = available(chapters_dirs)
    if chapter_id not in chapters:
        known = ", ".join(sorted(chapters)) or "none"
        raise UsageError(say("chapter.unknown", chapter_id=chapter_id, known=known))
    return chapters[chapter_id]
