"""Cache hits skip TensorFlow entirely; a changed setting retrains and says why."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

from lecturegen.build.cache import ResultCache, explain, key_parts
from lecturegen.chapter import PROFILES
from lecturegen.chapters import ch4
from lecturegen.build.data import resolve

CODE = """
import sys
from pathlib import Path
from lecturegen.build.pipeline import BuildOptions, build
from lecturegen.build.progress import LineReporter
outcome = build(BuildOptions("ch4", Path(sys.argv[1]), "quick", "sample", cache_dir=Path(sys.argv[2])), LineReporter())
print(json.dumps({"tf": "tensorflow" in sys.modules, "status": outcome.status}))
"""


@pytest.mark.slow
def test_rebuild_hits_cache_without_importing_tensorflow(quick_build, cache_dir, tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", "import json\n" + CODE, str(tmp_path), str(cache_dir)],
        capture_output=True, text=True, timeout=120, check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["tf"] is False
    assert {s["status"] for s in result["status"].values()} == {"cached"}


@pytest.mark.slow
def test_changed_seed_retrains_and_explains(quick_build, cache_dir, runner, tmp_path):
    from lecturegen.cli import app

    result = runner.invoke(app, ["build", "ch4", "--profile", "quick", "--data", "sample", "--seed", "7",
                                 "--out", str(tmp_path), "--cache-dir", str(cache_dir), "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"trained {len(ch4.CHAPTER.experiments)}, cached 0" in result.output
    report = json.loads((tmp_path / "ch4" / "report.json").read_text())
    assert report["runs"]["relu"]["cache"] == {"status": "trained", "reasons": ["seed 0 -> 7"]}


def test_explain_names_what_changed():
    fp = resolve("sample").fingerprint
    exp = ch4.CHAPTER.experiment("relu")
    old = key_parts(ch4.CHAPTER, exp, fp, PROFILES["full"], 0)
    new = json.loads(json.dumps(old))
    new["versions"]["tensorflow"] = "9.9.9"
    new["code"] = "different"
    new["profile"]["name"] = "quick"
    reasons = explain(old, new)
    assert f"tensorflow {old['versions']['tensorflow']} -> 9.9.9" in reasons
    assert "code of relu changed" in reasons
    assert "profile full -> quick" in reasons


def test_key_ignores_prose_but_not_settings():
    fp = resolve("sample").fingerprint
    exp = ch4.CHAPTER.experiment("relu")
    base = key_parts(ch4.CHAPTER, exp, fp, PROFILES["full"], 0)
    assert key_parts(ch4.CHAPTER, exp, fp, PROFILES["full"], 0) == base
    assert key_parts(ch4.CHAPTER, replace(exp, epochs=3), fp, PROFILES["full"], 0) != base
    assert key_parts(ch4.CHAPTER, exp, fp, PROFILES["quick"], 0) != base


def test_damaged_entry_is_not_trusted(tmp_path, quick_build, cache_dir):
    fp = resolve("sample").fingerprint
    exp = ch4.CHAPTER.experiment("relu")
    parts = key_parts(ch4.CHAPTER, exp, fp, PROFILES["quick"], 0)
    good = ResultCache(cache_dir).load(parts)
    assert good is not None
    copy = ResultCache(tmp_path)
    copy.store(parts, good)
    entry = next((tmp_path / "runs").rglob("[0-9a-f]*.json"))
    data = json.loads(entry.read_text())
    data["result"]["test_accuracy"] = 0.999
    entry.write_text(json.dumps(data))
    assert copy.load(parts) is None
    assert not entry.exists()
