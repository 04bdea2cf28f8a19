"""The orchestrator's stages in the fast tier: a tiny chapter built with canned results (no TensorFlow)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from canned import Factory
from helpers import make_idx_folder

from lecturegen.engine import BuildOptions, orchestrator
from lecturegen.engine.progress import LineReporter

SOURCE = '''from lecturegen.chapter import chapter, claim, experiment


@experiment(title={"ko": "작은 모델", "en": "Small model"}, epochs=3, batch_size=64, inputs="flat", labels="int")
def small():
    from tensorflow import keras

    return keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")])


@experiment(title={"ko": "다른 모델", "en": "Other model"}, epochs=2, inputs="flat", labels="int", seeds=2)
def other():
    from tensorflow import keras

    return keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")])


CHAPTER = chapter(id="mini", title={"ko": "작은 장", "en": "Mini chapter"}, experiments=[small, other], figures=[],
                  claims=[claim("learns", "small.test_accuracy > 0.5", ko="작은 모델이 배운다", en="The small model learns"),
                          claim("perfect", "small.test_accuracy > 0.99", ko="완벽하다", en="It is perfect")])
'''
CONTENT = "# {title}\n\n{{{{ runs.small.test_accuracy | pct }}}}, {{{{ dataset.name }}}}\n\n---\n\n{{{{ summary(\"small\") }}}}\n"


@pytest.fixture
def course(tmp_path) -> BuildOptions:
    folder = tmp_path / "chapters"
    (folder / "mini").mkdir(parents=True)
    (folder / "mini.py").write_text(SOURCE, encoding="utf-8")
    for lang, title in (("ko", "작은 장"), ("en", "Mini chapter")):
        (folder / "mini" / f"{lang}.md").write_text(CONTENT.format(title=title), encoding="utf-8")
    data = make_idx_folder(tmp_path / "idx", 300, 100)  # small: reading the 5,000-image sample takes seconds
    return BuildOptions("mini", tmp_path / "out", "quick", str(data), cache_dir=tmp_path / "cache",
                        chapters_dirs=(folder,))


def _build(opts: BuildOptions, factory: Factory, langs=("ko", "en"), log: io.StringIO | None = None):
    return orchestrator.build_course(opts, [opts.chapter], list(langs), LineReporter(log or io.StringIO()),
                                     executor=factory)


def test_the_stages_are_named_in_order():
    assert [s.__name__ for s in orchestrator.BUILD_STAGES] == ["validate", "resolve_data", "stage", "train", "each_target"]
    assert [s.__name__ for s in orchestrator.TARGET_STAGES] == [
        "claims", "unchanged_output", "figures", "render", "notebook", "report", "write_pages_and_assets"]


def test_a_build_trains_what_the_cache_lacks_once_for_every_language_then_reuses_it(course):
    factory = Factory()
    outcome = _build(course, factory)
    assert [o.out_dir.name for o in outcome.outcomes] == ["mini", "mini-en"] and not outcome.failures
    assert sorted(factory.trained) == ["other seed 0", "other seed 1", "small"]  # once, for both languages
    assert (outcome.trained, outcome.cached) == (3, 0)
    report = json.loads((course.out / "mini-en" / "report.json").read_text(encoding="utf-8"))
    assert report["runs"]["small"]["cache"]["status"] == "trained" and report["chapter"]["lang"] == "en"
    assert report["runs"]["other"]["seeds"] == [0, 1]  # an experiment that asks for two seeds gets their mean
    assert {"slides.html", "handout.html", "mini.ipynb", "report.json"} <= set(report["outputs"])
    for name in report["outputs"]:
        assert (course.out / "mini-en" / name).is_file(), name
    page = (course.out / "mini" / "slides.html").read_text(encoding="utf-8")
    small = outcome.outcomes[0].runs["small"]
    assert f"{small.test_accuracy * 100:.2f}" in page and "작은 장" in page

    again = Factory()
    outcome = _build(course, again)
    assert again.made == [] and (outcome.trained, outcome.cached) == (0, 3)  # no executor for a cached build
    report = json.loads((course.out / "mini" / "report.json").read_text(encoding="utf-8"))
    assert report["runs"]["small"]["cache"]["status"] == "cached"


def test_claims_are_evaluated_per_target_and_strict_keeps_the_previous_output(course):
    _build(course, Factory(), langs=["ko"])
    before = (course.out / "mini" / "report.json").read_bytes()
    outcome = _build(replace(course, strict=True), Factory(), langs=["ko", "en"])
    # the canned accuracy is below 99 %: "perfect" fails, so under --strict no target is written
    assert [folder.name for folder, _ in outcome.failures] == ["mini", "mini-en"] and outcome.outcomes == []
    assert "perfect" in str(outcome.failures[0][1])
    assert (course.out / "mini" / "report.json").read_bytes() == before
    assert not (course.out / "mini-en").exists()
    claims = json.loads(before)["claims"]
    assert {c["id"]: c["holds"] for c in claims} == {"learns": True, "perfect": False}


def test_a_failed_training_run_leaves_every_previous_output(course):
    _build(course, Factory())
    before = {p: p.read_bytes() for p in sorted(course.out.rglob("*")) if p.is_file()}
    with pytest.raises(Exception, match="canned failure"):
        _build(replace(course, force=True), Factory(fail="other"))
    assert {p: p.read_bytes() for p in sorted(course.out.rglob("*")) if p.is_file()} == before


def test_nothing_reads_the_working_folder_during_a_build(course, tmp_path, monkeypatch):
    """A broken lecturegen.toml in the working folder does not matter: the options carry the settings."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "lecturegen.toml").write_text("[course\nbroken", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "elsewhere")
    opts = replace(course, repository="acme/ai-course")
    _build(opts, Factory(), langs=["ko"])
    notebook = json.loads((course.out / "mini" / "mini.ipynb").read_text(encoding="utf-8"))
    link = "https://colab.research.google.com/github/acme/ai-course/blob/gh-pages/mini/mini.ipynb"
    assert link in "".join(notebook["cells"][0]["source"])


def test_a_bad_target_is_refused_before_anything_is_read(course):
    factory = Factory()
    with pytest.raises(Exception, match="fr"):
        _build(course, factory, langs=["ko", "fr"])
    assert factory.made == [] and not Path(course.out).exists() and not Path(course.cache_dir).exists()
