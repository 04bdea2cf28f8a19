"""Tabular data sources (issue 23): a course's own CSV and scikit-learn's bundled tables.

Fast: the CSV chapter's bad files fail in one line naming the file, the row and the column,
before TensorFlow is imported; the fingerprint follows the content; the split is train_test_split's.
Slow: the CSV chapter and ch6 build, report their metrics, and diff judges them per metric.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from helpers import cli, cli_env, run_cli

CHAPTER = Path(__file__).parent / "csv_chapter"


@pytest.fixture
def course(tmp_path):
    shutil.copytree(CHAPTER, tmp_path / "chapters")
    return tmp_path / "chapters"


def _build(course: Path, tmp_path: Path, *more: str):
    return run_cli("build", "growth", "--chapters-dir", str(course), "--profile", "quick", "--out", str(tmp_path / "out"),
                   "--cache-dir", str(tmp_path / "cache"), *more, timeout=120)


def _set_row(course: Path, row: int, text: str) -> None:
    """Replace line ``row`` (1 = the header) of plants.csv."""
    lines = (course / "plants.csv").read_text().splitlines()
    lines[row - 1] = text
    (course / "plants.csv").write_text("\n".join(lines) + "\n")


BAD_FILES = [
    (lambda c: _set_row(c, 5, "120,abc,6.1,9.0"), "plants.csv row 5, column 'sun_hours': 'abc' is not a number"),
    (lambda c: _set_row(c, 7, "120,5.5,,9.0"), "plants.csv row 7, column 'soil_ph': empty"),
    (lambda c: _set_row(c, 9, "120,5.5,6.1"), "plants.csv row 9: 3 fields, the header has 4"),
    (lambda c: _set_row(c, 1, "water_ml,sun,soil_ph,height_cm"), "plants.csv: no column 'sun_hours'"),
    (lambda c: _set_row(c, 4, "120,nan,6.1,9.0"), "plants.csv row 4, column 'sun_hours': 'nan' is not a finite number"),
    (lambda c: _set_row(c, 3, '120,"5.5,6.1,9.0'), "plants.csv row 3"),
    (lambda c: (c / "plants.csv").write_bytes(b"water_ml,sun_hours,soil_ph,height_cm\n" + b"1,2,3,\xff\n" * 20),
     "plants.csv row 2: not UTF-8 text"),
    (lambda c: (c / "plants.csv").write_text("water_ml,sun_hours,soil_ph,height_cm\n1,2,3,4\n"),
     "plants.csv: 1 data rows; a table needs at least 10"),
    (lambda c: (c / "plants.csv").unlink(), "plants.csv: no such file"),
]


@pytest.mark.parametrize("spoil, expected", BAD_FILES, ids=[e.split(":")[0] + str(i) for i, (_, e) in enumerate(BAD_FILES)])
def test_a_bad_csv_fails_in_one_line_naming_file_row_and_column(course, tmp_path, spoil, expected):
    spoil(course)
    # in this process (an escaping exception, a traceback, fails the test; TensorFlow is refused in
    # the fast tier): the same command line as _build without a Python start per bad file
    proc = cli("build", "growth", "--chapters-dir", str(course), "--profile", "quick", "--out", str(tmp_path / "out"),
               "--cache-dir", str(tmp_path / "cache"))
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert proc.returncode == 1, proc.stderr
    assert len(errors) == 1 and expected in errors[0], lines
    assert "Traceback" not in proc.stderr and not (tmp_path / "out" / "growth-en").exists()
    assert not any(line.startswith("[linear] epoch") for line in lines)  # the file is read and checked before anything trains


def test_the_fingerprint_follows_the_content_and_the_columns_chosen(course):
    from lecturegen.core.datasource import csv_table
    from lecturegen.engine.tabular import table_source

    def fingerprint(features=("water_ml", "sun_hours", "soil_ph")):
        declared = csv_table("plants.csv", list(features), "height_cm", "regression", 0.2, 0, None, (), course)
        return table_source(declared).dataset("auto").fingerprint

    first = fingerprint()
    assert first.train_size == 64 and first.test_size == 16 and first.task == "regression" and not first.is_sample
    assert fingerprint().sha256 == first.sha256
    assert fingerprint(("water_ml", "sun_hours")).sha256 != first.sha256
    _set_row(course, 2, "1,2,3,4")
    assert fingerprint().sha256 != first.sha256


def test_the_rows_are_the_ones_the_students_code_loads(course):
    """The build's split is pandas + train_test_split as on the slide: the same rows, the same values."""
    import pandas as pd
    from sklearn.model_selection import train_test_split

    from lecturegen.core.datasource import csv_table
    from lecturegen.engine.tabular import table_source

    features = ["water_ml", "sun_hours", "soil_ph"]
    source = table_source(csv_table("plants.csv", features, "height_cm", "regression", 0.2, 0, None, (), course))
    arrays = source.dataset("auto").arrays
    table = pd.read_csv(course / "plants.csv")
    x_train, x_test, y_train, y_test = train_test_split(table[features].to_numpy("float32"),
                                                        table["height_cm"].to_numpy("float32"),
                                                        test_size=0.2, random_state=0)
    assert np.array_equal(arrays.x_train, x_train) and np.array_equal(arrays.y_test, y_test)
    from lecturegen.core.chapter import PROFILES

    code = source.load_code(source.dataset("auto").fingerprint, PROFILES["full"])
    assert "pd.read_csv('plants.csv')" in code and "train_test_split(x, y, test_size=0.2, random_state=0)" in code


def test_a_chapter_declaring_a_table_refuses_what_does_not_fit():
    from lecturegen.chapter import chapter, csv_data, experiment, sklearn_data

    @experiment(title={"en": "t"}, epochs=1, inputs="flat", labels="onehot")
    def mnist_model():
        return None

    with pytest.raises(ValueError, match="asks for inputs='flat'"):
        chapter(id="t", title={"en": "t"}, experiments=[mnist_model], data=sklearn_data("diabetes"))
    @experiment(title={"en": "t"}, epochs=1)
    def table_model():
        return None

    assert chapter(id="t", title={"en": "t"}, experiments=[table_model], data=sklearn_data("diabetes")).experiments[0].inputs == "table"
    with pytest.raises(ValueError, match="do not fit a regression task"):
        chapter(id="t", title={"en": "t"}, experiments=[table_model], metrics=["accuracy"], data=sklearn_data("diabetes"))
    with pytest.raises(ValueError, match="no bundled table"):
        sklearn_data("iris_typo")
    with pytest.raises(ValueError, match="target must be one column"):
        csv_data("x.csv", features=["a"], target="a")


def test_diff_judges_each_metric_with_its_direction(tmp_path):
    """A regression report: MAE rising 10 % is 'worse' and past its 5 % tolerance; a schema-1 report still loads."""
    from lecturegen.diff import compare
    from lecturegen.report import Report

    def report(mae: float, schema: int = 2) -> Report:
        run = {"test_loss": 3000.0, "test_accuracy": None, "summary": {"total_params": 11}, "epochs": 1,
               "wall_time_s": 1.0, "metrics": {"mae": mae, "mse": 3000.0}}
        data = {"schema": schema, "chapter": {"id": "ch6", "title": "t", "lang": "en"},
                "provenance": {k: "x" for k in ("lecturegen", "tensorflow", "keras", "numpy", "python", "device",
                                                "dataset", "dataset_sha256", "profile", "build_date")}
                | {"sample_data": False, "seed": 0},
                "dataset": {}, "sample_data": False, "profile": "full", "runs": {"linear": run}, "claims": [],
                "task": "regression", "metrics": [{"name": "mae", "higher_is_better": False, "percent": False},
                                                   {"name": "mse", "higher_is_better": False, "percent": False}],
                "figures": [], "outputs": []}
        return Report.from_data(data)

    result = compare(report(40.0), report(44.0))
    change = result.experiments[0].metric_changes[0]
    assert change.metric == "mae" and change.worse and change.exceeds and result.failed
    assert not compare(report(40.0), report(41.0)).failed  # 2.5 %: within mae's 5 %
    assert not compare(report(40.0), report(44.0), tolerances={"mae": 0.2}).failed
    assert compare(report(44.0), report(40.0)).experiments[0].metric_changes[0].worse is False
    legacy = report(40.0).data | {"schema": 1}
    legacy.pop("task"), legacy.pop("metrics")
    old = Report.from_data(legacy)
    assert old.task == "multiclass" and old.metrics[0]["name"] == "accuracy"
    proc = run_cli("diff", str(tmp_path), str(tmp_path), "--metric-tolerance", "mae=x", env=cli_env())
    assert proc.returncode == 2 and "--metric-tolerance mae=x" in proc.stderr


@pytest.mark.slow
def test_the_csv_chapter_and_ch6_build_and_report_their_metrics(course, tmp_path):
    proc = _build(course, tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "out" / "growth-en" / "report.json").read_text())
    assert report["schema"] == 2 and report["task"] == "regression"
    assert [m["name"] for m in report["metrics"]] == ["mae", "mse"]
    assert report["runs"]["linear"]["metrics"]["mae"] > 0
    assert (tmp_path / "out" / "growth-en" / "figures" / "curves_linear.svg").is_file()
    proc = run_cli("build", "ch6", "--lang", "ko", "--lang", "en", "--profile", "quick", "--out", str(tmp_path / "out"),
                   "--cache-dir", str(tmp_path / "cache"), timeout=600)  # one process: each run trains once for both
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "ch6-en" / "slides.html").is_file()
    folder = tmp_path / "out" / "ch6"
    slides = (folder / "slides.html").read_text()
    assert "평균 절대 오차" in slides and "load_diabetes" in slides
    for name in ("predicted_vs_true", "mae_comparison", "curves_network"):
        assert (folder / "figures" / f"{name}.svg").is_file()
    nb = json.loads((folder / "ch6.ipynb").read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert any("show_errors(history, test_loss, predicted, data.y_test)" in c for c in code)
    assert any("load_diabetes(return_X_y=True, scaled=False)" in c for c in code)
    proc = run_cli("diff", str(folder), str(tmp_path / "out" / "ch6"), "--json", timeout=60)
    assert proc.returncode == 0, proc.stderr
