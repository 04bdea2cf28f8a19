"""The chapter's prose is driven by results: render ch4 from fabricated results, no training.

Every run gets distinctive numbers no template could contain by accident; each must show up in the
rendered slides and handout, in Korean and in English. Also: the six sections of the outline are
present in both outputs of both languages, and the side studies stay out of the main comparison.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from lecturegen import registry
from lecturegen.core.chapter import PROFILES
from lecturegen.engine.context import Helpers, RenderContext, fixed, mean, pct, seconds
from lecturegen.engine.apiprobe import request_key
from lecturegen.engine.data import Fingerprint
from lecturegen.core.claims import evaluate_all
from lecturegen.engine.figures import RenderedFigure, chapter_figures
from lecturegen.engine.render import render_markdown, render_page, split_slides
from lecturegen.core.results import LayerRow, ModelSummary, RunResult

CHAPTER = registry.get("ch4")
SECTIONS = {
    "ko": ("1. MNIST 손글씨 숫자 분류, 두 번째 이야기", "2. 신경망은 어떻게 배우는가", "3. 활성화 함수", "4. 옵티마이저",
           "5. 에포크, 배치 크기, 이터레이션", "6. MNIST 손글씨 숫자 분류, 세 번째 이야기"),
    "en": ("1. Classifying MNIST handwritten digits, part 2", "2. How a network learns", "3. Activation functions",
           "4. Optimizers", "5. Epochs, batch size, iterations", "6. Classifying MNIST handwritten digits, part 3"),
}
BATCH = {"full_batch": 54_321, "single_sample": 1, "mini_batch": 32}


def fabricated_run(index: int, name: str) -> RunResult:
    """A result with numbers unlike anything a template could hold: 0.1234xx accuracies and so on."""
    exp = CHAPTER.experiment(name)
    epochs = 4 if name == "quickstart" else 3
    base = 0.1234 + index * 0.0411
    history = {
        "accuracy": [round(base + 0.001 * e + 0.000017, 6) for e in range(epochs)],
        "loss": [round(2.2 - 0.1 * e - index * 0.0131, 6) for e in range(epochs)],
        "val_accuracy": [round(base + 0.002 * e + 0.000031, 6) for e in range(epochs)],
        "val_loss": [round(1.9 - 0.1 * e - index * 0.0173, 6) for e in range(epochs)],
    }
    total = 111_111 + 7 * index
    layers = (LayerRow("dense", "Dense", "(None, 128)", total - 1_290), LayerRow("dense_1", "Dense", "(None, 10)", 1_290))
    batch = BATCH.get(name, 32)
    train_size = 54_321
    return RunResult(
        experiment=name, history=history,
        test_loss=round(0.4321 + index * 0.0119, 6), test_accuracy=round(base + 0.0567, 6),
        summary=ModelSummary(layers, total, total, 0), epochs=epochs,
        batch_size=exp.batch_size_for(train_size) if exp.batch_size is None else batch,
        train_size=train_size, test_size=9_876, seed=0,
        wall_time_s=round(77.7 + index * 3.3, 3),
        epoch_times_s=[round(11.11 + index * 1.37 + 0.2 * e, 3) for e in range(epochs)],
        versions={"tensorflow": "9.9.9", "keras": "9.8.7", "numpy": "9.7.6"}, device="CPU",
        optimizer={"name": "SGD", "learning_rate": 0.0123 + index / 10_000}, loss="categorical_crossentropy",
        predictions=fabricated_predictions(index) if exp.predictions else None,
    )


def fabricated_predictions(index: int) -> dict:
    """What ``experiment(predictions=True)`` keeps, with numbers no template could hold."""
    true = [i % 10 for i in range(50)]
    predicted = [t if i % 7 else (t + 3) % 10 for i, t in enumerate(true)]  # 8 mistakes, each pair once
    example = lambda i: {"index": i, "true": true[i], "predicted": predicted[i], "shape": [2, 2],  # noqa: E731
                         "pixels": [0, 85, 170, 255], "probabilities": [0.1] * 10}
    return {"data_set": "Fabricated-MNIST", "classes": {"ko": [f"k{i}" for i in range(10)], "en": [f"c{i}" for i in range(10)]},
            "initial_test_loss": round(2.3111 + index / 10_000, 6), "initial_test_accuracy": 0.0987,
            "first": {**example(0), "initial_probabilities": [0.1] * 10},
            "predicted": predicted, "true": true,
            "correct": [example(i) for i in range(1, 7)], "wrong": [example(i) for i in range(0, 50, 7)]}


@pytest.fixture(scope="module")
def runs() -> dict[str, RunResult]:
    return {exp.name: fabricated_run(i, exp.name) for i, exp in enumerate(CHAPTER.experiments)}


# what the installed Keras does with the original lecture's Adam call (a build probes it in a child
# process that imports TensorFlow, see test_the_api_probe_asks_the_installed_keras): fabricated too
ADAM_CALL = {"lr": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": None, "decay": 0.0, "amsgrad": False}
PROBED = {name: {"in_signature": name != "lr" and name != "decay", "default": repr(0.4711), "accepted": True,
                 "updates": True, "warning": None} for name in ADAM_CALL}
PROBED["lr"] = {"in_signature": False, "default": None, "accepted": False, "error": "ValueError: fabricated-lr-4711"}
PROBED["epsilon"] = {**PROBED["epsilon"], "updates": False, "update_error": "TypeError: fabricated-epsilon-4712"}


def context(runs, lang: str) -> RenderContext:
    fp = Fingerprint("idx", "Fabricated-MNIST", "0" * 64, 54_321, 9_876, False)
    specs = chapter_figures(CHAPTER, runs, False)
    figures = {s.name: RenderedFigure(s.name, f"figures/{s.name}.svg", s.alt[lang]) for s in specs}
    prov = {"lecturegen": "0.0.0", "tensorflow": "9.9.9", "keras": "9.8.7", "numpy": "9.7.6", "python": "3.11",
            "device": "CPU", "dataset": fp.name, "dataset_sha256": fp.sha256, "sample_data": False, "seed": 0,
            "profile": "full", "build_date": "2099-01-01 00:00 UTC"}
    claims = tuple(evaluate_all(CHAPTER.claims, runs))
    probes = {request_key("Adam", ADAM_CALL): PROBED}
    return RenderContext(CHAPTER, lang, runs, figures, fp, PROFILES["full"], prov,
                         {"data_label": "fabricated", "api_probes": probes}, claims)


def expected_values(runs: dict[str, RunResult]) -> dict[str, list[str]]:
    """What the chapter must show for each run, formatted as the pages format it."""
    values: dict[str, list[str]] = {}
    for exp in CHAPTER.experiments:
        run = runs[exp.name]
        if exp.group == "main":
            shown = [pct(run.test_accuracy), fixed(run.test_loss), f"{run.params:,}"]
        elif exp.group == "relu_lr":
            shown = [pct(run.test_accuracy), f"{run.optimizer['learning_rate']:g}"]
        elif exp.group == "lr_grid":  # shown in the grid figure (test_the_lr_grid_figure_draws_every_run)
            shown = []
        elif exp.group == "width":
            shown = [f"{run.params:,}", seconds(run.wall_time_s), pct(run.test_accuracy)]
        elif exp.group == "optimizers":
            shown = [pct(run.test_accuracy), fixed(run.test_loss),
                     seconds(mean(run.epoch_times_s)), "learning_rate=" + f"{run.optimizer['learning_rate']:g}"]
        else:
            shown = [f"{run.batch_size:,}", f"{run.iterations_per_epoch:,}", seconds(mean(run.epoch_times_s)),
                     f"{run.iterations_per_epoch * run.epochs:,}", pct(run.test_accuracy)]
        values[exp.name] = shown
    relu = runs["relu"]
    values["relu"] += [fixed(relu.predictions["initial_test_loss"]), "2.3026"]  # the untrained loss and ln 10
    values["quickstart"] += ["8"]  # mistakes
    values["relu"] += [f"{relu.iterations_per_epoch:,}", f"{relu.iterations_per_epoch * relu.epochs:,}",
                       seconds(relu.wall_time_s), seconds(mean(relu.epoch_times_s)), f"{relu.train_size:,}"]
    values["quickstart"] += [fixed(a) for a in runs["quickstart"].history["accuracy"]]
    return values


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_measured_value_reaches_the_pages(runs, lang):
    ctx = context(runs, lang)
    slides = split_slides(render_markdown(ctx))
    for page in ("slides.html.j2", "handout.html.j2"):
        html = render_page(page, ctx, slides)
        # seconds read "12.7 s", or in Korean prose "12.7초"
        missing = {name: [v for v in shown if v not in html and v.replace("\xa0s", "초") not in html]
                   for name, shown in expected_values(runs).items()}
        assert not any(missing.values()), (page, missing)
        # the probed API table: the exception's name (with the page language's gloss) for students...
        assert "ValueError" in html and "TypeError" in html, page
    # ... and the installed Keras's own words on the instructor's pages
    notes = render_page("instructor.html.j2", ctx, slides, instructor=True)
    assert "fabricated-lr-4711" in notes and "fabricated-epsilon-4712" in notes


@pytest.mark.slow
def test_the_api_probe_asks_the_installed_keras(monkeypatch):
    """The probe behind that table, for real: a child process imports TensorFlow and calls Adam (the
    child even when this process has imported TensorFlow already, and nothing answered from memory)."""
    import sys
    from types import SimpleNamespace

    from lecturegen.engine import apiprobe

    monkeypatch.setattr(apiprobe, "sys", SimpleNamespace(modules={}, executable=sys.executable))
    monkeypatch.setattr(apiprobe, "_SEEN", {})
    rows = apiprobe.probe("Adam", ADAM_CALL)
    assert set(rows) == set(ADAM_CALL)
    assert rows["beta_1"]["in_signature"] and rows["beta_1"]["accepted"] and rows["beta_1"]["default"] == "0.9"
    assert not rows["lr"]["in_signature"]  # renamed learning_rate long ago


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_prose_follows_the_results(runs, lang):
    """Comparative sentences flip with the numbers: fabricate the opposite outcome and look."""
    ctx = context(runs, lang)
    text = render_markdown(ctx)
    best = max(CHAPTER.group("optimizers"), key=lambda e: runs[e.name].history["val_accuracy"][-1])
    assert f"{best.title[lang]}({pct(runs[best.name].history['val_accuracy'][-1])})" in text.replace(" (", "(")
    worse = dict(runs)
    sig, rel = runs["sigmoid"], runs["relu"]
    ahead = "**" + fixed((rel.test_accuracy - sig.test_accuracy) * 100, 2)  # the bold gap of section 1
    assert ahead in text
    worse["relu"] = dataclasses.replace(rel, test_accuracy=round(sig.test_accuracy - 0.0543, 6))
    flipped = render_markdown(context(worse, lang))
    behind = fixed((sig.test_accuracy - worse["relu"].test_accuracy) * 100, 2)
    assert behind in flipped and behind not in text and ahead not in flipped


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_six_sections_in_slides_and_handout(runs, lang):
    ctx = context(runs, lang)
    slides = split_slides(render_markdown(ctx))
    for page in ("slides.html.j2", "handout.html.j2"):
        html = render_page(page, ctx, slides)
        headings = re.findall(r"<h1>(.*?)</h1>", html)
        for section in SECTIONS[lang]:
            assert any(h.startswith(section) for h in headings), (page, section, headings)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_side_studies_stay_out_of_the_main_comparison(runs, lang):
    ctx = context(runs, lang)
    text = render_markdown(ctx)
    names = {e.name: e.display(lang) for e in CHAPTER.experiments}
    table = text[text.index(f"| {names['sigmoid']} |") - 300:]
    table = table[: table.index("\n\n", 300)]
    assert f"| {names['relu']} |" in table and f"| {names['quickstart']} |" in table
    assert f"| {names['opt_adam']} |" not in table and f"| {names['mini_batch']} |" not in table


def test_tables_show_display_names_not_identifiers(runs):
    """Students read labels in their language; identifiers stay in the code."""
    for lang in ("ko", "en"):
        ctx = context(runs, lang)
        ns = Helpers(ctx).namespace()
        tables = ns["results_table"]() + ns["optimizer_table"]() + ns["batching_table"]()
        for exp in CHAPTER.experiments:
            assert exp.label, f"{exp.name} has no display label"
            if exp.group not in ("main", "optimizers", "batching"):  # side runs told in prose, not tables
                continue
            assert f"| {exp.display(lang)} |" in tables
            assert f"`{exp.name}`" not in tables


def test_every_figure_and_formula_the_content_names_exists(runs):
    for lang in ("ko", "en"):
        text = render_markdown(context(runs, lang))
        assert text.count('<img class="math"') >= 12
        for exp in CHAPTER.experiments:  # every experiment's code is on a slide: in full, or the line that differs
            line = next((ln.strip().removeprefix("return ").removeprefix("optimizer=").rstrip(",")
                         for ln in exp.source.splitlines() if ln.strip().startswith(("return relu_network", "optimizer="))), "")
            assert f"def {exp.name}():" in text or f"`{line}`" in text, exp.name
        assert "def dense_network(units=128):" in text


def test_math_renders_offline_to_svg(tmp_path):
    from lecturegen.engine.maths import write_math

    path, height = write_math("\\sigma(x) = \\frac{1}{1+e^{-x}}", tmp_path, tmp_path / "cache")
    svg = (tmp_path / path).read_text()
    assert svg.lstrip().startswith("<?xml") and "<path" in svg and "<text" not in svg
    assert height and 1 < height < 3
    assert (tmp_path / "cache" / "math" / path.split("/")[-1]).is_file()
