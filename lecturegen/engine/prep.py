"""Turning raw images and labels into what an experiment's model takes.

:func:`prepare_data` is the code students see on the data slide and run in the notebook, and
the code every training run of the build goes through (:func:`prepare` only slices the arrays
for the quick profile first).
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lecturegen.engine.data import Arrays

Data = namedtuple("Data", "x_train y_train x_test y_test")


def prepare_data(x_train, y_train, x_test, y_test, inputs="flat", labels="onehot", classes=10):
    from tensorflow import keras

    x_train = x_train.astype("float32") / 255.0
    x_test = x_test.astype("float32") / 255.0
    if inputs == "flat":
        x_train = x_train.reshape(len(x_train), -1)
        x_test = x_test.reshape(len(x_test), -1)
    if labels == "onehot":
        y_train = keras.utils.to_categorical(y_train, classes)
        y_test = keras.utils.to_categorical(y_test, classes)
    return Data(x_train, y_train, x_test, y_test)


Prepared = Data  # the name the build used before


def prepare(arrays: Arrays, inputs: str, labels: str, max_train: int | None = None, max_test: int | None = None) -> Data:
    """The build's entry: the first ``max_train``/``max_test`` images (quick profile), then :func:`prepare_data`
    with as many classes as the labels use (the largest label + 1)."""
    classes = int(max(arrays.y_train.max(), arrays.y_test.max())) + 1
    train, test = slice(0, max_train), slice(0, max_test)
    return prepare_data(arrays.x_train[train], arrays.y_train[train], arrays.x_test[test], arrays.y_test[test],
                        inputs, labels, classes)


def load_with_keras(name: str = "mnist") -> Arrays:
    """What a build whose source is Keras trains on: ``keras.datasets.<name>.load_data()``, as on the slide."""
    from tensorflow import keras

    from lecturegen.engine.data import Arrays

    (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    return Arrays(x_train, y_train, x_test, y_test)


def prepare_table(x_train, y_train, x_test, y_test):
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std[std == 0] = 1.0
    x_train = ((x_train - mean) / std).astype("float32")
    x_test = ((x_test - mean) / std).astype("float32")
    return Data(x_train, y_train.astype("float32"), x_test, y_test.astype("float32"))


def prepare_rows(arrays: Arrays, max_train: int | None = None, max_test: int | None = None) -> Data:
    """The build's entry for a table: the first ``max_train``/``max_test`` rows (quick profile), then
    :func:`prepare_table`."""
    train, test = slice(0, max_train), slice(0, max_test)
    return prepare_table(arrays.x_train[train], arrays.y_train[train], arrays.x_test[test], arrays.y_test[test])
