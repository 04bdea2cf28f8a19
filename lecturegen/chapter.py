"""The author API: everything a chapter module imports from lecturegen, and nothing else.

A chapter module (built-in ones included) writes ``from lecturegen.chapter import ...`` and
nothing from any other part of lecturegen; an import-linter contract in pyproject.toml checks
it. The names below are the whole interface (``__all__``); the rest of the package may change
between versions. See docs/authoring.md.

- declaring: :func:`chapter`, :func:`experiment`, :class:`Reference`, :func:`claim`, :func:`table`;
- own figures: :class:`FigureSpec` (a figure set is a function returning them, :data:`FigureSet`),
  :func:`display_names` (what a figure calls an experiment);
- own content helpers: :class:`Page` (their first argument), :data:`MAIN_GROUP`;
- numbers as pages write them: :func:`pct`, :func:`fixed`, :func:`num`, :func:`seconds`,
  :func:`mean`, :func:`short`, :func:`josa`; a mean over seeds carries its :func:`spread`;
- types for annotations: :class:`Chapter`, :class:`Experiment`, :class:`RunResult`, :class:`Table`.
"""

from __future__ import annotations

from typing import Any

from lecturegen import messages
from lecturegen.core.chapter import Chapter, Experiment, Reference, chapter, experiment
from lecturegen.core.claims import claim
from lecturegen.core.formats import fixed, josa, mean, num, pct, seconds, short
from lecturegen.core.plugins import MAIN_GROUP, FigureSet, FigureSpec, Page, Table, table
from lecturegen.core.datasource import csv_table as _csv_table, sklearn_table as _sklearn_table
from lecturegen.core.results import RunResult, spread

__all__ = [
    "Chapter", "Experiment", "FigureSet", "FigureSpec", "MAIN_GROUP", "Page", "Reference", "RunResult", "Table",
    "chapter", "claim", "csv_data", "display_names", "experiment", "fixed", "josa", "mean", "num", "pct", "seconds",
    "short", "sklearn_data", "spread", "table",
]


def display_names(exp: Any) -> dict[str, str]:
    """What a figure calls an experiment, per language (its label, never its identifier)."""
    return {lang: exp.display(lang) for lang in messages.languages()}


def sklearn_data(name: str, *, test_fraction: float = 0.2, seed: int = 0):
    """A table scikit-learn ships (offline): ``"diabetes"`` (regression: disease progression from ten
    measurements) or ``"breast_cancer"`` (binary), split into training and test rows with
    ``train_test_split(test_size=test_fraction, random_state=seed)``: ``chapter(data=sklearn_data("diabetes"))``."""
    return _sklearn_table(name, test_fraction, seed)


def csv_data(path: str, *, features: list[str], target: str, task: str = "regression", test_fraction: float = 0.2,
             seed: int = 0, name: str | None = None, classes: tuple[str, str] = ()):
    """A course's own CSV file: its ``features`` columns predict its ``target`` column (``task``:
    ``"regression"``, or ``"binary"`` with a 0/1 target and ``classes`` naming 0 and 1). A relative
    ``path`` is taken from the chapter module's folder: ``chapter(data=csv_data("houses.csv", ...))``."""
    import sys
    from pathlib import Path

    caller = sys._getframe(1).f_globals.get("__file__")
    base = Path(caller).resolve().parent if caller else None
    return _csv_table(path, features, target, task, test_fraction, seed, name, classes, base)
