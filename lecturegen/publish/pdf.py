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
import logging
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lecturegen.engine import CacheStore
from lecturegen.errors import LecturegenError
from lecturegen.publish.sitecheck import local_refs
from lecturegen.messages import say

log = logging.getLogger(__name__)

PDF_SCHEMA = 2  # 2: Korean words kept whole (keep_korean_words)

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


class PdfError(LecturegenError):
    """The handout could not be printed to PDF."""


def _weasyprint():
    try:
        import weasyprint
    except ImportError:
        raise PdfError(say("errors.publish_pdf.weasyprint_missing_install_it")) from None
    except OSError as exc:  # the Pango/HarfBuzz shared libraries are missing
        raise PdfError(
            say("errors.publish_pdf.weasyprint_cannot_load_its", exc=exc)
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
        html = keep_korean_words(page.read_text(encoding="utf-8"))
        weasyprint.HTML(string=html, base_url=str(page), url_fetcher=fetcher, media_type="print").write_pdf(str(target))
    finally:
        wlog.removeHandler(collect)
        wlog.propagate = propagate
    for message in collect.messages:
        log.debug("weasyprint: %s", message)
    failed = fetcher.refused + [m for m in collect.messages if m.startswith(("Failed to load", "Failed to"))]
    if failed:
        raise PdfError(say("errors.publish_pdf.could_not_be_printed", folder=page.parent.name, page=page.name, failed=failed[0]))
    store.put("pdf", name, target.read_bytes())
    return False
