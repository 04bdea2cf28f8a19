"""Instructors' own chapters: scaffold, discovery (folders, lecturegen.toml, entry points), clashes."""

from __future__ import annotations

import json
import re
import shlex
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from lecturegen import registry
from lecturegen.chapter import chapter, claim, experiment, table
from lecturegen.cli import main


def _cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _scaffold(capsys, name: str, folder: Path) -> str:
    code, output = _cli(capsys, "new", name, "--dir", str(folder))
    assert code == 0, output
    return output


@pytest.mark.slow
def test_scaffolded_chapter_builds_unedited(capsys, tmp_path, cache_dir):
    course = tmp_path / "course"
    output = _scaffold(capsys, "ch7", course)
    assert {p.relative_to(course).as_posix() for p in course.rglob("*") if p.is_file()} == {
        "ch7.py", "ch7/ko.md", "ch7/en.md"}
    # run the very command `new` printed, plus the test's data, output and cache folders
    command = shlex.split(output.strip().splitlines()[-1].split(": ", 1)[1])
    assert command[:2] == ["lecturegen", "build"] and "--profile" in command
    out = tmp_path / "out"
    code, built = _cli(capsys, *command[1:], "--data", "sample", "--out", str(out),
                       "--cache-dir", str(cache_dir), "--quiet")
    assert code == 0, built
    folder = out / "ch7"
    for name in ("slides.html", "handout.html", "ch7.ipynb", "report.json", "figures/curves_baseline.svg"):
        assert (folder / name).is_file(), name
    report = json.loads((folder / "report.json").read_text())
    accuracy = report["runs"]["baseline"]["test_accuracy"]
    assert f"{accuracy * 100:.2f}\u00a0%" in (folder / "slides.html").read_text()
    assert f"{accuracy * 100:.2f}\u00a0%" in (folder / "handout.html").read_text()
    nb = nbformat.read(folder / "ch7.ipynb", as_version=4)
    nbformat.validate(nb)
    assert any("def baseline():" in cell.source for cell in nb.cells)
    assert not list((folder / "figures").glob("activation_*")), "ch7 did not ask for activation figures"


@pytest.mark.parametrize("name, needle", [("Ch-7", "lowercase"), ("7ch", "lowercase"), ("ch4", "already exists")])
def test_new_refuses_bad_or_taken_names(capsys, tmp_path, name, needle):
    code, output = _cli(capsys, "new", name, "--dir", str(tmp_path / "course"))
    assert code == 2 and needle in output and "Traceback" not in output
    assert len(output.strip().splitlines()) == 1, output
    assert not (tmp_path / "course").exists()


def test_new_never_overwrites(capsys, tmp_path):
    course = tmp_path / "course"
    (course / "ch7").mkdir(parents=True)
    (course / "ch7" / "ko.md").write_text("mine")
    code, output = _cli(capsys, "new", "ch7", "--dir", str(course))
    assert code == 2 and "already exists" in output and "ch7" in output
    assert (course / "ch7" / "ko.md").read_text() == "mine" and not (course / "ch7.py").exists()


def test_new_into_a_file_or_an_unwritable_folder_is_one_line_and_writes_nothing(capsys, tmp_path, monkeypatch):
    (tmp_path / "afile").write_text("mine")
    for target in (tmp_path / "afile", tmp_path / "afile" / "sub"):
        code, output = _cli(capsys, "new", "ch7", "--dir", str(target))
        assert code in (1, 2) and output.startswith("error: ") and "Traceback" not in output, output
        assert len(output.strip().splitlines()) == 1 and "--dir" in output, output
    assert (tmp_path / "afile").read_text() == "mine"
    real_open = open

    def read_only(path, mode="r", *args, **kwargs):  # the second file cannot be written (EACCES)
        if "x" in mode and str(path).endswith(".md"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", read_only)
    code, output = _cli(capsys, "new", "ch7", "--dir", str(tmp_path / "ro" / "course"))
    monkeypatch.undo()
    assert code == 1 and "cannot write the chapter into" in output and "Permission denied" in output, output
    assert not (tmp_path / "ro").exists(), "a failed 'new' left files behind"


def test_list_shows_folder_chapters_with_their_origin(capsys, tmp_path):
    _scaffold(capsys, "ch7", tmp_path / "course")
    (tmp_path / "course" / "_helpers.py").write_text("raise RuntimeError('helpers are not chapters')\n")
    code, output = _cli(capsys, "list", "--chapters-dir", str(tmp_path / "course"))
    assert code == 0, output
    rows = {line.split("\t")[0]: line.split("\t")[1] for line in output.strip().splitlines()}
    assert rows["ch4"] == "lecturegen.chapters.ch4" and rows["ch5"] == "lecturegen.chapters.ch5"
    assert rows["ch7"] == str((tmp_path / "course" / "ch7.py").resolve())
    chap = registry.get("ch7", [tmp_path / "course"])
    assert chap.content_dir == (tmp_path / "course" / "ch7").resolve()


def test_lecturegen_toml_adds_chapter_folders(capsys, tmp_path, monkeypatch):
    _scaffold(capsys, "ch8", tmp_path / "course" / "extra")
    (tmp_path / "lecturegen.toml").write_text('chapters_dirs = ["course/extra"]\n')
    monkeypatch.chdir(tmp_path)
    code, output = _cli(capsys, "list")
    assert code == 0 and "\nch8\t" in output, output


def test_bad_lecturegen_toml_is_one_line(capsys, tmp_path, monkeypatch):
    (tmp_path / "lecturegen.toml").write_text("chapters_dirs = [1, 2]\n")
    monkeypatch.chdir(tmp_path)
    code, output = _cli(capsys, "list")
    assert code == 2 and "lecturegen.toml" in output and "chapters_dirs" in output
    assert len(output.strip().splitlines()) == 1


def test_same_id_twice_names_both_places(capsys, tmp_path):
    course = tmp_path / "course"
    _scaffold(capsys, "mine", course)
    module = course / "mine.py"
    module.write_text(module.read_text().replace('id="mine"', 'id="ch4"'))
    code, output = _cli(capsys, "list", "--chapters-dir", str(course))
    assert code == 1 and "Traceback" not in output
    assert output.strip() == (f"error: chapter 'ch4' is defined twice: lecturegen.chapters.ch4 and "
                              f"{module.resolve()}; rename one")


def test_same_id_in_two_folders(capsys, tmp_path):
    _scaffold(capsys, "ch7", tmp_path / "a")
    _scaffold(capsys, "ch7", tmp_path / "b")
    code, output = _cli(capsys, "list", "--chapters-dir", str(tmp_path / "a"), "--chapters-dir", str(tmp_path / "b"))
    assert code == 1 and str((tmp_path / "a" / "ch7.py").resolve()) in output
    assert str((tmp_path / "b" / "ch7.py").resolve()) in output
    # the same folder given twice is one folder, not a clash
    code, output = _cli(capsys, "list", "--chapters-dir", str(tmp_path / "a"), "--chapters-dir", str(tmp_path / "a"))
    assert code == 0, output


@pytest.mark.parametrize("source, needle", [
    ("import os\n\nraise RuntimeError('boom')\n", "line 3 failed to import: RuntimeError: boom"),
    ("def broken(:\n", "line 1 failed to import: SyntaxError"),
    ("X = 1\n", "defines no CHAPTER = chapter(...)"),
    ("from lecturegen.chapter import chapter\nCHAPTER = chapter(id='Bad', title={}, experiments=[])\n",
     "line 2 failed to import: ValueError: chapter id 'Bad'"),
])
def test_broken_chapter_module_is_one_line_naming_the_file(capsys, tmp_path, source, needle):
    course = tmp_path / "course"
    course.mkdir()
    (course / "broken.py").write_text(source)
    code, output = _cli(capsys, "build", "ch4", "--chapters-dir", str(course), "--out", str(tmp_path / "o"))
    assert code == 1 and "Traceback" not in output
    assert len(output.strip().splitlines()) == 1, output
    assert str((course / "broken.py").resolve()) in output and needle in output, output
    assert not (tmp_path / "o").exists()


def test_missing_chapters_folder(capsys, tmp_path):
    code, output = _cli(capsys, "list", "--chapters-dir", str(tmp_path / "nope"))
    assert code == 2 and "does not exist" in output


def _distribution(site: Path, entry_points: str) -> None:
    """A real installed distribution (a dist-info folder), found by importlib.metadata on sys.path."""
    package = site / "mycourse"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "ch9.py").write_text(textwrap.dedent('''\
        from lecturegen.chapter import chapter, claim, experiment, table

        @experiment(title={"ko": "작은 모델", "en": "small"}, epochs=1, inputs="image", labels="int")
        def tiny():
            from tensorflow import keras
            return keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])

        CHAPTER = chapter(id="ch9", title={"ko": "9장", "en": "chapter 9"}, experiments=[tiny])
    '''))
    (package / "ch9").mkdir()
    (package / "ch9" / "ko.md").write_text("# {{ runs.tiny.test_accuracy | pct }}\n")
    info = site / "mycourse-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mycourse\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


@pytest.mark.parametrize("target", ["mycourse.ch9", "mycourse.ch9:CHAPTER"])
def test_entry_point_chapters(capsys, tmp_path, monkeypatch, target):
    site = tmp_path / "site"
    _distribution(site, f"[lecturegen.chapters]\nninth = {target}\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "mycourse", raising=False)
    monkeypatch.delitem(sys.modules, "mycourse.ch9", raising=False)
    code, output = _cli(capsys, "list")
    assert code == 0, output
    rows = {line.split("\t")[0]: line.split("\t")[1] for line in output.strip().splitlines()}
    assert rows["ch9"] == f"entry point ninth = {target} of mycourse"
    assert registry.get("ch9").content_dir == site / "mycourse" / "ch9"


def test_entry_point_clash_with_a_folder(capsys, tmp_path, monkeypatch):
    _scaffold(capsys, "ch9", tmp_path / "course")
    site = tmp_path / "site"
    _distribution(site, "[lecturegen.chapters]\nninth = mycourse.ch9\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "mycourse", raising=False)
    monkeypatch.delitem(sys.modules, "mycourse.ch9", raising=False)
    code, output = _cli(capsys, "list", "--chapters-dir", str(tmp_path / "course"))
    assert code == 1
    assert "chapter 'ch9' is defined twice: entry point ninth = mycourse.ch9 of mycourse and " in output


def _uncomment_examples(course: Path, name: str) -> None:
    """Uncomment the scaffold's own figure, table and helper, as docs/authoring.md tells an author to."""
    module = course / f"{name}.py"
    lines, inside = [], False
    for line in module.read_text().splitlines():
        if line.startswith("# ---- "):
            inside = not inside
            continue
        if inside or re.match(r"^\s*# .*# own ", line):
            line = re.sub(r"^(\s*)# ?", r"\1", line, count=1)
        lines.append(line)
    module.write_text("\n".join(lines) + "\n")
    for lang in ("ko", "en"):
        content = course / name / f"{lang}.md"
        text = content.read_text()
        start = text.rindex("{#-")
        body = text[start:].split("\n", 1)[1].rsplit("-#}", 1)[0]
        content.write_text(text[:start] + "\n" + body)


@pytest.mark.slow
def test_own_figure_table_and_helper_build_without_library_change(capsys, tmp_path, cache_dir):
    """A chapter in a temporary folder declares its own figure set, table and content helper (the
    scaffold's examples, uncommented) and builds through the library as it is."""
    course = tmp_path / "course"
    _scaffold(capsys, "ch7", course)
    _uncomment_examples(course, "ch7")
    assert "loss_figures,  # own" in (course / "ch7.py").read_text()
    out = tmp_path / "out"
    for lang in ("en", "ko"):
        code, built = _cli(capsys, "build", "ch7", "--chapters-dir", str(course), "--profile", "quick", "--data",
                           "sample", "--lang", lang, "--out", str(out), "--cache-dir", str(cache_dir), "--quiet")
        assert code == 0, built
    folder = out / "ch7-en"
    svg = (folder / "figures" / "loss_baseline.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    report = json.loads((folder / "report.json").read_text())
    assert "figures/loss_baseline.svg" in report["figures"]
    accuracy = report["runs"]["baseline"]["test_accuracy"]
    page = (folder / "slides.html").read_text()
    assert 'src="figures/loss_baseline.svg" alt="Training loss per epoch"' in page
    table = re.search(r"<table>.*?</table>", page[page.index("Our own figure and table"):], re.DOTALL).group(0)
    assert "<th>run</th>" in table and "<th style=\"text-align:right\">test accuracy</th>" in table
    assert "small model" in table and f"{accuracy * 100:.2f}\u00a0%" in table  # the experiment's label
    assert re.search(r"The most accurate run: <code[^>]*>baseline</code>", page)
    assert "<th>실험</th>" in (out / "ch7" / "handout.html").read_text()


def test_chapter_declares_its_figures():
    @experiment(title={"ko": "a", "en": "a"}, epochs=1)
    def a():
        pass

    assert chapter(id="x", title={"ko": "x", "en": "x"}, experiments=[a]).figures == ("curves", "comparison")
    with pytest.raises(ValueError, match="unknown figure set"):
        chapter(id="x", title={"ko": "x", "en": "x"}, experiments=[a], figures=["histogram"])
    from lecturegen.chapters.ch4.activations import activation_figures

    # ch4 draws its activation plots with its own plotting code (the code on its slides)
    assert activation_figures in registry.get("ch4").figures and "activations" not in registry.get("ch5").figures


def test_chapter_plugins_are_checked():
    @experiment(title={"ko": "a", "en": "a"}, epochs=1)
    def a():
        pass

    with pytest.raises(ValueError, match="2 en heads for 3 columns"):
        table(heads={"en": ("run", "x")}, align="lrr")(lambda exp, run: ())
    rows = table(heads={"en": ("run",)}, align="l")

    @rows
    def same(exp, run):
        return (exp.name,)

    def same_helper(page):  # noqa: ANN001
        return ""

    same_helper.__name__ = "same"
    with pytest.raises(ValueError, match=r"name\(s\) \['same'\] given twice"):
        chapter(id="x", title={"ko": "x", "en": "x"}, experiments=[a], tables=[same], helpers=[same_helper])
    with pytest.raises(ValueError, match="tables must be @table"):
        chapter(id="x", title={"ko": "x", "en": "x"}, experiments=[a], tables=[same_helper])
    own = chapter(id="x", title={"ko": "x", "en": "x"}, experiments=[a], figures=["curves", len], tables=[same])
    assert own.figures == ("curves", len) and own.tables == (same,)


@pytest.mark.slow
def test_mistake_in_own_content_names_file_and_line(capsys, tmp_path, cache_dir):
    course = tmp_path / "course"
    _scaffold(capsys, "ch7", course)
    content = course / "ch7" / "en.md"
    content.write_text(content.read_text().replace('code("baseline")', 'code("basline")'))
    code, output = _cli(capsys, "build", "ch7", "--chapters-dir", str(course), "--profile", "quick", "--data", "sample",
                        "--lang", "en", "--out", str(tmp_path / "o"), "--cache-dir", str(cache_dir), "--quiet")
    assert code == 1
    line = next(i for i, text in enumerate(content.read_text().splitlines(), 1) if "basline" in text)
    assert output.strip().splitlines()[-1] == (
        f"error: en.md line {line} (ch7): no experiment 'basline' in chapter ch7; known: baseline; fix the content file")
    assert not (tmp_path / "o" / "ch7-en").exists()


def test_a_chapter_may_have_any_set_of_languages():
    @experiment(title={"en": "a"}, epochs=1)
    def a():
        pass

    own = chapter(id="x", title={"en": "Chapter X"}, experiments=[a],
                  claims=[claim("a-learns", "a.test_accuracy > 0.1", en="Network a learns something")])
    assert own.languages == ("en",) and own.claims[0].text == {"en": "Network a learns something"}
    with pytest.raises(ValueError, match="experiment 'a' has no ko text"):
        chapter(id="x", title={"ko": "장 X", "en": "Chapter X"}, experiments=[a])
    with pytest.raises(ValueError, match="claim 'c' has no ko text"):
        chapter(id="x", title={"ko": "x", "en": "x"}, experiments=[chapter_a_in_two_languages()],
                claims=[claim("c", "a.params > 1", en="a has parameters")])
    with pytest.raises(ValueError, match="title must map each language"):
        chapter(id="x", title={}, experiments=[a])
    with pytest.raises(ValueError, match="give its sentence per language"):
        claim("c", "a.params > 1")


def chapter_a_in_two_languages():
    @experiment(title={"ko": "a", "en": "a"}, epochs=1)
    def a():
        pass

    return a


ENGLISH_ONLY = '''"""An English-only chapter: no Korean anywhere."""
from lecturegen.chapter import chapter, claim, experiment


@experiment(title={"en": "A tiny network"}, epochs=1, batch_size=64, inputs="flat", labels="int")
def tiny():
    from tensorflow import keras

    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


CHAPTER = chapter(id="eng", title={"en": "English only"}, experiments=[tiny],
                  claims=[claim("tiny-has-params", "tiny.params > 100", en="The tiny network has weights")])
'''


@pytest.mark.slow
def test_english_only_chapter_builds(capsys, tmp_path, cache_dir):
    course = tmp_path / "course"
    (course / "eng").mkdir(parents=True)
    (course / "eng.py").write_text(ENGLISH_ONLY)
    (course / "eng" / "en.md").write_text("# English only\n\nAccuracy {{ runs.tiny.test_accuracy | pct }}\n\n"
                                          "{{ results_table() }}\n")
    common = ["--chapters-dir", str(course), "--profile", "quick", "--data", "sample", "--out", str(tmp_path / "o"),
              "--cache-dir", str(cache_dir), "--quiet"]
    code, output = _cli(capsys, "build", "eng", *common)  # no --lang: the chapter's only language
    assert code == 0, output
    page = (tmp_path / "o" / "eng-en" / "handout.html").read_text()
    assert "English only" in page and "accuracy (this run)" in page and '<html lang="en">' in page
    code, output = _cli(capsys, "build", "eng", "--lang", "ko", *common)
    assert code == 2 and "chapter eng is written in en, not 'ko'; choose another --lang" in output
    code, output = _cli(capsys, "list", "--chapters-dir", str(course))
    assert "eng\t" in output and "\tEnglish only" in output
