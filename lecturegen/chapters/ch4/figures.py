"""Chapter 4's own figure sets (``chapter(figures=[..., theory_figures, study_figures])``):
teaching figures beyond the original lecture, each computed, none drawn by hand.

- ``activation_derivatives``: sigmoid, tanh, ReLU and Leaky ReLU with their derivatives, and the
  largest factor a gradient can keep after passing n stacked layers (why sigmoid stacks vanish);
- ``loss_comparison``: MSE and cross-entropy as the predicted probability of the true class varies;
- ``optimizer_curves``: validation accuracy and loss per epoch of every optimizer run (measured);
- ``batching_comparison``: updates per epoch, time per epoch and test accuracy of batch GD,
  SGD (batch 1) and mini-batch GD after the same budget (measured).
"""

from __future__ import annotations

from lecturegen.chapter import FigureSpec, display_names
from lecturegen.chapters.ch4.activations import X_RANGE, activation_values

TEXT = {
    "ko": {
        "function": "함수", "derivative": "도함수", "depth": "쌓은 층 수 n",
        "bound": "n개 층을 지난 기울기의 최대 배율", "p_true": "정답 클래스의 예측 확률 p",
        "loss": "손실", "slope": "|손실의 기울기| (p에 대해)", "epoch": "에포크",
        "val_acc": "검증 정확도", "val_loss": "검증 손실", "batch": "배치 크기",
        "updates": "에포크당 업데이트 수 (로그 눈금)", "time": "에포크당 시간 (초)", "test_acc": "테스트 정확도 (%)",
        "elapsed": "걸린 시간 (초)", "same_epochs": "같은 에포크 수로", "same_time": "같은 시간으로",
        "updates_total": "총 업데이트 수 (로그 눈금)",
        "sample": "샘플 데이터", "ce": "교차 엔트로피  $-\\ln p$", "mse": "MSE  $(1-p)^2$",
    },
    "en": {
        "function": "function", "derivative": "derivative", "depth": "stacked layers n",
        "bound": "largest gradient factor after n layers", "p_true": "predicted probability of the true class p",
        "loss": "loss", "slope": "|slope of the loss| (w.r.t. p)", "epoch": "epoch",
        "val_acc": "validation accuracy", "val_loss": "validation loss", "batch": "batch size",
        "updates": "updates per epoch (log scale)", "time": "time per epoch (s)", "test_acc": "test accuracy (%)",
        "elapsed": "time spent (s)", "same_epochs": "at equal epochs", "same_time": "at equal time",
        "updates_total": "updates in total (log scale)",
        "sample": "sample data", "ce": "cross-entropy  $-\\ln p$", "mse": "MSE  $(1-p)^2$",
    },
}

DERIVED = ("sigmoid", "tanh", "relu", "leaky_relu")
LABELS = {  # legend names per language
    "ko": {"sigmoid": "시그모이드", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "Leaky ReLU (a = 0.1)"},
    "en": {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "Leaky ReLU (a = 0.1)"},
}


def _plain():
    """Log-axis tick labels as plain numbers (the default uses a minus sign NanumGothic lacks)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: f"{value:g}")


def _derivative(name: str, x):
    """Numerical derivative of the activation (central differences on the lecture's grid)."""
    import numpy as np

    h = 1e-4
    return (np.asarray(activation_values(name, x + h)) - np.asarray(activation_values(name, x - h))) / (2 * h)


def draw_derivatives(fig, inputs: dict, lang: str) -> None:
    import numpy as np

    t = TEXT[lang]
    x = np.arange(*X_RANGE)
    axes = fig.subplots(1, 3)
    names = LABELS.get(lang, LABELS["en"])
    for name in DERIVED:
        axes[0].plot(x, activation_values(name, x), label=names[name], linewidth=2)
        axes[1].plot(x, _derivative(name, x), label=names[name], linewidth=2)
    axes[0].set_title(t["function"])
    axes[1].set_title(t["derivative"])
    for ax in axes[:2]:
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
    # one legend for the two left panels, under the figure, so no curve is hidden behind it
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=len(DERIVED), frameon=False)
    depth = np.arange(1, inputs["max_depth"] + 1)
    # tanh, ReLU and Leaky ReLU all peak at slope 1, so their lines coincide: each entry names its
    # function, and each line has its own dash and hollow marker size, so all of them show
    styles = [("o", "-", 6), ("s", "--", 13), ("^", ":", 10), ("D", "-.", 6)]
    for name, (marker, dash, size) in zip(DERIVED, styles):
        peak = float(np.max(_derivative(name, x)))  # the largest slope anywhere on the grid
        axes[2].plot(depth, peak ** depth, marker=marker, linestyle=dash, markersize=size, fillstyle="none",
                     markeredgewidth=1.8, label=f"{names[name]}: ${peak:.2f}^n$")
    axes[2].set_yscale("log")
    axes[2].yaxis.set_major_formatter(_plain())
    axes[2].set_xlabel(t["depth"])
    axes[2].set_title(t["bound"])
    axes[2].grid(alpha=0.3)
    lowest = min(line.get_ydata().min() for line in axes[2].get_lines())
    axes[2].set_ylim(lowest ** 1.9, 3)  # room under the falling line for the legend: it hides no line
    axes[2].legend(loc="lower left")


def draw_losses(fig, inputs: dict, lang: str) -> None:
    import numpy as np

    t = TEXT[lang]
    p = np.linspace(inputs["p_min"], 1.0, 300)
    ax_loss, ax_slope = fig.subplots(1, 2)
    ax_loss.plot(p, -np.log(p), label=t["ce"], linewidth=2)
    ax_loss.plot(p, (1 - p) ** 2, label=t["mse"], linewidth=2)
    ax_slope.plot(p, 1 / p, label=t["ce"], linewidth=2)
    ax_slope.plot(p, 2 * (1 - p), label=t["mse"], linewidth=2)
    ax_slope.set_yscale("log")
    ax_slope.yaxis.set_major_formatter(_plain())
    ax_loss.set_title(t["loss"])
    ax_slope.set_title(t["slope"])
    for ax in (ax_loss, ax_slope):
        ax.set_xlabel(t["p_true"])
        ax.grid(alpha=0.3)
        ax.legend()


def draw_optimizers(fig, inputs: dict, lang: str) -> None:
    from matplotlib.ticker import MaxNLocator

    t = TEXT[lang]
    ax_acc, ax_loss = fig.subplots(1, 2)
    for run in inputs["runs"]:
        epochs = range(1, len(run["val_accuracy"]) + 1)
        ax_acc.plot(epochs, run["val_accuracy"], marker="o", label=run["name"][lang])
        ax_loss.plot(epochs, run["val_loss"], marker="o", label=run["name"][lang])
    for ax, title in ((ax_acc, t["val_acc"]), (ax_loss, t["val_loss"])):
        ax.set_title(title + (f" ({t['sample']})" if inputs["sample"] else ""))
        ax.set_xlabel(t["epoch"])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    # one legend under both panels: five entries inside a panel would cover its curves
    fig.legend(*ax_acc.get_legend_handles_labels(), loc="outside lower center", ncol=min(len(inputs["runs"]), 5),
               frameon=False)


def draw_batching(fig, inputs: dict, lang: str) -> None:
    """Validation accuracy per epoch (equal epochs) and against the time spent (equal time), and
    the total number of updates each way of batching made."""
    from matplotlib.ticker import MaxNLocator

    t = TEXT[lang]
    runs = inputs["runs"]
    colors = ["#8da0cb", "#fc8d62", "#66c2a5", "#e78ac3"]
    ax_epoch, ax_time, ax_updates = fig.subplots(1, 3)
    for run, color in zip(runs, colors):
        label = run["title"][lang]
        acc = [a * 100 for a in run["val_accuracy"]]
        elapsed = [sum(run["epoch_times"][: i + 1]) for i in range(len(run["epoch_times"]))]
        ax_epoch.plot(range(1, len(acc) + 1), acc, marker="o", color=color, label=label)
        ax_time.plot(elapsed, acc, marker="o", color=color, label=label)
    ax_epoch.set_xlabel(t["epoch"])
    ax_epoch.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_time.set_xlabel(t["elapsed"])
    for ax, title in ((ax_epoch, t["same_epochs"]), (ax_time, t["same_time"])):
        ax.set_title(title)
        ax.set_ylabel(t["val_acc"] + " (%)")
        ax.grid(alpha=0.3)
    handles, labels = ax_epoch.get_legend_handles_labels()
    ncol = len(labels) if sum(len(n) for n in labels) <= 60 else 1
    fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False)  # one legend, under the panels
    updates = [r["updates_per_epoch"] * len(r["val_accuracy"]) for r in runs]
    bars = ax_updates.bar(range(len(runs)), updates, color=colors[: len(runs)])
    ax_updates.bar_label(bars, labels=[f"{u:,}" for u in updates])
    ax_updates.set_xticks(range(len(runs)), [f"{r['batch_size']:,}" for r in runs])  # runs named in the legend
    ax_updates.set_xlabel(t["batch"])
    ax_updates.set_yscale("log")
    ax_updates.yaxis.set_major_formatter(_plain())
    ax_updates.set_title(t["updates_total"])
    ax_updates.margins(y=0.2)
    if inputs["sample"]:
        fig.suptitle(t["sample"])


def theory_figures(chapter, runs: dict, is_sample: bool) -> list[FigureSpec]:
    """Derivatives of the activations and MSE vs cross-entropy: computed from formulas, not results."""
    derivatives_alt = {
        "ko": "시그모이드, tanh, ReLU, Leaky ReLU와 그 도함수, 그리고 층을 쌓을수록 줄어드는 기울기의 최대 배율",
        "en": "Sigmoid, tanh, ReLU and Leaky ReLU with their derivatives, and the largest gradient factor "
              "left after n stacked layers",
    }
    losses_alt = {
        "ko": "정답 클래스의 예측 확률에 따른 MSE와 교차 엔트로피 손실, 그리고 그 기울기",
        "en": "MSE and cross-entropy loss, and their slopes, as the predicted probability of the true class varies",
    }
    return [
        FigureSpec("activation_derivatives", derivatives_alt, draw_derivatives, {"max_depth": 10},
                   size=(11, 4.2), depends=(_derivative, activation_values)),
        FigureSpec("loss_comparison", losses_alt, draw_losses, {"p_min": 0.01}, size=(10, 3.8)),
    ]


def study_figures(chapter, runs: dict, is_sample: bool) -> list[FigureSpec]:
    """The optimizer and batching side studies, drawn from this build's results."""
    specs = []
    optimizers = chapter.group("optimizers")
    if optimizers:
        inputs = {
            "runs": [{"name": display_names(e), "val_accuracy": runs[e.name].history["val_accuracy"],
                      "val_loss": runs[e.name].history["val_loss"]} for e in optimizers],
            "sample": is_sample,
        }
        alt = {"ko": "옵티마이저별 에포크당 검증 정확도와 검증 손실 (이번 실행)",
               "en": "Validation accuracy and loss per epoch for each optimizer (this run)"}
        specs.append(FigureSpec("optimizer_curves", alt, draw_optimizers, inputs, size=(10, 3.8)))
    batching = chapter.group("batching")
    if batching:
        rows = []
        for e in batching:
            run = runs[e.name]
            rows.append({"name": e.name, "title": display_names(e), "batch_size": run.batch_size,
                         "updates_per_epoch": run.iterations_per_epoch, "epoch_times": run.epoch_times_s,
                         "val_accuracy": run.history["val_accuracy"], "test_accuracy": run.test_accuracy})
        alt = {"ko": "배치 경사 하강법, SGD(배치 1), 미니배치(32)의 검증 정확도: 에포크에 따라, 걸린 시간에 따라, 그리고 총 업데이트 수",
               "en": "Batch GD, SGD (batch 1) and mini-batch (32): validation accuracy per epoch and against "
                     "the time spent, and the total number of updates"}
        specs.append(FigureSpec("batching_comparison", alt, draw_batching, {"runs": rows, "sample": is_sample},
                                size=(11, 3.8)))
    return specs
