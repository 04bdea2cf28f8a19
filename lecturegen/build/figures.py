"""Figures drawn with matplotlib (Agg): activation functions from their formulas, and the
training curves and accuracy comparison from this build's results.

Each figure is a :class:`FigureSpec`: a draw function plus the JSON data it draws. The SVG is
cached under a hash of both, so a rebuild with unchanged results does not even import matplotlib.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import logging
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from lecturegen.build import blobs
from lecturegen.build.results import spread
from lecturegen.errors import ChapterError
from lecturegen.plugins import FigureSpec

log = logging.getLogger(__name__)

X_RANGE = (-6.0, 6.0, 0.1)  # the lecture's x grid: [-6, 6), step 0.1

WORDS = {
    "ko": {"epoch": "에포크", "accuracy": "정확도", "loss": "손실", "train": "훈련", "val": "검증",
           "this_run": "이번 실행", "reference": "원래 강의 (참고)", "test_acc": "테스트 정확도",
           "sample": "샘플 데이터", "params": "파라미터 수"},
    "en": {"epoch": "epoch", "accuracy": "accuracy", "loss": "loss", "train": "training", "val": "validation",
           "this_run": "this run", "reference": "original lecture (reference)", "test_acc": "test accuracy",
           "sample": "sample data", "params": "parameters"},
}


@dataclass(frozen=True)
class RenderedFigure:
    name: str
    path: str  # relative to the chapter's output folder
    alt: str


# ---------------------------------------------------------------- activation functions


def activation_values(name: str, x, a: float = 0.1):
    import numpy as np

    if name == "step":
        return (x > 0).astype(float)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    if name == "relu":
        return np.maximum(0, x)
    if name == "leaky_relu":
        return np.maximum(a * x, x)
    if name == "softmax":
        return np.exp(x) / np.sum(np.exp(x))
    raise ValueError(name)


def draw_activation(fig, inputs: dict, lang: str) -> None:
    import numpy as np

    x = np.arange(*X_RANGE)
    name = inputs["function"]
    ax = fig.add_subplot()
    ax.plot(x, activation_values(name, x, inputs.get("a", 0.1)), linewidth=2)
    if name in ("sigmoid", "tanh"):
        ax.axvline(0, linestyle=":", color="gray")
    if name == "tanh":
        ax.axhline(0, linestyle="--", color="gray")
    ax.set_title(inputs["label"])
    ax.set_xlabel("x")
    ax.grid(alpha=0.3)


ACTIVATIONS = {
    "step": ("step", {"ko": "계단 함수: x > 0이면 1, 아니면 0", "en": "Step function: 1 if x > 0 else 0"}),
    "sigmoid": ("sigmoid", {"ko": "시그모이드: 0과 1 사이의 S자 곡선", "en": "Sigmoid: an S-curve between 0 and 1"}),
    "tanh": ("tanh", {"ko": "tanh: -1과 1 사이, 0을 중심으로 한 S자 곡선",
                      "en": "tanh: an S-curve between -1 and 1, centred on 0"}),
    "relu": ("ReLU", {"ko": "ReLU: 음수는 0, 양수는 그대로", "en": "ReLU: 0 for negative inputs, x otherwise"}),
    "leaky_relu": ("Leaky ReLU (a = 0.1)", {"ko": "Leaky ReLU: 음수 쪽 기울기 0.1",
                                            "en": "Leaky ReLU: slope 0.1 for negative inputs"}),
    "softmax": ("softmax", {"ko": "소프트맥스: x 격자 전체에 대한 확률 분포",
                            "en": "Softmax: a probability distribution over the whole x grid"}),
}


def activation_figures() -> list[FigureSpec]:
    return [
        FigureSpec(f"activation_{key}", alt, draw_activation, {"function": key, "label": label, "a": 0.1})
        for key, (label, alt) in ACTIVATIONS.items()
    ]


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
    title = inputs["title"] + (f" ({w['sample']})" if inputs["sample"] else "")
    fig.suptitle(title)


def draw_comparison(fig, inputs: dict, lang: str) -> None:
    import numpy as np

    w = WORDS[lang]
    names = [run["name"] for run in inputs["runs"]]
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
        ax.annotate(f"{run['name']}\n{y:.2f} %", (x, y), textcoords="offset points", xytext=(8, -4), fontsize=9)
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
        run = runs[exp.name]
        alt = {lang: f"{exp.title[lang]}: {WORDS[lang]['accuracy']} / {WORDS[lang]['loss']}" for lang in WORDS}
        inputs = {"history": run.history, "title": exp.name, "sample": is_sample}
        specs.append(FigureSpec(f"curves_{exp.name}", alt, draw_curves, inputs, size=(9, 3.6)))
    return specs


def comparison_figure(chapter, runs: dict, is_sample: bool) -> list[FigureSpec]:
    comparison = {
        "runs": [
            {"name": e.name, "test_accuracy": runs[e.name].test_accuracy, "reference": e.reference.test_accuracy,
             **({"sd": sd} if (sd := spread(runs[e.name].test_accuracy)) is not None else {})}
            for e in chapter.group()
        ],
        "sample": is_sample,
    }
    alt = {"ko": "실험별 테스트 정확도: 이번 실행과 원래 강의", "en": "Test accuracy per run: this run and the original lecture"}
    return [FigureSpec("accuracy_comparison", alt, draw_comparison, comparison)]


def params_figure(chapter, runs: dict, is_sample: bool) -> list[FigureSpec]:
    inputs = {
        "runs": [{"name": e.name, "test_accuracy": runs[e.name].test_accuracy, "params": runs[e.name].params}
                 for e in chapter.group()],
        "sample": is_sample,
    }
    alt = {"ko": "실험별 파라미터 수와 테스트 정확도", "en": "Parameter count and test accuracy per run"}
    return [FigureSpec("accuracy_vs_params", alt, draw_params, inputs)]


def result_figures(chapter, runs: dict, is_sample: bool) -> list[FigureSpec]:
    """Training curves per experiment and the accuracy comparison."""
    return curve_figures(chapter, runs, is_sample) + comparison_figure(chapter, runs, is_sample)


FIGURE_BUILDERS = {
    "activations": lambda chapter, runs, is_sample: activation_figures(),
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
            raise ChapterError(f"figure set {name} of chapter {chapter.id} failed: {type(exc).__name__}: "
                               f"{exc}; fix the chapter module") from exc
    names = [spec.name for spec in specs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ChapterError(f"chapter {chapter.id}: figure name(s) {', '.join(twice)} made twice; rename one")
    return specs


# ---------------------------------------------------------------- rendering with a cache


def _figure_key(spec: FigureSpec, lang: str) -> str:
    try:
        mpl = metadata.version("matplotlib")
    except metadata.PackageNotFoundError:
        mpl = "?"
    parts = [spec.name, lang, mpl, inspect.getsource(spec.draw), json.dumps(spec.inputs, sort_keys=True),
             json.dumps(spec.size), json.dumps(WORDS[lang], sort_keys=True, ensure_ascii=False)]
    parts += [inspect.getsource(fn) for fn in spec.depends]
    if spec.draw is draw_activation:
        parts.append(inspect.getsource(activation_values))
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def _draw_svg(spec: FigureSpec, lang: str, target) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import koreanize_matplotlib  # noqa: F401  (sets NanumGothic, so Hangul renders)
    from matplotlib.figure import Figure

    fig = Figure(figsize=spec.size, layout="constrained")
    spec.draw(fig, spec.inputs, lang)
    with matplotlib.rc_context({"svg.hashsalt": "lecturegen", "svg.fonttype": "path"}):
        fig.savefig(target, format="svg", metadata={"Date": None})


def render_figures(specs: list[FigureSpec], lang: str, out_dir: Path, cache_dir: Path) -> list[RenderedFigure]:
    """Write each figure as ``out_dir/figures/NAME.svg``, drawing only those not cached."""
    figures_dir = out_dir / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    store = cache_dir / "figures"
    store.mkdir(parents=True, exist_ok=True)
    rendered = []
    for spec in specs:
        cached = store / f"{_figure_key(spec, lang)}.svg"
        svg = blobs.load(cached)  # checksummed: a damaged SVG is drawn again, never copied
        if svg is None:
            log.debug("drawing figure %s", spec.name)
            buffer = io.BytesIO()
            _draw_svg(spec, lang, buffer)
            svg = buffer.getvalue()
            blobs.store(cached, svg)
        (figures_dir / f"{spec.name}.svg").write_bytes(svg)
        rendered.append(RenderedFigure(spec.name, f"figures/{spec.name}.svg", spec.alt[lang]))
    return rendered
