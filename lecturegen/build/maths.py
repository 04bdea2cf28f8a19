"""Formulas typeset offline: matplotlib's mathtext turns TeX-like text into SVG, glyphs as paths.

No MathJax, no KaTeX, no network: the page shows an ``<img>`` of an SVG file written next to
it, which browsers and WeasyPrint (the PDF handout) both render. Each SVG is cached under a
hash of the formula, the size and the matplotlib version, so a rebuild does not import
matplotlib for formulas it has drawn before.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import shutil
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

FONT_SIZE = 22  # points; the pages scale the image with CSS
MATH_DIR = "math"  # folder next to the pages
DISPLAY_SCALE = 1.15  # formula font size relative to the text around it


def math_key(tex: str) -> str:
    try:
        mpl = metadata.version("matplotlib")
    except metadata.PackageNotFoundError:
        mpl = "?"
    return hashlib.sha256(f"{tex}\x00{FONT_SIZE}\x00{mpl}\x00cm".encode("utf-8")).hexdigest()[:20]


def render_svg(tex: str) -> bytes:
    """The formula as a standalone SVG (raises ValueError for TeX mathtext cannot parse)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    buffer = io.BytesIO()
    rc = {"svg.fonttype": "path", "mathtext.fontset": "cm", "svg.hashsalt": "lecturegen-math",
          "savefig.transparent": True}
    with matplotlib.rc_context(rc):
        mathtext.math_to_image(f"${tex}$", buffer, prop=FontProperties(size=FONT_SIZE), format="svg")
    svg = buffer.getvalue()
    return re.sub(rb"<metadata>.*?</metadata>\s*", b"", svg, flags=re.DOTALL)  # drop the build date


def height_em(svg: bytes) -> float | None:
    """The formula's height in ems of its own font, so pages can size it to the text around it."""
    match = re.search(rb'<svg[^>]*\sheight="([0-9.]+)pt"', svg)
    return round(float(match.group(1)) / FONT_SIZE, 3) if match else None


def write_math(tex: str, out_dir: Path, cache_dir: Path | None) -> tuple[str, float | None]:
    """Write the formula's SVG into ``out_dir/math/`` (via the cache); return its relative path and height."""
    key = math_key(tex)
    target = out_dir / MATH_DIR / f"{key}.svg"
    relative = f"{MATH_DIR}/{key}.svg"
    if target.is_file():
        return relative, height_em(target.read_bytes())
    target.parent.mkdir(parents=True, exist_ok=True)
    cached = cache_dir / "math" / f"{key}.svg" if cache_dir is not None else None
    if cached is not None and cached.is_file():
        shutil.copyfile(cached, target)
    else:
        log.debug("typesetting %s", tex)
        svg = render_svg(tex)
        target.write_bytes(svg)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp")
            tmp.write_bytes(svg)
            tmp.replace(cached)
    return relative, height_em(target.read_bytes())
