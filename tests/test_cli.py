"""Bad input: one line naming the problem and the fix, non-zero exit, no traceback, nothing written."""

from __future__ import annotations


import numpy as np
import pytest

from helpers import run_cli
from lecturegen.cli import app, main


class Result:
    def __init__(self, exit_code: int, output: str) -> None:
        self.exit_code, self.output = exit_code, output


def _run(capsys, tmp_path, *args):
    """Run the CLI's real entry point in-process; return its exit code and what it printed."""
    out = tmp_path / "out"
    code = main(["build", *args, "--out", str(out), "--cache-dir", str(tmp_path / "c"), "--quiet"])
    captured = capsys.readouterr()
    return Result(code, captured.out + captured.err), out


@pytest.mark.parametrize(
    "args, needle",
    [
        (["ch99"], "unknown chapter 'ch99'"),
        (["ch4", "--profile", "huge"], "huge"),
        (["ch4", "--lang", "fr"], "fr"),
        (["ch4", "--data", "/no/such/place"], "no such file or folder"),
        (["ch4", "--seed", "abc"], "--seed"),
    ],
)
def test_bad_input_is_one_clean_line(capsys, tmp_path, args, needle):
    result, out = _run(capsys, tmp_path, *args)
    assert result.exit_code in (1, 2)
    assert needle in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert not out.exists()


def test_folder_without_idx_files(capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result, out = _run(capsys, tmp_path, "ch4", "--data", str(empty))
    assert result.exit_code == 1
    assert "no MNIST IDX files" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_npz_with_wrong_keys(capsys, tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, images=np.zeros((3, 28, 28)))
    result, out = _run(capsys, tmp_path, "ch4", "--data", str(bad))
    assert result.exit_code == 1 and "x_train" in result.output
    assert not out.exists()


def test_not_an_npz(capsys, tmp_path):
    bad = tmp_path / "mnist.npz"
    bad.write_text("hello")
    result, out = _run(capsys, tmp_path, "ch4", "--data", str(bad))
    assert result.exit_code == 1 and "not a readable .npz" in result.output
    assert not out.exists()


def test_error_through_real_console_script_has_no_traceback(tmp_path):
    proc = run_cli("build", "nope", "--out", str(tmp_path / "o"), timeout=60)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == ["error: unknown chapter 'nope'; known chapters: ch4, ch5, ch6 (see 'lecturegen list')"]


def test_list_shows_chapters(runner):
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0 and result.output.startswith("ch4\t")


def test_quiet_means_the_same_after_any_command(capsys, tmp_path):
    """`lecturegen publish -q` as `lecturegen -q publish`: -q is accepted after every command, and an
    argument after `--` is left alone."""
    from lecturegen.cli import quiet_first

    assert quiet_first(["publish", "--out", "o", "-q"]) == ["-q", "publish", "--out", "o"]
    assert quiet_first(["check", "--", "-q"]) == ["check", "--", "-q"]
    assert quiet_first(["list"]) == ["list"]
    code = main(["publish", "--out", str(tmp_path / "none"), "--site", str(tmp_path / "site"), "-q"])
    err = capsys.readouterr().err
    assert code != 0 and "No such option" not in err and err.count("\n") == 1  # the real one-line error


def test_the_command_line_loads_the_snippet_checker_only_for_check():
    """Every command imports lecturegen.cli; the checker (its sandbox, workers, rules) loads when
    ``check`` runs, so a build does not pay for it (a re-render is about a second)."""
    import subprocess
    import sys

    code = ("import sys, lecturegen.cli\n"
            "print(sorted(m for m in sys.modules if m.startswith('lecturegen.check.') and m != 'lecturegen.check.cli'"
            " and m != 'lecturegen.check.limits'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
