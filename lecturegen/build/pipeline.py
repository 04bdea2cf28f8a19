"""`lecturegen build`: gather everything (data, results, figures), then write atomically."""

from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from lecturegen.safefs import loads
from lecturegen.build import assets, data
from lecturegen import clock, registry
from lecturegen.build.cache import ResultCache, default_cache_dir, key_parts
from lecturegen.claims import ClaimResult, evaluate_all, previous_outcomes
from lecturegen.chapter import LANGUAGES, PROFILES, Chapter, Experiment, Profile
from lecturegen.build.context import RenderContext
from lecturegen.errors import ClaimError, LecturegenError, UsageError
from lecturegen.build.fonts import font_css
from lecturegen.build.notebook import build_notebook
from lecturegen.build.figures import chapter_figures, render_figures
from lecturegen.build.progress import Reporter
from lecturegen.build.render import pygments_css, render_markdown, render_page, split_slides
from lecturegen.report import build_report, dumps
from lecturegen.build.executors import ExecutorOptions, make_executor
from lecturegen.build.results import RunResult
from lecturegen.build.runs import train_chapters
from lecturegen.versions import tool_versions
from lecturegen.build.writer import disk_full_is_an_error, staged_output

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
    lang: str = DEFAULT_LANG
    force: bool = False
    seed: int = 0
    cache_dir: Path | None = None
    chapters_dirs: tuple[Path, ...] = ()  # searched after the built-in and entry-point chapters
    templates_dirs: tuple[Path, ...] = ()  # searched before the built-in templates, first wins
    seeds: int = 1  # train each experiment with seeds seed .. seed + seeds - 1; report mean ± sd
    strict: bool = False  # a claim that does not hold fails the build; the previous output stays
    jobs: int = 1  # experiments trained at the same time, each in its own process
    executor: str = "local"  # where runs train: "local" (this machine) or "dask" (a Dask cluster)
    scheduler: str | None = None  # dask: an existing scheduler's address; None: a LocalCluster here
    workers: int | None = None  # dask LocalCluster: worker processes (default: one per core)

    def executor_options(self) -> ExecutorOptions:
        return ExecutorOptions(self.executor, self.jobs, self.data, self.chapters_dirs, self.scheduler, self.workers)


def seed_list(seed: int, count: int) -> list[int]:
    return list(range(seed, seed + count))


@dataclass(frozen=True)
class BuildOutcome:
    out_dir: Path
    runs: dict[str, RunResult]
    status: dict[str, dict[str, Any]]
    seconds: float
    is_sample: bool
    files: list[str] = field(default_factory=list)
    claims: list[ClaimResult] = field(default_factory=list)
    chapter_id: str = ""


def output_dir(out: Path, chapter_id: str, lang: str) -> Path:
    """ko (the default language) builds into OUT/<chapter>, other languages into OUT/<chapter>-<lang>."""
    return out / (chapter_id if lang == DEFAULT_LANG else f"{chapter_id}-{lang}")


def _validate(opts: BuildOptions) -> tuple[Chapter, Profile]:
    if opts.lang not in LANGUAGES:
        raise UsageError(f"unknown language '{opts.lang}'; use one of: {', '.join(LANGUAGES)}")
    if not 1 <= opts.seeds <= MAX_SEEDS:
        raise UsageError(f"--seeds {opts.seeds}: give 1 to {MAX_SEEDS} (each seed trains every experiment once more)")
    if not 0 <= opts.seed or opts.seed + opts.seeds - 1 > MAX_SEED:
        raise UsageError(f"--seed {opts.seed} with --seeds {opts.seeds} runs past the largest seed {MAX_SEED}; "
                         "give a smaller --seed")
    if opts.profile not in PROFILES:
        raise UsageError(f"unknown profile '{opts.profile}'; use one of: {', '.join(PROFILES)}")
    clock.now()  # a bad $SOURCE_DATE_EPOCH stops the build before anything trains
    if not 1 <= opts.jobs <= MAX_JOBS:
        raise UsageError(f"--jobs {opts.jobs}: give 1 to {MAX_JOBS} (the number of experiments trained at the same time)")
    chapter = registry.get(opts.chapter, opts.chapters_dirs)
    content = chapter.content_dir / f"{opts.lang}.md"
    if not content.is_file():
        raise UsageError(f"chapter {chapter.id} has no '{opts.lang}' content ({content.name} missing); choose another --lang")
    return chapter, PROFILES[opts.profile]


def train_all(chapter: Chapter, dataset: data.Dataset, profile: Profile, seeds: int | list[int], cache: ResultCache,
              force: bool, reporter: Reporter, jobs: int = 1, data_spec: str | None = None,
              chapters_dirs: tuple[Path, ...] = ()) -> tuple[dict[str, RunResult], dict[str, dict[str, Any]]]:
    """Each experiment's result: from the cache when its key matches, else trained now.

    With several seeds each (experiment, seed) is its own cache entry, and the experiment's
    result is their mean (:func:`lecturegen.build.results.aggregate`). With ``jobs`` > 1 and
    ``data_spec`` given, the runs to train go to that many worker processes at once.
    """
    seeds = [seeds] if isinstance(seeds, int) else list(seeds)
    local = ExecutorOptions("local", jobs, data_spec, chapters_dirs)
    return train_chapters([chapter], dataset, profile, seeds, cache, force, reporter,
                          lambda: make_executor(local, reporter))[chapter.id]


def check_claims(chapter: Chapter, runs: dict[str, RunResult], final: Path, reporter: Reporter) -> list[ClaimResult]:
    """Evaluate the chapter's claims on this build's runs; say on the terminal which fail."""
    results = evaluate_all(chapter.claims, runs, previous_outcomes(_previous_report(final)))
    for result in results:
        if not result.holds:
            reporter.warn(result.failure_message())
    return results


def _previous_report(final: Path) -> dict[str, Any] | None:
    try:
        return loads((final / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def provenance(dataset: data.Dataset, profile: Profile, seed: int, runs: dict[str, RunResult],
               seeds: int = 1) -> dict[str, Any]:
    devices = sorted({run.device for run in runs.values()}) or ["CPU"]
    extra = {"seeds": seed_list(seed, seeds)} if seeds > 1 else {}
    return {
        **tool_versions(),
        "device": ", ".join(devices),
        "dataset": dataset.fingerprint.name,
        "dataset_sha256": dataset.fingerprint.sha256,
        "sample_data": dataset.fingerprint.is_sample,
        "seed": seed,
        "profile": profile.name,
        "build_date": clock.stamp(),
        **extra,
    }


def _cache_folder(opts: BuildOptions) -> Path:
    """The cache folder, checked before anything trains: a bad one must not cost a training run."""
    cache_dir = opts.cache_dir or default_cache_dir()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=cache_dir).close()
    except OSError as exc:
        raise LecturegenError(
            f"cannot use the cache folder {cache_dir} ({exc.strerror or exc}); choose another with --cache-dir"
        ) from None
    return cache_dir


def render_target(opts: BuildOptions, chapter: Chapter, profile: Profile, dataset: data.Dataset, runs: dict[str, RunResult],
                  status: dict[str, dict[str, Any]], staged: Path, cache_dir: Path, reporter: Reporter) -> BuildOutcome:
    """Check the claims and write one (chapter, language) into its staging folder ``staged``."""
    fp = dataset.fingerprint
    final = output_dir(opts.out, chapter.id, opts.lang)
    claims = check_claims(chapter, runs, final, reporter)
    failing = [c.id for c in claims if not c.holds]
    if opts.strict and failing:
        raise ClaimError(
            f"{len(failing)} claim(s) of {chapter.id} do not hold ({', '.join(failing)}); --strict kept the "
            f"previous output in {final}. Fix the claims or the prose, or build without --strict"
        )
    prov = provenance(dataset, profile, opts.seed, runs, opts.seeds)
    workers = sorted({s["trained_on"]["worker"] for s in _states(status) if "worker" in s.get("trained_on", {})})
    if workers:  # trained on a cluster: which workers (each run's report entry says its own)
        prov["workers"] = workers
    data_label = Path(opts.data).name if fp.source in ("npz", "idx") else fp.source
    specs = chapter_figures(chapter, runs, fp.is_sample)
    figures = {f.name: f for f in render_figures(specs, opts.lang, staged, cache_dir)}
    ctx = RenderContext(chapter, opts.lang, runs, figures, fp, profile, prov, {"data_label": data_label},
                        tuple(claims), out_dir=staged, cache_dir=cache_dir)
    slides = split_slides(render_markdown(ctx))
    files = {
        "slides.html": render_page("slides.html.j2", ctx, slides, opts.templates_dirs),
        "handout.html": render_page("handout.html.j2", ctx, slides, opts.templates_dirs),
        f"{chapter.id}.ipynb": nbformat.writes(build_notebook(ctx)),
    }
    outputs = sorted([*files, "report.json"])
    files["report.json"] = dumps(build_report(ctx, status, outputs))
    for name, text in files.items():
        (staged / name).write_text(text, encoding="utf-8")
    page_text = files["slides.html"] + files["handout.html"]
    assets.copy_assets(staged / "assets", pygments_css(), font_css(page_text, cache_dir), opts.templates_dirs)
    return BuildOutcome(final, runs, status, 0.0, fp.is_sample, outputs, claims, chapter.id)


def _states(status: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [st for s in status.values() for st in s.get("per_seed", [s])]


def build(opts: BuildOptions, reporter: Reporter) -> BuildOutcome:
    """One chapter in one language (``lecturegen build ch4``)."""
    from lecturegen.build.course import build_course

    course = build_course(opts, [opts.chapter], [opts.lang], reporter)
    if course.failures:
        raise course.failures[0][1]
    return course.outcomes[0]
