"""Keras' scikit-learn wrappers and image-plotting helpers loaded on first use, not with TensorFlow.

``import tensorflow`` imports Keras, whose package imports ``keras.wrappers`` (which imports all of
scikit-learn when it is installed: lecturegen installs it for its offline data sets) and
``keras.visualization`` (which imports ``matplotlib.pyplot``). Together about 1.4 CPU seconds of
every TensorFlow import here (measured in one run: sklearn 0.85 s; pyplot 0.3-0.5 s), paid by every
build that trains and every process that checks code, for helpers a lecture's training never uses.

:func:`defer_optional_helpers` puts stand-in modules for those packages in place before TensorFlow is
imported. The first time anything is looked up on one (``keras.wrappers.SKLearnClassifier``,
``from keras.visualization import plot_image_gallery``), the real module is imported, with
scikit-learn or matplotlib, and answers: code that uses them gets exactly what it would have got.

:func:`without_unused_packages` goes one step further for the processes that train: Keras looks for
pandas (to take data frames in ``fit``) and IPython (to show a weights file's HTML in a notebook) and
keeps what it found. A build hands ``fit`` NumPy arrays and shows nothing in a notebook, so it imports
TensorFlow with both hidden: 3.06 -> 2.62 s here (`bench/tf_import.py`).
They are hidden only from Keras' and TensorFlow's own imports, and only while TensorFlow is imported:
chapter code (or a thread) that imports pandas gets it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

DEFERRED = ("keras.wrappers", "keras.visualization", "keras.src.visualization")
"""The packages Keras imports eagerly that pull in scikit-learn or matplotlib."""


class _Deferred(types.ModuleType):
    """A package until something is looked up on it; then the real package answers."""

    def __getattr__(self, attr: str):
        if attr.startswith("__"):  # the import system's questions (__loader__, ...): no import
            raise AttributeError(attr)
        return getattr(_real(self), attr)

    def __dir__(self):
        return dir(_real(self))


def _real(stand_in: types.ModuleType) -> types.ModuleType:
    name = stand_in.__name__
    if sys.modules.get(name) is stand_in:
        del sys.modules[name]  # import the real package in its place
    return importlib.import_module(name)


def _spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """Where ``name`` is, found without importing it or its parents."""
    parts = name.split(".")
    spec = importlib.util.find_spec(parts[0])  # a top-level package is found, not imported
    for depth in range(2, len(parts) + 1):
        if spec is None or not spec.submodule_search_locations:
            return None
        spec = importlib.machinery.PathFinder.find_spec(".".join(parts[:depth]), spec.submodule_search_locations)
    return spec


def defer_optional_helpers() -> bool:
    """Put the stand-ins in place, unless Keras is already imported (then there is nothing to save) or
    they are not where this Keras keeps them. True when they are in place."""
    if "keras" in sys.modules or any(name in sys.modules for name in DEFERRED):
        return False
    try:
        specs = [_spec(name) for name in DEFERRED]
    except (ImportError, ValueError):
        return False
    if any(spec is None for spec in specs):
        return False
    for name, spec in zip(DEFERRED, specs):
        stand_in = _Deferred(name)
        stand_in.__spec__ = spec
        stand_in.__file__ = spec.origin
        stand_in.__package__ = name
        stand_in.__path__ = list(spec.submodule_search_locations or [])
        sys.modules[name] = stand_in
    return True


UNUSED_BY_TRAINING = ("pandas", "IPython")
"""What Keras imports when it can, for data frames in ``fit`` and HTML in a notebook: a build uses neither."""
HIDDEN_FROM = ("keras", "tensorflow")
"""The packages whose own imports of :data:`UNUSED_BY_TRAINING` find nothing while TensorFlow is imported."""
_IMPORT_MACHINERY = ("importlib._bootstrap", "importlib._bootstrap_external", "importlib")


class _HiddenFromKeras(importlib.abc.MetaPathFinder):
    """Answers "not installed" when a module of :data:`HIDDEN_FROM` imports a package of
    :data:`UNUSED_BY_TRAINING`; any other importer (another thread, a chapter module) is left to the
    usual finders."""

    def find_spec(self, name, path=None, target=None):
        if name not in UNUSED_BY_TRAINING:
            return None
        frame = sys._getframe(1)
        while frame is not None and frame.f_globals.get("__name__") in _IMPORT_MACHINERY:
            frame = frame.f_back
        importer = frame.f_globals.get("__name__", "") if frame is not None else ""
        if importer.partition(".")[0] in HIDDEN_FROM:
            raise ModuleNotFoundError(f"No module named {name!r} (not needed to train)", name=name)
        return None


@contextmanager
def without_unused_packages() -> Iterator[None]:
    """While TensorFlow is imported in a process that trains: the packages of :data:`UNUSED_BY_TRAINING`
    look absent to Keras and TensorFlow (their ``import pandas`` raises ImportError, which they catch),
    unless something imported them first. Only their imports: a chapter module or another thread that
    imports pandas meanwhile gets it. Nothing is hidden once Keras is imported, or after this block."""
    if "keras" in sys.modules:
        yield
        return
    finder = _HiddenFromKeras()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
