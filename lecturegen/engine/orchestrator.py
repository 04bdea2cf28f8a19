"""`lecturegen build`: one build, as an explicit list of named stages.

A build is one or more (chapter, language) *targets*: ``lecturegen build ch4 ch5 --lang ko --lang en``
has four. The stages run in this order, each a plain function over the build's state::

    validate -> data -> stage -> train -> for each target: claims, figures, render, notebook, report,
    assets -> swap

- :data:`BUILD_STAGES` (once per build): every target is checked before anything is read; the data
  is resolved once; every output folder is locked and staged (a second build into one of them stops
  before anything trains); the runs of all chapters are trained once, for all languages, by one
  executor (:mod:`lecturegen.engine.runs`).
- :data:`TARGET_STAGES` (per target, into its staging folder): a target that fails here (e.g. a
  claim under ``--strict``) keeps its previous output and is reported at the end.
- ``swap``: the staged folder replaces the previous output atomically (:mod:`lecturegen.engine.writer`).

An error before the target stages (data, training, Ctrl-C) leaves every previous output as it was.
The settings come in whole, as :class:`~lecturegen.engine.options.BuildOptions` resolved by the
command; no stage reads ``lecturegen.toml`` or the working folder.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from lecturegen import clock, messages, registry, terminal
from lecturegen.core.chapter import PROFILES, Chapter, Profile
from lecturegen.core.claims import ClaimResult, evaluate_all, previous_outcomes
from lecturegen.core.results import RunResult
from lecturegen.engine import data, unchanged
from lecturegen.engine.cache import ResultCache
from lecturegen.engine.executors import Executor, check_options, make_executor
from lecturegen.engine.drawing import Drawer
from lecturegen.engine.figures import chapter_figures, render_figures
from lecturegen.engine.options import MAX_JOBS, MAX_SEED, MAX_SEEDS, BuildOptions, output_dir, seed_list
from lecturegen.engine.progress import Reporter
from lecturegen.engine.runs import train_chapters
from lecturegen.engine.store import CacheStore, default_cache_dir
from lecturegen.engine.tflog import tensorflow_log
from lecturegen.engine.writer import KeepPrevious, disk_full_is_an_error, staged_output
from lecturegen.errors import ClaimError, LecturegenError, UsageError
from lecturegen.interrupts import raise_if_interrupted
from lecturegen.messages import say
from lecturegen.report import Provenance, Report, ReportError, RunStatus, build_report
from lecturegen.versions import tool_versions

if TYPE_CHECKING:
    from lecturegen.engine.context import RenderContext
    from lecturegen.engine.figures import RenderedFigure

# The stages that make pages (Jinja, markdown-it, Pygments, fastjsonschema, fontTools) import them when they
# run: a rebuild whose output is unchanged (engine/unchanged.py) never loads them.

log = logging.getLogger(__name__)


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


@dataclass
class CourseOutcome:
    outcomes: list[BuildOutcome] = field(default_factory=list)
    failures: list[tuple[Path, LecturegenError]] = field(default_factory=list)  # output folder, why
    seconds: float = 0.0
    trained: int = 0  # distinct runs trained by this build
    cached: int = 0


@dataclass
class Target:
    """One (chapter, language): what its stages read and what each one adds, in stage order."""

    opts: BuildOptions  # this target's chapter and (resolved) language
    chapter: Chapter
    final: Path  # the output folder
    stage: ExitStack = field(default_factory=ExitStack)  # the lock and staging folder, closed by swap
    staged: Path | None = None  # the staging folder the target stages write into
    dataset: data.Dataset | None = None  # resolve_data: what its chapter's runs train on
    runs: dict[str, RunResult] = field(default_factory=dict)
    status: dict[str, RunStatus] = field(default_factory=dict)
    claims: list[ClaimResult] = field(default_factory=list)  # claims
    context: RenderContext | None = None  # figures (with the figures), render (formulas, probes)
    text: str = ""  # render: the content file rendered to Markdown
    files: dict[str, str] = field(default_factory=dict)  # render, notebook, report: name -> text to write
    own_files: list[str] = field(default_factory=list)  # render: the content's local media copied
    outputs: list[str] = field(default_factory=list)  # report: every file of the folder
    key: str = ""  # unchanged_output: what the stages read (engine/unchanged.py)
    kept: bool = False  # unchanged_output: the previous output was built from the same key and stays
    notices: list[str] = field(default_factory=list)  # render: the warnings about the content

    @property
    def lang(self) -> str:
        assert self.opts.lang is not None  # resolved by validate
        return self.opts.lang


@dataclass
class Build:
    """The state of one build, passed through :data:`BUILD_STAGES`."""

    opts: BuildOptions
    chapter_ids: list[str]
    langs: list[str | None]
    reporter: Reporter
    optional_langs: bool = False  # the course's languages (lecturegen.toml): a chapter lacking one is built without it
    executor: Callable[[], Executor] | None = None  # None: the one BuildOptions asks for (make_executor)
    started: float = field(default_factory=time.perf_counter)
    targets: list[Target] = field(default_factory=list)  # validate
    profile: Profile | None = None  # validate
    dataset: data.Dataset | None = None  # data: the MNIST family's, read only when a chapter trains on it
    datasets: dict[str, data.Dataset] = field(default_factory=dict)  # data: by source identity, each read once
    store: CacheStore | None = None  # data
    folders: ExitStack = field(default_factory=ExitStack)  # stage: every target's lock and staging folder
    results: dict[str, tuple[dict[str, RunResult], dict[str, RunStatus]]] = field(default_factory=dict)  # train
    drawer: Drawer | None = None  # train: draws figures from the training on, until the targets' figures are drawn
    outcome: CourseOutcome = field(default_factory=CourseOutcome)

    @property
    def chapters(self) -> list[Chapter]:
        return list({t.chapter.id: t.chapter for t in self.targets}.values())


# ---------------------------------------------------------------- once per build


def validate(build: Build) -> None:
    """Every target checked, and the cache folder usable, before anything is read or trained."""
    if not build.chapter_ids:
        raise UsageError(say("build.no_chapter"))
    for chapter_id in dict.fromkeys(build.chapter_ids):
        for lang in dict.fromkeys(build.langs):
            opts = replace(build.opts, chapter=chapter_id, lang=lang)
            if build.optional_langs and not _written_in(opts, build.reporter):
                continue
            chapter, lang = _checked(opts)
            opts = replace(opts, lang=lang)  # None: the chapter's first language
            build.targets.append(Target(opts, chapter, output_dir(opts.out, chapter.id, lang)))
    if not build.targets:
        raise UsageError(say("build.no_course_language", languages=", ".join(map(str, build.langs))))
    check_options(build.opts.executor_options())
    build.profile = PROFILES[build.opts.profile]


def _written_in(opts: BuildOptions, reporter: Reporter) -> bool:
    """Whether the chapter has content in ``opts.lang``; a warning when it has not."""
    chapter = registry.get(opts.chapter, opts.chapters_dirs)
    written = [lang for lang in chapter.languages if (chapter.content_dir / f"{lang}.md").is_file()]
    if opts.lang is None or opts.lang in written:
        return True
    reporter.warn(say("build.language_skipped", id=chapter.id, lang=opts.lang, languages=", ".join(written)))
    return False


def _checked(opts: BuildOptions) -> tuple[Chapter, str]:
    if opts.lang is not None:
        messages.catalog(opts.lang)  # a language lecturegen has no words for is refused before anything runs
    if not 1 <= opts.seeds <= MAX_SEEDS:
        raise UsageError(say("build.bad_seeds", seeds=opts.seeds, max_seeds=MAX_SEEDS))
    if not 0 <= opts.seed or opts.seed + opts.seeds - 1 > MAX_SEED:
        raise UsageError(say("build.seed_too_big", seed=opts.seed, seeds=opts.seeds, max_seed=MAX_SEED))
    if opts.profile not in PROFILES:
        raise UsageError(say("build.unknown_profile", profile=opts.profile, profiles=', '.join(PROFILES)))
    clock.now()  # a bad $SOURCE_DATE_EPOCH stops the build before anything trains
    if opts.jobs is not None and not 1 <= opts.jobs <= MAX_JOBS:
        raise UsageError(say("build.bad_jobs", jobs=opts.jobs, max_jobs=MAX_JOBS))
    chapter = registry.get(opts.chapter, opts.chapters_dirs)
    lang = opts.lang or chapter.languages[0]
    if lang not in chapter.languages:
        raise UsageError(say("build.language_not_written", id=chapter.id, languages=', '.join(chapter.languages), lang=lang))
    messages.catalog(lang)
    content = chapter.content_dir / f"{lang}.md"
    if not content.is_file():
        raise UsageError(say("build.no_content", id=chapter.id, lang=lang, name=content.name))
    return chapter, lang


def resolve_data(build: Build) -> None:
    """The data set (a fingerprint: nothing is decoded yet) of every target, and the cache.

    This is the one place a chapter's data description plugs in: each target gets the dataset of
    its chapter (:func:`chapter_data`), and the stages after this one read ``target.dataset`` only."""
    for target in build.targets:
        target.dataset = chapter_data(build, target.chapter)
    build.store = CacheStore(cache_folder(build.opts.cache_dir))


def chapter_data(build: Build, chapter: Chapter) -> data.Dataset:
    """The data a chapter trains on: its own data source (``chapter(data=...)``), or the MNIST family
    chosen by ``--data``. Chapters on the same source share one dataset, read once."""
    source = data.source_for(chapter)
    key = source.identity()
    if key not in build.datasets:
        build.datasets[key] = source.dataset(build.opts.data)
        if source is data.MNIST:
            build.dataset = build.datasets[key]
    return build.datasets[key]


def data_id(dataset: data.Dataset) -> str | None:
    """What a claim's ``data=`` names this data set by (``"mnist"``, ``"fashion_mnist"``: the Keras
    module holding the same images, told by their labels' bytes); None for a table."""
    return dataset.fingerprint.loader or None


def cache_folder(cache_dir: Path | None) -> Path:
    """The cache folder, checked before anything trains: a bad one must not cost a training run."""
    cache_dir = cache_dir or default_cache_dir()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=cache_dir).close()
    except OSError as exc:
        raise LecturegenError(
            say("cache.cannot_use_folder", cache_dir=cache_dir, problem=exc.strerror or exc)
        ) from None
    return cache_dir


def stage(build: Build) -> None:
    """Lock every output folder and open its staging folder; they cover training too."""
    for target in build.targets:
        build.folders.push(target.stage.__exit__)
        target.stage.enter_context(disk_full_is_an_error(target.final, build.store.root))
        target.staged = target.stage.enter_context(staged_output(target.final.parent, target.final.name, target.opts.force))


def train(build: Build) -> None:
    """Every run of every chapter: from the cache when its key matches, else trained by one executor."""
    for dataset in build.datasets.values():
        fp = dataset.fingerprint
        if fp.is_sample:
            build.reporter.warn(say("data.sample_in_use", name=fp.name))
        build.reporter.info(say("data.line", name=fp.name, sizes=data_sizes(fp, build.profile)))
    opts = build.opts
    # figures are drawn while the runs train, as their results come (only when something trains), and
    # on while the figures stage draws the rest; a failed or interrupted build stops the drawer at once
    drawer = build.drawer = Drawer([(t.chapter, t.lang, t.dataset.fingerprint.is_sample) for t in build.targets],
                                   build.store)
    build.folders.callback(drawer.finish, abandon=True)
    executor = build.executor or (lambda: make_executor(opts.executor_options(), build.reporter))
    with tensorflow_log(build.store.root, show=terminal.state.verbose):
        for key, dataset in build.datasets.items():  # the chapters of each data source, by one executor each
            chapters = [c for c in build.chapters if data.source_for(c).identity() == key]
            build.results.update(train_chapters(
                chapters, dataset, build.profile, seed_list(opts.seed, opts.seeds), ResultCache(build.store),
                opts.force, build.reporter, executor, drawer.results))
    drawer.trained()
    for target in build.targets:
        target.runs, target.status = build.results[target.chapter.id]


def data_sizes(fp: data.Fingerprint, profile: Profile) -> str:
    """The sizes training really uses: ``2,000 of 60,000 train / 500 of 10,000 test images, at most 2 epochs (profile quick)``."""
    def every(used: int | None, size: int) -> bool:
        return used is None or used >= size

    train_size = (say("data.train_all", size=fp.train_size) if every(profile.max_train, fp.train_size)
                  else say("data.train_some", used=profile.max_train, size=fp.train_size))
    test = (say("data.test_all", size=fp.test_size) if every(profile.max_test, fp.test_size)
            else say("data.test_some", used=profile.max_test, size=fp.test_size))
    epochs = say("data.max_epochs", epochs=profile.max_epochs) if profile.max_epochs else ""
    if fp.features:  # a table: rows, not images
        return say("data.sizes_rows", train=train_size, test=test, epochs=epochs, profile=profile.name)
    return say("data.sizes", train=train_size, test=test, epochs=epochs, profile=profile.name)


# ---------------------------------------------------------------- per target


def claims(build: Build, target: Target) -> None:
    """The chapter's claims on this build's runs; the terminal says which fail (``--strict``: fatal)."""
    previous = previous_outcomes(previous_report(target.final))
    target.claims = evaluate_all(target.chapter.claims, target.runs, previous, data_id(target.dataset))
    for result in target.claims:
        if result.failed:
            build.reporter.warn(say("claims.no_longer_holds" if result.previously else "claims.does_not_hold",
                                    id=result.id, detail=result.error or result.describe_values(),
                                    expression=result.expression))
    failing = [c.id for c in target.claims if c.failed]
    if target.opts.strict and failing:
        raise ClaimError(say("claims.strict_failed", n_failing=len(failing), id=target.chapter.id,
                             failing=', '.join(failing), final=target.final))


def unchanged_output(build: Build, target: Target) -> None:
    """An output folder built from the same inputs (the key of :mod:`lecturegen.engine.unchanged`) and
    still as that build left it is kept as it is: the stages after this one are skipped, and the
    warnings its rendering gave are said again. ``--force`` always renders."""
    target.key = unchanged.inputs_key(build, target)
    entry = None if target.opts.force else unchanged.unchanged(build.store, target.final, target.key)
    if entry is None:
        return
    for notice in entry["notices"]:
        build.reporter.warn(notice)
    target.outputs = entry["outputs"]
    target.kept = True


def figures(build: Build, target: Target) -> None:
    """The chapter's figure sets drawn (or taken from the cache) into the staging folder."""
    from lecturegen.engine import myst
    from lecturegen.engine.context import RenderContext

    opts, fp = target.opts, target.dataset.fingerprint
    specs = chapter_figures(target.chapter, target.runs, fp.is_sample)
    drawn: dict[str, RenderedFigure] = {f.name: f for f in render_figures(specs, target.lang, target.staged, build.store)}
    prov = provenance(target.dataset, build.profile, opts.seed, target.runs, opts.seeds).to_dict()  # the pages read it as data
    workers = sorted({w["worker"] for st in target.status.values() for w in st.trained_on() if "worker" in w})
    if workers:  # trained on a cluster: which workers (each run's report entry says its own)
        prov["workers"] = workers
    data_label = Path(opts.data).name if fp.source in ("npz", "idx") else fp.source
    target.context = RenderContext(target.chapter, target.lang, target.runs, drawn, fp, build.profile, prov,
                                   {"data_label": data_label, "api_probes": {}}, tuple(target.claims),
                                   repository=opts.repository,
                                   bibliography=myst.load_bibliography(target.chapter.content_dir))


def render(build: Build, target: Target) -> None:
    """Formulas and old-API probes prepared (a dry run finds them), then the pages rendered."""
    from lecturegen.engine.highlighted import kept_in
    from lecturegen.engine.render import templates_compiled_in

    with templates_compiled_in(build.store), kept_in(build.store, target.chapter.content_dir / f"{target.lang}.md"):
        _render(build, target)


def _render(build: Build, target: Target) -> None:
    from lecturegen.engine import maths, prepared
    from lecturegen.engine.media import copy_local_files, local_files
    from lecturegen.engine.render import check_branches, render_content, render_pages, split_slides

    ctx = target.context
    last = prepared.recalled(ctx, build.store)  # what it asked for last time, when all of it is cached
    content = render_content(last[0] if last else ctx)
    if last and prepared.same(last[1], content.requests):  # asked for nothing new: this rendering is final
        ctx = last[0]
    else:  # it asked for formulas or probes it was not given: prepare them, render again
        ctx = prepared.prepare(ctx, content.requests, build.store)
        content = render_content(ctx)
        prepared.remember(ctx, content.requests, build.store)
    target.context = ctx
    maths.write_formulas(ctx.formulas, target.staged)
    check_branches(ctx)
    target.text, doc = content.text, content.doc
    target.own_files = copy_local_files(local_files(target.text, target.chapter.content_dir / f"{target.lang}.md",
                                                    doc.tokens), target.staged)
    target.notices = list(doc.notices)
    for notice in doc.notices:  # MyST the renderer does not know: said with the file and line, not shown as syntax
        build.reporter.warn(notice)
    target.files = dict(render_pages(ctx, split_slides(target.text, doc), target.opts.templates_dirs))


def notebook(build: Build, target: Target) -> None:
    from lecturegen.engine import ipynb
    from lecturegen.engine.notebook import build_notebook
    from lecturegen.engine.render import templates_compiled_in

    with templates_compiled_in(build.store):
        nb = build_notebook(target.context, target.staged, folder=target.final.name, store=build.store)
    target.files[f"{target.chapter.id}.ipynb"] = ipynb.writes(nb)  # build_notebook checked it: not again


def report(build: Build, target: Target) -> None:
    target.outputs = sorted([*target.files, "report.json", *target.own_files])
    target.files["report.json"] = build_report(target.context, target.status, target.outputs).dumps()


def write_pages_and_assets(build: Build, target: Target) -> None:
    """The pages, then the assets they use (styles, the Korean font subset to the pages' text)."""
    from lecturegen.engine import assets
    from lecturegen.engine.fonts import font_css
    from lecturegen.engine.render import pygments_css

    for name, text in target.files.items():
        (target.staged / name).write_text(text, encoding="utf-8")
    page_text = "".join(text for name, text in target.files.items() if name.endswith(".html"))
    assets.copy_assets(target.staged / "assets", pygments_css(), font_css(page_text, build.store),
                       target.opts.templates_dirs)


TARGET_STAGES: tuple[Callable[[Build, Target], None], ...] = (claims, unchanged_output, figures, render, notebook,
                                                                 report, write_pages_and_assets)
"""What each (chapter, language) goes through, in order, into its staging folder (after
``unchanged_output`` keeps a folder, none of the rest)."""


def swap(build: Build, target: Target) -> None:
    """The staged folder replaces the output folder; what it was built from is recorded."""
    target.stage.close()
    _done(build, target)
    try:
        unchanged.record(build.store, target.final, target.key, target.outputs, target.notices)
    except OSError as exc:  # the output is written; without the record the next build renders it again
        log.debug("no record of %s: %s", target.final, exc)


def keep(build: Build, target: Target) -> None:
    """The previous output stays as it is (not rewritten); the staging folder is removed."""
    target.stage.__exit__(KeepPrevious, KeepPrevious(), None)
    _done(build, target)


def _done(build: Build, target: Target) -> None:
    build.outcome.outcomes.append(BuildOutcome(target.final, target.runs, target.status,
                                               time.perf_counter() - build.started, target.dataset.fingerprint.is_sample,
                                               target.outputs, target.claims, target.chapter.id))


def each_target(build: Build) -> None:
    """:data:`TARGET_STAGES` for every target, then its swap (or, unchanged, its previous output kept);
    a failing target keeps its previous output."""
    for target in build.targets:
        try:
            for step in TARGET_STAGES:
                raise_if_interrupted()
                step(build, target)
                if target.kept:
                    break
        except LecturegenError as exc:
            target.stage.__exit__(*sys.exc_info())  # this folder keeps its previous output
            build.outcome.failures.append((target.final, exc))
            continue
        (keep if target.kept else swap)(build, target)
    if build.drawer is not None:  # it stops after the figure in hand (drawn meanwhile, as the pages rendered)
        build.drawer.finish()


BUILD_STAGES: tuple[Callable[[Build], None], ...] = (validate, resolve_data, stage, train, each_target)
"""The stages of a build, in order."""


# ---------------------------------------------------------------- entry points


def build_course(opts: BuildOptions, chapter_ids: list[str], langs: list[str | None], reporter: Reporter,
                 optional_langs: bool = False, executor: Callable[[], Executor] | None = None) -> CourseOutcome:
    """Several chapters and languages in one build: ``lecturegen build ch4 ch5 --lang ko --lang en``;
    ``optional_langs``: the languages are the course's, so a chapter lacking one is built without it;
    ``executor`` makes the executor that trains the runs the cache lacks (default: the options')."""
    build = Build(opts, chapter_ids, langs, reporter, optional_langs, executor)
    with build.folders:  # an error or Ctrl-C in any stage unwinds every staged folder: previous outputs stay
        for step in BUILD_STAGES:
            raise_if_interrupted()
            step(build)
    states = [st for _, status in build.results.values() for s in status.values()
              for st in (s.per_seed or [{"status": s.status}])]
    build.outcome.trained = sum(st["status"] == "trained" for st in states)
    build.outcome.cached = len(states) - build.outcome.trained
    build.outcome.seconds = time.perf_counter() - build.started
    return build.outcome


def build_one(opts: BuildOptions, reporter: Reporter) -> BuildOutcome:
    """One chapter in one language (``lecturegen build ch4``)."""
    course = build_course(opts, [opts.chapter], [opts.lang], reporter)
    if course.failures:
        raise course.failures[0][1]
    return course.outcomes[0]


# ---------------------------------------------------------------- helpers of the stages


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
