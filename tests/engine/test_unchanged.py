"""A rebuild whose inputs did not change keeps the previous output as it is (engine/unchanged.py);
an edit of what a page is made from (prose, a template, a result, an option) renders again.
Fast tier: canned results (tests/engine/canned.py), no TensorFlow."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from canned import Factory
from helpers import make_idx_folder

from lecturegen.engine import BuildOptions, orchestrator
from lecturegen.engine.progress import LineReporter

SOURCE = '''from lecturegen.chapter import chapter, claim, experiment


@experiment(title={"ko": "작은 모델", "en": "Small model"}, epochs=2, batch_size=64, inputs="flat", labels="int")
def small():
    from tensorflow import keras

    return keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")])


CHAPTER = chapter(id="mini", title={"ko": "작은 장", "en": "Mini chapter"}, experiments=[small], figures=[],
                  claims=[claim("learns", "small.test_accuracy > 0.5", ko="작은 모델이 배운다", en="The small model learns")])
'''
CONTENT = "# 작은 장\n\n{{ runs.small.test_accuracy | pct }}\n\n---\n\n{{ summary(\"small\") }}\n"


@pytest.fixture
def course(tmp_path) -> BuildOptions:
    folder = tmp_path / "chapters"
    (folder / "mini").mkdir(parents=True)
    (folder / "mini.py").write_text(SOURCE, encoding="utf-8")
    (folder / "mini" / "ko.md").write_text(CONTENT, encoding="utf-8")
    data = make_idx_folder(tmp_path / "idx", 300, 100)
    return BuildOptions("mini", tmp_path / "out", "quick", str(data), cache_dir=tmp_path / "cache",
                        chapters_dirs=(folder,), lang="ko")


def _build(opts: BuildOptions, log: io.StringIO | None = None):
    outcome = orchestrator.build_course(opts, [opts.chapter], [opts.lang], LineReporter(log or io.StringIO()),
                                        executor=Factory())
    assert not outcome.failures, outcome.failures
    return outcome


def _state(folder):
    """Every file with its bytes and inode and mtime: an untouched folder keeps all three."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _pages_rendered(monkeypatch) -> list[str]:
    """The names of the targets the render stage ran for, from now on."""
    seen: list[str] = []
    real = orchestrator.render

    def counting(build, target):
        seen.append(target.final.name)
        real(build, target)

    monkeypatch.setattr(orchestrator, "TARGET_STAGES", tuple(counting if s is real else s for s in orchestrator.TARGET_STAGES))
    return seen


def test_a_rebuild_with_nothing_changed_leaves_the_output_untouched(course, monkeypatch):
    _build(course)  # trains (canned)
    first = _build(course)  # cached: the report says so, so this one renders
    folder = course.out / "mini"
    before = _state(folder)
    rendered = _pages_rendered(monkeypatch)
    again = _build(course)
    assert rendered == []  # nothing rendered, nothing written
    assert _state(folder) == before
    assert again.outcomes[0].files == first.outcomes[0].files and again.outcomes[0].claims == first.outcomes[0].claims
    assert not list(course.out.glob(".mini.tmp-*"))  # the staging folder is gone


def test_a_prose_edit_renders_again(course, monkeypatch):
    _build(course)
    _build(course)
    rendered = _pages_rendered(monkeypatch)
    content = course.chapters_dirs[0] / "mini" / "ko.md"
    content.write_text(content.read_text(encoding="utf-8") + "\n새로 덧붙인 문장입니다.\n", encoding="utf-8")
    _build(course)
    assert rendered == ["mini"]
    assert "새로 덧붙인 문장입니다." in (course.out / "mini" / "slides.html").read_text(encoding="utf-8")


def test_a_template_edit_renders_again(course, tmp_path, monkeypatch):
    from lecturegen.registry import package_templates_dir

    templates = tmp_path / "templates"
    templates.mkdir()
    layout = (package_templates_dir() / "handout.html.j2").read_text(encoding="utf-8")
    (templates / "handout.html.j2").write_text(layout, encoding="utf-8")
    opts = replace(course, templates_dirs=(templates,))
    _build(opts)
    _build(opts)
    rendered = _pages_rendered(monkeypatch)
    _build(opts)
    assert rendered == []
    (templates / "handout.html.j2").write_text(layout + "<!-- a line the instructor added -->\n", encoding="utf-8")
    _build(opts)
    assert rendered == ["mini"]
    assert "a line the instructor added" in (course.out / "mini" / "handout.html").read_text(encoding="utf-8")


def test_an_edited_or_added_output_file_is_made_again(course, monkeypatch):
    _build(course)
    _build(course)
    folder = course.out / "mini"
    good = (folder / "slides.html").read_bytes()
    (folder / "slides.html").write_text("edited by hand", encoding="utf-8")
    rendered = _pages_rendered(monkeypatch)
    _build(course)
    assert rendered == ["mini"] and (folder / "slides.html").read_bytes() == good
    _build(course)
    assert rendered == ["mini"]  # and unchanged again after that


def test_an_option_or_a_result_change_renders_again_and_force_always_does(course, monkeypatch):
    _build(course)
    _build(course)
    rendered = _pages_rendered(monkeypatch)
    _build(replace(course, repository="acme/course"))  # the notebook's Colab link changes
    assert rendered == ["mini"]
    notebook = json.loads((course.out / "mini" / "mini.ipynb").read_text(encoding="utf-8"))
    assert "acme/course" in "".join(notebook["cells"][0]["source"])
    _build(replace(course, repository="acme/course", force=True))
    assert rendered == ["mini", "mini"]
    _build(replace(course, repository="acme/course", seed=1))  # another seed: trained (canned), other numbers
    assert rendered == ["mini", "mini", "mini"]


def test_the_build_date_moves_only_when_something_changed(course, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _build(course)
    _build(course)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")  # a reproducible build asks for another date
    rendered = _pages_rendered(monkeypatch)
    _build(course)
    assert rendered == ["mini"]
    report = json.loads((course.out / "mini" / "report.json").read_text(encoding="utf-8"))
    assert report["provenance"]["build_date"].startswith("2027-01-15")


def test_a_kept_output_says_the_warnings_its_rendering_gave(course, monkeypatch):
    content = course.chapters_dirs[0] / "mini" / "ko.md"
    content.write_text(content.read_text(encoding="utf-8") + "\n:::{sidebar}\n옆에 둘 글\n:::\n", encoding="utf-8")
    _build(course)
    _build(course)
    rendered = _pages_rendered(monkeypatch)
    log = io.StringIO()
    _build(course, log)
    assert rendered == [] and "unknown directive {sidebar}" in log.getvalue()  # said again, nothing rendered
