"""Looking inside the models, from what their runs kept (``experiment(predictions=True)``), and the
learning-rate grid of section 1, drawn from this build's results:

- ``untrained_output``: the untrained ReLU network's ten output probabilities for one test image
  (about 1/10 each: loss ln 10 = 2.30) next to the trained network's;
- ``prediction_gallery``: test images with the predicted and the true class, right and wrong;
- ``confusion_matrix``: true class against predicted class over the whole test set;
- ``lr_grid``: test accuracy against the learning rate, after 10 epochs and after 4 times as many.

Content helpers: ``{% set c = confusion("quickstart") %}`` (the most frequent mistake) and
``{{ ln10 }}``-style numbers come from here too (``untrained``).
"""

from __future__ import annotations

import math

from lecturegen.chapter import FigureSpec, Page

LN10 = math.log(10)

TEXT = {
    "ko": {"untrained": "학습 전", "trained": "학습 후", "prob": "예측 확률", "class": "클래스", "image": "테스트 이미지",
           "true": "정답", "pred": "예측", "right": "맞힌 예", "wrong": "틀린 예", "true_axis": "정답 클래스",
           "pred_axis": "예측한 클래스", "lr": "학습률 η (로그 눈금)", "acc": "테스트 정확도 (%)", "chance": "찍기 (10 %)",
           "updates": "업데이트 {n:,}번", "grid_title": "ReLU 신경망, 훈련 이미지 {n:,}장", "sample": "샘플 데이터",
           "loss": "손실"},
    "en": {"untrained": "untrained", "trained": "trained", "prob": "predicted probability", "class": "class",
           "image": "test image", "true": "true", "pred": "predicted", "right": "right", "wrong": "wrong",
           "true_axis": "true class", "pred_axis": "predicted class", "lr": "learning rate η (log scale)",
           "acc": "test accuracy (%)", "chance": "guessing (10 %)", "updates": "{n:,} updates",
           "grid_title": "ReLU network, {n:,} training images", "sample": "sample data", "loss": "loss"},
}


def _words(lang: str) -> dict[str, str]:
    return TEXT.get(lang, TEXT["en"])


def class_names(predictions: dict) -> dict[str, list[str]]:
    """The class names per language kept with a run's predictions (digits for MNIST)."""
    names = predictions.get("classes") or {}
    return {lang: list(names.get(lang) or names.get("en") or map(str, range(10))) for lang in TEXT}


def _image(ax, example: dict) -> None:
    import numpy as np

    ax.imshow(np.asarray(example["pixels"]).reshape(example["shape"]), cmap="gray_r", vmin=0, vmax=255)
    ax.set_xticks([])
    ax.set_yticks([])


def draw_untrained(fig, inputs: dict, lang: str) -> None:
    t, names = _words(lang), inputs["names"][lang]
    first = inputs["first"]
    ax_img, ax_before, ax_after = fig.subplots(1, 3, width_ratios=[1, 2.2, 2.2])
    _image(ax_img, first)
    ax_img.set_title(f"{t['true']}: {names[first['true']]}")
    for ax, probs, loss, title in ((ax_before, first["initial_probabilities"], inputs["initial_loss"], t["untrained"]),
                                   (ax_after, first["probabilities"], inputs["final_loss"], t["trained"])):
        colors = ["#fc8d62" if i == first["true"] else "#8da0cb" for i in range(len(probs))]
        ax.bar(range(len(probs)), probs, color=colors)
        ax.axhline(0.1, color="gray", linestyle=":")
        ax.set_ylim(0, 1)
        ax.set_xticks(range(len(probs)), [str(i) for i in range(len(probs))])
        ax.set_xlabel(t["class"])
        ax.set_title(f"{title}: {t['loss']} {loss:.2f}")
        ax.grid(alpha=0.3, axis="y")
    ax_before.set_ylabel(t["prob"])


def draw_gallery(fig, inputs: dict, lang: str) -> None:
    t, names = _words(lang), inputs["names"][lang]
    rows = [("right", inputs["right"]), ("wrong", inputs["wrong"])]
    columns = max(len(examples) for _, examples in rows) or 1
    axes = fig.subplots(2, columns, squeeze=False)
    for r, (kind, examples) in enumerate(rows):
        for c in range(columns):
            ax = axes[r][c]
            if c >= len(examples):
                ax.axis("off")
                continue
            ex = examples[c]
            _image(ax, ex)
            color = "#1a7f37" if kind == "right" else "#c0392b"
            ax.set_title(f"{t['pred']}: {names[ex['predicted']]}\n{t['true']}: {names[ex['true']]}", color=color,
                         fontsize=13)
            for spine in ax.spines.values():
                spine.set_edgecolor(color)
                spine.set_linewidth(2)
        axes[r][0].set_ylabel(t[kind], fontsize=14)
    if inputs["sample"]:
        fig.suptitle(t["sample"])


def draw_confusion(fig, inputs: dict, lang: str) -> None:
    import numpy as np

    t, names = _words(lang), inputs["names"][lang]
    matrix = np.asarray(inputs["matrix"])
    ax = fig.add_subplot()
    ax.imshow(matrix, cmap="Blues")
    high = matrix.max() / 2
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            if matrix[i, j]:
                ax.text(j, i, f"{matrix[i, j]}", ha="center", va="center", fontsize=13,
                        color="white" if matrix[i, j] > high else "black")
    ticks = range(len(names))
    ax.set_xticks(ticks, names, rotation=40 if max(len(n) for n in names) > 2 else 0, ha="right"
                  if max(len(n) for n in names) > 2 else "center")
    ax.set_yticks(ticks, names)
    ax.set_xlabel(t["pred_axis"])
    ax.set_ylabel(t["true_axis"])
    if inputs["sample"]:
        ax.set_title(t["sample"])


def draw_lr_grid(fig, inputs: dict, lang: str) -> None:
    t = _words(lang)
    ax = fig.add_subplot()
    for k, (line, color, marker) in enumerate(zip(inputs["lines"], ("#8da0cb", "#fc8d62"), ("o", "s"))):
        ax.plot(line["lr"], [a * 100 for a in line["accuracy"]], marker=marker, color=color, markersize=9,
                label=t["updates"].format(n=line["updates"]))
        for lr, acc in zip(line["lr"], line["accuracy"]):  # the short runs' values under their points, the long above
            ax.annotate(f"{acc * 100:.1f}", (lr, acc * 100), textcoords="offset points", xytext=(0, -22 if k == 0 else 9),
                        ha="center", fontsize=13, color=color)
    ax.axhline(10, color="gray", linestyle=":", label=t["chance"])
    ax.set_xscale("log")
    ax.set_xticks(inputs["ticks"], [f"{lr:g}" for lr in inputs["ticks"]])
    ax.minorticks_off()
    ax.set_ylim(0, 108)
    ax.set_xlabel(t["lr"])
    ax.set_ylabel(t["acc"])
    title = t["grid_title"].format(n=inputs["train_size"])
    ax.set_title(title + (f" ({t['sample']})" if inputs["sample"] else ""))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")


def confusion_counts(predictions: dict) -> list[list[int]]:
    """Rows: true class; columns: predicted class; cells: how many test images."""
    size = max(max(predictions["true"]), max(predictions["predicted"])) + 1
    size = max(size, 10)
    matrix = [[0] * size for _ in range(size)]
    for true, predicted in zip(predictions["true"], predictions["predicted"]):
        matrix[true][predicted] += 1
    return matrix


GALLERY = 6  # right and wrong test images shown each


def insight_figures(chapter, runs: dict, is_sample: bool) -> list[FigureSpec]:
    specs = []
    relu, quick = runs.get("relu"), runs.get("quickstart")
    if relu is not None and relu.predictions:
        p = relu.predictions
        alt = {"ko": "학습 전과 학습 후 ReLU 신경망이 테스트 이미지 한 장에 내놓은 열 개 클래스의 확률",
               "en": "The ReLU network's ten class probabilities for one test image, before and after training"}
        specs.append(FigureSpec("untrained_output", alt, draw_untrained,
                                {"first": p["first"], "initial_loss": p["initial_test_loss"],
                                 "final_loss": relu.test_loss, "names": class_names(p)},
                                size=(11, 3.9)))
    if quick is not None and quick.predictions:
        p = quick.predictions
        names = class_names(p)
        alt = {"ko": "퀵스타트 모델이 맞힌 테스트 이미지와 틀린 테스트 이미지, 예측과 정답",
               "en": "Test images the quickstart model got right and wrong, with predicted and true class"}
        specs.append(FigureSpec("prediction_gallery", alt, draw_gallery,
                                {"right": p["correct"][:GALLERY], "wrong": p["wrong"][:GALLERY], "names": names,
                                 "sample": is_sample}, size=(11, 5.2)))
        alt = {"ko": "퀵스타트 모델의 혼동 행렬: 정답 클래스별로 어떤 클래스로 예측했는지 센 표",
               "en": "The quickstart model's confusion matrix: for each true class, how often each class was predicted"}
        specs.append(FigureSpec("confusion_matrix", alt, draw_confusion,
                                {"matrix": confusion_counts(p), "names": names, "sample": is_sample}, size=(8, 5.0)))
    return specs


def grid_figures(chapter, runs: dict, is_sample: bool, short=(), long=()) -> list[FigureSpec]:
    if not all(name in runs for name in (*short, *long)) or not short:
        return []

    def line(names):
        first = runs[names[0]]
        return {"lr": [runs[n].optimizer["learning_rate"] for n in names],
                "accuracy": [float(runs[n].test_accuracy) for n in names],
                "updates": first.iterations_per_epoch * first.epochs}

    lines = [line(short)] + ([line(long)] if long else [])
    if len(lines) == 2 and lines[1]["updates"] == lines[0]["updates"]:
        lines = lines[:1]  # a profile that caps the epochs (quick) leaves one budget: one line, not two alike
    alt = {"ko": "ReLU 신경망의 학습률별 테스트 정확도: 10 에포크 뒤와 그 네 배 뒤",
           "en": "The ReLU network's test accuracy for each learning rate: after 10 epochs and after four times as many"}
    inputs = {"lines": lines, "ticks": lines[0]["lr"], "train_size": runs[short[0]].train_size, "sample": is_sample}
    return [FigureSpec("lr_grid", alt, draw_lr_grid, inputs, size=(10, 4.6))]


# ---------------------------------------------------------------- content helpers


def confusion(page: Page, name: str) -> dict:
    """A run's most frequent mistake: ``true`` and ``predicted`` class names in the page's language,
    ``count``, and ``wrong`` (all mistakes) and ``total`` (test images)."""
    p = page.runs[name].predictions
    names = class_names(p)[page.lang]
    matrix = confusion_counts(p)
    count, true, predicted = max((matrix[i][j], i, j) for i in range(len(matrix)) for j in range(len(matrix)) if i != j)
    wrong = sum(t != q for t, q in zip(p["true"], p["predicted"]))
    return {"true": names[true], "predicted": names[predicted], "count": count, "wrong": wrong, "total": len(p["true"])}


def untrained(page: Page, name: str) -> dict:
    """The untrained model's test loss and accuracy (``loss``, ``accuracy``), and ``ln10``."""
    p = page.runs[name].predictions
    return {"loss": p["initial_test_loss"], "accuracy": p["initial_test_accuracy"], "ln10": LN10}


# ---------------------------------------------------------------- claims that read predictions


def untrained_near_ln10(runs) -> bool:
    return abs(runs["relu"].predictions["initial_test_loss"] - LN10) < 0.15


untrained_near_ln10.__name__ = "abs(relu untrained test loss - ln 10) < 0.15"


def relu_barely_learned(runs) -> bool:
    return runs["relu"].test_loss > 0.75 * runs["relu"].predictions["initial_test_loss"]


relu_barely_learned.__name__ = "relu.test_loss > 0.75 * relu untrained test loss"
