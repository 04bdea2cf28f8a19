"""The one place lecturegen reaches into Keras internals (engine/executors/cluster.py): a guard that
fails loudly when a Keras upgrade moves them, instead of Dask builds silently losing determinism."""

from __future__ import annotations

import random

import pytest

pytestmark = pytest.mark.slow  # imports Keras (TensorFlow)


def test_the_private_keras_generator_is_patched_and_survives_other_draws():
    import keras
    from keras.src.random import seed_generator

    from lecturegen.engine.executors import cluster

    assert cluster._private_keras_rng() is True, (
        "keras.src.random.seed_generator.python_random or keras.src.utils.rng_utils.random moved: "
        "find Keras's new way to seed layer initialisers and update engine/executors/cluster.py")

    def draws(noise: bool) -> list[int]:
        keras.utils.set_random_seed(7)
        if noise:  # what Dask's threads do while a task runs
            random.random(), random.randint(0, 10)
        return [seed_generator.make_default_seed() for _ in range(3)]

    assert draws(False) == draws(True)
