"""Several chapters and languages in one build (the local executor): runs trained once, one summary,
each (chapter, language) swapped in on its own."""

from __future__ import annotations

import pytest

from helpers import TINY_CONTENT, TINY_MODULE, cli, tree_digest, write_chapter

FOLDERS = ("tiny", "tiny-en", "tinyb", "tinyb-en")


def _two_chapters(folder):
    write_chapter(folder, chapter_id="tiny")
    source = TINY_MODULE.format(title="B", layer='keras.layers.Dense(10, activation="softmax"),', optimizer='"adam"',
                                loss="sparse_categorical_crossentropy", chapter_id="tinyb")
    source = source.replace("import chapter, experiment", "import chapter, claim, experiment").replace(
        "experiments=[tiny])", 'experiments=[tiny], claims=[claim("never", "tiny.test_accuracy > 1.5", '
                               'ko="정확도가 150 %를 넘는다", en="Accuracy exceeds 150 %")])')
    env = write_chapter(folder, chapter_id="tinyb", source=source)
    for chapter in ("tiny", "tinyb"):
        (folder / chapter / "en.md").write_text(TINY_CONTENT, encoding="utf-8")
    return env


@pytest.mark.slow
def test_course_build_trains_each_run_once_and_swaps_each_folder(tmp_path):
    env = _two_chapters(tmp_path / "chapters")
    common = ("--profile", "quick", "--data", "sample", "--out", str(tmp_path / "out"),
              "--cache-dir", str(tmp_path / "cache"), "--quiet", "--lang", "ko", "--lang", "en")
    first = cli("build", "tiny", "tinyb", *common, env=env, timeout=600)  # in this process: no cold TensorFlow import
    assert first.returncode == 0, first.stderr[-2000:]
    assert "built 4 of 4 folders" in first.stdout and "trained 2 runs, cached 0" in first.stdout
    assert first.stdout.count("test accuracy") == 2  # each chapter's results once, not per language
    assert "claims: 0 of 1 hold" in first.stdout
    assert all((tmp_path / "out" / name / "report.json").is_file() for name in FOLDERS)
    assert len([p for p in (tmp_path / "cache" / "runs").rglob("*.json") if not p.name.startswith("latest")]) == 2
    before = tree_digest(tmp_path / "out" / "tinyb")

    strict = cli("build", "tiny", "tinyb", *common, "--strict", env=env, timeout=600)
    assert strict.returncode == 1
    assert "built 2 of 4 folders" in strict.stdout and "trained 0 runs, cached 2" in strict.stdout
    assert f"error: {tmp_path / 'out' / 'tinyb'}: 1 claim(s) of tinyb do not hold (never)" in strict.stderr
    assert tree_digest(tmp_path / "out" / "tinyb") == before  # the failing folder kept its previous output
    assert not list((tmp_path / "out").glob(".*.tmp-*"))


@pytest.mark.parametrize("args, message", [
    ((), "no chapter to build"),
    (("ch4", "--all"), "give chapter ids or --all, not both"),
    (("ch4", "--executor", "local", "--scheduler", "tcp://127.0.0.1:1"), "--scheduler and --workers need --executor dask"),
    (("ch4", "--executor", "dask", "--jobs", "2"), "--jobs 2 is for the local executor"),
    (("ch4", "nope", "--lang", "en"), "unknown chapter 'nope'"),
])
def test_course_usage_errors_are_one_line(tmp_path, args, message):
    result = cli("build", *args, "--profile", "quick", "--data", "sample", "--out", str(tmp_path / "out"),
                     "--cache-dir", str(tmp_path / "cache"))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_scheduler_alone_means_dask(tmp_path):
    """`--scheduler ADDRESS` without `--executor` trains on that Dask scheduler (here: none listens, so
    one line naming the address, exit 1, nothing written); so does `[build] scheduler` in lecturegen.toml."""
    pytest.importorskip("distributed")
    (tmp_path / "lecturegen.toml").write_text('[build]\nscheduler = "tcp://127.0.0.1:1"\n', encoding="utf-8")
    for args, cwd in ((("--scheduler", "tcp://127.0.0.1:1"), None), ((), tmp_path)):
        result = cli("build", "ch4", *args, "--profile", "quick", "--data", "sample", "--out", str(tmp_path / "out"),
                     "--cache-dir", str(tmp_path / "cache"), "--quiet", cwd=cwd)
        assert result.returncode == 1, result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in errors[0], result.stderr
        assert not (tmp_path / "out" / "ch4").exists()


@pytest.mark.slow
def test_course_languages_drive_build_unless_lang_is_given(tmp_path):
    """`[course] languages` of lecturegen.toml decides the languages of a
    build without --lang; a chapter not written in one of them is built in the others, with a warning."""
    env = _two_chapters(tmp_path / "chapters")
    (tmp_path / "chapters" / "tinyb" / "en.md").unlink()  # tinyb is only in Korean
    (tmp_path / "lecturegen.toml").write_text('[course]\nlanguages = ["ko", "en"]\n', encoding="utf-8")
    common = ("--profile", "quick", "--data", "sample", "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"))
    result = cli("build", "tiny", "tinyb", *common, env=env, cwd=tmp_path, timeout=600)  # in this process (see above)
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")) == ["tiny", "tiny-en", "tinyb"]
    assert "warning: tinyb is not written in en (it is in ko): built without it" in result.stderr
    asked = cli("build", "tiny", "--lang", "en", *common[:-4], "--out", str(tmp_path / "only"),
                "--cache-dir", str(tmp_path / "cache"), env=env, cwd=tmp_path, timeout=600)
    assert asked.returncode == 0, asked.stderr[-2000:]
    assert [p.name for p in (tmp_path / "only").iterdir() if not p.name.startswith(".")] == ["tiny-en"]
