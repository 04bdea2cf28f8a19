"""Faults: Ctrl-C and a hard kill mid-training, two builds at once, damaged cache entries.
Whatever happens, the previous output stays byte-for-byte as it was and the next build works."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from helpers import cli, cli_env, copy_shared, error_lines, run_cli, start_cli, tree_digest, wait_for_line, write_chapter
from lecturegen.engine.cache import ResultCache, key_parts
from lecturegen.core.chapter import PROFILES
from lecturegen.chapters import ch4
from lecturegen.engine.data import resolve
from lecturegen.errors import LecturegenError
from lecturegen.engine.writer import MARKER, staged_output, write_marker

QUICK = ("--profile", "quick", "--data", "sample")  # not --quiet: the tests read the progress lines


def _previous_output(tmp_path: Path, cache_dir: Path) -> tuple[Path, dict[str, str]]:
    """A finished build (from the warm session cache: no training) and the digest of its files."""
    out = tmp_path / "out"
    proc = run_cli("build", "ch4", *QUICK, "--out", str(out), "--cache-dir", str(cache_dir))
    assert proc.returncode == 0, proc.stderr
    return out, tree_digest(out / "ch4")


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_interrupted_build_keeps_previous_output(sig, tmp_path, quick_build, cache_dir):
    out, before = _previous_output(tmp_path, cache_dir)
    proc = start_cli("build", "ch4", *QUICK, "--out", str(out), "--cache-dir", str(tmp_path / "cold"),
                     env=cli_env())
    wait_for_line(proc, "[sigmoid] epoch 1/2")  # mid-training: relu and quickstart are still to come
    proc.send_signal(sig)
    code = proc.wait(timeout=120)
    proc.pump.join(timeout=10)
    if sig == signal.SIGINT:
        assert code == 130, proc.lines
    assert tree_digest(out / "ch4") == before, proc.lines
    if sig == signal.SIGINT:
        assert error_lines("\n".join(proc.lines)) == ["interrupted: the previous output was left as it was"]
        assert "Traceback" not in "\n".join(proc.lines)
        assert _leftovers(out) == []  # cleaned up on the way out
    else:
        assert code == -signal.SIGKILL
        assert [n for n in _leftovers(out) if n.startswith(".ch4.tmp-")], "a killed build leaves its staging folder"
    # the next build is not blocked by the lock file and clears what the killed build left
    again = run_cli("build", "ch4", *QUICK, "--out", str(out), "--cache-dir", str(cache_dir))
    assert again.returncode == 0, again.stderr
    assert _leftovers(out) == []
    assert (out / "ch4" / "slides.html").is_file()
    assert json.loads((out / "ch4" / "report.json").read_text())["runs"]["relu"]["cache"]["status"] == "cached"


@pytest.mark.slow
def test_two_builds_into_one_folder(concurrent_builds):
    out, first, second = concurrent_builds
    assert second.returncode == 1
    assert error_lines(second.stderr) == [
        f"error: another lecturegen build is writing {out / 'pair'} right now; "
        "wait for it to finish or build into another --out"
    ]
    assert first.returncode == 0, "\n".join(first.lines)
    assert json.loads((out / "pair" / "report.json").read_text())["runs"].keys() == {"relu", "opt_adam"}
    assert _leftovers(out) == []


@pytest.mark.slow
def test_truncated_cache_entry_is_retrained(tmp_path, quick_build, cache_dir):
    cache = tmp_path / "cache"
    copy_shared(cache_dir, cache)
    fp = resolve("sample").fingerprint
    parts = key_parts(ch4.CHAPTER, ch4.CHAPTER.experiment("relu"), fp, PROFILES["quick"], 0)
    entry = ResultCache(cache).entry_path(parts)
    original = json.loads(entry.read_text())["result"]
    entry.write_bytes(entry.read_bytes()[:300])  # a half-written file
    proc = cli("build", "ch4", *QUICK, "--out", str(tmp_path / "out"), "--cache-dir", str(cache),
               timeout=600)  # in this process: TensorFlow imported once per worker, not cold here
    assert proc.returncode == 0, proc.stderr
    assert "is damaged" in proc.stderr and "retraining" in proc.stderr
    report = json.loads((tmp_path / "out" / "ch4" / "report.json").read_text())
    assert report["runs"]["relu"]["cache"] == {"status": "trained", "reasons": ["cache entry damaged (checksum mismatch)"]}
    assert report["runs"]["sigmoid"]["cache"]["status"] == "cached"
    # retrained with the same seed: the very same numbers (see the determinism test)
    assert report["runs"]["relu"]["history"] == original["history"]
    assert json.loads(entry.read_text())["result"]["test_accuracy"] == original["test_accuracy"]


def test_truncated_and_tampered_entries_are_never_trusted(tmp_path, quick_build, cache_dir):
    fp = resolve("sample").fingerprint
    parts = key_parts(ch4.CHAPTER, ch4.CHAPTER.experiment("sigmoid"), fp, PROFILES["quick"], 0)
    good = ResultCache(cache_dir).load(parts)
    assert good is not None
    damaged = {
        "truncated": lambda raw: raw[: len(raw) // 2],
        "empty": lambda raw: b"",
        "binary garbage": lambda raw: b"\xff\xfe\x00" * 50,
        "checksum removed": lambda raw: json.dumps({**json.loads(raw), "checksum": None}).encode(),
        "number changed": lambda raw: raw.replace(b'"seed": 0', b'"seed": 1', 1),
    }
    for name, damage in damaged.items():
        copy = ResultCache(tmp_path / name)
        copy.store(parts, good)
        entry = copy.entry_path(parts)
        entry.write_bytes(damage(entry.read_bytes()))
        assert copy.load(parts) is None, name
        assert not entry.exists(), name


def test_damaged_figure_and_font_caches_are_made_again(tmp_path, quick_build, cache_dir):
    out_dir, _ = quick_build
    cache = tmp_path / "cache"
    copy_shared(cache_dir, cache)
    damaged = sorted((cache / "figures").glob("*.svg")) + sorted((cache / "fonts").glob("*.css"))
    assert len(damaged) >= 10
    for path in damaged:
        path.write_bytes(path.read_bytes()[:100])
    proc = run_cli("build", "ch4", *QUICK, "--out", str(tmp_path / "out"), "--cache-dir", str(cache))
    assert proc.returncode == 0, proc.stderr
    assert "is damaged (checksum mismatch)" in proc.stderr
    new = tmp_path / "out" / "ch4"
    for name in ["assets/fonts.css", *(f"figures/{p.name}" for p in (out_dir / "figures").glob("*.svg"))]:
        assert (new / name).read_bytes() == (out_dir / name).read_bytes(), name
    # the 10 figures and the font sheet this build uses were made again (entries of other
    # builds sharing the cache, e.g. other seeds or languages, stay as they were until used)
    remade = [p for p in damaged if p.stat().st_size > 100]
    assert len([p for p in remade if p.suffix == ".svg"]) >= 10 and [p for p in remade if p.suffix == ".css"]


def _tree(root: Path) -> dict[str, str]:
    (root / "ch4" / "figures").mkdir(parents=True)
    (root / "ch4" / "slides.html").write_text("previous slides")
    (root / "ch4" / "figures" / "a.svg").write_text("<svg/>")
    write_marker(root / "ch4")
    return tree_digest(root / "ch4")


def test_failed_build_leaves_previous_output(tmp_path):
    before = _tree(tmp_path)
    with pytest.raises(LecturegenError):
        with staged_output(tmp_path, "ch4") as staged:
            (staged / "slides.html").write_text("half-written")
            raise LecturegenError("content error")
    assert tree_digest(tmp_path / "ch4") == before
    assert _leftovers(tmp_path) == []


def test_kill_between_the_two_renames_is_recovered(tmp_path):
    """A kill after `ch4 -> .ch4.old-N` and before `staged -> ch4`: the next build puts it back."""
    before = _tree(tmp_path)
    os.replace(tmp_path / "ch4", tmp_path / ".ch4.old-4242")
    (tmp_path / ".ch4.tmp-dead").mkdir()
    with pytest.raises(RuntimeError):
        with staged_output(tmp_path, "ch4"):
            assert tree_digest(tmp_path / "ch4") == before  # restored before the build even starts
            raise RuntimeError("this build fails too")
    assert tree_digest(tmp_path / "ch4") == before
    assert _leftovers(tmp_path) == []


def test_lock_is_held_for_the_whole_build(tmp_path):
    with staged_output(tmp_path, "ch4"):
        with pytest.raises(LecturegenError, match="another lecturegen build is writing"):
            with staged_output(tmp_path, "ch4"):
                pass
    with staged_output(tmp_path, "ch4") as staged:  # released afterwards
        (staged / "x").write_text("ok")
    assert (tmp_path / "ch4" / "x").read_text() == "ok"


# ---------------------------------------------------------------- a build replaces only its own folder


def _foreign(kind: str, root: Path) -> Path:
    """OUT/ch4 as something lecturegen did not write; returns the user's file that must survive."""
    final = root / "ch4"
    if kind == "user folder":
        final.mkdir()
        (final / "thesis.tex").write_text("mine")
        return final / "thesis.tex"
    if kind == "added file":
        _tree(root)
        (final / "figures" / "notes.txt").write_text("mine")
        return final / "figures" / "notes.txt"
    if kind == "added link":
        _tree(root)
        (root / "elsewhere.txt").write_text("mine")
        (final / "link.txt").symlink_to(root / "elsewhere.txt")
        return root / "elsewhere.txt"
    if kind == "folder link":
        (root / "mine").mkdir()
        (root / "mine" / "data.csv").write_text("mine")
        final.symlink_to(root / "mine")
        return root / "mine" / "data.csv"
    if kind == "file":
        final.write_text("mine")
        return final
    if kind == "damaged marker":
        _tree(root)
        (final / MARKER).write_text("[" * 100_000)
        (final / "mine.txt").write_text("mine")
        return final / "mine.txt"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["user folder", "added file", "added link", "folder link", "file", "damaged marker"])
def test_build_refuses_to_replace_what_it_did_not_write(kind, tmp_path):
    mine = _foreign(kind, tmp_path)
    with pytest.raises(LecturegenError) as info:
        with staged_output(tmp_path, "ch4") as staged:
            raise AssertionError("refused before the build starts")
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'ch4'} ") and "--force" in message and "\n" not in message
    assert mine.read_text() == "mine"
    assert _leftovers(tmp_path) == []
    with staged_output(tmp_path, "ch4", force=True) as staged:
        (staged / "slides.html").write_text("new")
    assert (tmp_path / "ch4" / "slides.html").read_text() == "new"


def test_build_replaces_its_own_and_earlier_versions_folders(tmp_path):
    for _ in range(2):  # the second build replaces the first one's folder, marker and all
        with staged_output(tmp_path, "ch4") as staged:
            (staged / "figures").mkdir()
            (staged / "figures" / "a.svg").write_text("<svg/>")
            (staged / "slides.html").write_text("slides")
    assert json.loads((tmp_path / "ch4" / MARKER).read_text())["files"] == ["figures/a.svg", "slides.html"]
    legacy = tmp_path / "legacy"
    (legacy / "ch4").mkdir(parents=True)
    (legacy / "ch4" / "report.json").write_text(json.dumps({"provenance": {"lecturegen": "0.1.0"}, "runs": {}}))
    with staged_output(legacy, "ch4") as staged:
        (staged / "slides.html").write_text("new")
    assert (legacy / "ch4" / "slides.html").is_file() and not (legacy / "ch4" / "report.json").exists()


def test_build_command_names_the_folder_and_force(tmp_path):
    (tmp_path / "out" / "ch4").mkdir(parents=True)
    (tmp_path / "out" / "ch4" / "mine.txt").write_text("mine")
    proc = cli("build", "ch4", *QUICK, "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"))
    assert proc.returncode == 1
    assert error_lines(proc.stderr) == [f"error: {tmp_path / 'out' / 'ch4'} was not written by lecturegen (it has no "
                                        "lecturegen marker or report); move it away, build into another --out, "
                                        "or pass --force to replace the folder"]
    assert (tmp_path / "out" / "ch4" / "mine.txt").read_text() == "mine"


# ---------------------------------------------------------------- a full disk is a one-line error


def test_disk_full_while_writing_leaves_the_previous_output(tmp_path):
    import errno

    from lecturegen.engine.writer import disk_full_is_an_error

    before = _tree(tmp_path)
    with pytest.raises(LecturegenError) as info:
        with disk_full_is_an_error(tmp_path / "ch4", tmp_path / "cache"), staged_output(tmp_path, "ch4") as staged:
            (staged / "slides.html").write_text("half")
            raise OSError(errno.ENOSPC, "No space left on device", str(staged / "handout.html"))
    assert str(info.value).startswith("No space left on device writing ") and "free some space" in str(info.value)
    assert tree_digest(tmp_path / "ch4") == before and _leftovers(tmp_path) == []
    with pytest.raises(PermissionError):  # other errors are not dressed up as a full disk
        with disk_full_is_an_error(tmp_path / "ch4", tmp_path / "cache"):
            raise PermissionError(errno.EACCES, "Permission denied")


def _file_size_limit(limit: int):
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.slow
@pytest.mark.parametrize("where", ["output", "cache"])
def test_build_on_a_full_disk_is_one_line_and_keeps_the_previous_output(where, tmp_path):
    """A real build whose process may write no file larger than a few KB (RLIMIT_FSIZE: writes fail
    with EFBIG as on a full disk): one line, exit 1, the previous output byte for byte."""
    import subprocess
    import sys

    env = write_chapter(tmp_path / "chapters")
    args = [sys.executable, "-m", "lecturegen", "build", "tiny", *QUICK, "--out", str(tmp_path / "out"),
            "--cache-dir", str(tmp_path / "cache")]
    first = cli(*args[3:], env=env, timeout=600)  # the previous output, built in this process (no cold TensorFlow import)
    assert first.returncode == 0, first.stderr
    before = tree_digest(tmp_path / "out" / "tiny")
    if where == "cache":  # a new seed: only the cache entry is written before the output
        args += ["--seed", "1"]
    limit = 600 if where == "cache" else 20_000
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300,
                          preexec_fn=_file_size_limit(limit))
    assert proc.returncode == 1, proc.stderr
    lines = error_lines(proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: File too large"), proc.stderr
    assert "Traceback" not in proc.stderr
    assert tree_digest(tmp_path / "out" / "tiny") == before and _leftovers(tmp_path / "out") == []


# ---------------------------------------------------------------- JSON nested too deeply, metadata damaged

DEEP = "[" * 200_000 + "]" * 200_000


def test_deeply_nested_or_damaged_cache_metadata_is_retrained_not_a_traceback(tmp_path):
    """Entries with a valid MAC (written through the store) whose JSON is nested too deeply or has
    the wrong shape: retrained or explained, never a traceback."""
    cache = ResultCache(tmp_path)
    exp = ch4.CHAPTER.experiments[0]
    parts = key_parts(ch4.CHAPTER, exp, resolve("sample").fingerprint, PROFILES["quick"], 0)
    entry = cache.entry_name(parts)
    for text in (DEEP, "[1, 2]", '{"result": [], "parts": {}}'):
        cache.files.put("runs", entry, text.encode())
        assert cache.load(parts) is None and not cache.entry_path(parts).exists()
    for latest in (DEEP, "[1]", '{"versions": 5, "dataset": "x"}', '{"hyper_parameters": [1]}'):
        for name in cache.latest_names(parts):
            cache.files.put("runs", name, latest.encode())
        reasons = cache.why_stale(parts)
        assert isinstance(reasons, list) and reasons and all(isinstance(r, str) for r in reasons), latest


def test_deeply_nested_or_damaged_previous_report_is_ignored_by_the_build(tmp_path):
    from lecturegen.engine.orchestrator import previous_report
    from lecturegen.core.claims import previous_outcomes

    for text in (DEEP, "[1]", '{"claims": 5}', '{"claims": [{"id": ["x"]}, {"id": "a"}, 3]}'):
        (tmp_path / "report.json").write_text(text)
        assert previous_outcomes(previous_report(tmp_path)) in ({}, {"a": False}), text


def test_deeply_nested_report_is_one_line_in_diff_and_publish(tmp_path, capsys):
    from lecturegen.cli import main

    (tmp_path / "deep.json").write_text(DEEP)
    assert main(["diff", str(tmp_path / "deep.json"), str(tmp_path / "deep.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1 and "not a lecturegen report" in err
    (tmp_path / "out" / "ch4").mkdir(parents=True)
    (tmp_path / "out" / "ch4" / "report.json").write_text(DEEP)
    assert main(["publish", "--out", str(tmp_path / "out"), "--site", str(tmp_path / "site")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1 and "not a lecturegen report" in err


def test_a_damaged_cache_folder_does_not_lose_the_result(tmp_path, caplog, monkeypatch):
    import errno
    from types import SimpleNamespace

    cache = ResultCache(tmp_path)
    exp = ch4.CHAPTER.experiments[0]
    parts = key_parts(ch4.CHAPTER, exp, resolve("sample").fingerprint, PROFILES["quick"], 0)
    result = SimpleNamespace(to_dict=lambda: {"test_accuracy": 0.5})  # what store() needs of a RunResult
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "ch4").write_text("a file where the cache keeps a folder")
    assert cache.load(parts) is None and cache.why_stale(parts) == ["not trained before"]
    cache.store(parts, result)  # a warning, not a traceback: the build goes on with the result it has
    assert "cannot store sigmoid in the cache" in caplog.text and "retrained next time" in caplog.text
    (tmp_path / "runs" / "ch4").unlink()
    (tmp_path / "runs" / "ch4" / "sigmoid").mkdir(parents=True)
    os.mkfifo(cache.entry_path(parts))  # a FIFO where an entry belongs is not waited on
    assert cache.load(parts) is None

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("lecturegen.engine.store.write_atomic", full)
    with pytest.raises(OSError):  # a full disk still stops the build (one line, see disk_full_is_an_error)
        cache.store(parts, result)
