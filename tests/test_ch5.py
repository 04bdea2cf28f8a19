"""The second built-in chapter (a CNN against ch4's quickstart MLP) builds on the quick profile."""

from __future__ import annotations

import json

import pytest

from lecturegen.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ch5_build(quick_build, cache_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("ch5")
    code = main(["build", "ch5", "--profile", "quick", "--data", "sample", "--out", str(out),
                 "--cache-dir", str(cache_dir), "--quiet"])
    assert code == 0
    return out / "ch5"


def test_ch5_measures_both_models(ch5_build):
    report = json.loads((ch5_build / "report.json").read_text())
    assert set(report["runs"]) == {"quickstart", "cnn"}
    params = {name: run["summary"]["total_params"] for name, run in report["runs"].items()}
    assert params == {"quickstart": 101_770, "cnn": 34_826}
    cnn = report["runs"]["cnn"]
    assert [row["type"] for row in cnn["summary"]["layers"]][:3] == ["Reshape", "Conv2D", "MaxPooling2D"]
    assert cnn["hyper_parameters"]["epochs"] == report["runs"]["quickstart"]["hyper_parameters"]["epochs"]
    assert cnn["epochs"] == 2 and 0.0 < cnn["test_accuracy"] <= 1.0


def test_ch5_reproduces_ch4s_quickstart_number(ch5_build, quick_build):
    ch4 = json.loads((quick_build[0] / "report.json").read_text())["runs"]["quickstart"]
    ch5 = json.loads((ch5_build / "report.json").read_text())["runs"]["quickstart"]
    assert ch5["cache"]["status"] == "trained"  # its own run, not ch4's cache entry
    assert ch5["test_accuracy"] == pytest.approx(ch4["test_accuracy"], abs=1e-6)


def test_ch5_pages_carry_the_comparison(ch5_build):
    report = json.loads((ch5_build / "report.json").read_text())
    cnn, mlp = report["runs"]["cnn"], report["runs"]["quickstart"]
    for page in ("slides.html", "handout.html"):
        text = (ch5_build / page).read_text()
        assert f"{cnn['test_accuracy'] * 100:.2f}\u00a0%" in text and f"{mlp['test_accuracy'] * 100:.2f}\u00a0%" in text
        assert "34,826" in text and "101,770" in text
        assert f"{mlp['summary']['total_params'] / cnn['summary']['total_params']:.1f}배" in text or page != "slides.html"
    figures = sorted(p.name for p in (ch5_build / "figures").iterdir())
    assert figures == ["accuracy_comparison.svg", "accuracy_vs_params.svg", "curves_cnn.svg", "curves_quickstart.svg"]
    assert "Conv2D" in (ch5_build / "ch5.ipynb").read_text()
