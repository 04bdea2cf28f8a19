"""The published site's search (Pagefind) and dark mode, in a real headless browser.

The site is served over HTTP on localhost (the search fetches its index, which a page opened from
file:// may not do); a Korean query must find the Korean slide that holds it and open the deck there.
"""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from helpers import ARTIFACTS, CHROMIUM
from lecturegen.publish.search import page_records

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"no headless browser at {CHROMIUM} (CI installs Debian's chromium)"),
]


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A page closed while a file was still on its way (the test moved on): not an error of the site.
        Anything else is printed, as the standard server does."""
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        """No line per request: the pages' requests come from the server thread, also between tests,
        where pytest does not capture them."""


@pytest.fixture(scope="module")
def served(published_site):
    handler = functools.partial(_QuietHandler, directory=str(published_site))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _search(page, url: str, query: str) -> list[str]:
    page.goto(f"{url}/index.html")
    page.fill(".pagefind-ui__search-input", query)
    page.wait_for_selector(".pagefind-ui__result-link")
    return page.eval_on_selector_all(".pagefind-ui__result-link", "els => els.map(e => e.getAttribute('href'))")


@pytest.mark.parametrize("folder, query", [("ch4", "활성화 함수"), ("ch4", "시그모이드"), ("ch4-en", "activation")])
def test_a_query_finds_the_slide_and_opens_the_deck_there(browser, served, published_site, folder, query):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    errors: list[str] = []
    # a missing resource is caught by its response (the browser's own favicon.ico request aside)
    page.on("console", lambda msg: msg.type == "error" and "Failed to load resource" not in msg.text
            and errors.append(msg.text))
    page.on("response", lambda resp: resp.status >= 400 and not resp.url.endswith("/favicon.ico")
            and errors.append(f"{resp.status} {resp.url}"))
    page.on("pageerror", lambda err: errors.append(str(err)))
    links = _search(page, served, query)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"search-{folder}.png"))
    on_slides = [href for href in links if f"/{folder}/slides.html#/" in href]
    assert on_slides, links
    # every slide the index offers holds the query's words (the records are the slides themselves)
    records = {r.url: r.text for r in page_records(folder, published_site / folder / "slides.html", "")}
    for href in on_slides:
        text = records[href.split("/", 1)[1]].lower()
        assert all(word.lower()[:2] in text for word in query.split()), (href, text[:200])
    page.click(f".pagefind-ui__result-link[href='{on_slides[0]}']")
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    number = int(on_slides[0].rsplit("/", 1)[1])
    page.wait_for_function(f"() => Reveal.getIndices().h === {number}")
    shown = page.evaluate("() => Reveal.getCurrentSlide().innerText").lower()
    assert query.split()[0].lower()[:3] in shown, shown[:300]
    page.close()
    assert errors == []


def test_no_instructor_text_is_searchable(published_site):
    """Only the student pages are indexed: slides (without speaker notes) and handouts."""
    bundle = published_site / "pagefind"
    assert (bundle / "pagefind-ui.js").is_file() and list((bundle / "index").iterdir())
    records = page_records("ch4", published_site / "ch4" / "slides.html", "ko")
    assert len(records) > 20 and all("#/" in r.url for r in records)
    notes = (published_site / "ch4" / "slides.html").read_text(encoding="utf-8").count('<aside class="notes"')
    assert notes > 0  # the deck has speaker notes, and none of their text is in a record:
    from html.parser import HTMLParser

    class Notes(HTMLParser):
        inside, text = 0, []

        def handle_starttag(self, tag, attrs):
            if tag == "aside":
                self.inside += 1

        def handle_endtag(self, tag):
            if tag == "aside":
                self.inside -= 1

        def handle_data(self, data):
            if self.inside and len(data.split()) >= 6:  # a sentence of the notes, not a term the slide also shows
                self.text.append(data.strip())

    parser = Notes()
    parser.feed((published_site / "ch4" / "slides.html").read_text(encoding="utf-8"))
    everything = " ".join(r.text for r in records)
    leaked = [sentence for sentence in parser.text if " ".join(sentence.split()) in everything]
    assert leaked == []


# the page's background: the first of body, html and reveal.js's viewport that paints one (none: the
# browser's white canvas, as no page sets color-scheme without also painting its background)
BACKGROUND = """() => {
  for (const el of [document.querySelector('.reveal-viewport'), document.body, document.documentElement]) {
    if (!el) continue;
    const rgba = getComputedStyle(el).backgroundColor.match(/[\\d.]+/g).map(Number);
    if (rgba.length < 4 || rgba[3] > 0) return rgba.slice(0, 3);
  }
  return [255, 255, 255];
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_dark_mode_for_the_index_and_handout_not_the_slides(browser, served, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, color_scheme=scheme)
    page = context.new_page()
    backgrounds = {}
    for name in ("index.html", "ch4/handout.html", "ch4/slides.html"):
        page.goto(f"{served}/{name}")
        backgrounds[name] = page.evaluate(BACKGROUND)
        if scheme == "dark":
            page.screenshot(path=str(ARTIFACTS / f"dark-{name.replace('/', '-')}.png"))
    context.close()
    dark = {name: sum(rgb) / 3 < 60 for name, rgb in backgrounds.items()}
    if scheme == "dark":
        assert dark == {"index.html": True, "ch4/handout.html": True, "ch4/slides.html": False}, backgrounds
    else:
        assert not any(dark.values()), backgrounds
