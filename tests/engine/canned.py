"""A fake executor: canned, deterministic results instead of training, so the orchestration
(planning, the cache, claims, figures, rendering, writing) runs in the fast tier without TensorFlow."""

from __future__ import annotations

import hashlib

from lecturegen.core.results import LayerRow, ModelSummary, RunResult
from lecturegen.engine.executors import Finished, RunSpec
from lecturegen.errors import TrainingError


def canned_result(spec: RunSpec, train_size: int, test_size: int) -> RunResult:
    """What a run of ``spec`` "produced": numbers derived from its name and seed, the same every time."""
    exp = spec.experiment
    epochs = spec.profile.epochs(exp)
    digest = hashlib.sha256(f"{exp.name}/{spec.seed}".encode()).digest()
    accuracy = 0.80 + digest[0] / 255 * 0.15  # 80 % .. 95 %
    history = {"loss": [1.0 / (e + 1) for e in range(epochs)], "accuracy": [accuracy - 0.01 * (epochs - e) for e in range(epochs)],
               "val_loss": [1.1 / (e + 1) for e in range(epochs)], "val_accuracy": [accuracy - 0.02 * (epochs - e) for e in range(epochs)]}
    summary = ModelSummary((LayerRow("dense", "Dense", "(None, 10)", 7850),), 7850, 7850, 0)
    train_used = min(train_size, spec.profile.max_train or train_size)
    return RunResult(exp.name, history, round(1 - accuracy, 4), round(accuracy, 4), summary, epochs,
                     exp.batch_size_for(train_used), train_used, min(test_size, spec.profile.max_test or test_size),
                     spec.seed, 1.5, [1.5 / epochs] * epochs, {"tensorflow": "canned", "keras": "canned"}, "CPU",
                     {"name": "adam", "learning_rate": 0.001}, "sparse_categorical_crossentropy")


class CannedExecutor:
    """Satisfies the engine's Executor protocol; records what it was asked to "train"."""

    name = "canned"

    def __init__(self, fail: str | None = None) -> None:
        self.trained: list[str] = []  # run labels, in the order given
        self.closed = False
        self.fail = fail  # an experiment whose run fails, as a training error would

    def execute(self, runs: list[RunSpec], dataset, reporter, on_result) -> None:
        fp = dataset.fingerprint
        for spec in runs:
            if spec.experiment.name == self.fail:
                raise TrainingError(f"{spec.label}: canned failure")
            self.trained.append(spec.label)
            on_result(Finished(spec, canned_result(spec, fp.train_size, fp.test_size), {"executor": "local"}))

    def close(self) -> None:
        self.closed = True


class Factory:
    """The ``executor`` argument of build_course: makes one CannedExecutor per call, and counts the calls."""

    def __init__(self, fail: str | None = None) -> None:
        self.made: list[CannedExecutor] = []
        self.fail = fail

    def __call__(self) -> CannedExecutor:
        self.made.append(CannedExecutor(self.fail))
        return self.made[-1]

    @property
    def trained(self) -> list[str]:
        return [label for executor in self.made for label in executor.trained]
