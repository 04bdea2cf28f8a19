"""Cache hits skip TensorFlow entirely; a changed setting retrains and says why."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

from lecturegen.engine.cache import ResultCache, explain, key_parts
from lecturegen.core.chapter import PROFILES
from lecturegen.chapters import ch4
from lecturegen.engine.data import resolve

CODE = """
import sys
from pathlib import Path
from lecturegen.engine import BuildOptions, build
from lecturegen.engine.progress import LineReporter
outcome = build(BuildOptions("ch4", Path(sys.argv[1]), "quick", "sample", cache_dir=Path(sys.argv[2])), LineReporter())
print(json.dumps({"tf": "tensorflow" in sys.modules, "status": {k: v.to_dict() for k, v in outcome.status.items()}}))
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


# (numpy is left out: the offline sample data set is read with it; an IDX folder needs none)
HEAVY = ("tensorflow", "keras", "matplotlib", "rich", "fontTools", "weasyprint")


@pytest.mark.slow
def test_cached_rebuild_through_the_command_imports_nothing_heavy(quick_build, cache_dir, tmp_path):
    """`lecturegen build` with every result, figure and formula cached: the whole command (its
    subcommands' modules included) imports none of the slow packages (python -X importtime)."""
    from helpers import cli_env

    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "lecturegen", "build", "ch4", "--profile", "quick",
                           "--data", "sample", "--out", str(tmp_path), "--cache-dir", str(cache_dir), "--quiet"],
                          capture_output=True, text=True, timeout=120, env=cli_env())
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "lecturegen.engine.orchestrator" in imported  # the build really ran here
    assert sorted(name for name in imported if name.split(".")[0] in HEAVY) == []


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


def test_cache_store_rejects_damaged_and_forged_entries(tmp_path, caplog):
    """One read for every area: only bytes carrying this cache's keyed MAC come back."""
    import hashlib
    import stat

    import logging

    from lecturegen.engine.store import AREAS, CacheStore

    caplog.set_level(logging.WARNING, logger="lecturegen")  # an earlier in-process `build --quiet` may have raised it
    store = CacheStore(tmp_path / "c")
    for area in AREAS:
        store.put(area, f"x/{area}.bin", b"payload " + area.encode())
        assert store.get(area, f"x/{area}.bin") == b"payload " + area.encode()
    assert stat.S_IMODE((tmp_path / "c" / ".secret").stat().st_mode) == 0o600
    entry = store.path("figures", "x/figures.bin")
    mac = entry.with_name(entry.name + ".mac")
    # edited, with the sidecar recomputed as a plain sha256 of the new bytes: rejected and deleted
    entry.write_bytes(b"<svg>forged</svg>")
    mac.write_text(hashlib.sha256(b"<svg>forged</svg>").hexdigest())
    assert store.get("figures", "x/figures.bin") is None and not entry.exists() and not mac.exists()
    assert "cache entry figures/x/figures.bin is damaged (checksum mismatch)" in caplog.text
    # truncated (a half-written file): rejected
    store.put("pdf", "a.pdf", b"%PDF-1.7 " * 100)
    path = store.path("pdf", "a.pdf")
    path.write_bytes(path.read_bytes()[:50])
    assert store.get("pdf", "a.pdf") is None
    # a valid entry of another cache (another secret), or moved to another name: rejected
    other = CacheStore(tmp_path / "other")
    other.put("fonts", "f.css", b"@font-face {}")
    for suffix in ("", ".mac"):
        target = store.path("fonts", "f.css" + suffix)
        target.write_bytes(other.path("fonts", "f.css" + suffix).read_bytes())
    assert store.get("fonts", "f.css") is None
    store.put("math", "one.svg", b"<svg/>")
    for suffix in ("", ".mac"):
        store.path("math", "two.svg" + suffix).write_bytes(store.path("math", "one.svg" + suffix).read_bytes())
    assert store.get("math", "two.svg") is None and store.get("math", "one.svg") == b"<svg/>"
    # no MAC at all (never finished, or from before MACs): not cached, silently
    store.path("runs", "old.json").write_text("{}")
    assert store.get("runs", "old.json") is None
