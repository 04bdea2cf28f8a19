"""What one training run produced, as plain data (no TensorFlow needed to read it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
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
    test_accuracy: float
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

    @property
    def iterations_per_epoch(self) -> int:
        return -(-self.train_size // self.batch_size)

    @property
    def params(self) -> int:
        return self.summary.total_params

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
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
