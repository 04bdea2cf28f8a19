"""`lecturegen publish`: built chapter folders -> one static course site, swapped in atomically.

The site holds ``index.html``, one folder per built chapter (``ch4/``, ``ch4-en/``: slides,
handout in HTML and PDF, notebook, report, figures) and one ``assets/`` folder shared by every
page. Only relative links are written, so the site works from ``file://`` and from any static web
server. Before the new version goes live every page is parsed and every link checked
(:mod:`lecturegen.publish.sitecheck`); the switch itself is :mod:`lecturegen.publish.siteswap`.
"""

from __future__ import annotations

import filecmp
import logging
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from lecturegen import __version__, clock, messages
from lecturegen.config import Course, colab_link
from lecturegen.errors import LecturegenError, UsageError
from lecturegen.core.metrics import METRICS
from lecturegen.report import LEGACY_METRICS, run_metric, Report, ReportError
from lecturegen.registry import package_templates_dir
from lecturegen.publish.siteswap import staged_site
from lecturegen.engine import MARKER, CacheStore, default_cache_dir, font_css, unlisted
from lecturegen.safefs import copy_regular, regular_files
from lecturegen.publish.search import write_search_index
from lecturegen.publish.sitecheck import check_site
from lecturegen.messages import say as words

log = logging.getLogger(__name__)

SHARED = "assets"
PER_SITE_ASSETS = {"fonts.css"}  # the font subset is recomputed for all pages of the site together
ASSET_LINK = re.compile(r'(\s(?:href|src)=")assets/')
INSTRUCTOR_FILES = ("instructor.html", "instructor-slides.html")  # written by every build, see build.render
INSTRUCTOR_INDEX = "instructor.html"  # the site's page listing them, only with --instructor


@dataclass(frozen=True)
class PublishOptions:
    out: Path = Path("output")
    site: Path = Path("site")
    chapters: tuple[str, ...] = ()
    title: str | None = None  # None: the catalogs' site title in the site's languages
    cache_dir: Path | None = None
    instructor: bool = False  # also publish the instructor's pages, listed on their own page
    course: Course = Course()  # lecturegen.toml's [course]: instructor and term on the index


@dataclass(frozen=True)
class BuiltChapter:
    """One built folder (OUT/ch4, OUT/ch4-en) as report.json describes it."""

    folder: Path
    report: dict[str, Any]

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def chapter_id(self) -> str:
        return self.report["chapter"]["id"]

    @property
    def lang(self) -> str:
        return self.report["chapter"]["lang"]

    @property
    def notebook(self) -> str:
        return next(name for name in self.report["outputs"] if name.endswith(".ipynb"))


@dataclass(frozen=True)
class PublishOutcome:
    site: Path
    version: Path
    chapters: list[BuiltChapter]
    pdf_cached: dict[str, bool]
    seconds: float


def _read_built(folder: Path) -> BuiltChapter | None:
    report_path = folder / "report.json"
    if not report_path.is_file():
        return None
    try:
        report = Report.load(report_path).data  # checked against the report schema: one line when malformed
    except ReportError as exc:  # a built folder, not a command-line argument: exit 1 like other build problems
        raise LecturegenError(str(exc)) from None
    for name in ("slides.html", "handout.html", *report.get("outputs", [])):
        if name in INSTRUCTOR_FILES and not (folder / name).is_file():
            continue  # built before the instructor's pages existed: publishable without --instructor
        if not (folder / name).is_file():
            raise LecturegenError(words("publish.chapter_missing", folder=folder / name))
    return BuiltChapter(folder, report)


def find_built(out: Path, selectors: tuple[str, ...]) -> list[BuiltChapter]:
    """Built chapters under ``out``; a selector is a chapter id (all its languages) or a folder name."""
    if not out.is_dir():
        raise UsageError(words("publish.no_output", out=out))
    built = [b for d in sorted(out.iterdir()) if d.is_dir() and not d.name.startswith(".")
             if (b := _read_built(d)) is not None]
    if not built:
        raise UsageError(words("publish.nothing_built", out=out))
    if not selectors:
        return built
    chosen: list[BuiltChapter] = []
    for sel in selectors:
        matches = [b for b in built if sel in (b.name, b.chapter_id)]
        if not matches:
            names = ", ".join(b.name for b in built)
            raise UsageError(words("publish.not_built", sel=sel, out=out, names=names))
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


def _merge_assets(chapter: BuiltChapter, shared: Path, written: set[str]) -> None:
    """Copy the chapter's assets into the shared folder; the same name must mean the same bytes."""
    source = chapter.folder / SHARED
    if not source.is_dir() or source.is_symlink():
        return
    for rel in regular_files(source):
        if rel.as_posix() in PER_SITE_ASSETS:
            continue
        dest = shared / rel
        if dest.exists():
            if not filecmp.cmp(source / rel, dest, shallow=False):
                raise LecturegenError(
                    words("publish.shared_file_differs", chapter=chapter.name, shared=SHARED, file=rel.as_posix())
                )
            continue
        copy_regular(source, rel, dest)
        written.add(f"{SHARED}/{rel.as_posix()}")


def _only_built_files(chapter: BuiltChapter) -> None:
    """Refuse a chapter folder holding a link, a special file, or a file its build marker does not
    list (a folder built before the marker existed is checked for links and special files only)."""
    regular_files(chapter.folder)
    extra = unlisted(chapter.folder)
    if extra:
        raise LecturegenError(words("publish.not_from_build", folder=chapter.folder / extra[0], marker=MARKER))


def _copy_chapter(chapter: BuiltChapter, dest: Path, written: set[str], instructor: bool = False) -> None:
    """Copy the chapter's own files (not its assets, which are shared), never following a link; the
    instructor's pages only when asked for."""
    if instructor and not all((chapter.folder / name).is_file() for name in INSTRUCTOR_FILES):
        raise UsageError(words("publish.no_instructor_pages", folder=chapter.folder))
    for rel in regular_files(chapter.folder):
        if rel.parts[0] == SHARED or rel.as_posix() == MARKER:
            continue
        if rel.as_posix() in INSTRUCTOR_FILES and not instructor:
            continue
        copy_regular(chapter.folder, rel, dest / rel)
        written.add(f"{chapter.name}/{rel.as_posix()}")
    for page in dest.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        page.write_text(ASSET_LINK.sub(rf"\1../{SHARED}/", text), encoding="utf-8")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.2f}\u00a0%"  # NBSP: the value stays on one line


def _index_entry(chapter: BuiltChapter, site: Path, repository: str | None) -> dict[str, Any]:
    report = chapter.report
    pdf = site / chapter.name / "handout.pdf"
    headline = (report.get("metrics") or LEGACY_METRICS)[0].get("name", "accuracy")  # the chapter's first metric
    metric = METRICS.get(headline, METRICS["accuracy"])
    runs = [{"name": name, "label": run.get("label") or run.get("title") or name, "accuracy": run.get("test_accuracy"),
             "reference": (run.get("reference") or {}).get("test_accuracy"),
             "shown": metric.show(value if isinstance(value := run_metric(run, metric.name), (int, float)) else None)}
            for name, run in report.get("runs", {}).items()]
    return {
        "metric": metric.name, "metric_label": messages.section(chapter.lang, "metrics").get(metric.name, metric.name),
        "name": chapter.name, "lang": chapter.lang, "title": report["chapter"].get("title", chapter.name),
        "sample": bool(report.get("sample_data")), "report": report, "prov": report["provenance"],
        "notebook": chapter.notebook, "runs": runs,
        "failing": [c["id"] for c in report.get("claims", [])
                    if not c.get("holds", True) and c.get("applicable", True)],
        "colab": colab_link(repository, chapter.name, chapter.notebook),
        "pdf_kib": round(pdf.stat().st_size / 1024) if pdf.is_file() else 0,
    }


def site_languages(chapters: list[BuiltChapter]) -> tuple[str, ...]:
    """The index's languages: those of the published chapters that lecturegen has words for, the
    course's original language first. The first is the page's; the others follow each label."""
    found = {c.lang for c in chapters}
    return tuple(lang for lang in messages.languages() if lang in found) or (messages.FALLBACK,)


def render_index(chapters: list[BuiltChapter], site: Path, title: str | None, template: str = "index.html.j2",
                 course: Course = Course()) -> str:
    """The site's index (students) or, with ``template="instructor.html.j2"``, the instructor's page;
    ``course`` (lecturegen.toml's [course]) gives the instructor and term under the title."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(package_templates_dir() / "site")),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["pct"] = _pct
    langs = site_languages(chapters)
    words = [messages.section(lang, "site") for lang in langs]
    names = {lang: " · ".join(messages.section(other, "languages").get(lang, lang) for other in langs)
             for lang in {c.lang for c in chapters}}
    default_title = " · ".join(w["title"] for w in words)
    return env.get_template(template).render(
        site={"title": title or default_title, "lecturegen": __version__, "published": clock.stamp(),
              "lang": langs[0]},
        course=course,
        chapters=[_index_entry(c, site, course.repository) for c in chapters],
        words=words, others=langs[1:], language_names=names,
    )


def _check(staged: Path, written: set[str]) -> None:
    problems = check_site(staged, written)
    if problems:
        more = words("publish.and_more", n=len(problems) - 1) if len(problems) > 1 else ""
        raise LecturegenError(words("publish.site_check_failed", problems=problems[0], more=more))


def publish(opts: PublishOptions, say=log.info) -> PublishOutcome:
    from lecturegen.publish.pdf import write_handout_pdf

    started = time.perf_counter()
    chapters = find_built(opts.out, opts.chapters)
    cache = CacheStore(opts.cache_dir or default_cache_dir())
    names = [c.name for c in chapters]
    if len(set(names)) != len(names):
        raise UsageError(words("publish.same_folder_twice", names=', '.join(names)))
    for chapter in chapters:  # refuse a link, a special file or a file the build did not write, up front
        _only_built_files(chapter)
    pdf_cached: dict[str, bool] = {}
    written: set[str] = set()  # every file this publish writes: the site check refuses any other
    with staged_site(opts.site) as staged:
        shared = staged / SHARED
        shared.mkdir()
        for chapter in chapters:
            say(words("publish.copying", name=chapter.name))
            _merge_assets(chapter, shared, written)
            _copy_chapter(chapter, staged / chapter.name, written, opts.instructor)
        shutil.copyfile(package_templates_dir() / "site" / "index.css", shared / "index.css")
        written.update({f"{SHARED}/index.css", f"{SHARED}/fonts.css", "index.html"})
        # one font subset for the whole site: every character of every page, the index included (its
        # draft differs from the final page only in the PDF sizes, which are ASCII digits)
        pages = [p.read_text(encoding="utf-8") for p in staged.glob("*/*.html")]
        draft = render_index(chapters, staged, opts.title, course=opts.course)
        if opts.instructor:
            draft += render_index(chapters, staged, opts.title, INSTRUCTOR_INDEX + ".j2", opts.course)
        (shared / "fonts.css").write_text(font_css("".join(pages) + draft, cache), encoding="utf-8")
        say(words("publish.indexing"))
        written.update(write_search_index(staged, [(c.name, staged / c.name / page, c.lang) for c in chapters
                                                   for page in ("slides.html", "handout.html")]))
        _check(staged, written)  # fail fast, before the slow PDF step, on a chapter with broken links
        for chapter in chapters:
            say(words("publish.printing_handout", name=chapter.name))
            page = staged / chapter.name / "handout.html"
            pdf_cached[chapter.name] = write_handout_pdf(page, page.with_name("handout.pdf"), staged, cache)
            written.add(f"{chapter.name}/handout.pdf")
            if opts.instructor:
                say(words("publish.printing_instructor", name=chapter.name))
                notes = page.with_name("instructor.html")
                write_handout_pdf(notes, notes.with_suffix(".pdf"), staged, cache)
                written.add(f"{chapter.name}/instructor.pdf")
        (staged / "index.html").write_text(render_index(chapters, staged, opts.title, course=opts.course), encoding="utf-8")
        if opts.instructor:
            page = render_index(chapters, staged, opts.title, INSTRUCTOR_INDEX + ".j2", opts.course)
            (staged / INSTRUCTOR_INDEX).write_text(page, encoding="utf-8")
            written.add(INSTRUCTOR_INDEX)
        _check(staged, written)
        version = staged.with_suffix("")
    return PublishOutcome(opts.site, version, chapters, pdf_cached, time.perf_counter() - started)
