"""The engine: everything between a chapter and its output folder (data, training, the cache,
figures, rendering, writing). See docs/architecture.md.

This package's namespace is the engine's public face: the commands and the other tools
(``serve``, ``publish``, ``check``, ``diff``) import from ``lecturegen.engine`` only, never from
its modules (an import-linter contract in pyproject.toml checks it). Only light modules are
imported here; the build itself is imported when it is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lecturegen.engine.fonts import font_css
from lecturegen.engine.options import BuildOptions, output_dir
from lecturegen.engine.progress import ChangesOnly, LineReporter, Reporter, make_reporter, run_line
from lecturegen.engine.store import CacheStore, default_cache_dir
from lecturegen.engine.writer import MARKER, unlisted

if TYPE_CHECKING:
    from lecturegen.engine.orchestrator import BuildOutcome, CourseOutcome

__all__ = [
    "BuildOptions", "CacheStore", "ChangesOnly", "LineReporter", "MARKER", "Reporter", "build", "build_course",
    "default_cache_dir", "font_css", "make_reporter", "output_dir", "run_line", "unlisted", "warm_up",
]


def build(opts: BuildOptions, reporter: Reporter) -> BuildOutcome:
    """One chapter in one language (``lecturegen build ch4``)."""
    from lecturegen.engine.orchestrator import build_one

    return build_one(opts, reporter)


def build_course(opts: BuildOptions, chapter_ids: list[str], langs: list[str | None], reporter: Reporter,
                 optional_langs: bool = False) -> CourseOutcome:
    """Several chapters and languages in one build (``lecturegen build ch4 ch5 --lang ko --lang en``);
    ``optional_langs``: the languages are the course's, so a chapter lacking one is built without it."""
    from lecturegen.engine.orchestrator import build_course as build_all

    return build_all(opts, chapter_ids, langs, reporter, optional_langs)



def warm_up(opts: BuildOptions) -> None:
    """Import what a training build needs and read its data, running nothing (``lecturegen serve``
    forks its rebuilds from a process that did this): :mod:`lecturegen.engine.warm`."""
    from lecturegen.engine.warm import warm_up as warm

    warm(opts)
