"""--seeds N: every experiment trained with N seeds, reported as mean ± sd, claims judged on the mean."""

from __future__ import annotations

import json
import statistics

import nbformat
import pytest

pytestmark = pytest.mark.slow


def test_seeds_report_mean_sd_and_every_seed(quick_build, seeds_build):
    single = json.loads((quick_build[0] / "report.json").read_text())
    out, result = seeds_build
    report = json.loads((out / "report.json").read_text())
    assert report["provenance"]["seeds"] == [0, 1]
    for name, run in report["runs"].items():
        per_seed = run["per_seed"]
        assert [p["seed"] for p in per_seed] == run["seeds"] == [0, 1]
        accs = [p["test_accuracy"] for p in per_seed]
        first = (single["runs"][name].get("per_seed") or [single["runs"][name]])[0]
        assert accs[0] == first["test_accuracy"]  # seed 0 reused from the cache
        assert run["test_accuracy"] == pytest.approx(statistics.fmean(accs))
        assert run["test_accuracy_sd"] == pytest.approx(statistics.stdev(accs))
        assert run["test_loss_sd"] == pytest.approx(statistics.stdev(p["test_loss"] for p in per_seed))
        states = {p["seed"]: p["status"] for p in run["cache"]["per_seed"]}
        assert states[0] == "cached"
    assert "seed 1" in result.output


def test_seeds_show_spread_on_slides_and_in_claims(seeds_build):
    out, _ = seeds_build
    report = json.loads((out / "report.json").read_text())
    slides = (out / "slides.html").read_text()
    for run in (r for r in report["runs"].values() if r["group"] == "main"):
        shown = f"{run['test_accuracy'] * 100:.2f}\u00a0%\u00a0±\u00a0{run['test_accuracy_sd'] * 100:.2f}"
        assert shown in slides, shown
    rbs = next(c for c in report["claims"] if c["id"] == "relu-beats-sigmoid")
    relu, sigmoid = report["runs"]["relu"], report["runs"]["sigmoid"]
    assert rbs["holds"] == (relu["test_accuracy"] > sigmoid["test_accuracy"])  # judged on the means
    assert rbs["spread"]["relu.test_accuracy"] == pytest.approx(relu["test_accuracy_sd"])
    nb = nbformat.read(out / "ch4.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["lecturegen"]["seeds"] == [0, 1]
    assert any("± " in cell.source for cell in nb.cells if cell.cell_type == "markdown")


def test_single_seed_output_has_no_spread(quick_build):
    out, _ = quick_build
    report = json.loads((out / "report.json").read_text())
    from lecturegen.chapters import ch4

    assert "seeds" not in report["provenance"]
    asks = {exp.name: exp.seeds for exp in ch4.CHAPTER.experiments}  # a study may ask for more seeds itself
    for name, run in report["runs"].items():
        assert ("per_seed" in run) == ("per_seed" in run["cache"]) == (asks[name] > 1), name
    slides = (out / "slides.html").read_text()
    for run in (r for r in report["runs"].values() if r["group"] == "main"):
        assert f"{run['test_accuracy'] * 100:.2f}\u00a0%\u00a0±\u00a0" not in slides
