"""`lecturegen diff` explains: why each run moved (code, each setting before -> after, versions, the
cache's recorded reasons), claims that flipped and the wording students now read, a text diff of the
student pages, the figures that changed, and ``--format markdown``; the exit codes stay as they were."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import cli, report_data

from lecturegen.cli import main
from lecturegen.diffpages import page_text

SLIDES = """<html><head><title>x</title><style>p{{}}</style></head><body>
<section><h1>Dropout</h1><div class="highlight"><pre><span>keras.layers.Dropout({rate}),</span>
<span>    keras.layers.Dense(10)</span></pre></div>
<p>{sentence}</p><aside class="notes"><p>speaker only {rate}</p></aside>
<img class="figure" src="figures/curves.svg" alt="training curves"></section></body></html>"""


def _run(acc: float, epochs: int, code: str | None, cache: dict | None = None) -> dict:
    run = {"test_accuracy": acc, "test_loss": 1 - acc, "summary": {"total_params": 10}, "epochs": epochs,
           "wall_time_s": 1.0, "hyper_parameters": {"epochs": epochs, "batch_size": 32}}
    if code:
        run["code_sha256"] = code * 64
    if cache:
        run["cache"] = cache
    return run


def _build(folder: Path, runs: dict, *, rate: str, holds: bool, figure: str, **prov) -> Path:
    folder.mkdir(parents=True)
    claims = [{"id": "dropout-helps", "holds": holds, "text": "dropout helps"}]
    data = report_data(runs, claims=claims, **prov)
    data["figures"] = ["figures/curves.svg", "figures/same.svg"]
    (folder / "report.json").write_text(json.dumps(data))
    (folder / "figures").mkdir()
    (folder / "figures" / "curves.svg").write_text(figure)
    (folder / "figures" / "same.svg").write_text("<svg/>")
    sentence = "Dropout helped." if holds else "Dropout did not help here."
    (folder / "slides.html").write_text(SLIDES.format(rate=rate, sentence=sentence))
    (folder / "handout.html").write_text(SLIDES.format(rate="x", sentence="same"))
    return folder


@pytest.fixture()
def two_builds(tmp_path):
    old = _build(tmp_path / "old", {"baseline": _run(0.84, 3, "a"), "dropout": _run(0.80, 3, "b")},
                 rate="0.3", holds=True, figure="<svg>1</svg>")
    new = _build(tmp_path / "new", {"baseline": _run(0.84, 3, "a", {"status": "cached", "reasons": []}),
                                    "dropout": _run(0.63, 1, "c", {"status": "trained",
                                                                   "reasons": ["code of dropout changed", "epochs 3 -> 1",
                                                                               "--force"]})},
                 rate="0.5", holds=False, figure="<svg>2</svg>", tensorflow="2.21.0")
    return old, new


def test_text_says_why_each_run_moved_and_what_students_now_read(two_builds, capsys):
    old, new = two_builds
    assert main(["diff", str(old), str(new)]) == 1  # dropout moved 17 points: the gate fails as before
    out = capsys.readouterr().out
    why = next(line for line in out.splitlines() if line.strip().startswith("dropout"))
    for reason in ("tensorflow 2.20.0 -> 2.21.0", "code of dropout changed", "epochs 3 -> 1"):
        assert reason in why, (reason, why)
    assert why.count("epochs 3 -> 1") == 1
    # the cache's own reasons compare with what it trained last, not with the old build: not shown here
    assert "--force" not in why
    assert "(retrained)" in why
    assert "changed: tensorflow 2.20.0 -> 2.21.0" in out
    assert "claim 'dropout-helps': holds -> fails" in out and '"dropout helps"' in out
    assert 'students now read the wording for "fails"' in out
    assert "figures changed: figures/curves.svg" in out and "same.svg" not in out
    # the slides' text: code and prose lines, not the speaker notes or the markup
    assert "-keras.layers.Dropout(0.3)," in out and "+keras.layers.Dropout(0.5)," in out
    assert "-Dropout helped." in out and "+Dropout did not help here." in out
    assert "speaker only" not in out and "<p>" not in out and "handout.html" not in out
    assert "  baseline (from the cache, same numbers): tensorflow 2.20.0 -> 2.21.0" in out, out


def test_old_reports_without_a_code_fingerprint_still_show_the_caches_reasons(tmp_path, capsys):
    """A report written before diff read the code fingerprint: the cache's recorded reasons explain it
    (the review's case: 'changed: no versions or settings' although report.json said why)."""
    old = _build(tmp_path / "old", {"dropout": _run(0.80, 3, None)}, rate="0.3", holds=False, figure="<svg/>")
    new = _build(tmp_path / "new", {"dropout": _run(0.79, 1, None, {"status": "trained", "reasons": [
        "code of dropout changed", "epochs 3 -> 1"]})}, rate="0.5", holds=False, figure="<svg/>")
    assert main(["diff", str(old), str(new), "--tolerance", "5"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"dropout \(retrained\): epochs 3 -> 1; code of dropout changed", out), out
    assert "every test accuracy within 5 points" in out


def test_json_and_markdown_carry_the_explanation(two_builds, capsys):
    old, new = two_builds
    assert main(["diff", str(old), str(new), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    dropout = next(e for e in data["experiments"] if e["name"] == "dropout")
    assert {"code of dropout changed", "epochs 3 -> 1"} <= set(dropout["reasons"]) and dropout["retrained"] is True
    assert data["claims"] == [{"name": "dropout-helps", "old": True, "new": False, "text": "dropout helps"}]
    assert data["figures"] == [{"path": "figures/curves.svg", "status": "changed"}]
    assert [p["page"] for p in data["pages"]] == ["slides.html"]
    assert main(["diff", str(old), str(new), "--json"]) == 1 and json.loads(capsys.readouterr().out) == data

    assert main(["diff", str(old), str(new), "--format", "markdown"]) == 1
    md = capsys.readouterr().out
    assert md.startswith("### lecturegen diff:")
    row = next(line for line in md.splitlines() if line.startswith("| dropout"))
    assert "-17.00 ⚠️" in row and "code of dropout changed" in row and "epochs 3 -> 1" in row
    assert "```diff" in md and "+keras.layers.Dropout(0.5)," in md and "<details>" in md
    assert "- claim 'dropout-helps': holds -> fails" in md and "**The gate fails**" in md
    # the table stays a table: a '|' from a report is escaped
    assert all(line.count("|") - line.count("\\|") == 7 for line in md.splitlines() if line.startswith("| "))


def test_markdown_of_a_passing_diff_and_the_same_build(two_builds, capsys):
    old, _ = two_builds
    assert main(["diff", str(old), str(old), "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert "every test accuracy within 1 points" in md and "```diff" not in md and "figures changed" not in md


def test_page_text_keeps_code_lines_and_drops_markup():
    html = SLIDES.format(rate="0.3", sentence="A <strong>bold</strong> &amp; plain")
    assert page_text(html, skip_notes=True) == [
        "Dropout", "keras.layers.Dropout(0.3),", "    keras.layers.Dense(10)", "A bold & plain", "[training curves]"]
    assert "speaker only 0.3" in page_text(html)


def test_a_figure_path_outside_the_build_is_not_read(tmp_path, capsys):
    secret = tmp_path / "secret.svg"
    secret.write_text("x")
    old = _build(tmp_path / "old", {"a": _run(0.8, 1, "a")}, rate="1", holds=True, figure="<svg/>")
    new = _build(tmp_path / "new", {"a": _run(0.8, 1, "a")}, rate="1", holds=True, figure="<svg/>")
    for folder in (old, new):
        data = json.loads((folder / "report.json").read_text())
        data["figures"].append("../secret.svg" if folder is old else "/etc/hostname")
        (folder / "report.json").write_text(json.dumps(data))
    assert main(["diff", str(old), str(new), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["figures"] == []


@pytest.mark.slow
def test_a_real_edit_of_epochs_and_code_shows_both_reasons(tmp_path):
    """The review's scenario on real builds: a chapter's dropout experiment edited (Dropout 0.3 -> 0.5,
    epochs 3 -> 1) and rebuilt; ``diff`` names both reasons and shows the changed code line. Then a
    typo in a branch the build does not take fails the next build (issue 24 item 5, end to end)."""
    env_cmd = [sys.executable, "-m", "lecturegen"]
    root = Path(__file__).resolve().parents[1]
    env = {**__import__("os").environ, "PYTHONPATH": str(root), "LECTUREGEN_OFFLINE": "1", "NO_COLOR": "1"}
    course = tmp_path / "course"
    course.mkdir()
    subprocess.run([*env_cmd, "new", "ch7"], cwd=course, env=env, check=True, capture_output=True)
    module = course / "chapters" / "ch7.py"
    source = module.read_text()
    second = source[source.index("@experiment("):source.index("\n\n\n", source.index("def baseline"))]
    second = second.replace("def baseline", "def dropout").replace(
        'keras.layers.Dense(32, activation="relu"),', 'keras.layers.Dense(32, activation="relu"),\n        keras.layers.Dropout(0.3),')
    source = source.replace("\n\n\nCHAPTER = chapter(", "\n\n\n" + second + "\n\n\nCHAPTER = chapter(").replace(
        "experiments=[baseline]", "experiments=[baseline, dropout]")
    module.write_text(source)
    content = course / "chapters" / "ch7" / "ko.md"
    content.write_text(content.read_text() + '\n---\n# 드롭아웃\n\n{{ code("dropout") }}\n\n'
                       '{% if runs.dropout.test_accuracy > 2 %}{{ runs.dropout.test_accuracy | pct }}{% else %}-{% endif %}\n')
    # the builds and the diff run in this process (helpers.cli: the command line, its own stdout and stderr):
    # one TensorFlow import for the worker, not a cold one per build
    build = ["-q", "build", "ch7", "--chapters-dir", "chapters", "--profile", "quick", "--data", "sample",
             "--cache-dir", str(tmp_path / "cache")]
    first = cli(*build, "--out", "out1", cwd=course, env=env, timeout=600)
    assert first.returncode == 0, first.stderr
    edited = source.replace("Dropout(0.3)", "Dropout(0.5)")
    at = edited.index("def dropout")
    cut = edited.rindex("epochs=3", 0, at)
    module.write_text(edited[:cut] + "epochs=1" + edited[cut + len("epochs=3"):])
    second = cli(*build, "--out", "out2", cwd=course, env=env, timeout=600)
    assert second.returncode == 0, second.stderr
    diff = cli("diff", "out1/ch7", "out2/ch7", "--tolerance", "100", cwd=course, env=env)
    assert diff.returncode == 0, diff.stderr
    why = next(line for line in diff.stdout.splitlines() if line.strip().startswith("dropout ("))
    assert "code of dropout changed" in why and "epochs 3 -> 1" in why, diff.stdout
    assert "baseline (" not in diff.stdout  # unchanged and cached: nothing to explain
    assert re.search(r"-\s+keras.layers.Dropout\(0.3\),", diff.stdout), diff.stdout
    assert re.search(r"\+\s+keras.layers.Dropout\(0.5\),", diff.stdout), diff.stdout
    assert "figures changed:" in diff.stdout

    # a typo in the branch this build does not take (accuracy > 2 never holds) fails the build, output kept
    before = (course / "out2" / "ch7" / "slides.html").read_bytes()
    content.write_text(content.read_text().replace("runs.dropout.test_accuracy | pct", "runs.dropout.test_acuracy | pct"))
    failed = cli(*build, "--out", "out2", cwd=course, env=env, timeout=600)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    errors = [line for line in failed.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "ko.md line" in errors[0] and "test_acuracy" in errors[0], failed.stderr
    assert "does not take" in errors[0] and "Traceback" not in failed.stderr
    assert (course / "out2" / "ch7" / "slides.html").read_bytes() == before


def test_a_retraining_nothing_between_the_builds_explains_shows_the_caches_reason(tmp_path, capsys):
    old = _build(tmp_path / "old", {"a": _run(0.80, 3, "a")}, rate="1", holds=True, figure="<svg/>")
    new = _build(tmp_path / "new", {"a": _run(0.81, 3, "a", {"status": "trained", "reasons": ["--force"]})},
                 rate="1", holds=True, figure="<svg/>")
    assert main(["diff", str(old), str(new)]) == 0
    assert "a (retrained): --force" in capsys.readouterr().out


def test_runs_retrained_for_the_same_reason_share_one_line(tmp_path, capsys):
    """An upgrade retrains every run for one reason: one line names them, and says the numbers stayed."""
    trained = {"status": "trained", "reasons": ["tensorflow 2.20.0 -> 2.21.0"]}
    old = _build(tmp_path / "old", {n: _run(0.8, 2, n[0]) for n in ("relu", "sigmoid", "adam")}, rate="1",
                 holds=True, figure="<svg/>")
    new = _build(tmp_path / "new", {"relu": _run(0.8, 2, "r", trained), "sigmoid": _run(0.8, 2, "s", trained),
                                    "adam": _run(0.9, 2, "a", trained)}, rate="1", holds=True, figure="<svg/>",
                 tensorflow="2.21.0")
    assert main(["diff", str(old), str(new), "--tolerance", "50"]) == 0
    out = capsys.readouterr().out
    assert "  relu, sigmoid (retrained, same numbers): tensorflow 2.20.0 -> 2.21.0" in out, out
    assert "  adam (retrained): tensorflow 2.20.0 -> 2.21.0" in out, out
