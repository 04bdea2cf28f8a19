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
    """Scale pixels to [0, 1], flatten each image to one row for "flat" inputs, one-hot encode for
    "onehot" (as many classes as the labels use: the largest label + 1)."""
    import numpy as np

    classes = int(max(arrays.y_train.max(), arrays.y_test.max())) + 1

    def images(x: np.ndarray) -> np.ndarray:
        x = x.astype("float32") / 255.0
        return x.reshape(len(x), -1) if inputs == "flat" else x

    def targets(y: np.ndarray) -> np.ndarray:
        y = y.astype("int64")
        return np.eye(classes, dtype="float32")[y] if labels == "onehot" else y

    train, test = slice(0, max_train), slice(0, max_test)
    return Prepared(
        images(arrays.x_train[train]), targets(arrays.y_train[train]),
        images(arrays.x_test[test]), targets(arrays.y_test[test]),
    )
