"""The course site's full-text search: a Pagefind index of every slide and handout, written into the
site at publish time.

Pagefind (the ``pagefind`` package, which ships its binary) indexes and searches entirely in the
browser, from static files: nothing is sent anywhere. Each slide is its own record, with the slide's
address in the deck (``ch4/slides.html#/12``, reveal.js's own hash), so a result opens the deck at
that slide; each handout is one record. The speaker notes are not indexed (the notes of a student
page are the handout's commentary, which is). All languages share one index, so a Korean query finds
Korean slides and an English one English slides from the same search box.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

from lecturegen.errors import LecturegenError
from lecturegen.messages import say

log = logging.getLogger(__name__)

BUNDLE = "pagefind"  # the folder of the site that holds the index and the search UI
SKIPPED = {"script", "style", "aside", "template", "noscript"}  # aside: a slide's speaker notes
BLOCKS = {"p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "pre", "h1", "h2", "h3", "h4", "blockquote",
          "figure", "figcaption", "section", "br", "img", "dd", "dt"}  # a word ends where one of these opens or closes
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Record:
    url: str  # relative to the site's root, e.g. "ch4/slides.html#/12"
    title: str
    text: str
    language: str


@dataclass
class _Slide:
    title: str = ""
    heading: str = ""
    words: list[str] = field(default_factory=list)


class _Slides(HTMLParser):
    """The text of each top-level ``<section>`` of a reveal.js deck (``div.slides > section``), in
    order, without speaker notes, scripts and styles; nested sections (vertical stacks) are part of
    their top-level slide."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.slides: list[_Slide] = []
        self.depth = 0  # open <section> elements
        self.skip = 0  # open elements whose text is not indexed
        self.heading = 0  # open <h1>/<h2>/<h3>

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in BLOCKS and self.depth and not self.skip:
            self.slides[-1].words.append(" ")
        if tag in VOID:
            if tag == "img" and self.depth and not self.skip:
                self.slides[-1].words.append(f" {dict(attrs).get('alt') or ''} ")
            return
        if tag == "section":
            if self.depth == 0:
                self.slides.append(_Slide(title=dict(attrs).get("data-title") or ""))
            self.depth += 1
        elif self.skip or tag in SKIPPED:
            self.skip += 1
        elif tag in ("h1", "h2", "h3"):
            self.heading += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if tag in BLOCKS and self.depth and not self.skip:
            self.slides[-1].words.append(" ")
        if tag == "section":
            self.depth = max(self.depth - 1, 0)
        elif self.skip:
            self.skip -= 1
        elif tag in ("h1", "h2", "h3"):
            self.heading = max(self.heading - 1, 0)

    def handle_data(self, data: str) -> None:
        if not self.depth or self.skip or not data.strip():
            return
        slide = self.slides[-1]
        slide.words.append(data)
        if self.heading:
            slide.heading += data


class _Page(HTMLParser):
    """A page's title and the text of its ``<main>`` (else its ``<body>``), without scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.words: list[str] = []
        self.where: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in BLOCKS:
            self.words.append(" ")
        if tag not in VOID:
            self.where.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self.words.append(" ")
        if tag in self.where:
            while self.where.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if "title" in self.where and "body" not in self.where:
            self.title += data
        elif "body" in self.where and not SKIPPED.intersection(self.where):
            self.words.append(data)


def _text(words: list[str]) -> str:
    return " ".join("".join(words).split())


def page_records(folder: str, page: Path, language: str) -> list[Record]:
    """The search records of one built page: one per slide of ``slides.html``, one for any other page."""
    html = page.read_text(encoding="utf-8")
    if page.name == "slides.html":
        parser = _Slides()
        parser.feed(html)
        return [Record(f"{folder}/{page.name}#/{number}", slide.title or " ".join(slide.heading.split()) or f"{number + 1}",
                       _text(slide.words), language)
                for number, slide in enumerate(parser.slides) if _text(slide.words)]
    parser = _Page()
    parser.feed(html)
    return [Record(f"{folder}/{page.name}", " ".join(parser.title.split()), _text(parser.words), language)]


READ_LIMIT = 2 ** 30
"""The largest answer of the Pagefind binary read at once: the index's files all come in one answer."""


class _PagefindAsyncio:
    """``asyncio`` as Pagefind's service module sees it while lecturegen indexes, but for two calls.

    - ``sleep``: the package's reader of the binary's answers (``PagefindService._wait_for_responses``,
      pagefind 1.5) sleeps 0.1 s before it reads each one, so every record cost 0.1 s of waiting:
      14.5 s of a 15 s index for the 144 slides and pages of ch4 in two languages, the binary idle.
      The read that follows waits for the answer by itself, so a sleep of 0 (a yield to the event
      loop) keeps the reader as it is, without the pause.
    - ``create_subprocess_exec``: the binary's answers are read with a larger limit (the package's is
      2 MiB), since the index's files come back in one answer (below)."""

    def __getattr__(self, name: str):
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(delay: float, result=None):
        return await asyncio.sleep(0, result)

    @staticmethod
    async def create_subprocess_exec(*args, **kwargs):
        kwargs["limit"] = max(kwargs.get("limit") or 0, READ_LIMIT)
        return await asyncio.create_subprocess_exec(*args, **kwargs)


class _Indexed(Exception):
    """Leaves the index's context without its own write (an exception inside it skips the write)."""


async def _index_files(records: list[Record]) -> list[dict]:
    """The files of the index of ``records``, in memory: their paths, relative to the bundle, and bytes.

    Lecturegen writes them itself. The binary's own write (``write_files``) answers before its files
    are on disk (its last writes are still under way), and leaving the context stops the binary at
    once: under load a file came out empty. The package's 0.1 s pause before each answer used to hide it."""
    from pagefind.index import IndexConfig, PagefindIndex

    files: list[dict] = []
    try:
        # one index for every language: the site's search box finds Korean and English pages alike
        async with PagefindIndex(config=IndexConfig(force_language="ko")) as index:
            for record in records:
                await index.add_custom_record(url=record.url, content=record.text, language="ko",
                                              meta={"title": record.title})
            files = await index.get_files()
            raise _Indexed
    except _Indexed:
        pass
    return files


def _through_lecturegens_asyncio() -> None:
    """Pagefind's service module reads ``asyncio`` through :class:`_PagefindAsyncio` (once per process;
    a later pagefind without that module global is left as it is)."""
    from pagefind import service

    if getattr(service, "asyncio", None) is asyncio:
        service.asyncio = _PagefindAsyncio()


def _write_files(files: list[dict], bundle: Path) -> None:
    for item in files:
        relative = PurePosixPath(item["path"])
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"Pagefind named a file outside its folder: {item['path']}")
        target = bundle.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item["content"])


def write_search_index(site: Path, pages: list[tuple[str, Path, str]]) -> list[str]:
    """Index ``pages`` ((folder name, page, language), e.g. ("ch4", site/ch4/slides.html, "ko")) into
    ``site/pagefind``; the files written, relative to ``site``."""
    records = [r for folder, page, lang in pages for r in page_records(folder, page, lang)]
    bundle = site / BUNDLE
    failure: list[BaseException] = []

    def index() -> None:  # in a thread of its own: the caller may already run an event loop (a test's browser)
        try:
            _through_lecturegens_asyncio()
            _write_files(asyncio.run(_index_files(records)), bundle)
        except BaseException as exc:  # handed to the caller below
            failure.append(exc)

    worker = threading.Thread(target=index, name="lecturegen-search-index")
    worker.start()
    worker.join()
    try:
        if failure:
            raise failure[0]
    except Exception as exc:  # the Pagefind service is a binary of its own: any failure is one line
        raise LecturegenError(say("publish.search_index_failed", exc=exc)) from None
    return sorted(p.relative_to(site).as_posix() for p in bundle.rglob("*") if p.is_file())
