"""The Korean web font: NanumGothic (from koreanize-matplotlib), cut down to the characters
the pages use and embedded in a style sheet, so Hangul renders from file:// and in print
without any font request (browsers refuse file:// font loads as cross-origin)."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path

from lecturegen.engine.store import CacheStore
from lecturegen.engine.assets import korean_font

FAMILY = "NanumGothic"
FACE = "font-style: normal; font-weight: 400"
"""The regular face, declared as what it is: a face claiming every weight (100 900) stops browsers
and WeasyPrint from drawing bold, so **강조** and table headings in Hangul looked like plain text."""


def _subset(font_path: Path, text: str) -> bytes:
    import logging

    from fontTools import subset

    logging.getLogger("fontTools").setLevel(logging.ERROR)

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    font = subset.load_font(str(font_path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    return buffer.getvalue()


def _ks_x_1001_syllables() -> set[str]:
    """The 2,350 Hangul syllables of the KS X 1001 standard: nearly all of everyday Korean."""
    return {bytes([high, low]).decode("euc-kr") for high in range(0xB0, 0xC9) for low in range(0xA1, 0xFF)}


# Characters every subset holds, so that editing the prose almost never needs a new subset (which
# costs a second or two), and a build can cut it before its pages exist (engine/drawing.py): tab and
# line ends, printable ASCII, Latin-1, Greek (η, σ), punctuation, super- and subscripts (xⁿ, W₁),
# arrows, maths, technical signs (⌈ ⌉), Hangul jamo and syllables. Characters the font lacks are
# skipped by the subsetter.
BASE_RANGES = ((0x09, 0x0B), (0x0D, 0x0E), (0x20, 0x7F), (0xA0, 0x100), (0x370, 0x400), (0x2010, 0x2060),
               (0x2070, 0x20A0), (0x2190, 0x2200), (0x2200, 0x2300), (0x2300, 0x2400), (0x3131, 0x318F))


def base_chars() -> set[str]:
    return {chr(c) for start, stop in BASE_RANGES for c in range(start, stop)} | _ks_x_1001_syllables()


def font_css(text: str, cache: CacheStore | Path) -> str:
    """A @font-face rule with the font's glyphs for ``text`` and the common base set inlined."""
    chars = "".join(sorted(set(text) | base_chars()))
    key = hashlib.sha256(f"{FACE}\0{chars}".encode("utf-8")).hexdigest()[:24]
    store, name = CacheStore.of(cache), f"{FAMILY}-{key}.css"
    hit = store.get("fonts", name)  # checksummed: a truncated font sheet is made again
    if hit is not None:
        return hit.decode("utf-8")
    data = base64.b64encode(_subset(korean_font(), chars)).decode("ascii")
    css = (
        f'@font-face {{ font-family: "{FAMILY}"; {FACE};\n'
        f'  src: url("data:font/woff;base64,{data}") format("woff"); }}\n'
    )
    store.put("fonts", name, css.encode("utf-8"))
    return css
