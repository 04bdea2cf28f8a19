"""Tabular data sources: a table a package ships (scikit-learn's bundled data sets) and a course's
own CSV file. Both split the rows with scikit-learn's ``train_test_split`` and a fixed seed, the
same call the students' loading code makes, so the build trains on exactly the rows they load.

A CSV is fingerprinted by its bytes and by the columns and split the chapter chose (the rows are
counted, not parsed); it is read bounded (at most :data:`MAX_TABLE_BYTES`) and checked: a
malformed row, a missing column, an empty or non-numeric value is a one-line error naming the
file, the row (as a spreadsheet numbers it: the header is row 1) and the column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from pathlib import Path
from typing import Callable

from lecturegen.core.datasource import TableData
from lecturegen.engine.data import Arrays, DataSource, Dataset, Fingerprint
from lecturegen.errors import DataError
from lecturegen.messages import say
from lecturegen.safefs import is_special

MAX_TABLE_BYTES = 256 << 20  # a CSV larger than this is refused before it is read
MIN_ROWS = 10


def split_sizes(rows: int, test_fraction: float) -> tuple[int, int]:
    """The train and test sizes ``train_test_split(test_size=test_fraction)`` gives ``rows`` rows."""
    test = math.ceil(test_fraction * rows)
    return rows - test, test


def _split(x, y, test_fraction: float, seed: int) -> Arrays:
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test_fraction, random_state=seed)
    return Arrays(x_train, y_train, x_test, y_test)


class TableSource(DataSource):
    """What both tabular sources share: the task, the split, the preparation students see."""

    inputs = ("table",)

    def __init__(self, task: str, test_fraction: float = 0.2, seed: int = 0) -> None:
        self.task, self.test_fraction, self.seed = task, float(test_fraction), int(seed)
        self.labels = ("value",) if task == "regression" else ("binary",)

    def prepare_function(self) -> Callable:
        from lecturegen.engine.prep import prepare_table

        return prepare_table

    def prepare(self, arrays: Arrays, inputs: str, labels: str, max_train: int | None, max_test: int | None):
        from lecturegen.engine.prep import prepare_rows

        return prepare_rows(arrays, max_train, max_test)

    def data_name(self, inputs: str, labels: str) -> str:
        return "data"

    def prepare_call(self, inputs: str, labels: str) -> str:
        return "data = prepare_table(x_train, y_train, x_test, y_test)\n"

    def _split_code(self, profile, fp: Fingerprint) -> list[str]:
        lines = [f"x_train, x_test, y_train, y_test = train_test_split(x, y, test_size={self.test_fraction:g}, "
                 f"random_state={self.seed})"]
        if profile.max_train and profile.max_train < fp.train_size:
            lines.append(f"x_train, y_train = x_train[:{profile.max_train}], y_train[:{profile.max_train}]")
        if profile.max_test and profile.max_test < fp.test_size:
            lines.append(f"x_test, y_test = x_test[:{profile.max_test}], y_test[:{profile.max_test}]")
        return lines


# ---------------------------------------------------------------- scikit-learn's bundled tables


SKLEARN_TABLES = {
    # name: (loader function, keyword arguments, task, rows, feature names, class names, files under sklearn/datasets/data)
    "diabetes": ("load_diabetes", {"scaled": False}, "regression", 442,
                 ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"), (),
                 ("diabetes_data_raw.csv.gz", "diabetes_target.csv.gz")),
    "breast_cancer": ("load_breast_cancer", {}, "binary", 569,
                      tuple(f"{kind} {what}" for kind in ("mean", "error", "worst") for what in (
                          "radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
                          "concave points", "symmetry", "fractal dimension")),
                      ("malignant", "benign"), ("breast_cancer.csv",)),
}


def _sklearn_feature_names(name: str, features: tuple[str, ...]) -> tuple[str, ...]:
    # breast_cancer names its error columns "radius error", not "error radius"
    if name != "breast_cancer":
        return features
    return tuple(f.split(" ", 1)[1] + " error" if f.startswith("error ") else f for f in features)


def table_source(declared: TableData) -> TableSource:
    """The source reading a chapter's declared table (``sklearn_data(...)``, ``csv_data(...)``)."""
    if declared.kind == "sklearn":
        return SklearnTable(declared.name, declared.test_fraction, declared.seed)
    return CsvTable(declared)


class SklearnTable(TableSource):
    """A table scikit-learn ships with its package (offline): ``sklearn_data("diabetes")``."""

    kind = "sklearn"

    def __init__(self, name: str, test_fraction: float = 0.2, seed: int = 0) -> None:
        if name not in SKLEARN_TABLES:
            raise ValueError(f"no bundled table {name!r}; choose from {', '.join(SKLEARN_TABLES)}")
        self.name = name
        self.function, self.kwargs, task, self.rows, features, self.classes, self.files = SKLEARN_TABLES[name]
        self.features = _sklearn_feature_names(name, features)
        super().__init__(task, test_fraction, seed)

    def identity(self) -> str:
        return f"sklearn:{self.name}:{self.test_fraction}:{self.seed}"

    def _files(self) -> list[Path]:
        try:
            import sklearn.datasets
        except ImportError:
            raise DataError(say("table_data.needs_sklearn", name=self.name)) from None
        folder = Path(sklearn.datasets.__file__).parent / "data"
        return [folder / f for f in self.files]

    def dataset(self, spec: str) -> Dataset:
        from lecturegen.engine.data import sha256_files

        files = self._files()
        digest = hashlib.sha256((sha256_files(files) + self.identity()).encode()).hexdigest()
        train, test = split_sizes(self.rows, self.test_fraction)
        fp = Fingerprint(source="sklearn", name=self.name, sha256=digest, train_size=train, test_size=test,
                         is_sample=False, loader="", task=self.task, features=self.features, target="target",
                         classes=self.classes, origin=f"sklearn.datasets.{self.function}")

        def load() -> Arrays:
            import numpy as np
            import sklearn.datasets

            x, y = getattr(sklearn.datasets, self.function)(return_X_y=True, **self.kwargs)
            return _split(np.asarray(x), np.asarray(y), self.test_fraction, self.seed)  # as the students' code loads it

        return Dataset(fp, load, checked=True, source=self)

    def load_code(self, fp: Fingerprint, profile) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.kwargs.items())
        lines = [f"from sklearn.datasets import {self.function}", "from sklearn.model_selection import train_test_split",
                 "", f"x, y = {self.function}(return_X_y=True{args})",
                 *self._split_code(profile, fp)]
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- a course's own CSV


class CsvTable(TableSource):
    """A course's own CSV file: ``csv_data("houses.csv", features=["rooms", "area"], target="price")``.
    A relative path is taken from the chapter module's folder."""

    kind = "csv"

    def __init__(self, declared: TableData) -> None:
        super().__init__(declared.task, declared.test_fraction, declared.seed)
        self.features, self.target, self.classes, self.name = (declared.features, declared.target, declared.classes,
                                                              declared.name)
        self.file = declared.file

    def identity(self) -> str:
        return json.dumps([str(self.file), self.features, self.target, self.task, self.test_fraction, self.seed])

    def _bytes(self) -> bytes:
        file = self.file
        if not file.is_file():
            if file.exists() and is_special(file):
                raise DataError(say("data.not_a_file", spec=file))
            raise DataError(say("table_data.no_file", file=file))
        size = file.stat().st_size
        if size > MAX_TABLE_BYTES:
            raise DataError(say("table_data.too_big", file=file.name, size=size, max=MAX_TABLE_BYTES >> 20))
        try:
            with open(file, "rb") as fh:
                raw = fh.read(MAX_TABLE_BYTES + 1)
        except OSError as exc:
            raise DataError(say("table_data.cannot_read", file=file.name, problem=exc.strerror or exc)) from None
        if len(raw) > MAX_TABLE_BYTES:
            raise DataError(say("table_data.too_big", file=file.name, size=len(raw), max=MAX_TABLE_BYTES >> 20))
        return raw

    def dataset(self, spec: str) -> Dataset:
        raw = self._bytes()
        selection = json.dumps([self.features, self.target, self.task, self.test_fraction, self.seed])
        digest = hashlib.sha256(hashlib.sha256(raw).hexdigest().encode() + selection.encode()).hexdigest()
        rows = sum(1 for line in raw.splitlines() if line.strip()) - 1  # counted, not parsed; the header is not a row
        if rows < MIN_ROWS:
            raise DataError(say("table_data.too_few_rows", file=self.file.name, rows=max(rows, 0), min=MIN_ROWS))
        train, test = split_sizes(rows, self.test_fraction)
        fp = Fingerprint(source="csv", name=self.name, sha256=digest, train_size=train, test_size=test, is_sample=False,
                         loader="", task=self.task, features=self.features, target=self.target,
                         classes=self.classes or (("0", "1") if self.task == "binary" else ()), origin=self.file.name)

        def load() -> Arrays:
            x, y = read_table(self.file.name, self._bytes(), self.features, self.target, self.task)
            if len(y) != rows:
                raise DataError(say("table_data.row_count", file=self.file.name, rows=len(y), lines=rows))
            return _split(x, y, self.test_fraction, self.seed)

        return Dataset(fp, load, checked=True, source=self)

    def load_code(self, fp: Fingerprint, profile) -> str:
        lines = ["import pandas as pd", "from sklearn.model_selection import train_test_split", "",
                 f"table = pd.read_csv({self.file.name!r})",
                 f"x = table[{list(self.features)!r}].to_numpy('float32')",
                 f"y = table[{self.target!r}].to_numpy('float32')",
                 *self._split_code(profile, fp)]
        return "\n".join(lines) + "\n"


def read_table(name: str, raw: bytes, features: tuple[str, ...], target: str, task: str):
    """The feature columns as float32 (rows, features) and the target as float32, from a CSV's bytes;
    any problem is one DataError naming the file, the row and the column."""
    import numpy as np

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise DataError(say("table_data.not_utf8", file=name, row=line)) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise DataError(say("table_data.no_header", file=name))
        header = [h.strip() for h in header]
        wanted = (*features, target)
        missing = [c for c in wanted if c not in header]
        if missing:
            raise DataError(say("table_data.no_column", file=name, column=missing[0], columns=", ".join(header)))
        where = [header.index(c) for c in wanted]
        values: list[list[float]] = []
        while True:
            start = reader.line_num + 1  # where the row begins: a quote left open runs to the end of the file
            fields = next(reader, None)
            if fields is None:
                break
            if not fields or not any(f.strip() for f in fields):
                continue
            row = reader.line_num
            if len(fields) != len(header):
                raise DataError(say("table_data.field_count", file=name, row=row, n=len(fields), expected=len(header)))
            numbers = []
            for column, i in zip(wanted, where):
                text_value = fields[i].strip()
                if not text_value:
                    raise DataError(say("table_data.empty_value", file=name, row=row, column=column))
                try:
                    number = float(text_value)
                except ValueError:
                    raise DataError(say("table_data.not_a_number", file=name, row=row, column=column,
                                        value=text_value[:40])) from None
                if not math.isfinite(number):
                    raise DataError(say("table_data.not_finite", file=name, row=row, column=column,
                                        value=text_value[:40]))
                if column == target and task == "binary" and number not in (0.0, 1.0):
                    raise DataError(say("table_data.not_binary", file=name, row=row, column=column,
                                        value=text_value[:40]))
                numbers.append(number)
            values.append(numbers)
    except csv.Error as exc:
        raise DataError(say("table_data.malformed", file=name, row=start, problem=exc)) from None
    table = np.asarray(values, dtype="float32").reshape(-1, len(features) + 1)
    return table[:, :-1], table[:, -1]
