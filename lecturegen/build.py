"""`lecturegen build`: gather everything (data, results, figures), then write atomically."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from lecturegen import assets, data, registry
from lecturegen.cache import ResultCache, default_cache_dir, key_parts
from lecturegen.chapter import LANGUAGES, PROFILES, Chapter, Profile
from lecturegen.context import RenderContext
from lecturegen.errors import LecturegenError, UsageError
from lecturegen.fonts import font_css
from lecturegen.notebook import build_notebook
from lecturegen.figures import activation_figures, render_figures, result_figures
from lecturegen.progress import Reporter
from lecturegen.render import pygments_css, render_markdown, render_page, split_slides
from lecturegen.report import build_report, dumps
from lecturegen.results import RunResult
from lecturegen.versions import tool_versions
from lecturegen.writer import staged_output

log = logging.getLogger(__name__)

DEFAULT_LANG = "ko"


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


@dataclass(frozen=True)
class BuildOutcome:
    out_dir: Path
    runs: dict[str, RunResult]
    status: dict[str, dict[str, Any]]
    seconds: float
    is_sample: bool
    files: list[str] = field(default_factory=list)


def output_dir(out: Path, chapter_id: str, lang: str) -> Path:
    """ko (the default language) builds into OUT/<chapter>, other languages into OUT/<chapter>-<lang>."""
    return out / (chapter_id if lang == DEFAULT_LANG else f"{chapter_id}-{lang}")


def _validate(opts: BuildOptions) -> tuple[Chapter, Profile]:
    if opts.lang not in LANGUAGES:
        raise UsageError(f"unknown language '{opts.lang}'; use one of: {', '.join(LANGUAGES)}")
    if opts.profile not in PROFILES:
        raise UsageError(f"unknown profile '{opts.profile}'; use one of: {', '.join(PROFILES)}")
    chapter = registry.get(opts.chapter)
    content = chapter.content_dir / f"{opts.lang}.md"
    if not content.is_file():
        raise UsageError(f"chapter {chapter.id} has no '{opts.lang}' content ({content.name} missing); choose another --lang")
    return chapter, PROFILES[opts.profile]


def train_all(chapter: Chapter, dataset: data.Dataset, profile: Profile, seed: int, cache: ResultCache,
              force: bool, reporter: Reporter) -> tuple[dict[str, RunResult], dict[str, dict[str, Any]]]:
    """Each experiment's result: from the cache when its key matches, else trained now."""
    runs: dict[str, RunResult] = {}
    status: dict[str, dict[str, Any]] = {}
    for exp in chapter.experiments:
        parts = key_parts(chapter, exp, dataset.fingerprint, profile, seed)
        cached = None if force else cache.load(parts)
        if cached is not None:
            runs[exp.name] = cached
            status[exp.name] = {"status": "cached", "reasons": []}
            reporter.info(f"[{exp.name}] cached: test accuracy {cached.test_accuracy:.4f}")
            continue
        reasons = ["--force"] if force else cache.why_stale(parts)
        reporter.info(f"[{exp.name}] training: {'; '.join(reasons)}")
        from lecturegen.train import train  # imports TensorFlow only when something must train

        result = train(exp, dataset, profile, seed, reporter)
        cache.store(parts, result)
        runs[exp.name] = result
        status[exp.name] = {"status": "trained", "reasons": reasons}
    return runs, status


def provenance(dataset: data.Dataset, profile: Profile, seed: int, runs: dict[str, RunResult]) -> dict[str, Any]:
    devices = sorted({run.device for run in runs.values()}) or ["CPU"]
    return {
        **tool_versions(),
        "device": ", ".join(devices),
        "dataset": dataset.fingerprint.name,
        "dataset_sha256": dataset.fingerprint.sha256,
        "sample_data": dataset.fingerprint.is_sample,
        "seed": seed,
        "profile": profile.name,
        "build_date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
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
    chapter, profile = _validate(opts)
    dataset = data.resolve(opts.data)
    cache_dir = _cache_folder(opts)
    fp = dataset.fingerprint
    final = output_dir(opts.out, chapter.id, opts.lang)
    # the lock and the staging folder cover training too: a second build into the same folder
    # stops before it trains, and a build killed mid-training leaves only a stale .tmp folder
    with staged_output(final.parent, final.name) as staged:
        if fp.is_sample:
            reporter.warn(f"using {fp.name}: every number in this build is labelled as sample data")
        reporter.info(f"data: {fp.name} ({fp.train_size:,} train / {fp.test_size:,} test), profile {profile.name}")
        runs, status = train_all(chapter, dataset, profile, opts.seed, ResultCache(cache_dir), opts.force, reporter)
        prov = provenance(dataset, profile, opts.seed, runs)
        data_label = Path(opts.data).name if fp.source in ("npz", "idx") else fp.source
        specs = activation_figures() + result_figures(chapter, runs, fp.is_sample)
        figures = {f.name: f for f in render_figures(specs, opts.lang, staged, cache_dir)}
        ctx = RenderContext(chapter, opts.lang, runs, figures, fp, profile, prov, {"data_label": data_label})
        slides = split_slides(render_markdown(ctx))
        files = {
            "slides.html": render_page("slides.html.j2", ctx, slides),
            "handout.html": render_page("handout.html.j2", ctx, slides),
            f"{chapter.id}.ipynb": nbformat.writes(build_notebook(ctx)),
        }
        outputs = sorted([*files, "report.json"])
        files["report.json"] = dumps(build_report(ctx, status, outputs))
        for name, text in files.items():
            (staged / name).write_text(text, encoding="utf-8")
        page_text = files["slides.html"] + files["handout.html"]
        assets.copy_assets(staged / "assets", pygments_css(), font_css(page_text, cache_dir))
    seconds = time.perf_counter() - started
    return BuildOutcome(final, runs, status, seconds, fp.is_sample, outputs)
