"""Several chapters and languages in one build: ``lecturegen build ch4 ch5 --lang ko --lang en``.

The data is read once; every (chapter, language) output folder is locked and staged first (a
second build into one of them stops before anything trains); the runs of all chapters are trained
once, for all languages, by one executor; then each (chapter, language) is rendered into its
staging folder and swapped into place on its own. A (chapter, language) that fails to render
(e.g. a claim under ``--strict``) keeps its previous output and is reported at the end; an error
before that point (data, training, Ctrl-C) leaves every previous output as it was.
"""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

from lecturegen.engine.cache import ResultCache
from lecturegen.engine.executors import check_options, make_executor
from lecturegen import terminal
from lecturegen.engine.pipeline import (BuildOptions, BuildOutcome, _cache_folder, _validate, data_sizes, output_dir,
                                       render_target, seed_list)
from lecturegen.engine.tflog import tensorflow_log
from lecturegen.engine.progress import Reporter
from lecturegen.engine.store import CacheStore
from lecturegen.engine.runs import train_chapters
from lecturegen.engine.writer import disk_full_is_an_error, staged_output
from lecturegen.errors import LecturegenError, UsageError
from lecturegen.messages import say


@dataclass
class CourseOutcome:
    outcomes: list[BuildOutcome] = field(default_factory=list)
    failures: list[tuple[Path, LecturegenError]] = field(default_factory=list)  # output folder, why
    seconds: float = 0.0
    trained: int = 0  # distinct runs trained by this build
    cached: int = 0


def targets(opts: BuildOptions, chapter_ids: list[str], langs: list[str | None]) -> list[BuildOptions]:
    """One BuildOptions per (chapter, language), chapter by chapter; each chapter and language once."""
    if not chapter_ids:
        raise UsageError(say("errors.course.no_chapter_build_give"))
    return [replace(opts, chapter=c, lang=lang) for c in dict.fromkeys(chapter_ids) for lang in dict.fromkeys(langs)]


def build_course(opts: BuildOptions, chapter_ids: list[str], langs: list[str | None], reporter: Reporter) -> CourseOutcome:
    started = time.perf_counter()
    jobs = targets(opts, chapter_ids, langs)
    checked = []
    for i, job in enumerate(jobs):
        chapter, profile, lang = _validate(job)
        jobs[i] = replace(job, lang=lang)  # None: the chapter's first language
        checked.append((chapter, profile))
    check_options(opts.executor_options())
    profile = checked[0][1]
    chapters = list({chapter.id: chapter for chapter, _ in checked}.values())
    groups: dict[str, tuple[object, list]] = {}  # chapters by data source: each source is read once
    for chapter in chapters:
        groups.setdefault(chapter.source.identity(), (chapter.source, []))[1].append(chapter)
    datasets = {key: source.dataset(opts.data) for key, (source, _) in groups.items()}
    store = CacheStore(_cache_folder(opts))
    course = CourseOutcome()
    with ExitStack() as outer:
        # the locks and staging folders cover training too, as for one chapter
        stages = []
        for job, (chapter, _) in zip(jobs, checked):
            final = output_dir(job.out, chapter.id, job.lang)
            stage = ExitStack()
            outer.push(stage.__exit__)
            stage.enter_context(disk_full_is_an_error(final, store.root))
            stages.append((job, chapter, stage, stage.enter_context(staged_output(final.parent, final.name, job.force))))
        for dataset in datasets.values():
            fp = dataset.fingerprint
            if fp.is_sample:
                reporter.warn(say("cli.course.using_every_number_in", name=fp.name))
            reporter.info(say("cli.course.data", name=fp.name, sizes=data_sizes(fp, profile)))
        results = {}
        with tensorflow_log(store.root, show=terminal.state.verbose):
            for key, (_, members) in groups.items():
                results.update(train_chapters(members, datasets[key], profile, seed_list(opts.seed, opts.seeds),
                                              ResultCache(store), opts.force, reporter,
                                              lambda: make_executor(opts.executor_options(), reporter)))
        for job, chapter, stage, staged in stages:
            runs, status = results[chapter.id]
            dataset = datasets[chapter.source.identity()]
            try:
                outcome = render_target(job, chapter, profile, dataset, runs, status, staged, store, reporter)
            except LecturegenError as exc:
                stage.__exit__(*sys.exc_info())  # this folder keeps its previous output
                course.failures.append((output_dir(job.out, chapter.id, job.lang), exc))
                continue
            stage.close()  # swap the staged folder into place
            course.outcomes.append(replace(outcome, seconds=time.perf_counter() - started))
    states = [st for runs, status in results.values() for s in status.values()
              for st in (s.per_seed or [{"status": s.status}])]
    course.trained = sum(st["status"] == "trained" for st in states)
    course.cached = len(states) - course.trained
    course.seconds = time.perf_counter() - started
    return course
