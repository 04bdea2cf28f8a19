"""`lecturegen build`: gather everything (data, results, figures), then write atomically."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import nbformat

from lecturegen.engine import apiprobe, assets, data, maths
from lecturegen import clock, messages, registry
from lecturegen.engine.cache import ResultCache, default_cache_dir
from lecturegen.claims import ClaimResult, evaluate_all, previous_outcomes
from lecturegen.chapter import PROFILES, Chapter, Profile
from lecturegen.engine.context import RenderContext
from lecturegen.errors import ClaimError, LecturegenError, UsageError
from lecturegen.engine.fonts import font_css
from lecturegen.engine.notebook import build_notebook
from lecturegen.engine.figures import chapter_figures, render_figures
from lecturegen.engine.media import copy_local_files, local_files
from lecturegen.engine.progress import Reporter
from lecturegen.engine.render import pygments_css, render_markdown, render_pages, requests_in, split_slides
from lecturegen.engine.store import CacheStore
from lecturegen.report import Provenance, Report, ReportError, RunStatus, build_report
from lecturegen.engine.executors import ExecutorOptions, make_executor
from lecturegen.engine.results import RunResult
from lecturegen.engine.runs import train_chapters
from lecturegen.versions import tool_versions
from lecturegen.messages import say

log = logging.getLogger(__name__)

DEFAULT_LANG = "ko"
MAX_SEED = 2**32 - 1  # keras.utils.set_random_seed takes 32-bit seeds
MAX_SEEDS = 100
MAX_JOBS = 64


@dataclass(frozen=True)
class BuildOptions:
    chapter: str
    out: Path = Path("output")
    profile: str = "full"
    data: str = "auto"
    lang: str | None = None  # None: the chapter's first language
    force: bool = False
    seed: int = 0
    cache_dir: Path | None = None
    chapters_dirs: tuple[Path, ...] = ()  # searched after the built-in and entry-point chapters
    templates_dirs: tuple[Path, ...] = ()  # searched before the built-in templates, first wins
    seeds: int = 1  # train each experiment with seeds seed .. seed + seeds - 1; report mean ± sd
    strict: bool = False  # a claim that does not hold fails the build; the previous output stays
    jobs: int | None = None  # experiments trained at the same time (None: schedule.default_jobs())
    processes: bool = False  # with jobs > 1: each run in a worker process instead of a thread of the build
    executor: str = "local"  # where runs train: "local" (this machine) or "dask" (a Dask cluster)
    scheduler: str | None = None  # dask: an existing scheduler's address; None: a LocalCluster here
    workers: int | None = None  # dask LocalCluster: worker processes (default: one per core)

    def executor_options(self) -> ExecutorOptions:
        return ExecutorOptions(self.executor, self.jobs, self.data, self.chapters_dirs,
                               self.scheduler, self.workers, self.processes)


def seed_list(seed: int, count: int) -> list[int]:
    return list(range(seed, seed + count))


@dataclass(frozen=True)
class BuildOutcome:
    out_dir: Path
    runs: dict[str, RunResult]
    status: dict[str, RunStatus]
    seconds: float
    is_sample: bool
    files: list[str] = field(default_factory=list)
    claims: list[ClaimResult] = field(default_factory=list)
    chapter_id: str = ""


def output_dir(out: Path, chapter_id: str, lang: str) -> Path:
    """ko (the default language) builds into OUT/<chapter>, other languages into OUT/<chapter>-<lang>."""
    return out / (chapter_id if lang == DEFAULT_LANG else f"{chapter_id}-{lang}")


def _validate(opts: BuildOptions) -> tuple[Chapter, Profile, str]:
    if opts.lang is not None:
        messages.catalog(opts.lang)  # a language lecturegen has no words for is refused before anything runs
    if not 1 <= opts.seeds <= MAX_SEEDS:
        raise UsageError(say("errors.pipeline.seeds_give_1_each", seeds=opts.seeds, max_seeds=MAX_SEEDS))
    if not 0 <= opts.seed or opts.seed + opts.seeds - 1 > MAX_SEED:
        raise UsageError(say("errors.pipeline.seed_with_seeds_runs", seed=opts.seed, seeds=opts.seeds, max_seed=MAX_SEED))
    if opts.profile not in PROFILES:
        raise UsageError(say("errors.pipeline.unknown_profile_use_one", profile=opts.profile, profiles=', '.join(PROFILES)))
    clock.now()  # a bad $SOURCE_DATE_EPOCH stops the build before anything trains
    if opts.jobs is not None and not 1 <= opts.jobs <= MAX_JOBS:
        raise UsageError(say("errors.pipeline.jobs_give_1_number", jobs=opts.jobs, max_jobs=MAX_JOBS))
    chapter = registry.get(opts.chapter, opts.chapters_dirs)
    lang = opts.lang or chapter.languages[0]
    if lang not in chapter.languages:
        raise UsageError(say("errors.pipeline.chapter_written_in_not", id=chapter.id, languages=', '.join(chapter.languages), lang=lang))
    messages.catalog(lang)
    content = chapter.content_dir / f"{lang}.md"
    if not content.is_file():
        raise UsageError(say("errors.pipeline.chapter_has_no_content", id=chapter.id, lang=lang, name=content.name))
    return chapter, PROFILES[opts.profile], lang


def train_all(chapter: Chapter, dataset: data.Dataset, profile: Profile, seeds: int | list[int], cache: ResultCache,
              force: bool, reporter: Reporter, jobs: int = 1, data_spec: str | None = None,
              chapters_dirs: tuple[Path, ...] = (), processes: bool = False,
              ) -> tuple[dict[str, RunResult], dict[str, dict[str, Any]]]:
    """Each experiment's result: from the cache when its key matches, else trained now.

    With several seeds each (experiment, seed) is its own cache entry, and the experiment's
    result is their mean (:func:`lecturegen.engine.results.aggregate`). With ``jobs`` > 1, that many
    runs train at once, most expensive first (:mod:`lecturegen.engine.parallel`): in threads of this
    process, or with ``processes`` (and ``data_spec``) in worker processes.
    """
    seeds = [seeds] if isinstance(seeds, int) else list(seeds)
    local = ExecutorOptions("local", jobs, data_spec, chapters_dirs, processes=processes)
    return train_chapters([chapter], dataset, profile, seeds, cache, force, reporter,
                          lambda: make_executor(local, reporter))[chapter.id]


def check_claims(chapter: Chapter, runs: dict[str, RunResult], final: Path, reporter: Reporter,
                 data: str | None = None) -> list[ClaimResult]:
    """Evaluate the chapter's claims on this build's runs; say on the terminal which fail."""
    results = evaluate_all(chapter.claims, runs, previous_outcomes(previous_report(final)), data)
    for result in results:
        if result.failed:
            reporter.warn(result.failure_message())
    return results


def previous_report(final: Path) -> dict[str, Any] | None:
    """The report of the build being replaced, if it is a readable one (else there was none)."""
    try:
        return Report.load(final / "report.json").data
    except ReportError:
        return None


def provenance(dataset: data.Dataset, profile: Profile, seed: int, runs: dict[str, RunResult],
               seeds: int = 1) -> Provenance:
    devices = sorted({run.device for run in runs.values()}) or ["CPU"]
    return Provenance(
        **tool_versions(),
        device=", ".join(devices),
        dataset=dataset.fingerprint.name,
        dataset_sha256=dataset.fingerprint.sha256,
        sample_data=dataset.fingerprint.is_sample,
        seed=seed,
        profile=profile.name,
        build_date=clock.stamp(),
        seeds=tuple(seed_list(seed, seeds)) if seeds > 1 else None,
    )


def data_sizes(fp: data.Fingerprint, profile: Profile) -> str:
    """The sizes training really uses: ``2,000 of 60,000 train / 500 of 10,000 test images, at most 2 epochs (profile quick)``."""
    def every(used: int | None, size: int) -> bool:
        return used is None or used >= size

    train = (say("cli.course.train_all", size=fp.train_size) if every(profile.max_train, fp.train_size)
             else say("cli.course.train_some", used=profile.max_train, size=fp.train_size))
    test = (say("cli.course.test_all", size=fp.test_size) if every(profile.max_test, fp.test_size)
            else say("cli.course.test_some", used=profile.max_test, size=fp.test_size))
    epochs = say("cli.course.max_epochs", epochs=profile.max_epochs) if profile.max_epochs else ""
    key = "cli.course.sizes_rows" if fp.features else "cli.course.sizes"  # a table: rows, not images
    return say(key, train=train, test=test, epochs=epochs, profile=profile.name)


def _cache_folder(opts: BuildOptions) -> Path:
    """The cache folder, checked before anything trains: a bad one must not cost a training run."""
    cache_dir = opts.cache_dir or default_cache_dir()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=cache_dir).close()
    except OSError as exc:
        raise LecturegenError(
            say("errors.pipeline.cannot_use_cache_folder", cache_dir=cache_dir, problem=exc.strerror or exc)
        ) from None
    return cache_dir


def render_target(opts: BuildOptions, chapter: Chapter, profile: Profile, dataset: data.Dataset, runs: dict[str, RunResult],
                  status: dict[str, RunStatus], staged: Path, store: CacheStore, reporter: Reporter) -> BuildOutcome:
    """Check the claims and write one (chapter, language) into its staging folder ``staged``."""
    fp = dataset.fingerprint
    final = output_dir(opts.out, chapter.id, opts.lang)
    claims = check_claims(chapter, runs, final, reporter, chapter.source.claim_data(fp))
    failing = [c.id for c in claims if c.failed]
    if opts.strict and failing:
        raise ClaimError(
            say("errors.pipeline.claim_do_not_hold", n_failing=len(failing), id=chapter.id, failing=', '.join(failing), final=final)
        )
    prov = provenance(dataset, profile, opts.seed, runs, opts.seeds).to_dict()  # the pages read it as data
    workers = sorted({w["worker"] for st in status.values() for w in st.trained_on() if "worker" in w})
    if workers:  # trained on a cluster: which workers (each run's report entry says its own)
        prov["workers"] = workers
    data_label = Path(opts.data).name if fp.source in ("npz", "idx") else fp.source
    specs = chapter_figures(chapter, runs, fp.is_sample)
    figures = {f.name: f for f in render_figures(specs, opts.lang, staged, store)}
    ctx = RenderContext(chapter, opts.lang, runs, figures, fp, profile, prov,
                        {"data_label": data_label, "api_probes": {}}, tuple(claims))
    formulas, api_requests = requests_in(ctx)  # prepared before rendering: formulas, old-API probes
    ctx = replace(ctx, formulas=maths.typeset_all(formulas, store),
                  extra={**ctx.extra, "api_probes": apiprobe.probe_all(api_requests, store)})
    maths.write_formulas(ctx.formulas, staged)
    text = render_markdown(ctx)
    own_files = copy_local_files(local_files(text, chapter.content_dir / f"{opts.lang}.md"), staged)
    slides = split_slides(text)
    notebook = build_notebook(ctx, staged, folder=final.name)
    files = {**render_pages(ctx, slides, opts.templates_dirs), f"{chapter.id}.ipynb": nbformat.writes(notebook)}
    outputs = sorted([*files, "report.json", *own_files])
    files["report.json"] = build_report(ctx, status, outputs).dumps()
    for name, text in files.items():
        (staged / name).write_text(text, encoding="utf-8")
    page_text = "".join(text for name, text in files.items() if name.endswith(".html"))
    assets.copy_assets(staged / "assets", pygments_css(), font_css(page_text, store), opts.templates_dirs)
    return BuildOutcome(final, runs, status, 0.0, fp.is_sample, outputs, claims, chapter.id)


def build(opts: BuildOptions, reporter: Reporter) -> BuildOutcome:
    """One chapter in one language (``lecturegen build ch4``)."""
    from lecturegen.engine.course import build_course

    course = build_course(opts, [opts.chapter], [opts.lang], reporter)
    if course.failures:
        raise course.failures[0][1]
    return course.outcomes[0]
