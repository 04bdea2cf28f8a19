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
    """A real preview with a cheap candidate, the installed TensorFlow: uv (the default installer, with
    this machine's pip settings carried over) fills a fresh venv (from its cache), the build there
    reuses every cached result (the same versions), the two checks agree, the diff finds nothing, the
    exit code is diff's, and the user's packages are exactly what they were. (uv picks the newest NumPy
    and Keras that fit: when they are newer than the installed ones, the build retrains.)"""
    from importlib.metadata import version

    root = Path(__file__).resolve().parents[1]
    # uv installs without byte-compiling (as pip did here with PIP_NO_COMPILE): the venv's Python compiles
    # what it imports on first use and keeps it, as on a user's machine; this machine's
    # PYTHONDONTWRITEBYTECODE would make every process there compile TensorFlow's modules again
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
           "PYTHONPATH": str(root), "LECTUREGEN_OFFLINE": "1", "NO_COLOR": "1"}
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
    assert "there (uv)" in done.stderr
    assert "Installed " in done.stderr and "+ lecturegen==" in done.stderr  # uv's progress, shown while it installs
    assert "built " in done.stderr
    assert "every test accuracy within 1 points" in done.stdout
    assert "what students read" not in done.stdout  # dated as the current build: no page differs
    assert "check: " in done.stdout and ", 0 break" in done.stdout
    venv = next((tmp_path / "cache" / "preview").glob("tensorflow-*")) / "venv"
    probe = subprocess.run([str(venv / "bin" / "python"), "-P", "-c", "import lecturegen; print(lecturegen.__file__)"],
                           capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, cwd=root)
    assert str(venv) in probe.stdout  # its own copy of lecturegen, not the checkout through PYTHONPATH


def test_uv_follows_pips_settings_and_anything_it_cannot_follow_means_pip(monkeypatch):
    from lecturegen import installer

    settings = [("index-url", "https://mirror.example/simple"), ("extra-index-url", "file:///a file:///b"),
                ("find-links", "/opt/wheels"), ("constraint", "/etc/c.txt"), ("cert", "/etc/ca.pem"),
                ("no-index", "false"), ("default-timeout", "180"), ("disable-pip-version-check", "1")]
    flags, env, unknown = installer.carried_over(settings)
    assert flags == ["--index-url", "https://mirror.example/simple", "--extra-index-url", "file:///a",
                     "--extra-index-url", "file:///b", "--find-links", "/opt/wheels", "--constraint", "/etc/c.txt"]
    assert env == {"SSL_CERT_FILE": "/etc/ca.pem"} and unknown == []
    assert installer.carried_over([("no-index", "true"), ("proxy", "http://p:3128")]) == (["--no-index"], {}, ["proxy"])

    monkeypatch.setattr(installer, "uv_binary", lambda: "/bin/uv")
    monkeypatch.setattr(installer, "pip_settings", lambda: settings)
    chosen = installer.choose("auto")
    assert chosen.name == "uv" and "--find-links" in chosen.flags and chosen.env == {"SSL_CERT_FILE": "/etc/ca.pem"}
    command = chosen.install(Path("/v/bin/python"), "/src", ["tensorflow==2.20.0"], reused=False)
    assert command == [["/bin/uv", "pip", "install", "--no-config", "--no-progress", "--python", "/v/bin/python",
                        *chosen.flags, "--reinstall-package", "lecturegen", "/src", "tensorflow==2.20.0"]]
    assert chosen.venv(Path("/v"))[:5] == ["/bin/uv", "venv", "--quiet", "--no-config", "--seed"]

    monkeypatch.setattr(installer, "pip_settings", lambda: [*settings, ("proxy", "http://p:3128")])
    pip = installer.choose("auto")
    assert pip.name == "pip" and "'proxy'" in pip.why_pip
    assert installer.choose("uv").not_followed == ["proxy"]  # asked for by hand: uv, and the preview says what it leaves aside
    assert pip.venv(Path("/v")) == [sys.executable, "-m", "venv", "/v"]
    assert [c[3:5] for c in pip.install(Path("/v/bin/python"), "/src", ["keras==3.11.3"], reused=True)] == [
        ["install", "--progress-bar"], ["install", "--no-deps"]]  # a reused environment gets lecturegen again

    monkeypatch.setattr(installer, "uv_binary", lambda: None)
    assert "uv is not installed" in installer.choose("auto").why_pip
    with pytest.raises(UsageError, match="--installer uv"):
        installer.choose("uv")


def test_the_line_that_says_why_an_install_failed():
    from lecturegen.installer import Installer

    uv_tail = ["Using Python 3.11.7 environment at: v", "error: No solution found when resolving dependencies",
               "  cause: Because there is no version of tensorflow==9.9 and you require tensorflow==9.9, we can "
               "conclude that your requirements are unsatisfiable."]
    detail, missing = Installer.failure([line.strip() for line in uv_tail])
    assert missing and detail.startswith("error: No solution found") and "no version of tensorflow==9.9" in detail
    pip_tail = ["Collecting tensorflow==9.9", "ERROR: Could not find a version that satisfies the requirement tensorflow==9.9",
                "ERROR: No matching distribution found for tensorflow==9.9"]
    assert Installer.failure(pip_tail) == (" ".join(pip_tail[1:]), True)
    assert Installer.failure(["Killed"]) == ("Killed", False)
    assert Installer("uv").shows("Installed 95 packages in 3.1s") and Installer("uv").shows("+ keras==3.11.3")
    assert not Installer("uv").shows("+ zopfli==0.4.3") and Installer("pip").shows("Successfully installed keras-3.11.3")


def test_pip_settings_are_read_as_pip_config_list_shows_them(monkeypatch):
    from lecturegen import installer

    shown = (":env:.find-links='/opt/wheels'\nglobal.cert='/etc/ssl/certs/ca.crt'\nglobal.find-links='/elsewhere'\n"
             "install.extra-index-url='file:///a file:///b'\nglobal.extra-index-url='file:///c'\nfreeze.exclude='x'\n")
    monkeypatch.setattr(installer.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=shown, stderr=""))
    assert installer.pip_settings() == [("find-links", "/opt/wheels"), ("cert", "/etc/ssl/certs/ca.crt"),
                                        ("extra-index-url", "file:///a file:///b")]  # PIP_* > [install] > [global]


def test_installer_uv_without_uv_is_one_line_and_makes_nothing(tmp_path, capsys, monkeypatch):
    from lecturegen import installer

    (tmp_path / "out" / "ch4").mkdir(parents=True)
    data = report_data({"a": {}}, chapter_id="ch4", lang="ko", seeds=[0])
    data["dataset"] = {"source": "sample", "name": "MNIST sample"}
    (tmp_path / "out" / "ch4" / "report.json").write_text(json.dumps(data))
    monkeypatch.setattr(installer, "uv_binary", lambda: None)
    args = ["preview-upgrade", "tensorflow==2.20.0", "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c")]
    assert main([*args, "--installer", "uv"]) == 2
    assert "pip install uv" in _one_error_line(capsys)
    assert not (tmp_path / "c" / "preview").exists()
    assert main([*args, "--installer", "npm"]) == 2  # not a choice: the usual one-line usage error
    assert "npm" in capsys.readouterr().err


def test_the_candidate_build_is_dated_as_the_current_one(tmp_path, monkeypatch):
    from lecturegen.preview import CurrentBuild, build_env

    def built(date):
        return CurrentBuild(tmp_path, "ch4", "ko", "quick", "sample", 1, date)

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert build_env([built("2026-12-05 15:10 UTC"), built("2026-12-05 15:10 UTC")])["SOURCE_DATE_EPOCH"] == "1796483400"
    assert "SOURCE_DATE_EPOCH" not in build_env([built("2026-12-05 15:10 UTC"), built("2026-12-05 15:11 UTC")])
    assert "SOURCE_DATE_EPOCH" not in build_env([built(None)]) and "SOURCE_DATE_EPOCH" not in build_env([built("soon")])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert build_env([built("2026-12-05 15:10 UTC")])["SOURCE_DATE_EPOCH"] == "0"  # yours wins
