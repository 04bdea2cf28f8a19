"""Metrics a run reports, chosen by the chapter's task: what they are called, how they are shown,
which way is better, and how they are computed from the test set's true values and predictions.

A chapter declares its metrics (``chapter(metrics=["mae", "mse"])``) or takes its task's
defaults (:data:`TASK_METRICS`). Results tables, claims (``reg.test_mae < 50``), ``diff``, the
site's cards, the notebook and report.json all read them from here. No numpy at import: a cached
rebuild formats numbers without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

TASKS = ("multiclass", "binary", "regression")


@dataclass(frozen=True)
class Metric:
    name: str  # the run's field is test_<name>: test_accuracy, test_mae
    higher_is_better: bool
    percent: bool  # shown as a percentage (accuracy), else as a number with 4 significant decimals
    tolerance: float  # the change diff accepts by default: points for a percentage, else relative (0.05 = 5 %)
    compute: Callable[[Any, Any], float]  # (true values, predictions or scores) -> the value

    @property
    def field(self) -> str:
        return f"test_{self.name}"

    def show(self, value: float | None) -> str:
        """``95.19 %`` or ``43.2100``; ``–`` for no value."""
        if value is None:
            return "–"
        from lecturegen.core.formats import fixed, pct

        return pct(value) if self.percent else fixed(value)

    def change(self, old: float, new: float) -> float:
        """How far ``new`` moved from ``old``, in this metric's tolerance unit (points or relative)."""
        if self.percent:
            return (new - old) * 100
        return (new - old) / abs(old) if old else (0.0 if new == old else float("inf"))

    def worse(self, old: float, new: float) -> bool:
        return new < old if self.higher_is_better else new > old


def _accuracy(y, scores) -> float:
    import numpy as np

    scores = np.asarray(scores)
    if scores.ndim == 2 and scores.shape[1] > 1:
        predicted = scores.argmax(axis=1)
    else:
        predicted = (scores.reshape(-1) >= 0.5).astype(int)
    truth = np.asarray(y)
    truth = truth.argmax(axis=1) if truth.ndim == 2 and truth.shape[1] > 1 else truth.reshape(-1)
    return float((predicted == truth).mean())


def _auc(y, scores) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(_flat(y), _flat(scores)))


def _mae(y, predicted) -> float:
    from sklearn.metrics import mean_absolute_error

    return float(mean_absolute_error(_flat(y), _flat(predicted)))


def _mse(y, predicted) -> float:
    from sklearn.metrics import mean_squared_error

    return float(mean_squared_error(_flat(y), _flat(predicted)))


def _flat(values):
    import numpy as np

    return np.asarray(values, dtype="float64").reshape(-1)


METRICS = {
    "accuracy": Metric("accuracy", True, True, 1.0, _accuracy),
    "auc": Metric("auc", True, False, 0.02, _auc),
    "mae": Metric("mae", False, False, 0.05, _mae),
    "mse": Metric("mse", False, False, 0.10, _mse),
}
TASK_METRICS = {"multiclass": ("accuracy",), "binary": ("accuracy", "auc"), "regression": ("mae", "mse")}


def metric(name: str) -> Metric:
    return METRICS[name]


def check_metrics(task: str, names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The metrics a chapter of ``task`` may report; a ValueError names what is wrong."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, not {task!r}")
    names = tuple(names)
    unknown = [n for n in names if n not in METRICS]
    if unknown or not names:
        raise ValueError(f"metrics must be a non-empty list from {', '.join(METRICS)}; unknown: {unknown}")
    if task == "regression" and "accuracy" in names or task != "regression" and {"mae", "mse"} & set(names):
        raise ValueError(f"metrics {list(names)} do not fit a {task} task; its defaults are {list(TASK_METRICS[task])}")
    return names


def measure(names: tuple[str, ...], y_true, predicted) -> dict[str, float]:
    """Each metric of ``names`` on the test set."""
    return {name: METRICS[name].compute(y_true, predicted) for name in names}


def report_metrics(names) -> list[dict[str, Any]]:
    """What report.json says about each metric (schema 2)."""
    return [{"name": n, "higher_is_better": METRICS[n].higher_is_better, "percent": METRICS[n].percent}
            for n in names if n in METRICS]
