"""The published site in a real headless browser (Debian's chromium, driven by Playwright).

Every page is opened from the site folder over file://; the tests fail on any console error,
any failed request, any request that leaves the site folder, and any image that did not load or
has no alt text. Screenshots go to tests/artifacts/ (or $LECTUREGEN_ARTIFACTS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"no headless browser at {CHROMIUM} (CI installs Debian's chromium)"),
]


@dataclass
class Watch:
    """What the pages of one browser context did wrong."""

    site_url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, context) -> None:
        context.on("console", lambda msg: msg.type == "error" and self.errors.append(f"console: {msg.text}"))
        context.on("weberror", lambda err: self.errors.append(f"page error: {err.error}"))
        context.on("requestfailed", lambda req: self.errors.append(f"failed: {req.url} {req.failure}"))
        context.on("request", lambda req: self.requests.append(req.url))

    def outside(self) -> list[str]:
        return [url for url in self.requests
                if not (url.startswith(self.site_url) or url.startswith(("data:", "about:blank")))]


@pytest.fixture()
def visit(browser, published_site):
    """A fresh browser context watched for errors and stray requests; checked after the test."""
    # offline: the network is cut (file:// and data: still load). Not context.route(): with a route
    # installed, Playwright stalls the speaker-view popup's style sheet (an about:blank window).
    context = browser.new_context(viewport={"width": 1280, "height": 720}, offline=True)  # a classroom projector
    watch = Watch(published_site.as_uri() + "/")
    watch.attach(context)
    yield context, watch
    context.close()
    assert watch.errors == []
    assert watch.outside() == []
    assert watch.requests, "the pages made no requests at all?"


def shot(page, name: str, **kwargs) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), **kwargs)
    assert path.stat().st_size > 5_000
    return path


FONT_LOADED = ("() => document.fonts.status === 'loaded' && Array.from(document.fonts)"
               ".some(f => f.family.replace(/\"/g, '') === 'NanumGothic' && f.status === 'loaded')")


# The slide h is shown, laid out by fit.js and its images decoded (a screenshot shows the final slide).
SLIDE_SHOWN = ("i => Reveal.getIndices().h === i && Reveal.getCurrentSlide().dataset.lgFitted === '1'"
               " && Array.from(Reveal.getCurrentSlide().querySelectorAll('img')).every(img => img.complete)")

# reveal.js's print view is ready when it says so: Reveal.isReady() comes first, and until the
# 'pdf-ready' event the slides are detached from the deck while they are moved into their pages
# (Reveal.getTotalSlides() is 0 then). The listener is installed before the page's own scripts run.
PDF_READY = "document.addEventListener('pdf-ready', () => { window.lgPdfReady = true; })"


def open_print_view(page, url: str) -> None:
    page.add_init_script(PDF_READY)
    page.goto(url)
    page.wait_for_function("window.lgPdfReady === true && Reveal.getTotalSlides() > 0"
                           " && Array.from(document.images).every(img => img.complete)")
    page.wait_for_function(FONT_LOADED)


def check_images(page) -> int:
    images = page.evaluate(
        "() => Array.from(document.images).map(i => ({src: i.getAttribute('src'), ok: i.complete,"
        " w: i.naturalWidth, h: i.naturalHeight, alt: (i.getAttribute('alt') || '').trim()}))")
    for img in images:
        assert img["ok"] and img["w"] > 0 and img["h"] > 0, f"image did not load: {img['src']}"
        assert img["alt"], f"image without alt text: {img['src']}"
    return len(images)


def test_index_page(visit, published_site):
    context, _ = visit
    page = context.new_page()
    page.goto((published_site / "index.html").as_uri())
    assert "Course material" in page.title()
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    for folder in ("ch4", "ch4-en"):
        for name in ("slides.html", "handout.html", "handout.pdf", "ch4.ipynb", "report.json"):
            assert (published_site / folder / name).as_uri() in hrefs
    shot(page, "index", full_page=True)
    # the index's own link takes the reader to the deck
    page.click("#ch4-en a[href='ch4-en/slides.html']")
    page.wait_for_function("window.Reveal && Reveal.isReady()")
    assert page.url.endswith("ch4-en/slides.html") or "ch4-en/slides.html#" in page.url


@pytest.mark.parametrize("folder", ["ch4", "ch4-en"])
def test_walk_every_slide(visit, published_site, folder):
    context, _ = visit
    page = context.new_page()
    page.goto((published_site / folder / "slides.html").as_uri())
    page.wait_for_function("window.Reveal && Reveal.isReady()")
    total = page.evaluate("Reveal.getTotalSlides()")
    assert total >= 10
    page.evaluate("Reveal.configure({ transition: 'none' })")  # screenshots of whole slides, not mid-slide
    seen = 1
    page.wait_for_function(SLIDE_SHOWN, arg=0)
    shot(page, f"{folder}-slide-01")
    while not page.evaluate("Reveal.isLastSlide()"):
        while page.evaluate("Reveal.availableFragments().next"):  # step-by-step bullets and code lines first
            before = page.evaluate("Reveal.getIndices().f")
            page.keyboard.press("ArrowRight")
            page.wait_for_function("f => Reveal.getIndices().f !== f", arg=before)  # the fragment was shown
        page.keyboard.press("ArrowRight")  # keyboard navigation, as a presenter would
        page.wait_for_function(SLIDE_SHOWN, arg=seen)
        seen += 1
        shot(page, f"{folder}-slide-{seen:02d}")
        assert seen <= total
    assert seen == total
    assert check_images(page) == (published_site / folder / "slides.html").read_text().count("<img") > 0
    page.keyboard.press("Home")
    page.wait_for_function("Reveal.getIndices().h === 0")
    assert page.evaluate("Reveal.isFirstSlide()")


def test_speaker_view_opens_with_the_notes(visit, published_site):
    context, _ = visit
    page = context.new_page()
    page.goto((published_site / "ch4" / "slides.html").as_uri())
    page.wait_for_function("window.Reveal && Reveal.isReady()")
    with_notes = page.evaluate("Reveal.getSlides().findIndex((s, i) => i > 0 && (Reveal.getSlideNotes(s) || '').length > 20)")
    assert with_notes > 0, "no slide after the title has speaker notes"
    page.evaluate(f"Reveal.slide({with_notes})")
    page.wait_for_function("i => Reveal.getIndices().h === i", arg=with_notes)
    notes = page.evaluate("Reveal.getSlideNotes()")
    assert notes and len(notes) > 20
    with context.expect_page() as popup_info:
        page.keyboard.press("s")
    popup = popup_info.value
    first_words = re.sub(r"<[^>]+>", "", notes).split()[:3]
    popup.wait_for_function(
        "words => { const n = document.querySelector('.speaker-controls-notes .value');"
        " return n && words.every(w => n.textContent.includes(w)); }", arg=first_words, timeout=20_000)
    popup.wait_for_selector("#current-slide iframe")
    family = popup.evaluate("getComputedStyle(document.querySelector('.speaker-controls-notes .value')).fontFamily")
    assert "NanumGothic" in family, "the speaker view needs the Korean font too"
    popup.wait_for_function(FONT_LOADED)  # the inlined NanumGothic really loaded, not just named
    receiver = popup.query_selector("#current-slide iframe").content_frame()  # the current-slide preview
    receiver.wait_for_load_state("load")
    receiver.wait_for_function("window.Reveal && Reveal.isReady() && document.fonts.status === 'loaded'")
    shot(popup, "ch4-speaker-view")


def test_print_pdf_mode_gives_one_page_per_slide(visit, published_site, tmp_path):
    context, _ = visit
    page = context.new_page()
    open_print_view(page, (published_site / "ch4" / "slides.html").as_uri() + "?print-pdf")
    assert page.evaluate("document.documentElement.classList.contains('reveal-print')")
    total = page.evaluate("Reveal.getTotalSlides()")
    pdf = tmp_path / "deck.pdf"
    page.pdf(path=str(pdf), width="1280px", height="800px", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert pages == total
    check_images(page)


@pytest.mark.parametrize("folder", ["ch4", "ch4-en"])
def test_handout_page(visit, published_site, folder):
    context, _ = visit
    page = context.new_page()
    page.goto((published_site / folder / "handout.html").as_uri())
    page.wait_for_load_state("load")
    assert check_images(page) == (published_site / folder / "handout.html").read_text().count("<img") > 0
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "NanumGothic" in family
    page.wait_for_function(FONT_LOADED)
    shot(page, f"{folder}-handout", full_page=True)
