"""ch4's measurements beyond the original lecture: the learning-rate grid (experiments on a subset),
what a run keeps to look inside the model (predictions), and the NumPy pictures of gradient descent
and the optimizers whose notes state what they show."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from lecturegen.chapter import experiment
from lecturegen.core.chapter import PROFILES

from test_content import CHAPTER, context, fabricated_run  # noqa: F401  (fabricated ch4 results)


@pytest.fixture(scope="module")
def runs():
    return {exp.name: fabricated_run(i, exp.name) for i, exp in enumerate(CHAPTER.experiments)}


# ---------------------------------------------------------------- subsets and predictions (library)


def test_an_experiment_limits_its_images_and_the_quick_profile_still_applies():
    exp = experiment(title={"en": "t"}, epochs=1, max_train=4000, max_test=2000)(lambda: None)
    assert exp.limits(PROFILES["full"]) == (4000, 2000)
    assert exp.limits(PROFILES["quick"]) == (2000, 500)  # the profile's smaller limits win
    plain = experiment(title={"en": "t"}, epochs=1)(lambda: None)
    assert plain.limits(PROFILES["full"]) == (None, None)
    assert "max_train" not in plain.hyper_parameters()  # an experiment without limits keeps its cache key
    assert exp.hyper_parameters()["max_train"] == 4000
    with pytest.raises(ValueError, match="max_train must be a positive number"):
        experiment(title={"en": "t"}, epochs=1, max_train=0)


def test_the_grid_runs_on_a_subset_and_relu_keeps_its_predictions():
    grid = CHAPTER.group("lr_grid")
    assert len(grid) == 7 and all(e.max_train == 4000 and e.max_test == 2000 for e in grid)
    assert CHAPTER.experiment("relu").predictions and CHAPTER.experiment("quickstart").predictions
    assert not CHAPTER.experiment("sigmoid").predictions


def test_the_report_keeps_the_numbers_of_the_predictions_not_the_pixels(runs):
    from lecturegen.report import build_report

    report = build_report(context(runs, "en"), {}, [])
    kept = report.data["runs"]["relu"]["predictions"]
    assert kept == {"initial_test_loss": runs["relu"].predictions["initial_test_loss"], "initial_test_accuracy": 0.0987,
                    "test_images": 50, "wrong": 8}
    assert "predictions" not in report.data["runs"]["sigmoid"]


@pytest.mark.slow
def test_a_run_keeps_its_predictions_and_trains_on_its_subset():
    """The real training path on a small synthetic data set: a subset, the untrained loss, the predictions."""
    from lecturegen.engine import train
    from lecturegen.engine.data import Arrays, Dataset, Fingerprint
    from lecturegen.engine.progress import LineReporter

    rng = np.random.default_rng(0)
    arrays = Arrays(rng.integers(0, 256, (300, 28, 28), dtype=np.uint8), np.arange(300, dtype=np.uint8) % 10,
                    rng.integers(0, 256, (2600, 28, 28), dtype=np.uint8), (np.arange(2600) % 10).astype(np.uint8))
    dataset = Dataset(Fingerprint("idx", "fashion-mnist", "2" * 64, 300, 2600, False), lambda: arrays)

    # more test images than one prediction batch: Keras' predict with many steps per call once kept only the first
    @experiment(title={"en": "tiny"}, epochs=1, max_train=200, max_test=2100, predictions=True)
    def tiny():
        from tensorflow import keras

        model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
        return model

    result = train.train(tiny, dataset, PROFILES["full"], 0, LineReporter(io.StringIO()))
    assert (result.train_size, result.test_size) == (200, 2100)
    p = result.predictions
    assert len(p["predicted"]) == len(p["true"]) == 2100 and p["true"][:3] == [0, 1, 2]
    assert abs(p["initial_test_loss"] - math.log(10)) < 1.5  # random weights: near uniform
    assert 0.0 <= p["initial_test_accuracy"] <= 1.0
    # class names come from the data source: these synthetic images are not Fashion-MNIST's own bytes
    assert len(p["classes"]["en"]) == 10 and p["classes"]["en"][0] in ("0", "T-shirt/top")
    wrong = sum(a != b for a, b in zip(p["predicted"], p["true"]))
    assert len(p["wrong"]) == min(8, wrong) and len(p["correct"]) == min(8, 2100 - wrong)
    example = (p["wrong"] or p["correct"])[0]
    assert example["shape"] == [28, 28] and len(example["pixels"]) == 784 and max(example["pixels"]) <= 255
    assert len(p["first"]["initial_probabilities"]) == 10 and abs(sum(p["first"]["probabilities"]) - 1) < 0.01


# ---------------------------------------------------------------- ch4's figures and helpers


def test_confusion_finds_the_most_frequent_mistake(runs):
    from lecturegen.chapters.ch4.insight import confusion, confusion_counts

    page = type("P", (), {"runs": runs, "lang": "en"})()
    c = confusion(page, "quickstart")
    assert c["wrong"] == 8 and c["total"] == 50 and c["count"] == 1  # eight different mistakes, once each
    assert (c["true"], c["predicted"]) == ("c9", "c2")  # a tie goes to the last pair
    matrix = confusion_counts(runs["quickstart"].predictions)
    assert sum(map(sum, matrix)) == 50 and sum(matrix[i][i] for i in range(10)) == 42


def test_the_lr_grid_figure_draws_every_run(runs):
    from lecturegen.engine.figures import chapter_figures

    spec = next(s for s in chapter_figures(CHAPTER, runs, False) if s.name == "lr_grid")
    drawn = [a for line in spec.inputs["lines"] for a in line["accuracy"]]
    budgets = [runs[n].iterations_per_epoch * runs[n].epochs for n in ("lr_0_001", "lr_0_001_x4")]
    grid = [runs[e.name].test_accuracy for e in CHAPTER.group("lr_grid")]
    if budgets[0] == budgets[1]:  # a profile that caps the epochs: one budget, so one line (the short runs)
        assert drawn == grid[:5] and [line["updates"] for line in spec.inputs["lines"]] == budgets[:1]
    else:
        assert drawn == grid and [line["updates"] for line in spec.inputs["lines"]] == budgets


@pytest.mark.parametrize("name", ["gradient_descent_steps", "optimizer_paths", "untrained_output",
                                  "prediction_gallery", "confusion_matrix", "lr_grid"])
def test_the_new_figures_draw(runs, name):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from lecturegen.engine.figures import chapter_figures

    spec = next(s for s in chapter_figures(CHAPTER, runs, True) if s.name == name)
    for lang in ("ko", "en"):
        fig = Figure(figsize=spec.size, layout="constrained")
        spec.draw(fig, spec.inputs, lang)
        assert fig.axes


def test_gradient_descent_as_the_notes_say():
    """The step figure's notes: eta 0.05 leaves about 0.85 of 3 after 12 steps, 0.4 converges, 1.05 diverges."""
    from lecturegen.chapters.ch4.foundations import plot_gradient_descent

    lines = {}

    class Recorder:
        def plot(self, ys, *args, label=""):
            lines[label] = np.asarray(ys)

        def __getattr__(self, name):
            return lambda *a, **k: None

    plot_gradient_descent(np, Recorder())
    assert lines["eta=0.05"][-1] == pytest.approx(3 * 0.9 ** 12) and round(lines["eta=0.05"][-1], 2) == 0.85
    assert abs(lines["eta=0.4"][-1]) < 1e-6
    assert abs(lines["eta=1.05"][-1]) > 3 and np.all(np.sign(lines["eta=1.05"][1::2]) < 0)


def test_optimizer_paths_as_the_notes_say():
    """What the path picture's notes state, checked on the paths the slide's code computes."""
    from lecturegen.chapters.ch4.foundations import plot_optimizer_paths, rules

    paths = {}

    class Recorder:
        def plot(self, xs, ys, *args, label=""):
            paths[label] = np.column_stack([xs, ys])

        def __getattr__(self, name):
            return lambda *a, **k: None

    plot_optimizer_paths(np, Recorder(), *rules())
    assert set(paths) == {"sgd", "momentum", "adagrad", "rmsprop", "adam"}
    dist = {name: float(np.hypot(*path[-1])) for name, path in paths.items()}
    assert abs(paths["sgd"][-1][1]) < 0.01 and paths["sgd"][-1][0] < -2  # in the valley, crawling along it
    assert paths["momentum"][:, 0].max() > 0.5  # overshoots past the minimum and swings back
    assert dist["adagrad"] == max(dist.values())  # the farthest from the minimum
    assert dist["rmsprop"] < dist["sgd"] and dist["adam"] < dist["sgd"]


def test_softmax_loss_snippet_prints_ln10(capsys):
    from lecturegen.chapters.ch4.foundations import softmax_loss

    softmax_loss(np)
    assert "2.3026" in capsys.readouterr().out
