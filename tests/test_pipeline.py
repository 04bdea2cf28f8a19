"""The whole pipeline on the quick profile: real Keras training on the offline sample."""

from __future__ import annotations

import json
import re

import html5lib
import nbformat
import pytest

pytestmark = pytest.mark.slow


def _pct(value: float) -> str:
    return f"{value * 100:.2f}\u00a0%"


def test_outputs_exist(quick_build):
    out, _ = quick_build
    for name in ("slides.html", "handout.html", "ch4.ipynb", "report.json",
                 "assets/reveal/reveal.js", "assets/reveal/reveal.css", "assets/reveal/plugin/notes.js",
                 "assets/fonts.css", "figures/accuracy_comparison.svg", "figures/activation_tanh.svg",
                 "figures/curves_relu.svg", "figures/activation_derivatives.svg", "figures/loss_comparison.svg",
                 "figures/optimizer_curves.svg", "figures/batching_comparison.svg"):
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name


def test_report_has_measured_results(quick_build):
    out, result = quick_build
    report = json.loads((out / "report.json").read_text())
    assert report["sample_data"] is True and report["dataset"]["source"] == "sample"
    main = {name: run for name, run in report["runs"].items() if run["group"] == "main"}
    assert set(main) == {"sigmoid", "relu", "quickstart"}
    params = {name: run["summary"]["total_params"] for name, run in main.items()}
    assert params == {"sigmoid": 134_794, "relu": 167_818, "quickstart": 101_770}
    groups = {run["group"] for run in report["runs"].values()}
    assert groups == {"main", "relu_lr", "lr_grid", "optimizers", "width", "batching"}
    batching = {name: (run["batch_size"], run["iterations_per_epoch"]) for name, run in report["runs"].items()
                if run["group"] == "batching"}
    train = report["runs"]["mini_batch"]["train_size"]
    assert batching == {"full_batch": (train, 1), "single_sample": (1, train), "mini_batch": (32, -(-train // 32))}
    optimizers = {run["optimizer"]["name"] for run in report["runs"].values() if run["group"] == "optimizers"}
    assert optimizers == {"SGD", "Adagrad", "RMSprop", "Adam"}
    assert report["runs"]["opt_momentum"]["optimizer"]["momentum"] == pytest.approx(0.9)
    for name, run in report["runs"].items():
        assert 0.0 <= run["test_accuracy"] <= 1.0
        assert len(run["history"]["val_accuracy"]) == run["epochs"] == (1 if name == "single_sample" else 2)
        # the number model.evaluate returned is the last validation accuracy on the same test set
        assert run["test_accuracy"] == pytest.approx(run["history"]["val_accuracy"][-1], abs=1e-6)
        assert run["versions"]["tensorflow"] and run["optimizer"]["name"]
    rows = {r["params"] for r in report["runs"]["sigmoid"]["summary"]["layers"]}
    assert {100_480, 16_512, 1_290} <= rows
    assert "test accuracy" in result.output


def test_same_numbers_in_every_output(quick_build):
    out, _ = quick_build
    report = json.loads((out / "report.json").read_text())
    slides = (out / "slides.html").read_text()
    handout = (out / "handout.html").read_text()
    notebook = (out / "ch4.ipynb").read_text()
    for name, run in report["runs"].items():
        assert _pct(run["test_accuracy"]) in slides, name
        assert _pct(run["test_accuracy"]) in handout, name
        # a notebook cell is one run: for a run over several seeds, seed 0's (the cell says so)
        printed = run["per_seed"][0]["test_accuracy"] if run.get("per_seed") else run["test_accuracy"]
        assert f"test accuracy {printed:.4f}" in notebook, name


def test_sample_label_on_every_output(quick_build):
    out, _ = quick_build
    assert "샘플 데이터" in (out / "slides.html").read_text()
    assert "샘플 데이터" in (out / "handout.html").read_text()
    nb = nbformat.read(out / "ch4.ipynb", as_version=4)
    assert nb.metadata["lecturegen"]["sample_data"] is True
    assert any("샘플 데이터" in cell.source for cell in nb.cells if cell.cell_type == "markdown")


def test_notebook_is_valid_and_carries_the_code_that_ran(quick_build):
    from lecturegen.chapters import ch4

    out, _ = quick_build
    nb = nbformat.read(out / "ch4.ipynb", as_version=4)
    nbformat.validate(nb)
    code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    for exp in ch4.CHAPTER.experiments:
        assert exp.source.strip() in code
    # the plain Keras calls a student writes, never the build's speed settings
    assert "history = model.fit(" in code and "model.evaluate(" in code and "steps_per_execution" not in code


def test_slides_show_the_chapter_module_source(quick_build):
    from lecturegen.chapters import ch4

    out, _ = quick_build
    slides = (out / "slides.html").read_text()
    text = re.sub(r"<[^>]+>", "", slides).replace("&quot;", '"').replace("&#39;", "'")
    assert "keras.optimizers.SGD(learning_rate=0.1)" in text
    for exp in ch4.CHAPTER.experiments:
        if exp.group in ("lr_grid", "optimizers"):  # shown as one function or one table for the group
            continue
        else:
            assert f"def {exp.name}():" in text


def test_pages_parse_and_stay_offline(quick_build):
    out, _ = quick_build
    for page in ("slides.html", "handout.html"):
        text = (out / page).read_text()
        html5lib.HTMLParser(strict=False).parse(text)
        refs = re.findall(r'(?:src|href)="([^"]+)"', text)
        assert refs, page
        for ref in refs:
            assert not re.match(r"[a-z]+://", ref), ref
            assert (out / ref.split("#")[0]).is_file(), ref
    for css in (out / "assets").rglob("*.css"):
        assert "http://" not in css.read_text() and "https://" not in css.read_text(), css


def test_speaker_notes_on_slides(quick_build):
    out, _ = quick_build
    slides = (out / "slides.html").read_text()
    assert slides.count('<aside class="notes">') >= 5
    assert "RevealNotes" in slides


def test_english_build_uses_cached_results(quick_build, cache_dir, runner, tmp_path):
    from lecturegen.chapters import ch4
    from lecturegen.cli import app

    result = runner.invoke(app, ["build", "ch4", "--profile", "quick", "--data", "sample", "--lang", "en",
                                 "--out", str(tmp_path), "--cache-dir", str(cache_dir), "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"trained 0, cached {len(ch4.CHAPTER.experiments)}" in result.output
    slides = (tmp_path / "ch4-en" / "slides.html").read_text()
    assert 'lang="en"' in slides and "sample data" in slides.lower()
