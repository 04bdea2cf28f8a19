"""TensorFlow is imported without scikit-learn and matplotlib; Keras' wrappers and plotting helpers still
work when used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


PROBE = """
import json, sys
from lecturegen.engine.train import import_tensorflow
tf, keras = import_tensorflow()
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
hidden = {name: name in sys.modules for name in ("pandas", "IPython")}
import pandas
frame = pandas.DataFrame({"a": [1]})  # imported as usual once TensorFlow is in
before = "sklearn" in sys.modules
pyplot_before = "matplotlib.pyplot" in sys.modules
from keras.wrappers import SKLearnRegressor
from keras.visualization import plot_image_gallery
import sklearn.base
print(json.dumps({"hidden_with_tensorflow": hidden, "pandas_after": type(frame).__module__,
                  "sklearn_with_tensorflow": before, "pyplot_with_tensorflow": pyplot_before,
                  "gallery": plot_image_gallery.__module__, "pyplot_after": "matplotlib.pyplot" in sys.modules,
                  "classifier": issubclass(keras.wrappers.SKLearnClassifier, sklearn.base.ClassifierMixin),
                  "regressor": issubclass(SKLearnRegressor, sklearn.base.RegressorMixin),
                  "module": keras.wrappers.SKLearnClassifier.__module__}))
"""


@pytest.mark.slow
def test_tensorflow_comes_without_scikit_learn_or_pyplot_and_keras_helpers_load_them_when_used():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=600, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"hidden_with_tensorflow": {"pandas": False, "IPython": False},
                   "pandas_after": "pandas", "sklearn_with_tensorflow": False, "pyplot_with_tensorflow": False, "classifier": True,
                   "regressor": True, "gallery": "keras.src.visualization.plot_image_gallery", "pyplot_after": True,
                   "module": "keras.src.wrappers.sklearn_wrapper"}


def test_unused_packages_look_absent_only_to_keras_and_only_while_tensorflow_is_imported(tmp_path, monkeypatch):
    """Inside: Keras' own ``import`` of a hidden package raises ImportError (which it catches); the same
    package imported by anyone else (a chapter module, another thread) loads; afterwards, and once Keras
    is imported, nothing is hidden (no TensorFlow: stand-in modules on a temporary path)."""
    from lecturegen import lazykeras

    for name in ("lg_hidden_a", "lg_hidden_b"):
        (tmp_path / f"{name}.py").write_text("VALUE = 1\n")
    for number, wanted in enumerate(("lg_hidden_a", "lg_hidden_a", "lg_hidden_b", "lg_hidden_b")):
        (tmp_path / f"lg_fake_keras_{number}.py").write_text(
            f"try:\n    import {wanted} as found\nexcept ImportError:\n    found = None\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(lazykeras, "UNUSED_BY_TRAINING", ("lg_hidden_a", "lg_hidden_b"))
    monkeypatch.setattr(lazykeras, "HIDDEN_FROM", ("lg_fake_keras_0", "lg_fake_keras_1", "lg_fake_keras_2",
                                                   "lg_fake_keras_3"))
    monkeypatch.delitem(sys.modules, "keras", raising=False)
    finders = list(sys.meta_path)
    try:
        with lazykeras.without_unused_packages():
            import lg_fake_keras_0

            assert lg_fake_keras_0.found is None  # hidden from "Keras"
            import lg_hidden_a  # a chapter module's import: loads

            assert lg_hidden_a.VALUE == 1
            import lg_fake_keras_1

            assert lg_fake_keras_1.found is lg_hidden_a  # imported before: Keras gets it too
        assert sys.meta_path == finders
        import lg_fake_keras_2  # after the block: nothing hidden

        assert lg_fake_keras_2.found is not None
        monkeypatch.setitem(sys.modules, "keras", object())  # Keras already imported: nothing to save
        monkeypatch.delitem(sys.modules, "lg_hidden_b")
        with lazykeras.without_unused_packages():
            import lg_fake_keras_3

            assert lg_fake_keras_3.found is not None
    finally:
        for name in [n for n in sys.modules if n.startswith(("lg_hidden_", "lg_fake_keras_"))]:
            del sys.modules[name]


WRAPPER_SNIPPET = """import sys
import keras

# (scikit-learn itself is preloaded: this snippet imports it)
assert "matplotlib.pyplot" not in sys.modules, "pyplot came with Keras"
assert "keras.src.wrappers.sklearn_wrapper" not in sys.modules, "the wrappers came with Keras"
from keras.wrappers import SKLearnClassifier
import sklearn.base

assert issubclass(SKLearnClassifier, sklearn.base.ClassifierMixin)
"""


@pytest.mark.slow
def test_check_workers_import_keras_without_its_helpers_and_a_snippet_still_uses_them(tmp_path):
    """`check` preloads TensorFlow in its worker the lazy way; a snippet using Keras' scikit-learn wrapper
    gets the real one, inside the sandbox."""
    from test_check import invoke

    (tmp_path / "wrappers.py").write_text(WRAPPER_SNIPPET, encoding="utf-8")
    result = invoke(tmp_path / "wrappers.py", "--json", "--timeout", "120")
    records = json.loads(result.stdout)
    assert [(r["verdict"], r["error_type"]) for r in records] == [("ok", None)], records
