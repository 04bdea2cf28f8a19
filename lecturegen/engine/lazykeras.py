"""Keras' scikit-learn wrappers loaded on first use, not with TensorFlow.

``import tensorflow`` imports Keras, whose package imports ``keras.wrappers``, which imports all of
scikit-learn when it is installed (lecturegen installs it for its offline data sets): about 1 CPU
second of every TensorFlow import here (4.5-5.4 against 5.5-6.2 CPU s, measured in one run), paid by
every build that trains and every process that checks code, for wrappers that a lecture rarely uses.

:func:`defer_wrappers` puts a stand-in module for ``keras.wrappers`` in place before TensorFlow is
imported. The first time anything is looked up on it (``keras.wrappers.SKLearnClassifier``, or
``from keras.wrappers import ...``), the real module is imported, with scikit-learn, and answers:
code that uses the wrappers gets exactly what it would have got.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import types

NAME = "keras.wrappers"


class _Deferred(types.ModuleType):
    """``keras.wrappers`` until something is looked up on it; then the real module answers."""

    def __getattr__(self, attr: str):
        if attr.startswith("__"):  # the import system's questions (__path__, __file__, ...): no import
            raise AttributeError(attr)
        return getattr(_real(self), attr)

    def __dir__(self):
        return dir(_real(self))


def _real(stand_in: types.ModuleType) -> types.ModuleType:
    if sys.modules.get(NAME) is stand_in:
        del sys.modules[NAME]  # import the real module in its place
    return importlib.import_module(NAME)


def defer_wrappers() -> bool:
    """Put the stand-in in place, unless Keras or scikit-learn is already imported (then there is
    nothing to save) or Keras is not where the stand-in can name it. True when it is in place."""
    if "keras" in sys.modules or "sklearn" in sys.modules or NAME in sys.modules:
        return False
    try:
        keras_spec = importlib.util.find_spec("keras")  # finds the package without importing it
        if keras_spec is None or not keras_spec.submodule_search_locations:
            return False
        spec = importlib.machinery.PathFinder.find_spec(NAME, keras_spec.submodule_search_locations)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    stand_in = _Deferred(NAME)
    stand_in.__spec__ = spec
    stand_in.__file__ = spec.origin
    stand_in.__package__ = NAME
    stand_in.__path__ = list(spec.submodule_search_locations or [])
    sys.modules[NAME] = stand_in
    return True
