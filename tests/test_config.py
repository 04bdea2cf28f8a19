"""lecturegen.toml ([course], [build], [publish]) and the command line's own conveniences."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lecturegen.cli import main
from lecturegen.config import Course, course_config
from lecturegen.publish.site import render_index

COURSE_TOML = """\
chapters_dirs = []

[course]
title = "딥러닝 입문"
instructor = "김민지"
term = "2026 봄학기"
repository = "https://github.com/example/course"
chapters = ["ch4", "ch5"]

[build]
profile = "quick"
data = "sample"
out = "built"
seeds = 2

[publish]
site = "www"
"""


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_course_build_and_publish_tables_are_read(tmp_path):
    (tmp_path / "lecturegen.toml").write_text(COURSE_TOML, encoding="utf-8")
    conf = course_config(where=tmp_path)
    assert conf.course == Course(title="딥러닝 입문", instructor="김민지", term="2026 봄학기",
                                 repository="https://github.com/example/course", chapters=("ch4", "ch5"))
    assert (conf.build.profile, conf.build.data, conf.build.out, conf.build.seeds) == (
        "quick", "sample", (tmp_path / "built").resolve(), 2)
    assert conf.publish.site == (tmp_path / "www").resolve() and conf.publish.title is None


@pytest.mark.parametrize("text, name, line", [
    ('[course]\ntitle = "x"\ninstructr = "y"\n', "course.instructr", 3),
    ('chapters_dirs = []\n\n[bild]\nprofile = "quick"\n', "bild", 3),
    ('[build]\nprofile = "quick"\n\n[publish]\nsite = "s"\ntitel = "t"\n', "publish.titel", 6),
    ('[build]\nseeds = "two"\n', "build.seeds", 2),
    ('[course]\nlanguages = ["ko", "fr"]\n', "course.languages", 2),
])
def test_unknown_or_bad_key_names_key_file_and_line(capsys, tmp_path, monkeypatch, text, name, line):
    (tmp_path / "lecturegen.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = _cli(capsys, "list")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert f"lecturegen.toml line {line}: '{name}'" in err, err


def test_build_defaults_come_from_the_config_and_flags_win(tmp_path, monkeypatch):
    from lecturegen.cli import build_options

    (tmp_path / "lecturegen.toml").write_text(COURSE_TOML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    opts = build_options(course_config(), "ch4", "ko")
    assert (opts.profile, opts.data, opts.out, opts.seeds, opts.jobs) == (
        "quick", "sample", (tmp_path / "built").resolve(), 2, None)  # jobs: the build's own default
    opts = build_options(course_config(), "ch4", "en", out=Path("elsewhere"), data="keras", seeds=1)
    assert (opts.profile, opts.data, opts.out, opts.seeds, opts.lang) == ("quick", "keras", Path("elsewhere"), 1, "en")


def test_site_index_shows_the_course_from_the_config(quick_build, tmp_path):
    from lecturegen.publish.site import BuiltChapter

    folder, _ = quick_build
    chapter = BuiltChapter(folder, json.loads((folder / "report.json").read_text(encoding="utf-8")))
    course = Course(title="딥러닝 입문", instructor="김민지", term="2026 봄학기")
    html = render_index([chapter], tmp_path, course.title, course=course)
    assert "<title>딥러닝 입문</title>" in html and "김민지 · 2026 봄학기" in html
    assert "lecturegen 강의 자료" not in html


def test_site_index_links_each_notebook_to_colab_when_the_course_names_its_repository(quick_build, tmp_path,
                                                                                     monkeypatch):
    from lecturegen.publish.site import BuiltChapter

    folder, _ = quick_build
    chapter = BuiltChapter(folder, json.loads((folder / "report.json").read_text(encoding="utf-8")))
    monkeypatch.chdir(tmp_path)
    assert "colab.research.google.com" not in render_index([chapter], tmp_path, "t", course=course_config().course)
    (tmp_path / "lecturegen.toml").write_text('[course]\nrepository = "https://github.com/acme/ai-course"\n')
    html = render_index([chapter], tmp_path, "t", course=course_config().course)
    assert "https://colab.research.google.com/github/acme/ai-course/blob/gh-pages/ch4/ch4.ipynb" in html


def test_version_and_bare_command(capsys):
    code, out, _ = _cli(capsys, "--version")
    assert code == 0 and out.startswith("lecturegen ")
    code, out, err = _cli(capsys)
    assert code == 2 and err.count("Usage: lecturegen") == 1 and "<bool>" not in err
    code, out, _ = _cli(capsys, "build", "--help")
    assert code == 0 and "<bool>" not in out and "--strict" in out


def test_completion_is_installable(capsys):
    code, out, err = _cli(capsys, "--help")
    assert code == 0 and "--install-completion" in out


def test_diff_of_two_chapters_says_so(capsys, tmp_path, quick_build):
    folder, _ = quick_build
    other = tmp_path / "ch4-en"
    shutil.copytree(folder, other)
    report = json.loads((other / "report.json").read_text(encoding="utf-8"))
    report["chapter"]["lang"] = "en"
    (other / "report.json").write_text(json.dumps(report), encoding="utf-8")
    code, out, err = _cli(capsys, "diff", str(folder), str(other))
    assert code == 2 and "different languages (ko vs en)" in err and len(err.strip().splitlines()) == 1
    report["chapter"]["id"] = "ch5"
    (other / "report.json").write_text(json.dumps(report), encoding="utf-8")
    code, out, err = _cli(capsys, "diff", str(folder), str(other))
    assert code == 2 and "different chapters (ch4 vs ch5)" in err
