"""Turning raw images and labels into what an experiment's model takes (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lecturegen.build.data import Arrays

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Prepared:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def prepare(arrays: Arrays, inputs: str, labels: str, max_train: int | None = None, max_test: int | None = None) -> Prepared:
    """Scale pixels to [0, 1], flatten to 784 values for "flat" inputs, one-hot encode for "onehot"."""
    import numpy as np


    def images(x: np.ndarray) -> np.ndarray:
        x = x.astype("float32") / 255.0
        return x.reshape(len(x), 784) if inputs == "flat" else x.reshape(len(x), 28, 28)

    def targets(y: np.ndarray) -> np.ndarray:
        y = y.astype("int64")
        return np.eye(10, dtype="float32")[y] if labels == "onehot" else y

    train, test = slice(0, max_train), slice(0, max_test)
    return Prepared(
        images(arrays.x_train[train]), targets(arrays.y_train[train]),
        images(arrays.x_test[test]), targets(arrays.y_test[test]),
    )
