"""What one training run produced, as plain data (no TensorFlow needed to read it)."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class LayerRow:
    name: str
    type: str
    output_shape: str
    params: int


@dataclass(frozen=True)
class ModelSummary:
    layers: tuple[LayerRow, ...]
    total_params: int
    trainable_params: int
    non_trainable_params: int

    def to_text(self) -> str:
        """A fixed-width table like ``model.summary()`` prints, built from the data."""
        head = ("Layer (type)", "Output Shape", "Param #")
        rows = [(f"{r.name} ({r.type})", r.output_shape, f"{r.params:,}") for r in self.layers]
        widths = [max(len(row[i]) for row in [head, *rows]) + 2 for i in range(3)]
        rule = "─" * sum(widths)
        fmt = lambda row: "".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()  # noqa: E731
        lines = [rule, fmt(head), rule, *map(fmt, rows), rule]
        lines += [
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class RunResult:
    experiment: str
    history: dict[str, list[float]]  # loss, accuracy, val_loss, val_accuracy per epoch
    test_loss: float
    test_accuracy: float | None  # None for a regression
    summary: ModelSummary
    epochs: int
    batch_size: int
    train_size: int
    test_size: int
    seed: int
    wall_time_s: float
    epoch_times_s: list[float]
    versions: dict[str, str]
    device: str
    optimizer: dict[str, Any]  # name and hyper-parameters, read from the compiled model
    loss: str
    # experiment(predictions=True): "initial_test_loss"/"initial_test_accuracy" (the untrained model),
    # "predicted"/"true" (a class per test image), "correct"/"wrong" (examples with "pixels", "probabilities")
    predictions: dict[str, Any] | None = None
    metrics: dict[str, float] = field(default_factory=dict)  # a table's task: each of its metrics (core.metrics)
    outputs: dict[str, list[float]] = field(default_factory=dict)  # a table's: y_true, predicted (first test rows)

    def __getattr__(self, name: str) -> Any:
        """``run.test_mae``: a metric of the run by its field name (``test_<metric>``)."""
        metrics = self.__dict__.get("metrics") or {}
        if name.startswith("test_") and name[5:] in metrics:
            return metrics[name[5:]]
        raise AttributeError(f"{type(self).__name__} has no {name!r}"
                             + (f"; metrics: {', '.join('test_' + m for m in metrics)}" if metrics else ""))

    def metric(self, name: str) -> float | None:
        """A metric's value (a classifier's ``accuracy`` from its evaluation); None when the run has none."""
        if name in self.metrics:
            return self.metrics[name]
        return self.test_accuracy if name == "accuracy" else None

    @property
    def iterations_per_epoch(self) -> int:
        return -(-self.train_size // self.batch_size)

    @property
    def params(self) -> int:
        return self.summary.total_params

    def to_dict(self) -> dict[str, Any]:
        # not dataclasses.asdict: it copies every nested list, and a run with predictions holds lists of
        # 10,000 items and images' pixels (a tenth of a second per report). The record is written out
        # or read, never changed inside, so it shares them with the result (as SeededResult.to_dict does)
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["summary"] = asdict(self.summary)
        for key in ("metrics", "outputs"):  # an MNIST-family run's record stays as it was
            if not data[key]:
                del data[key]
        data["iterations_per_epoch"] = self.iterations_per_epoch
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunResult":
        fields = dict(data)
        fields.pop("iterations_per_epoch", None)
        summary = dict(fields["summary"])
        summary["layers"] = tuple(LayerRow(**row) for row in summary["layers"])
        fields["summary"] = ModelSummary(**summary)
        return cls(**fields)


class Measured(float):
    """A mean over several seeds that remembers its spread: behaves as the mean in arithmetic,
    comparisons and JSON; the ``pct`` / ``fixed`` filters print it as ``95.19 % ± 0.21``."""

    values: tuple[float, ...]

    def __new__(cls, values: list[float] | tuple[float, ...]) -> "Measured":
        values = tuple(float(v) for v in values)
        obj = super().__new__(cls, statistics.fmean(values))
        obj.values = values
        return obj

    @property
    def sd(self) -> float:
        """Sample standard deviation (n - 1); 0 for a single value."""
        return statistics.stdev(self.values) if len(self.values) > 1 else 0.0

    @property
    def n(self) -> int:
        return len(self.values)

    def __reduce__(self):
        return (Measured, (self.values,))


def spread(value: Any) -> float | None:
    """The standard deviation carried by a :class:`Measured` value, else None."""
    return value.sd if isinstance(value, Measured) and value.n > 1 else None


@dataclass(frozen=True)
class SeededResult(RunResult):
    """One experiment trained with several seeds: the fields hold the means (test metrics as
    :class:`Measured`, history per epoch, times), ``per_seed`` the individual runs."""

    per_seed: tuple[RunResult, ...] = ()

    @property
    def seeds(self) -> list[int]:
        return [run.seed for run in self.per_seed]

    def to_dict(self) -> dict[str, Any]:
        first = self.per_seed[0].to_dict()
        data = {**first, "history": self.history, "test_loss": float(self.test_loss),
                "test_accuracy": None if self.test_accuracy is None else float(self.test_accuracy),
                "wall_time_s": self.wall_time_s,
                "epoch_times_s": self.epoch_times_s, "seed": self.seed}
        data["seeds"] = self.seeds
        data["test_accuracy_sd"] = None if self.test_accuracy is None else self.test_accuracy.sd
        data["test_loss_sd"] = self.test_loss.sd
        if self.metrics:
            data["metrics"] = {k: float(v) for k, v in self.metrics.items()}
            data["metrics_sd"] = {k: v.sd for k, v in self.metrics.items()}
        data["per_seed"] = [
            {"seed": r.seed, "test_accuracy": r.test_accuracy, "test_loss": r.test_loss,
             "wall_time_s": r.wall_time_s, "history": r.history, **({"metrics": r.metrics} if r.metrics else {})}
            for r in self.per_seed
        ]
        return data


def aggregate(results: list[RunResult]) -> RunResult:
    """One result per experiment: itself for a single seed, else the mean of the seeds' results."""
    if len(results) == 1:
        return results[0]
    first = results[0]
    mean = lambda values: statistics.fmean(values)  # noqa: E731
    history = {k: [mean(r.history[k][i] for r in results) for i in range(len(first.history[k]))] for k in first.history}
    epoch_times = [round(mean(r.epoch_times_s[i] for r in results), 3) for i in range(len(first.epoch_times_s))]
    base = asdict(first)
    base.update(
        history=history,
        test_loss=Measured([r.test_loss for r in results]),
        test_accuracy=None if first.test_accuracy is None else Measured([r.test_accuracy for r in results]),
        metrics={k: Measured([r.metrics[k] for r in results]) for k in first.metrics},
        wall_time_s=round(mean(r.wall_time_s for r in results), 3),
        epoch_times_s=epoch_times,
        summary=first.summary,
    )
    return SeededResult(**base, per_seed=tuple(results))
