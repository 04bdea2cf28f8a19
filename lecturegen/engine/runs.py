"""The runs of one or more chapters: which are cached, which must train, and their results.

Every (chapter, experiment, seed) is one run with a cache key. :func:`train_chapters` loads the
cached ones, hands the others (each distinct key once) to an executor
(:mod:`lecturegen.engine.executors`), caches each result on this machine as it arrives, and
returns per chapter the experiments' results (the mean over seeds) and their cache status.
"""

from __future__ import annotations

from typing import Any, Callable

from lecturegen.engine.cache import ResultCache, cache_key, key_parts
from lecturegen.engine.data import Dataset
from lecturegen.engine.executors import Executor, Finished, RunSpec
from lecturegen.engine.progress import Reporter
from lecturegen.core.results import RunResult, aggregate
from lecturegen.core.chapter import Chapter, Experiment, Profile
from lecturegen.report import RunStatus
from lecturegen.messages import said, say

Done = dict[tuple[str, str, int], tuple[RunResult, dict[str, Any]]]  # (chapter, experiment, seed)
ChapterRuns = tuple[dict[str, RunResult], dict[str, RunStatus]]


def _label(chapter: Chapter, name: str, seed: int, seeds: list[int], several: bool) -> str:
    base = f"{chapter.id}/{name}" if several else name
    return base if len(seeds) == 1 else say("training.label_seed", base=base, seed=seed)


def seeds_of(exp: Experiment, seeds: list[int]) -> list[int]:
    """The seeds ``exp`` trains with: ``--seeds``, or more where the experiment asks for more."""
    return seeds if len(seeds) >= exp.seeds else list(range(seeds[0], seeds[0] + exp.seeds))


def plan(chapters: list[Chapter], dataset: Dataset, profile: Profile, seeds: list[int], cache: ResultCache,
         force: bool, reporter: Reporter) -> tuple[Done, list[tuple[RunSpec, dict, list[str]]]]:
    """The cached runs' results, and the runs to train with their key parts and reasons."""
    done: Done = {}
    todo: list[tuple[RunSpec, dict, list[str]]] = []
    several = len(chapters) > 1
    labels: list[str] = []
    cached_runs: list[tuple[str, RunResult]] = []
    for chapter in chapters:
        for exp in chapter.experiments:
            exp_seeds = seeds_of(exp, seeds)
            for seed in exp_seeds:
                label = _label(chapter, exp.name, seed, exp_seeds, several)
                labels.append(label)
                parts = key_parts(chapter, exp, dataset.fingerprint, profile, seed)
                cached = None if force else cache.load(parts)
                if cached is not None:
                    cached_runs.append((label, cached))
                    done[chapter.id, exp.name, seed] = cached, {"status": "cached", "reasons": []}
                    continue
                reasons = ["--force"] if force else cache.why_stale(parts)
                progress = f"{chapter.id}/{exp.name}" if several else exp.name
                todo.append((RunSpec(cache_key(parts), chapter.id, exp, seed, profile, label, progress), parts, reasons))
    reporter.plan(labels, {spec.label: profile.epochs(spec.experiment) for spec, _, _ in todo})
    for label, result in cached_runs:
        reporter.cached(label, result.test_accuracy, result.test_loss)
    for spec, _, reasons in todo:
        reporter.info(say("training.why", label=spec.label, reasons="; ".join(said(r) for r in reasons)))
    return done, todo


def _finished_experiments(chapter: Chapter, seeds: list[int], done: Done) -> dict[str, RunResult]:
    """The chapter's experiments whose every seed has its result (the mean over seeds)."""
    return {exp.name: aggregate([done[chapter.id, exp.name, seed][0] for seed in seeds_of(exp, seeds)])
            for exp in chapter.experiments
            if all((chapter.id, exp.name, seed) in done for seed in seeds_of(exp, seeds))}


def _assemble(chapter: Chapter, seeds: list[int], done: Done) -> ChapterRuns:
    runs: dict[str, RunResult] = {}
    status: dict[str, RunStatus] = {}
    for exp in chapter.experiments:
        exp_seeds = seeds_of(exp, seeds)
        results = [done[chapter.id, exp.name, seed][0] for seed in exp_seeds]
        states = [{"seed": seed, **done[chapter.id, exp.name, seed][1]} for seed in exp_seeds]
        runs[exp.name] = aggregate(results)
        if len(exp_seeds) == 1:
            status[exp.name] = RunStatus(states[0]["status"], tuple(states[0]["reasons"]), None,
                                         states[0].get("trained_on"))
        else:
            trained = [st for st in states if st["status"] == "trained"]
            reasons = tuple(dict.fromkeys(r for st in trained for r in st["reasons"]))
            status[exp.name] = RunStatus("trained" if trained else "cached", reasons, tuple(states))
    return runs, status


def train_chapters(chapters: list[Chapter], dataset: Dataset, profile: Profile, seeds: list[int], cache: ResultCache,
                   force: bool, reporter: Reporter, executor: Callable[[], Executor],
                   so_far: Callable[[str, dict[str, RunResult]], None] | None = None) -> dict[str, ChapterRuns]:
    """Each chapter's results: from the cache when its key matches, else trained by ``executor()``,
    which is created only when something must train (a cached rebuild starts no cluster).
    ``so_far(chapter id, results)`` hears, when something trains, each chapter's finished
    experiments: the cached ones before the data is read, then again each time one finishes."""
    done, todo = plan(chapters, dataset, profile, seeds, cache, force, reporter)
    if todo:
        by_key = {spec.key: (spec, parts, reasons) for spec, parts, reasons in todo}
        by_id = {chapter.id: chapter for chapter in chapters}

        def tell(chapter_ids) -> None:
            for chapter_id in dict.fromkeys(chapter_ids):
                if so_far is not None:
                    so_far(chapter_id, _finished_experiments(by_id[chapter_id], seeds, done))

        def finished(item: Finished) -> None:
            spec, parts, reasons = by_key[item.spec.key]
            cache.store(parts, item.result)
            state: dict[str, Any] = {"status": "trained", "reasons": reasons}
            if item.where.get("executor", "local") != "local":  # a local build's report stays as it was
                state["trained_on"] = item.where
            for other, _, _ in todo:
                if other.key == spec.key:
                    done[other.chapter_id, other.experiment.name, other.seed] = item.result, state
            tell(other.chapter_id for other, _, _ in todo if other.key == spec.key)

        tell(by_id)  # the cached results first, before the data is read
        if dataset.fingerprint.source != "keras":
            dataset.arrays  # read and checked now: bad data fails in a second, before TensorFlow is imported
        runner = executor()
        try:
            runner.execute([spec for spec, _, _ in by_key.values()], dataset, reporter, finished)
        finally:
            runner.close()
    return {chapter.id: _assemble(chapter, seeds, done) for chapter in chapters}
