"""handout.pdf: the handout page printed by WeasyPrint (a real HTML/CSS-to-PDF engine).

The page's print stylesheet (templates/assets/handout.css) gives A4 pages with page numbers, a
title page with the provenance, and figures, tables and code kept whole. Hangul comes from the
NanumGothic subset inlined in fonts.css, which WeasyPrint embeds in the PDF, so the PDF does not
depend on the fonts of the machine that opens it (or of the one that made it).

Only files inside the published site (and ``data:`` URLs) may be loaded: the fetcher refuses
anything else, and a resource that fails to load fails the publish instead of leaving a hole.
The PDF is cached by the hash of the page and every file it loads, so re-publishing an unchanged
chapter costs a file copy.
"""

from __future__ import annotations

import hashlib
import html as html_module
import logging
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lecturegen.engine import CacheStore
from lecturegen.errors import LecturegenError
from lecturegen.publish.sitecheck import local_refs
from lecturegen.messages import say

log = logging.getLogger(__name__)

PDF_SCHEMA = 3  # 2: Korean words kept whole (keep_korean_words); 3: code sized to its longest line (fit_code)

_TAG = re.compile(r"(<[^>]*>)")
_KOREAN_WORD = re.compile(r"[^\s<>]*[\uac00-\ud7a3][^\s<>]*")
_VERBATIM = ("pre", "code", "script", "style", "title", "textarea")


def keep_korean_words(html: str) -> str:
    """Wrap every word holding Hangul in ``<span class="lg-keep">`` (``white-space: nowrap`` in
    handout.css), so the PDF breaks Korean between words only: WeasyPrint ignores
    ``word-break: keep-all`` and would split "결과가" as "결/과가". Text in code is left alone."""
    out, verbatim = [], 0
    for part in _TAG.split(html):
        if part.startswith("<"):
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            if name and name.group(1).lower() in _VERBATIM and not part.endswith("/>"):
                verbatim += -1 if part.startswith("</") else 1
            out.append(part)
        elif verbatim > 0 or not part.strip():
            out.append(part)
        else:
            out.append(_KOREAN_WORD.sub(lambda m: f'<span class="lg-keep">{m.group(0)}</span>', part))
    return "".join(out)


# The A4 page of handout.css (@page: 210 mm wide, 16 mm margins) in points, and the code font there:
# 10.5 pt body text, code at 0.85 of it, DejaVu Sans Mono (each character 0.602 em wide), padded
# 0.8 em on each side; two columns side by side are 0.8 em apart.
TEXT_WIDTH_PT = (210 - 2 * 16) / 25.4 * 72
CODE_PT = 10.5 * 0.85
CHAR_EM, PADDING_EM, GAP_PT = 0.602, 1.6, 10.5 * 0.8
SMALLEST_CODE_PT = 6.5  # the smallest code a printed page still reads
SIDE_BY_SIDE_PT = 7.5  # code next to its figure only while it can stay this large

_PRE = re.compile(r"<pre(?P<attrs>[^>]*)>(?P<body>.*?)</pre>", re.S)
_DIV = re.compile(r"<div\b[^>]*>|</div\s*>")


def _longest_line(pre_body: str) -> float:
    """The widest line of a code block, in em: a monospace character is CHAR_EM wide, a Hangul or
    other wide character (drawn from the Korean font) about 1 em."""
    text = html_module.unescape(re.sub(r"<[^>]+>", "", pre_body))
    return max((sum(1.0 if unicodedata.east_asian_width(c) in "WF" else CHAR_EM for c in line.expandtabs())
                for line in text.splitlines()), default=0.0)


def _code_size(width_em: float, width_pt: float) -> float:
    """The code font size (pt) at which a line ``width_em`` wide fits ``width_pt``."""
    return min(CODE_PT, width_pt / (max(width_em, CHAR_EM) + PADDING_EM))


def _size_pres(html: str, width_pt: float) -> str:
    """Give each <pre> the size at which its longest line fits: a line never wraps (a wrapped line
    starts at the margin, so code copied from the PDF loses its indentation and no longer runs).
    Code too long even at SMALLEST_CODE_PT keeps wrapping rather than running off the page."""
    def size(m: re.Match) -> str:
        pt = _code_size(_longest_line(m.group("body")), width_pt)
        if pt < SMALLEST_CODE_PT:
            return m.group(0)
        return f'<pre{m.group("attrs")} class="lg-fit" style="font-size: {pt:.2f}pt">{m.group("body")}</pre>'
    return _PRE.sub(size, html)


def _columns_end(html: str, start: int) -> int:
    depth = 0
    for tag in _DIV.finditer(html, start):
        depth += -1 if tag.group(0).startswith("</") else 1
        if depth == 0:
            return tag.end()
    return len(html)


def fit_code(html: str) -> str:
    """Lay code out for the printed page: every code block at the size its longest line needs, and
    code that stays readable at half the width printed next to its figure (``.columns.lg-side``)
    instead of above it, so a short function and its plot share a page with the next one."""
    out, pos = [], 0
    for m in re.finditer(r'<div class="columns">', html):
        if m.start() < pos:
            continue
        end = _columns_end(html, m.start())
        block = html[m.start():end]
        half = (TEXT_WIDTH_PT - GAP_PT) / 2
        pres = [_longest_line(p.group("body")) for p in _PRE.finditer(block)]
        side = pres and all(_code_size(n, half) >= SIDE_BY_SIDE_PT for n in pres)
        out.append(_size_pres(html[pos:m.start()], TEXT_WIDTH_PT))
        out.append(_size_pres(block.replace('class="columns"', 'class="columns lg-side"', 1), half) if side
                   else _size_pres(block, TEXT_WIDTH_PT))
        pos = end
    out.append(_size_pres(html[pos:], TEXT_WIDTH_PT))
    return "".join(out)


class PdfError(LecturegenError):
    """The handout could not be printed to PDF."""


def _weasyprint():
    try:
        import weasyprint
    except ImportError:
        raise PdfError(say("install.weasyprint_missing")) from None
    except OSError as exc:  # the Pango/HarfBuzz shared libraries are missing
        raise PdfError(
            say("install.weasyprint_libraries_missing", exc=exc)
        ) from None
    return weasyprint


def _inputs_digest(page: Path, site_root: Path, engine_version: str) -> str:
    """Hash of the page, every local file it references (transitively through CSS), and the engine."""
    digest = hashlib.sha256(f"lecturegen-pdf {PDF_SCHEMA} weasyprint {engine_version}\n".encode())
    seen: set[Path] = set()
    site_root = site_root.resolve()
    todo = [page.resolve()]
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file() or not path.is_relative_to(site_root):
            continue  # files outside the site are refused by the fetcher, not hashed
        seen.add(path)
        digest.update(str(path.relative_to(site_root)).encode() + b"\0" + path.read_bytes() + b"\0")
        if path.suffix in (".html", ".css"):
            todo.extend(local_refs(path))
    return digest.hexdigest()


def _site_fetcher(weasyprint, site_root: Path):
    """WeasyPrint's own fetcher, limited to ``data:`` URLs and files under the site root."""
    root = site_root.resolve()

    class SiteFetcher(weasyprint.URLFetcher):
        refused: list[str] = []

        def fetch(self, url: str, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "file":
                target = Path(unquote(parts.path)).resolve()
                if not target.is_relative_to(root) or not target.is_file():
                    self.refused.append(f"not a file of the published site: {url}")
                    raise ValueError(self.refused[-1])
            elif parts.scheme != "data":
                self.refused.append(f"external resource refused: {url}")
                raise ValueError(self.refused[-1])
            return super().fetch(url, headers)

    fetcher = SiteFetcher(allowed_protocols=("file", "data"))
    fetcher.refused = []
    return fetcher


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def printed_html(page: Path) -> str:
    """The handout page as WeasyPrint prints it: Korean words kept whole, code sized to fit."""
    return fit_code(keep_korean_words(page.read_text(encoding="utf-8")))


def write_handout_pdf(page: Path, target: Path, site_root: Path, cache: CacheStore | Path) -> bool:
    """Print ``page`` to ``target``; returns True when it came from the cache."""
    weasyprint = _weasyprint()
    key = _inputs_digest(page, site_root, weasyprint.__version__)
    store, name = CacheStore.of(cache), f"{key}.pdf"
    hit = store.get("pdf", name)  # checksummed like every cache entry: a damaged PDF is printed again
    if hit is not None:
        target.write_bytes(hit)
        return True
    fetcher = _site_fetcher(weasyprint, site_root)
    collect = _Collect()
    wlog = logging.getLogger("weasyprint")
    wlog.addHandler(collect)
    propagate, wlog.propagate = wlog.propagate, False  # its CSS notes are not the user's business
    try:
        document = weasyprint.HTML(string=printed_html(page), base_url=str(page), url_fetcher=fetcher, media_type="print")
        document.write_pdf(str(target))
    finally:
        wlog.removeHandler(collect)
        wlog.propagate = propagate
    for message in collect.messages:
        log.debug("weasyprint: %s", message)
    failed = fetcher.refused + [m for m in collect.messages if m.startswith(("Failed to load", "Failed to"))]
    if failed:
        raise PdfError(say("publish.pdf_failed", folder=page.parent.name, page=page.name, failed=failed[0]))
    store.put("pdf", name, target.read_bytes())
    return False
