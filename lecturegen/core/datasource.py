"""What a chapter declares about its data: a table (scikit-learn's bundled sets, a course's own CSV).

Part of the core: a declaration only. The engine reads it (:mod:`lecturegen.engine.tabular`):
fingerprint, bounded and checked reads, the loading code students see. A chapter that declares no
data trains on the MNIST family, chosen by ``--data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lecturegen.core.metrics import TASKS

SKLEARN_TABLES = ("diabetes", "breast_cancer")


@dataclass(frozen=True)
class TableData:
    kind: str  # "sklearn" or "csv"
    name: str  # a bundled table's name, or what the pages call the CSV
    task: str  # "regression" or "binary"
    path: Path | None = None  # a CSV: the file (absolute, or relative to base)
    base: Path | None = None  # a CSV: the chapter module's folder
    features: tuple[str, ...] = ()  # a CSV: the feature columns
    target: str = ""  # a CSV: the target column
    classes: tuple[str, ...] = ()  # a binary CSV: names of the labels 0 and 1
    test_fraction: float = 0.2
    seed: int = 0

    @property
    def file(self) -> Path | None:
        if self.path is None:
            return None
        return self.path if self.path.is_absolute() or self.base is None else self.base / self.path


def _check_split(test_fraction: float, seed: int) -> None:
    if not isinstance(test_fraction, (int, float)) or not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, not {test_fraction!r}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, not {seed!r}")


def sklearn_table(name: str, test_fraction: float = 0.2, seed: int = 0) -> TableData:
    if name not in SKLEARN_TABLES:
        raise ValueError(f"no bundled table {name!r}; choose from {', '.join(SKLEARN_TABLES)}")
    _check_split(test_fraction, seed)
    return TableData("sklearn", name, "regression" if name == "diabetes" else "binary",
                     test_fraction=float(test_fraction), seed=seed)


def csv_table(path: str | Path, features, target: str, task: str, test_fraction: float, seed: int,
              name: str | None, classes, base: Path | None) -> TableData:
    if task not in TASKS or task == "multiclass":
        raise ValueError(f"a table's task must be 'regression' or 'binary', not {task!r}")
    _check_split(test_fraction, seed)
    features = (features,) if isinstance(features, str) else tuple(features)
    if not features or not all(isinstance(f, str) and f for f in features):
        raise ValueError("features must be a non-empty list of column names")
    if len(set(features)) != len(features):
        raise ValueError(f"features repeat: {list(features)}")
    if not isinstance(target, str) or not target or target in features:
        raise ValueError(f"target must be one column name, not among the features, not {target!r}")
    classes = tuple(classes)
    if classes and (task != "binary" or len(classes) != 2):
        raise ValueError("classes are two names (for the labels 0 and 1) of a binary task")
    return TableData("csv", name or Path(path).stem, task, Path(path), base, features, target, classes,
                     float(test_fraction), seed)
