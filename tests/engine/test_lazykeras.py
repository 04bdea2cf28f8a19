"""TensorFlow is imported without scikit-learn and matplotlib; Keras' wrappers and plotting helpers still
work when used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # imports TensorFlow (in a fresh interpreter)

PROBE = """
import json, sys
from lecturegen.engine.train import import_tensorflow
tf, keras = import_tensorflow()
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
before = "sklearn" in sys.modules
pyplot_before = "matplotlib.pyplot" in sys.modules
from keras.wrappers import SKLearnRegressor
from keras.visualization import plot_image_gallery
import sklearn.base
print(json.dumps({"sklearn_with_tensorflow": before, "pyplot_with_tensorflow": pyplot_before,
                  "gallery": plot_image_gallery.__module__, "pyplot_after": "matplotlib.pyplot" in sys.modules,
                  "classifier": issubclass(keras.wrappers.SKLearnClassifier, sklearn.base.ClassifierMixin),
                  "regressor": issubclass(SKLearnRegressor, sklearn.base.RegressorMixin),
                  "module": keras.wrappers.SKLearnClassifier.__module__}))
"""


def test_tensorflow_comes_without_scikit_learn_or_pyplot_and_keras_helpers_load_them_when_used():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=600, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"sklearn_with_tensorflow": False, "pyplot_with_tensorflow": False, "classifier": True,
                   "regressor": True, "gallery": "keras.src.visualization.plot_image_gallery", "pyplot_after": True,
                   "module": "keras.src.wrappers.sklearn_wrapper"}
