"""Formulas typeset offline: matplotlib's mathtext turns TeX-like text into SVG, glyphs as paths.

No MathJax, no KaTeX, no network: the page shows an ``<img>`` of an SVG file written next to
it, which browsers and WeasyPrint (the PDF handout) both render. Formulas are typeset before the
pages render, like figures (the content is rendered once to learn which it uses); each SVG is
cached under a hash of the formula, the size and the matplotlib version, so a rebuild does not
import matplotlib for formulas it has drawn before.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from lecturegen.engine.store import CacheStore
from lecturegen.errors import ChapterError
from lecturegen.messages import say
from lecturegen.versions import dist_version

log = logging.getLogger(__name__)

FONT_SIZE = 22  # points; the pages scale the image with CSS
MATH_DIR = "math"  # folder next to the pages
DISPLAY_SCALE = 1.15  # formula font size relative to the text around it


def math_key(tex: str) -> str:
    mpl = dist_version("matplotlib")
    return hashlib.sha256(f"{tex}\x00{FONT_SIZE}\x00{mpl}\x00cm\x00depth".encode("utf-8")).hexdigest()[:20]


def render_svg(tex: str) -> bytes:
    """The formula as a standalone SVG (raises ValueError for TeX mathtext cannot parse)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    from lecturegen.engine.matplotlock import LOCK

    buffer = io.BytesIO()
    rc = {"svg.fonttype": "path", "mathtext.fontset": "cm", "svg.hashsalt": "lecturegen-math",
          "savefig.transparent": True}
    with LOCK, matplotlib.rc_context(rc):  # one at a time in a process: matplotlib is not thread-safe
        prop = FontProperties(size=FONT_SIZE)
        mathtext.math_to_image(f"${tex}$", buffer, prop=prop, format="svg")
        depth = mathtext.MathTextParser("path").parse(f"${tex}$", dpi=72, prop=prop).depth
    svg = re.sub(rb"<metadata>.*?</metadata>\s*", b"", buffer.getvalue(), flags=re.DOTALL)  # drop the build date
    # how far the formula reaches below the baseline (pt), so inline maths sits on the text's line
    return re.sub(rb"<svg ", f'<svg data-depth="{depth:.2f}" '.encode(), svg, count=1)


def height_em(svg: bytes) -> float | None:
    """The formula's height in ems of its own font, so pages can size it to the text around it."""
    match = re.search(rb'<svg[^>]*\sheight="([0-9.]+)pt"', svg)
    return round(float(match.group(1)) / FONT_SIZE, 3) if match else None


def depth_em(svg: bytes) -> float:
    """How far the formula reaches below the baseline, in ems of its own font."""
    match = re.search(rb'<svg[^>]*\sdata-depth="([0-9.]+)"', svg)
    return round(float(match.group(1)) / FONT_SIZE, 3) if match else 0.0


@dataclass(frozen=True)
class Formula:
    """A typeset formula: where the page finds it, its height in ems, and the SVG itself."""

    tex: str
    path: str  # relative to the chapter's output folder: math/<key>.svg
    height: float | None
    svg: bytes

    @property
    def depth(self) -> float:
        return depth_em(self.svg)


def typeset(tex: str, cache: CacheStore | Path) -> Formula:
    """The formula's SVG, from the cache or drawn now (raises ChapterError for TeX mathtext cannot parse)."""
    store, key = CacheStore.of(cache), math_key(tex)
    svg = store.get("math", f"{key}.svg")
    if svg is None:
        log.debug("typesetting %s", tex)
        try:
            svg = render_svg(tex)
        except ValueError as exc:
            raise ChapterError(say("content.bad_formula", tex=tex, detail=str(exc).splitlines()[0])) from None
        store.put("math", f"{key}.svg", svg)
    return Formula(tex, f"{MATH_DIR}/{key}.svg", height_em(svg), svg)


def literal_formulas(source: str) -> list[str]:
    """The formulas a content file writes as literal ``math("...")`` calls, found in its Jinja syntax
    tree without rendering it (so before any result exists): what the build can typeset early."""
    import jinja2
    from jinja2 import nodes

    try:
        tree = jinja2.Environment().parse(source)
    except jinja2.TemplateSyntaxError:  # the render stage says what is wrong
        return []
    return list(dict.fromkeys(
        call.args[0].value for call in tree.find_all(nodes.Call)
        if isinstance(call.node, nodes.Name) and call.node.name == "math" and call.args
        and isinstance(call.args[0], nodes.Const) and isinstance(call.args[0].value, str)))


def cached_all(texs: Iterable[str], cache: CacheStore | Path) -> dict[str, Formula] | None:
    """As :func:`typeset_all`, from the cache alone: None when one of them was never typeset."""
    store, found = CacheStore.of(cache), {}
    for tex in dict.fromkeys(texs):
        key = math_key(tex)
        svg = store.get("math", f"{key}.svg")
        if svg is None:
            return None
        found[tex] = Formula(tex, f"{MATH_DIR}/{key}.svg", height_em(svg), svg)
    return found


def typeset_all(texs: Iterable[str], cache: CacheStore | Path) -> dict[str, Formula]:
    """Every formula a content file uses, typeset before the pages render (like figures)."""
    return {tex: typeset(tex, cache) for tex in dict.fromkeys(texs)}


def write_formulas(formulas: dict[str, Formula], out_dir: Path) -> None:
    for formula in formulas.values():
        target = out_dir / formula.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(formula.svg)


def write_math(tex: str, out_dir: Path, cache: CacheStore | Path) -> tuple[str, float | None]:
    """Typeset one formula into ``out_dir/math/``; its relative path and height."""
    formula = typeset(tex, cache)
    write_formulas({tex: formula}, out_dir)
    return formula.path, formula.height
