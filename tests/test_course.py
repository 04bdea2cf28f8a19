"""Several chapters and languages in one build (the local executor): runs trained once, one summary,
each (chapter, language) swapped in on its own."""

from __future__ import annotations

import pytest

from helpers import TINY_CONTENT, TINY_MODULE, cli, run_cli, tree_digest, write_chapter

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
    first = run_cli("build", "tiny", "tinyb", *common, env=env)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "built 4 of 4 folders" in first.stdout and "trained 2 runs, cached 0" in first.stdout
    assert first.stdout.count("test accuracy") == 2  # each chapter's results once, not per language
    assert "claims: 0 of 1 hold" in first.stdout
    assert all((tmp_path / "out" / name / "report.json").is_file() for name in FOLDERS)
    assert len([p for p in (tmp_path / "cache" / "runs").rglob("*.json") if not p.name.startswith("latest")]) == 2
    before = tree_digest(tmp_path / "out" / "tinyb")

    strict = run_cli("build", "tiny", "tinyb", *common, "--strict", env=env)
    assert strict.returncode == 1
    assert "built 2 of 4 folders" in strict.stdout and "trained 0 runs, cached 2" in strict.stdout
    assert f"error: {tmp_path / 'out' / 'tinyb'}: 1 claim(s) of tinyb do not hold (never)" in strict.stderr
    assert tree_digest(tmp_path / "out" / "tinyb") == before  # the failing folder kept its previous output
    assert not list((tmp_path / "out").glob(".*.tmp-*"))


@pytest.mark.parametrize("args, message", [
    ((), "no chapter to build"),
    (("ch4", "--all"), "give chapter ids or --all, not both"),
    (("ch4", "--scheduler", "tcp://127.0.0.1:1"), "--scheduler and --workers need --executor dask"),
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
