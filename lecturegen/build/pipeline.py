"""`lecturegen build`: gather everything (data, results, figures), then write atomically."""

from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import nbformat

from lecturegen.safefs import loads
from lecturegen.build import apiprobe, assets, data, maths
from lecturegen import clock, messages, registry
from lecturegen.build.cache import ResultCache, default_cache_dir, key_parts
from lecturegen.claims import ClaimResult, evaluate_all, previous_outcomes
from lecturegen.chapter import PROFILES, Chapter, Experiment, Profile
from lecturegen.build.context import RenderContext
from lecturegen.errors import ClaimError, LecturegenError, UsageError
from lecturegen.build.fonts import font_css
from lecturegen.build.notebook import build_notebook
from lecturegen.build.figures import chapter_figures, render_figures
from lecturegen.build.prep import keras_loader
from lecturegen.build.progress import Reporter
from lecturegen.build.render import pygments_css, render_markdown, render_page, requests_in, split_slides
from lecturegen.build.store import CacheStore
from lecturegen.report import build_report, dumps
from lecturegen.build.results import RunResult, aggregate
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
    lang: str | None = None  # None: the chapter's first language
    force: bool = False
    seed: int = 0
    cache_dir: Path | None = None
    chapters_dirs: tuple[Path, ...] = ()  # searched after the built-in and entry-point chapters
    templates_dirs: tuple[Path, ...] = ()  # searched before the built-in templates, first wins
    seeds: int = 1  # train each experiment with seeds seed .. seed + seeds - 1; report mean ± sd
    strict: bool = False  # a claim that does not hold fails the build; the previous output stays
    jobs: int = 1  # experiments trained at the same time, each in its own process


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


def output_dir(out: Path, chapter_id: str, lang: str) -> Path:
    """ko (the default language) builds into OUT/<chapter>, other languages into OUT/<chapter>-<lang>."""
    return out / (chapter_id if lang == DEFAULT_LANG else f"{chapter_id}-{lang}")


def _validate(opts: BuildOptions) -> tuple[Chapter, Profile, str]:
    if opts.lang is not None:
        messages.catalog(opts.lang)  # a language lecturegen has no words for is refused before anything runs
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
    lang = opts.lang or chapter.languages[0]
    if lang not in chapter.languages:
        raise UsageError(f"chapter {chapter.id} is written in {', '.join(chapter.languages)}, not '{lang}'; "
                         "choose another --lang")
    messages.catalog(lang)
    content = chapter.content_dir / f"{lang}.md"
    if not content.is_file():
        raise UsageError(f"chapter {chapter.id} has no '{lang}' content ({content.name} missing); choose another --lang")
    return chapter, PROFILES[opts.profile], lang


def train_all(chapter: Chapter, dataset: data.Dataset, profile: Profile, seeds: int | list[int], cache: ResultCache,
              force: bool, reporter: Reporter, jobs: int = 1, data_spec: str | None = None,
              chapters_dirs: tuple[Path, ...] = ()) -> tuple[dict[str, RunResult], dict[str, dict[str, Any]]]:
    """Each experiment's result: from the cache when its key matches, else trained now.

    With several seeds each (experiment, seed) is its own cache entry, and the experiment's
    result is their mean (:func:`lecturegen.build.results.aggregate`). With ``jobs`` > 1 and
    ``data_spec`` given, the runs to train go to that many worker processes at once.
    """
    seeds = [seeds] if isinstance(seeds, int) else list(seeds)
    per_exp = {exp.name: seeds if len(seeds) >= exp.seeds else seed_list(seeds[0], exp.seeds)
               for exp in chapter.experiments}  # an experiment may ask for more seeds than --seeds
    done: dict[tuple[str, int], tuple[RunResult, dict[str, Any]]] = {}
    todo: dict[int, list[tuple[Experiment, dict, list[str]]]] = {}  # per seed
    for exp in chapter.experiments:
        for seed in per_exp[exp.name]:
            label = exp.name if len(per_exp[exp.name]) == 1 else f"{exp.name} seed {seed}"
            parts = key_parts(chapter, exp, dataset.fingerprint, profile, seed)
            cached = None if force else cache.load(parts)
            if cached is not None:
                reporter.info(f"[{label}] cached: test accuracy {cached.test_accuracy:.4f}")
                done[exp.name, seed] = cached, {"status": "cached", "reasons": []}
                continue
            reasons = ["--force"] if force else cache.why_stale(parts)
            reporter.info(f"[{label}] training: {'; '.join(reasons)}")
            todo.setdefault(seed, []).append((exp, parts, reasons))

    for seed, items in todo.items():
        def finished(exp: Experiment, result: RunResult, seed: int = seed, items=items) -> None:
            _, parts, reasons = next(item for item in items if item[0] is exp)
            cache.store(parts, result)
            done[exp.name, seed] = result, {"status": "trained", "reasons": reasons}

        if jobs > 1 and len(items) > 1 and data_spec is not None:
            from lecturegen.build.parallel import train_concurrently

            train_concurrently(chapter.id, [exp for exp, _, _ in items], data_spec, dataset.fingerprint.sha256,
                               profile, seed, min(jobs, len(items)), reporter, finished, chapters_dirs)
        else:
            from lecturegen.build.train import train  # imports TensorFlow only when something must train

            for exp, _, _ in items:
                finished(exp, train(exp, dataset, profile, seed, reporter))

    runs: dict[str, RunResult] = {}
    status: dict[str, dict[str, Any]] = {}
    for exp in chapter.experiments:
        exp_seeds = per_exp[exp.name]
        results = [done[exp.name, seed][0] for seed in exp_seeds]
        states = [{"seed": seed, **done[exp.name, seed][1]} for seed in exp_seeds]
        runs[exp.name] = aggregate(results)
        if len(exp_seeds) == 1:
            status[exp.name] = {k: v for k, v in states[0].items() if k != "seed"}
        else:
            trained = [st for st in states if st["status"] == "trained"]
            reasons = list(dict.fromkeys(r for st in trained for r in st["reasons"]))
            status[exp.name] = {"status": "trained" if trained else "cached", "reasons": reasons, "per_seed": states}
    return runs, status


def check_claims(chapter: Chapter, runs: dict[str, RunResult], final: Path, reporter: Reporter,
                 data: str | None = None) -> list[ClaimResult]:
    """Evaluate the chapter's claims on this build's runs; say on the terminal which fail."""
    results = evaluate_all(chapter.claims, runs, previous_outcomes(_previous_report(final)), data)
    for result in results:
        if result.failed:
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


def build(opts: BuildOptions, reporter: Reporter) -> BuildOutcome:
    started = time.perf_counter()
    chapter, profile, lang = _validate(opts)
    opts = replace(opts, lang=lang)
    dataset = data.resolve(opts.data)
    store = CacheStore(_cache_folder(opts))
    fp = dataset.fingerprint
    final = output_dir(opts.out, chapter.id, opts.lang)
    # the lock and the staging folder cover training too: a second build into the same folder
    # stops before it trains, and a build killed mid-training leaves only a stale .tmp folder
    with disk_full_is_an_error(final, store.root), staged_output(final.parent, final.name, opts.force) as staged:
        if fp.is_sample:
            reporter.warn(f"using {fp.name}: every number in this build is labelled as sample data")
        reporter.info(f"data: {fp.name} ({fp.train_size:,} train / {fp.test_size:,} test), profile {profile.name}")
        seeds = seed_list(opts.seed, opts.seeds)
        runs, status = train_all(chapter, dataset, profile, seeds, ResultCache(store), opts.force, reporter,
                                 opts.jobs, opts.data, opts.chapters_dirs)
        claims = check_claims(chapter, runs, final, reporter, keras_loader(fp.name))
        failing = [c.id for c in claims if c.failed]
        if opts.strict and failing:
            raise ClaimError(
                f"{len(failing)} claim(s) of {chapter.id} do not hold ({', '.join(failing)}); --strict kept the "
                f"previous output in {final}. Fix the claims or the prose, or build without --strict"
            )
        prov = provenance(dataset, profile, opts.seed, runs, opts.seeds)
        data_label = Path(opts.data).name if fp.source in ("npz", "idx") else fp.source
        specs = chapter_figures(chapter, runs, fp.is_sample)
        figures = {f.name: f for f in render_figures(specs, opts.lang, staged, store)}
        ctx = RenderContext(chapter, opts.lang, runs, figures, fp, profile, prov,
                            {"data_label": data_label, "api_probes": {}}, tuple(claims))
        formulas, api_requests = requests_in(ctx)  # prepared before rendering: formulas, old-API probes
        ctx = replace(ctx, formulas=maths.typeset_all(formulas, store),
                      extra={**ctx.extra, "api_probes": apiprobe.probe_all(api_requests, store)})
        maths.write_formulas(ctx.formulas, staged)
        slides = split_slides(render_markdown(ctx))
        files = {
            "slides.html": render_page("slides.html.j2", ctx, slides, opts.templates_dirs),
            "handout.html": render_page("handout.html.j2", ctx, slides, opts.templates_dirs),
            f"{chapter.id}.ipynb": nbformat.writes(build_notebook(ctx, staged, folder=final.name)),
        }
        outputs = sorted([*files, "report.json"])
        files["report.json"] = dumps(build_report(ctx, status, outputs))
        for name, text in files.items():
            (staged / name).write_text(text, encoding="utf-8")
        page_text = files["slides.html"] + files["handout.html"]
        assets.copy_assets(staged / "assets", pygments_css(), font_css(page_text, store), opts.templates_dirs)
    seconds = time.perf_counter() - started
    return BuildOutcome(final, runs, status, seconds, fp.is_sample, outputs, claims)

