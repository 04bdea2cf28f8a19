"""An instructor's templates folder: searched before the built-in layouts, its assets copied."""

from __future__ import annotations

import re

import pytest

from lecturegen.cli import main

pytestmark = pytest.mark.slow


def test_course_templates_override_only_what_they_name(quick_build, cache_dir, capsys, tmp_path):
    look = tmp_path / "look"
    (look / "assets").mkdir(parents=True)
    (look / "assets" / "course.css").write_text(":root { --lg-accent: #8a1538; }\n")
    (look / "assets" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>\n')
    (look / "course_header.html.j2").write_text('<img class="course-logo" src="assets/logo.svg" alt="Course logo">\n')
    (look / "course_footer.html.j2").write_text('<div class="course-footer">Deep Learning 101 · {{ ctx.chapter.id }}</div>\n')
    (look / "provenance.html.j2").write_text('<p class="my-provenance">seed {{ provenance.seed }}</p>\n')
    out = tmp_path / "out"
    code = main(["build", "ch4", "--profile", "quick", "--data", "sample", "--out", str(out),
                 "--cache-dir", str(cache_dir), "--quiet", "--templates", str(look)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "trained 0, cached 3" in printed.out
    folder = out / "ch4"
    for page in ("slides.html", "handout.html"):
        text = (folder / page).read_text()
        assert '<img class="course-logo" src="assets/logo.svg"' in text, page
        assert "Deep Learning 101 · ch4" in text, page
        assert '<p class="my-provenance">seed 0</p>' in text and 'class="provenance"' not in text, page
        assert 'href="assets/course.css"' in text and 'href="assets/common.css"' in text, page
        for ref in re.findall(r'(?:src|href)="([^"]+)"', text):
            assert (folder / ref).is_file(), ref
    assert (folder / "assets" / "course.css").read_text() == ":root { --lg-accent: #8a1538; }\n"
    assert (folder / "assets" / "logo.svg").is_file() and (folder / "assets" / "slides.css").is_file()


def test_lecturegen_toml_templates_dir(quick_build, cache_dir, capsys, tmp_path, monkeypatch):
    (tmp_path / "look" / "assets").mkdir(parents=True)
    (tmp_path / "look" / "assets" / "course.css").write_text("h1 { color: teal; }\n")
    (tmp_path / "lecturegen.toml").write_text('templates_dir = "look"\n')
    monkeypatch.chdir(tmp_path)
    code = main(["build", "ch4", "--profile", "quick", "--data", "sample", "--out", "out",
                 "--cache-dir", str(cache_dir), "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "out" / "ch4" / "assets" / "course.css").read_text() == "h1 { color: teal; }\n"


def test_missing_templates_folder(capsys, tmp_path):
    code = main(["build", "ch4", "--templates", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert code == 2 and "templates folder" in capsys.readouterr().err
