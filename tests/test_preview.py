"""`lecturegen preview-upgrade REQUIREMENT...`: the course built with candidate library versions in a
separate virtual environment, compared with the current build; the user's environment untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import report_data

from lecturegen.cli import main
from lecturegen.errors import UsageError
from lecturegen.preview import current_builds, environment_dir, isolated_env, parse_requirements


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.parametrize("bad", ["tensorflow", "tensorflow 2.20", "tensorflow==", "../x==1", "tf==1; rm -rf /"])
def test_a_requirement_that_is_not_pinned_is_refused_before_anything_installs(bad, tmp_path, capsys):
    assert main(["preview-upgrade", bad, "--out", str(tmp_path), "--cache-dir", str(tmp_path / "c")]) == 2
    assert "NAME==VERSION" in _one_error_line(capsys)
    assert not (tmp_path / "c").exists()


def test_without_a_current_build_or_with_a_missing_legacy_folder_it_says_what_to_do(tmp_path, capsys):
    assert main(["preview-upgrade", "tensorflow==2.20.0", "--out", str(tmp_path), "--cache-dir", str(tmp_path / "c")]) == 2
    assert "lecturegen build" in _one_error_line(capsys)
    assert main(["preview-upgrade", "tensorflow==2.20.0", "--legacy", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    assert "nope" in _one_error_line(capsys)
    assert not (tmp_path / "c").exists()


def test_the_current_builds_settings_are_read_from_their_reports(tmp_path):
    for folder, chapter, lang in (("ch4", "ch4", "ko"), ("ch4-en", "ch4", "en"), ("ch5", "ch5", "ko")):
        (tmp_path / folder).mkdir()
        data = report_data({"a": {}}, chapter_id=chapter, lang=lang, seeds=[0, 1])
        data["dataset"] = {"source": "sample", "name": "MNIST sample"}
        (tmp_path / folder / "report.json").write_text(json.dumps(data))
    builds = current_builds(tmp_path, ("ch4",), None)
    assert [(b.chapter, b.lang, b.profile, b.data, b.seeds) for b in builds] == [
        ("ch4", "ko", "quick", "sample", 2), ("ch4", "en", "quick", "sample", 2)]
    assert len(current_builds(tmp_path, (), "keras")) == 3 and current_builds(tmp_path, (), "keras")[0].data == "keras"


def test_each_set_of_versions_has_its_own_environment_and_nothing_of_the_users_python_leaks_in(tmp_path, monkeypatch):
    a = environment_dir(tmp_path, ["tensorflow==2.20.0"])
    assert a == environment_dir(tmp_path, ["tensorflow==2.20.0"]) and a.parent == tmp_path / "preview"
    assert a != environment_dir(tmp_path, ["tensorflow==2.20.0", "keras==3.11.3"])
    assert environment_dir(tmp_path, ["keras==3.11.3", "tensorflow==2.20.0"]) == environment_dir(
        tmp_path, ["tensorflow==2.20.0", "keras==3.11.3"])
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    env = isolated_env()
    assert "PYTHONPATH" not in env and env["PYTHONNOUSERSITE"] == "1"
    assert parse_requirements([" keras==3.11.3 "]) == ["keras==3.11.3"]
    with pytest.raises(UsageError):
        parse_requirements([])


def _installed() -> dict[str, str]:
    done = subprocess.run([sys.executable, "-m", "pip", "list", "--format", "json"], capture_output=True, text=True,
                          check=True)
    return {p["name"].lower(): p["version"] for p in json.loads(done.stdout)}


@pytest.mark.slow
def test_a_real_preview_in_a_fresh_environment_leaves_the_users_untouched(tmp_path):
    """A real preview with a cheap candidate, the installed TensorFlow: pip fills a fresh venv (from its
    cache), the build there reuses every cached result (the same versions), the diff finds nothing,
    the exit code is diff's, and the user's packages are exactly what they were. (pip picks the newest
    NumPy and Keras that fit: when they are newer than the installed ones, the build retrains.)"""
    from importlib.metadata import version

    root = Path(__file__).resolve().parents[1]
    # PIP_NO_COMPILE: pip (which reads it, as the preview keeps pip's own settings) does not byte-compile
    # the 10,500 modules TensorFlow and its dependencies install (about 25 CPU s here);
    # the venv's Python compiles the few it imports. The venv, pip and the install are the real ones.
    env = {**os.environ, "PYTHONPATH": str(root), "LECTUREGEN_OFFLINE": "1", "NO_COLOR": "1", "PIP_NO_COMPILE": "1"}
    course = tmp_path / "course"
    course.mkdir()
    lg = [sys.executable, "-m", "lecturegen"]
    subprocess.run([*lg, "new", "ch7"], cwd=course, env=env, check=True, capture_output=True)
    cache = str(tmp_path / "cache")
    subprocess.run([*lg, "-q", "build", "ch7", "--chapters-dir", "chapters", "--profile", "quick", "--data", "sample",
                    "--out", "out", "--cache-dir", cache], cwd=course, env=env, check=True, capture_output=True)
    before = _installed()
    candidate = f"tensorflow=={version('tensorflow')}"
    done = subprocess.run([*lg, "preview-upgrade", candidate, "--out", "out", "--chapters-dir", "chapters",
                           "--cache-dir", cache, "--legacy", str(root / "tests" / "legacy_snippets" / "keras_ok.py")],
                          cwd=course, env=env, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _installed() == before
    assert "preview: creating a separate virtual environment" in done.stderr
    assert "Successfully installed" in done.stderr  # pip's progress, shown while it installs
    assert "built " in done.stderr
    assert "every test accuracy within 1 points" in done.stdout
    assert "check: " in done.stdout and ", 0 break" in done.stdout
    venv = next((tmp_path / "cache" / "preview").glob("tensorflow-*")) / "venv"
    probe = subprocess.run([str(venv / "bin" / "python"), "-P", "-c", "import lecturegen; print(lecturegen.__file__)"],
                           capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, cwd=root)
    assert str(venv) in probe.stdout  # its own copy of lecturegen, not the checkout through PYTHONPATH
