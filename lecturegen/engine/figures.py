"""Figures drawn with matplotlib (Agg): the library's figure sets (training curves, accuracy
comparison, accuracy against parameters) from this build's results, and every chapter's own.

Each figure is a :class:`FigureSpec`: a draw function plus the JSON data it draws. The SVG is
cached under a hash of both, so a rebuild with unchanged results does not even import matplotlib.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from lecturegen import messages
from lecturegen.engine.store import CacheStore
from lecturegen.core.results import spread
from lecturegen.chapter import display_names
from lecturegen.errors import ChapterError
from lecturegen.core.chapter import source_of
from lecturegen.core.plugins import FigureSpec
from lecturegen.messages import say
from lecturegen.versions import dist_version

log = logging.getLogger(__name__)

class _Words(Mapping):
    """The figure labels of every catalog language (``messages`` section ``figures``), by language."""

    def __getitem__(self, lang: str) -> dict[str, str]:
        return messages.section(lang, "figures")

    def __iter__(self) -> Iterator[str]:
        return iter(messages.languages())

    def __len__(self) -> int:
        return len(messages.languages())


WORDS = _Words()


@dataclass(frozen=True)
class RenderedFigure:
    name: str
    path: str  # relative to the chapter's output folder
    alt: str
    min_font_pt: float = 0.0  # the smallest text in the figure (the slides keep it >= 18 px on screen)
    snippet: str = ""  # FigureSpec.snippet: the chapter snippet that draws it


# Text sizes for the projector: a figure is shown at >= 1.1x its natural size (96 px per inch) on a
# 1280 x 720 slide, so 13 pt text (17.3 px at natural size) is >= 19 px there. No text is smaller:
# whatever a draw function asks for is raised to MIN_FONT_PT before the figure is saved.
MIN_FONT_PT = 13.0
FONT_SIZES = {"font.size": 14, "axes.titlesize": 15, "axes.labelsize": 14, "xtick.labelsize": MIN_FONT_PT,
              "ytick.labelsize": MIN_FONT_PT, "legend.fontsize": MIN_FONT_PT, "figure.titlesize": 16,
              "lines.linewidth": 2.2, "lines.markersize": 7}
MIN_FONT_MARK = re.compile(rb"<!-- lecturegen min-font-pt=([0-9.]+) -->")


# ---------------------------------------------------------------- results


def draw_curves(fig, inputs: dict, lang: str) -> None:
    from matplotlib.ticker import MaxNLocator

    w = WORDS[lang]
    history = inputs["history"]
    epochs = range(1, len(history["loss"]) + 1)
    ax_acc, ax_loss = fig.subplots(1, 2)
    for ax, metric in ((ax_acc, "accuracy"), (ax_loss, "loss")):
        ax.plot(epochs, history[metric], marker="o", label=w["train"])
        ax.plot(epochs, history[f"val_{metric}"], marker="s", label=w["val"])
        ax.set_xlabel(w["epoch"])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(w[metric])
        ax.grid(alpha=0.3)
        ax.legend()
    title = inputs["title"][lang] + (f" ({w['sample']})" if inputs["sample"] else "")
    fig.suptitle(title)


def draw_loss_curves(fig, inputs: dict, lang: str) -> None:
    """The loss per epoch, training and validation: a run without an accuracy (a regression)."""
    from matplotlib.ticker import MaxNLocator

    w = WORDS[lang]
    history = inputs["history"]
    epochs = range(1, len(history["loss"]) + 1)
    ax = fig.add_subplot()
    ax.plot(epochs, history["loss"], label=w["train"])
    ax.plot(epochs, history["val_loss"], label=w["val"])
    ax.set_xlabel(w["epoch"])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(w["loss"])
    if min(history["loss"] + history["val_loss"]) > 0:
        ax.set_yscale("log")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.suptitle(inputs["title"][lang] + (f" ({w['sample']})" if inputs["sample"] else ""))


def draw_metric_bars(fig, inputs: dict, lang: str) -> None:
    """One metric per run (a chapter whose first metric is not accuracy)."""
    ax = fig.add_subplot()
    names = [run["name"][lang] for run in inputs["runs"]]
    bars = ax.bar(range(len(names)), [run["value"] for run in inputs["runs"]], 0.5)
    ax.bar_label(bars, fmt="%.2f")
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel(inputs["label"][lang])
    ax.margins(y=0.15)
    ax.grid(axis="y", alpha=0.3)


def draw_comparison(fig, inputs: dict, lang: str) -> None:
    import numpy as np

    w = WORDS[lang]
    names = [run["name"][lang] for run in inputs["runs"]]
    ours = [run["test_accuracy"] * 100 for run in inputs["runs"]]
    refs = [None if run["reference"] is None else run["reference"] * 100 for run in inputs["runs"]]
    ax = fig.add_subplot()
    pos = np.arange(len(names))
    # a run with a reference gets two bars side by side, one without gets a single centred bar
    mine = [p - 0.2 if ref is not None else p for p, ref in zip(pos, refs)]
    label = w["this_run"] + (f" ({w['sample']})" if inputs["sample"] else "")
    errors = [run.get("sd", 0) * 100 for run in inputs["runs"]]  # ± sd over seeds (--seeds N)
    bars = ax.bar(mine, ours, 0.4, label=label, yerr=errors if any(errors) else None, capsize=4)
    if any(ref is not None for ref in refs):
        ax.bar([p + 0.2 for p, ref in zip(pos, refs) if ref is not None], [r for r in refs if r is not None], 0.4,
               label=w["reference"], color="lightgray", edgecolor="gray")
    ax.bar_label(bars, fmt="%.2f")
    ax.set_xticks(pos, names)
    ax.set_ylabel(w["test_acc"] + " (%)")
    ax.set_ylim(0, 105)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False)
    ax.grid(axis="y", alpha=0.3)


def draw_params(fig, inputs: dict, lang: str) -> None:
    w = WORDS[lang]
    ax = fig.add_subplot()
    for run in inputs["runs"]:
        x, y = run["params"], run["test_accuracy"] * 100
        ax.scatter([x], [y], s=60, zorder=3)
        ax.annotate(f"{run['name'][lang]}\n{y:.2f} %", (x, y), textcoords="offset points", xytext=(8, -4), fontsize=9)
    ax.set_xscale("log")
    ax.set_xlabel(w["params"] + " (log)")
    ax.set_ylabel(w["test_acc"] + " (%)")
    ax.margins(x=0.35, y=0.25)
    ax.grid(alpha=0.3, which="both")
    if inputs["sample"]:
        ax.set_title(w["sample"])


def curve_figures(chapter, runs: dict, is_sample: bool) -> list[FigureSpec]:
    """Training curves per run of the main comparison (side studies draw their own)."""
    specs = []
    main = chapter.group()
    for exp in main:
        run = runs.get(exp.name)
        if run is None:  # not trained yet (figures drawn while the runs train: engine/drawing.py)
            continue
        alt = {lang: f"{exp.title[lang]}: {WORDS[lang]['accuracy']} / {WORDS[lang]['loss']}"
               for lang in exp.title if lang in WORDS}
        inputs = {"history": run.history, "title": display_names(exp), "sample": is_sample}
        if "accuracy" not in run.history:  # a regression: its loss only
            alt = {lang: f"{exp.title[lang]}: {WORDS[lang]['loss']}" for lang in exp.title if lang in WORDS}
            inputs = {**inputs, "history": {k: run.history[k] for k in ("loss", "val_loss")}}
            specs.append(FigureSpec(f"curves_{exp.name}", alt, draw_loss_curves, inputs, size=(8, 4)))
            continue
        specs.append(FigureSpec(f"curves_{exp.name}", alt, draw_curves, inputs, size=(9, 3.6)))
    return specs


def comparison_figure(chapter, runs: dict, is_sample: bool) -> list[FigureSpec]:
    first = chapter.metric_names[0]
    if first != "accuracy":  # the chapter's first metric per run: figure "<metric>_comparison"
        label = messages.per_language("metrics", first)
        inputs = {"runs": [{"name": display_names(e), "value": float(runs[e.name].metric(first))} for e in chapter.group()],
                  "label": label}
        return [FigureSpec(f"{first}_comparison", label, draw_metric_bars, inputs, size=(8, 4.2))]
    comparison = {
        "runs": [
            {"name": display_names(e), "test_accuracy": runs[e.name].test_accuracy, "reference": e.reference.test_accuracy,
             **({"sd": sd} if (sd := spread(runs[e.name].test_accuracy)) is not None else {})}
            for e in chapter.group()
        ],
        "sample": is_sample,
    }
    return [FigureSpec("accuracy_comparison", messages.per_language("alt", "accuracy_comparison"), draw_comparison,
                       comparison, size=(8.5, 4.6))]


def params_figure(chapter, runs: dict, is_sample: bool) -> list[FigureSpec]:
    inputs = {
        "runs": [{"name": display_names(e), "test_accuracy": runs[e.name].test_accuracy, "params": runs[e.name].params}
                 for e in chapter.group()],
        "sample": is_sample,
    }
    return [FigureSpec("accuracy_vs_params", messages.per_language("alt", "accuracy_vs_params"), draw_params, inputs)]


def result_figures(chapter, runs: dict, is_sample: bool) -> list[FigureSpec]:
    """Training curves per experiment and the accuracy comparison."""
    return curve_figures(chapter, runs, is_sample) + comparison_figure(chapter, runs, is_sample)


FIGURE_BUILDERS = {
    "curves": curve_figures,
    "comparison": comparison_figure,
    "params": params_figure,
}
"""The library's figure sets by name (``lecturegen.chapter.FIGURE_SETS``); chapters add theirs as functions."""


def chapter_figures(chapter, runs: dict, is_sample: bool) -> list[FigureSpec]:
    """The figure sets the chapter declared (``chapter(figures=...)``: library names or the
    chapter's own functions), in its order; two figures with one name are refused."""
    specs = []
    for figure_set in chapter.figures:
        if not callable(figure_set):
            specs += FIGURE_BUILDERS[figure_set](chapter, runs, is_sample)
            continue
        try:  # the chapter's own code: a mistake in it is the author's to fix, named in one line
            specs += figure_set(chapter, runs, is_sample)
        except Exception as exc:
            name = getattr(figure_set, "__name__", repr(figure_set))
            raise ChapterError(say("chapter.figure_set_failed", name=name, id=chapter.id, kind=type(exc).__name__, exc=exc)) from exc
    names = [spec.name for spec in specs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ChapterError(say("chapter.figure_made_twice", id=chapter.id, twice=', '.join(twice)))
    return specs


# ---------------------------------------------------------------- rendering with a cache


def _figure_key(spec: FigureSpec, lang: str) -> str:
    mpl = dist_version("matplotlib")
    parts = [spec.name, lang, mpl, source_of(spec.draw), json.dumps(spec.inputs, sort_keys=True),
             json.dumps(spec.size), json.dumps(WORDS[lang], sort_keys=True, ensure_ascii=False),
             json.dumps(FONT_SIZES, sort_keys=True), source_of(raise_small_text),
             source_of(fit_titles), source_of(figure_problems)]
    parts += [source_of(fn) for fn in spec.depends]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def _draw_svg(spec: FigureSpec, lang: str, target) -> None:
    from lecturegen.engine.matplotlock import LOCK

    with LOCK:  # one drawing at a time in a process: matplotlib is not thread-safe
        _draw_svg_unlocked(spec, lang, target)


def _draw_svg_unlocked(spec: FigureSpec, lang: str, target) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import koreanize_matplotlib  # noqa: F401  (sets NanumGothic, so Hangul renders)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.hashsalt": "lecturegen", "svg.fonttype": "path", **FONT_SIZES}):
        fig = Figure(figsize=spec.size, layout="constrained")
        FigureCanvasAgg(fig)  # measures text for fit_titles and figure_problems
        spec.draw(fig, spec.inputs, lang)
        smallest = raise_small_text(fig)
        fit_titles(fig)  # leaves the figure laid out
        problems = figure_problems(fig, laid_out=True)
        fig.set_layout_engine("none")  # the layout stays as the last one left it: saving does not lay it out again
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    if problems:
        log.warning(say("chapter.figure_hard_to_read", name=spec.name, lang=lang, problems="; ".join(problems)))
    svg = stable_clip_ids(buffer.getvalue())
    mark = f"<!-- lecturegen min-font-pt={smallest:g} -->\n"
    mark += "".join(f"<!-- lecturegen figure-problem: {p.replace('--', '- -')} -->\n" for p in problems)
    target.write(svg.replace(b"<svg ", mark.encode() + b"<svg ", 1))


CLIP_ID = re.compile(rb'(?<=id=")p[0-9a-f]{10}(?=")|(?<=url\(#)p[0-9a-f]{10}(?=\))')


def stable_clip_ids(svg: bytes) -> bytes:
    """Matplotlib names a clip path by a hash that can differ from one drawing to the next (an image's clip
    box, for one), even with ``svg.hashsalt`` set: number them in order of first appearance instead, so
    the same figure drawn again is the same bytes."""
    names: dict[bytes, bytes] = {}
    return CLIP_ID.sub(lambda m: names.setdefault(m.group(0), b"clip%d" % (len(names) + 1)), svg)


def _texts(fig):
    """The texts the figure draws: a tick label only when its tick is inside the axis' view (a
    locator also makes ticks beyond it, which are never drawn)."""
    from matplotlib.text import Text

    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            ticks = axis.majorTicks + axis.minorTicks
            drawn = {id(t) for t in axis._update_ticks()}  # what Axis.draw draws
            hidden |= {id(label) for t in ticks if id(t) not in drawn for label in (t.label1, t.label2)}
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and id(t) not in hidden]


def fit_titles(fig) -> None:
    """Wrap a title wider than the room it has (an axes title: its axes; the figure's title: the
    figure) onto as many lines as it needs; constrained layout then makes room for the lines."""
    import textwrap

    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    figure_width = fig.bbox.width
    titles = [(fig._suptitle, figure_width)] if getattr(fig, "_suptitle", None) is not None else []
    for ax in fig.axes:
        room = max(ax.get_window_extent(renderer).width, 0.2 * figure_width)
        titles += [(t, room) for t in (ax.title, ax._left_title, ax._right_title)]
    changed = False
    for text, room in titles:
        words = text.get_text()
        if not words.strip() or "$" in words:  # mathtext is not split
            continue
        width = text.get_window_extent(renderer).width
        if width <= room:
            continue
        chars = max(8, int(len(words) * room / width * 0.95))
        while chars > 8:
            text.set_text(textwrap.fill(words, chars, break_long_words=False))
            if text.get_window_extent(renderer).width <= room:
                break
            chars -= 2
        changed = True
    if changed:
        fig.draw_without_rendering()


def figure_problems(fig, laid_out: bool = False) -> list[str]:
    """What would make the figure hard to read, after its layout: text cut off at the figure's edge,
    a legend whose entries read the same, lines drawn over each other with the same style.
    ``laid_out``: the figure was drawn since its last change (else it is laid out here first)."""
    import numpy as np

    if not laid_out:
        fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    edge = fig.bbox
    problems = []
    for text in _texts(fig):
        box = text.get_window_extent(renderer)
        if box.x0 < edge.x0 - 1 or box.y0 < edge.y0 - 1 or box.x1 > edge.x1 + 1 or box.y1 > edge.y1 + 1:
            problems.append(f"text {text.get_text()!r} is cut off at the figure's edge")
    legends = [ax.get_legend() for ax in fig.axes] + list(fig.legends)
    for legend in filter(None, legends):
        labels = [t.get_text() for t in legend.get_texts()]
        twice = sorted({label for label in labels if labels.count(label) > 1})
        if twice:
            problems.append(f"legend entries read the same: {', '.join(repr(t) for t in twice)}")
    for ax in fig.axes:
        lines = [line for line in ax.get_lines() if line.get_visible() and len(line.get_xdata())]
        for i, a in enumerate(lines):
            for b in lines[i + 1:]:
                same_style = (a.get_linestyle(), a.get_marker()) == (b.get_linestyle(), b.get_marker())
                xa, ya, xb, yb = (np.asarray(v, dtype=float) for v in (*a.get_data(), *b.get_data()))
                if same_style and xa.shape == xb.shape and np.allclose(xa, xb) and np.allclose(ya, yb):
                    problems.append(f"lines {a.get_label()!r} and {b.get_label()!r} lie on each other with one style")
    return problems


def raise_small_text(fig) -> float:
    """Raise every visible text of the figure to at least MIN_FONT_PT; return the smallest size left."""
    from matplotlib.text import Text

    sizes = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        if text.get_fontsize() < MIN_FONT_PT:
            text.set_fontsize(MIN_FONT_PT)
        sizes.append(text.get_fontsize())
    return min(sizes, default=MIN_FONT_PT)


def min_font_pt(svg: bytes) -> float:
    """The smallest text size recorded in an SVG drawn here (0 for an SVG from elsewhere)."""
    found = MIN_FONT_MARK.search(svg[:4096])
    return float(found.group(1)) if found else 0.0


def render_figures(specs: list[FigureSpec], lang: str, out_dir: Path, cache: CacheStore | Path) -> list[RenderedFigure]:
    """Write each figure as ``out_dir/figures/NAME.svg``, drawing only those not cached."""
    figures_dir = out_dir / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    store = CacheStore.of(cache)
    rendered = []
    for spec in reversed(specs):  # last first: the drawer (engine/drawing.py) may still draw from the first on
        name = f"{_figure_key(spec, lang)}.svg"
        svg = store.get("figures", name)  # checksummed: a damaged SVG is drawn again, never copied
        if svg is None:
            log.debug("drawing figure %s", spec.name)
            buffer = io.BytesIO()
            _draw_svg(spec, lang, buffer)
            svg = buffer.getvalue()
            store.put("figures", name, svg)
        (figures_dir / f"{spec.name}.svg").write_bytes(svg)
        if lang not in spec.alt:
            raise ChapterError(say("chapter.figure_without_alt", name=spec.name, lang=lang))
        rendered.append(RenderedFigure(spec.name, f"figures/{spec.name}.svg", spec.alt[lang], min_font_pt(svg),
                                       spec.snippet))
    return rendered[::-1]
