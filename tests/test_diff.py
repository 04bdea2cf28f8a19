"""`lecturegen diff OLD NEW`: per-experiment changes, version changes, and a CI gate on accuracy."""

from __future__ import annotations

import json
import shutil

import pytest
from helpers import copy_shared, report_data

from lecturegen.chapters import ch4
from lecturegen.cli import main
from lecturegen.diff import Report, compare
from lecturegen.errors import UsageError


def _report(acc: dict[str, float], tf: str = "2.20.0", claims=()) -> dict:
    runs = {name: {"test_accuracy": a, "test_loss": 1 - a, "summary": {"total_params": 10}, "epochs": 2,
                   "wall_time_s": 1.0} for name, a in acc.items()}
    return report_data(runs, tensorflow=tf, claims=[{"id": i, "holds": h} for i, h in claims])


def test_compare_counts_points_and_names_changes():
    old = Report("old", _report({"a": 0.950, "b": 0.800, "gone": 0.5}, claims=[("x", True)]))
    new = Report("new", _report({"a": 0.9595, "b": 0.805, "fresh": 0.7}, tf="2.21.0", claims=[("x", False)]))
    result = compare(old, new, tolerance=0.9)
    by_name = {e.name: e for e in result.experiments}
    assert by_name["a"].accuracy_points == pytest.approx(0.95) and by_name["a"].exceeds
    assert not by_name["b"].exceeds
    assert by_name["gone"].status == "removed" and by_name["fresh"].status == "added"
    assert result.exceeded
    assert [(c.name, c.old, c.new) for c in result.settings] == [("tensorflow", "2.20.0", "2.21.0")]
    assert [(c.name, c.old, c.new) for c in result.claims] == [("x", True, False)]
    assert not compare(old, new, tolerance=1.0).exceeded


@pytest.mark.slow
def test_diff_between_two_real_builds(quick_build, seeds_build, capsys):
    old, new = str(quick_build[0]), str(seeds_build[0])
    assert main(["diff", old, new, "--json", "--tolerance", "100"]) == 0
    data = json.loads(capsys.readouterr().out)
    moves = [abs(e["accuracy_change_points"]) for e in data["experiments"]]
    assert {e["name"] for e in data["experiments"]} == {e.name for e in ch4.CHAPTER.experiments}
    assert {"name": "seeds", "old": [0], "new": [0, 1]} in data["changed"]
    biggest = max(moves)
    assert biggest > 0  # a second seed moves the mean of at least one experiment
    assert main(["diff", old, new, "--tolerance", str(biggest / 2)]) == 1
    table = capsys.readouterr().out
    for name in ("sigmoid", "relu", "quickstart", "Δ points", "seeds 0 -> 0,1", "more than"):
        assert name in table, name
    assert main(["diff", old, new + "/report.json", "--tolerance", str(biggest + 0.01)]) == 0
    assert "within" in capsys.readouterr().out


def test_diff_bad_paths_are_one_line_exit_2(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "other.json").write_text('{"a": 1}')
    for bad in (tmp_path / "missing", tmp_path / "notes.txt", tmp_path / "other.json", tmp_path):
        assert main(["diff", str(bad), str(bad)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err


@pytest.mark.slow
def test_simulated_tensorflow_upgrade_is_explained(quick_build, cache_dir, runner, tmp_path):
    """Record relu's cached result as if TensorFlow 2.20.0 had produced it: the build must retrain
    exactly relu and say why, on the terminal and in report.json."""
    from lecturegen.engine.cache import ResultCache, key_parts
    from lecturegen.core.chapter import PROFILES
    from lecturegen.chapters import ch4
    from lecturegen.cli import app
    from lecturegen.engine.data import resolve

    cache_copy = tmp_path / "cache"
    copy_shared(cache_dir / "runs", cache_copy / "runs")
    shutil.copyfile(cache_dir / ".secret", cache_copy / ".secret")  # the key the entries are sealed with
    cache = ResultCache(cache_copy)
    parts = key_parts(ch4.CHAPTER, ch4.CHAPTER.experiment("relu"), resolve("sample").fingerprint, PROFILES["quick"], 0)
    result = cache.load(parts)
    assert result is not None
    old_parts = json.loads(json.dumps(parts))
    old_parts["versions"]["tensorflow"] = "2.20.0"
    for entry in (cache_copy / "runs" / "ch4" / "relu").glob("*.json"):
        entry.unlink()
    cache.store(old_parts, result)

    run = runner.invoke(app, ["build", "ch4", "--profile", "quick", "--data", "sample", "--out", str(tmp_path / "o"),
                              "--cache-dir", str(cache_copy)])  # not --quiet: the progress says why
    assert run.exit_code == 0, run.output
    now = parts["versions"]["tensorflow"]
    assert f"[relu] training: tensorflow 2.20.0 -> {now}" in run.output, run.output
    assert f"trained 1, cached {len(ch4.CHAPTER.experiments) - 1}" in run.output
    report = json.loads((tmp_path / "o" / "ch4" / "report.json").read_text())
    assert report["runs"]["relu"]["cache"] == {"status": "trained", "reasons": [f"tensorflow 2.20.0 -> {now}"]}
    assert report["runs"]["sigmoid"]["cache"]["status"] == "cached"


# ---------------------------------------------------------------- the gate cannot be passed by a broken build


def _gate(tmp_path, old: dict, new: dict, *args: str) -> tuple[int, str, str]:
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new).replace('"__NaN__"', "NaN").replace('"__Inf__"', "Infinity"))
    code = main(["diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--tolerance", "100", *args])
    return code, *_captured()


_captured = None


@pytest.fixture(autouse=True)
def _capture(capsys):
    global _captured
    _captured = lambda: tuple(capsys.readouterr())  # noqa: E731


BROKEN_NEW = {
    "NaN accuracy": ({"a": 0.9}, lambda r: r["runs"]["a"].update(test_accuracy="__NaN__"), "a has no valid test_accuracy"),
    "infinite loss": ({"a": 0.9}, lambda r: r["runs"]["a"].update(test_loss="__Inf__"), "a has no valid test_loss"),
    "missing accuracy": ({"a": 0.9}, lambda r: r["runs"]["a"].pop("test_accuracy"), "a has no valid test_accuracy"),
    "accuracy as text": ({"a": 0.9}, lambda r: r["runs"]["a"].update(test_accuracy="0.9"), "no valid test_accuracy"),
    "accuracy as true": ({"a": 0.9}, lambda r: r["runs"]["a"].update(test_accuracy=True), "no valid test_accuracy"),
    "run not an object": ({"a": 0.9}, lambda r: r["runs"].update(a=[1, 2]), "a has no valid test_accuracy"),
    "removed run": ({"a": 0.9, "b": 0.8}, lambda r: r["runs"].pop("b"), "b was removed"),
    "no runs": ({"a": 0.9}, lambda r: r["runs"].clear(), "has no runs"),
}


@pytest.mark.parametrize("case", list(BROKEN_NEW))
@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_gate_fails_on_broken_or_missing_results(case, as_json, tmp_path):
    accs, spoil, needle = BROKEN_NEW[case]
    new = _report(accs)
    spoil(new)
    code, out, err = _gate(tmp_path, _report(accs), new, *(["--json"] if as_json else []))
    assert code == 1, out + err
    assert "Traceback" not in out + err and err == ""
    if as_json:
        data = json.loads(out)  # strict JSON: a NaN in the report is not echoed as NaN
        assert data["failed"] and any(needle in p for p in data["problems"])
    else:
        assert "gate fails: " in out and needle in out and "within" not in out


def test_gate_passes_an_intact_report_and_refuses_a_tolerance_that_is_not_finite(tmp_path):
    code, out, _ = _gate(tmp_path, _report({"a": 0.9}), _report({"a": 0.91, "new": 0.5}))
    assert code == 0 and "every test accuracy within 100 points" in out
    for bad in ("nan", "inf"):
        code, out, err = _gate(tmp_path, _report({"a": 0.9}), _report({"a": 0.9}), "--tolerance", bad)
        assert code == 2 and err.startswith("error: ") and "--tolerance" in err and len(err.splitlines()) == 1, err
        with pytest.raises(UsageError, match="give a finite number"):
            compare(Report("o", _report({"a": 0.9})), Report("n", _report({"a": 0.9})), float(bad))


MARKUP = "[link=https://evil.example/]click[/link][bold red]x"


def test_names_from_a_report_are_never_terminal_markup(tmp_path):
    from rich.console import Console

    from lecturegen.diff import print_table

    old, new = _report({MARKUP: 0.9, "b": 0.5}), _report({MARKUP: 0.95})
    new["runs"][MARKUP]["epochs"] = "[blink]2"
    console = Console(record=True, width=300, force_terminal=True)
    print_table(compare(Report(f"{MARKUP}-old", old), Report("new", new), tolerance=1.0), console)
    text = console.export_text()
    assert MARKUP in text and f"{MARKUP}-old" in text  # shown as written, not interpreted
    assert "evil.example" not in console.export_html(inline_styles=True).split("<body>")[-1].replace(MARKUP, "")


def test_control_characters_from_a_report_never_reach_the_terminal(capsys):
    import io

    from rich.console import Console

    from lecturegen.diff import print_table

    evil = "a\x1b]0;pwned\x07\x1b[2J"
    old, new = _report({evil: 0.9}, tf="2.20.0\x1b[31m"), _report({evil: 0.9}, claims=[(evil, True)])
    buf = io.StringIO()
    print_table(compare(Report(evil, old), Report("new", new)), Console(file=buf, width=300, force_terminal=False))
    text = buf.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert "a\\x1b]0;pwned\\x07\\x1b[2J" in text and "2.20.0\\x1b[31m" in text


MALFORMED = {
    "missing chapter": (lambda r: r.pop("chapter"), "chapter is missing"),
    "date as number": (lambda r: r["provenance"].update(build_date=5), "provenance.build_date must be str, not a number"),
    "claims as object": (lambda r: r.update(claims={"x": 1}), "claims must be a list, not an object"),
    "claim without verdict": (lambda r: r["claims"].append({"id": "c"}), "claims[0].holds is missing"),
    "runs as list": (lambda r: r.update(runs=[1]), "runs must be an object, not a list"),
    "not an object": (lambda r: None, "the report must be an object, not a list"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_report_is_one_clear_line_in_diff_and_publish(case, tmp_path, capsys):
    from lecturegen.report import Report, ReportError

    spoil, needle = MALFORMED[case]
    good = _report({"a": 0.9})
    bad = [1] if case == "not an object" else json.loads(json.dumps(good))
    spoil(bad)
    (tmp_path / "good.json").write_text(json.dumps(good))
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    assert Report.load(tmp_path / "good.json").provenance.tensorflow == "2.20.0"
    with pytest.raises(ReportError, match="is not a lecturegen report: "):
        Report.load(tmp_path / "bad.json")
    assert main(["diff", str(tmp_path / "good.json"), str(tmp_path / "bad.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and needle in err and len(err.strip().splitlines()) == 1, err
    # publish reads the same reports through the same type
    folder = tmp_path / "out" / "ch4"
    folder.mkdir(parents=True)
    (folder / "report.json").write_text(json.dumps(bad))
    assert main(["publish", "--out", str(tmp_path / "out"), "--site", str(tmp_path / "site")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_deeply_nested_report_is_one_clear_line(tmp_path, capsys):
    (tmp_path / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    (tmp_path / "good.json").write_text(json.dumps(_report({"a": 0.9})))
    assert main(["diff", str(tmp_path / "good.json"), str(tmp_path / "deep.json")]) == 2
    err = capsys.readouterr().err
    assert "is not a lecturegen report.json" in err and len(err.strip().splitlines()) == 1, err


def test_check_table_shows_a_snippets_escape_sequences_instead_of_sending_them(tmp_path):
    import io

    from rich.console import Console

    from lecturegen.check.audit import CheckResult
    from lecturegen.check.cli import render_table

    evil = "boom\x1b]0;pwned\x07\x1b[2J [bold]x[/bold]"
    buf = io.StringIO()
    render_table([CheckResult(f"{tmp_path}/a\x1b[31m.py", 1, "script", "py", "error", evil, "RuntimeError")],
                 Console(file=buf, width=400, force_terminal=False))
    text = buf.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b]0;pwned\\x07\\x1b[2J [bold]x[/bold]" in text
