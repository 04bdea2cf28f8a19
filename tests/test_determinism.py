"""Two cold builds with the same seed report the same numbers on CPU.

Both builds (of the pair chapter: ch4's relu and opt_adam, three runs) train from an empty cache
(separate cache folders), one in-process and one as a subprocess; `keras.utils.set_random_seed` and `tf.config.experimental.enable_op_determinism()`
make CPU training bit-for-bit repeatable, so the comparison is exact (no tolerance).
"""

from __future__ import annotations

import json

import pytest
from helpers import seed_numbers

METRICS = ("history", "test_loss", "test_accuracy", "summary", "epochs", "train_size", "test_size", "optimizer")


@pytest.mark.slow
def test_same_seed_same_metrics(pair_build, concurrent_builds):
    first_out, _ = pair_build
    second_out, proc, _ = concurrent_builds
    assert proc.returncode == 0
    first = json.loads((first_out / "report.json").read_text())
    second = json.loads((second_out / "pair" / "report.json").read_text())
    assert first["provenance"]["device"] == "CPU" and first["provenance"]["seed"] == second["provenance"]["seed"] == 0
    assert first["runs"].keys() == second["runs"].keys() == {"relu", "opt_adam"}
    for name in ("relu", "opt_adam"):
        assert first["runs"][name]["cache"]["status"] == second["runs"][name]["cache"]["status"] == "trained"
        for key in METRICS:
            assert first["runs"][name][key] == second["runs"][name][key], (name, key)
        assert seed_numbers(first["runs"][name]) == seed_numbers(second["runs"][name]), name
    assert len(first["runs"]["opt_adam"]["per_seed"]) == 2  # two seeds: the second fitted the first's traced model


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_source_date_epoch_gives_byte_identical_builds(quick_build, cache_dir, runner, tmp_path, monkeypatch, lang):
    """Two builds of the same inputs with the same SOURCE_DATE_EPOCH write the same bytes, and the
    date they write is that epoch's (results come from the cache the quick build filled)."""
    from lecturegen.cli import app

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    trees = []
    for name in ("one", "two"):
        result = runner.invoke(app, ["build", "ch4", "--profile", "quick", "--data", "sample", "--lang", lang,
                                     "--out", str(tmp_path / name), "--cache-dir", str(cache_dir), "--quiet"])
        assert result.exit_code == 0, result.output
        folder = tmp_path / name / ("ch4" if lang == "ko" else "ch4-en")
        trees.append(_tree(folder))
    assert trees[0].keys() == trees[1].keys() and len(trees[0]) > 10
    assert [name for name in trees[0] if trees[0][name] != trees[1][name]] == []
    report = json.loads(trees[0]["report.json"])
    assert report["provenance"]["build_date"] == "2023-11-14 22:13 UTC"
    assert "2023-11-14 22:13 UTC" in trees[0]["slides.html"].decode()


def test_bad_source_date_epoch_is_one_line(runner, monkeypatch, tmp_path):
    from lecturegen.cli import app

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    result = runner.invoke(app, ["build", "ch4", "--profile", "quick", "--data", "sample",
                                 "--out", str(tmp_path), "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code != 0
    assert "$SOURCE_DATE_EPOCH is 'yesterday', not a number of seconds since 1970; fix or unset it" in result.output
    assert not (tmp_path / "ch4").exists()
