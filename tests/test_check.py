"""`lecturegen check`: snippet extraction, verdicts, suggested fixes, line mapping, exit codes.

The fixtures in tests/legacy_snippets/ run for real against the installed
TensorFlow/Keras/NumPy, each in its own subprocess (jobs=2).  Tests that import
TensorFlow share one CLI run (the module-scoped ``audit`` fixture); they and the
rule probe are marked ``slow`` (about a minute on 2 busy cores) but run by default.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from lecturegen.check.audit import CheckInputError, CheckResult, Snippet, check_snippets, collect_snippets
from lecturegen.check.rules import match_message, static_hits
from lecturegen.check.cli import register

FIXTURES = Path(__file__).parent / "legacy_snippets"
RESULT_KEYS = {"path", "line", "snippet", "kind", "verdict", "message", "error_type", "fix",
               "rule", "warnings", "hints", "location", "findings"}


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """A group, like the real CLI (a lone command would become the root command)."""

    register(app)
    return app


def invoke(*args: str):
    # wide enough that rich does not fold paths inside the table cells
    return CliRunner(env={"COLUMNS": "250"}).invoke(make_app(), ["check", *map(str, args)])


@pytest.fixture(scope="module")
def audit():
    """One `check --json` run over every fixture except the infinite loop."""
    files = sorted(p for p in FIXTURES.iterdir() if p.name != "infinite_loop.py")
    result = invoke(*files, "--json", "--jobs", "2", "--timeout", "120")  # TF import on busy CI
    results = json.loads(result.stdout)
    by_id = {(Path(r["path"]).name, r["snippet"]): r for r in results}
    return result.exit_code, results, by_id


def test_collect_walks_folder_and_maps_lines():
    snippets = collect_snippets([FIXTURES])
    found = {(s.path.name, s.index): s for s in snippets}
    assert {name for name, _ in found} == {
        "infinite_loop.py", "input_shape_warning.py", "keras_ok.py", "lecture.md",
        "notebook.ipynb", "numpy_alias.py", "optimizer_lr.py", "syntax_error.html"}
    # Markdown: the bash block is skipped, python blocks start on the line after the fence
    assert [(s.line, s.kind) for s in snippets if s.path.name == "lecture.md"] == [(12, "md"), (20, "md")]
    html = [s for s in snippets if s.path.name == "syntax_error.html"]
    assert [s.line for s in html] == [5] and "sum() > 1" in html[0].code  # entities decoded
    cells = [s for s in snippets if s.kind == "ipynb"]
    assert [s.index for s in cells] == [1, 2, 4]  # cell 3 is Markdown
    assert cells[0].code.startswith("pass  # %matplotlib inline\n")


@pytest.mark.parametrize("paths, needle", [
    (["/no/such/lecture.md"], "path not found: /no/such/lecture.md"),
    (["EMPTY"], "no Python snippets found"),
    (["EMPTY/notes.txt"], "unsupported file type"),
    (["EMPTY/pipe.py"], "is a FIFO"),
    ([str(FIXTURES / "numpy_alias.py"), "--timeout", "inf"], "give --timeout between 0 and 86400 s"),
    ([str(FIXTURES / "numpy_alias.py"), "--memory-mb", "99999999999"], "--memory-mb between 64 and 16777216"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, paths, needle):
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "notes.txt").write_text("print('not checked')\n")
    (tmp_path / "prose.md").write_text("# Title\n\n```bash\nls\n```\n")
    result = invoke(*(p.replace("EMPTY", str(tmp_path)) for p in paths))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and needle in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    with pytest.raises(CheckInputError):
        collect_snippets([tmp_path / "prose.md"])


@pytest.mark.slow
def test_json_shape_and_exit_code(audit):
    exit_code, results, _ = audit
    assert exit_code == 1  # there are errors
    assert len(results) == 10
    for r in results:
        assert set(r) == RESULT_KEYS
        assert r["verdict"] in {"ok", "warning", "error"} and isinstance(r["line"], int)


@pytest.mark.slow
def test_working_keras_code_is_ok(audit):
    """Also proves TF + Keras import and compile under the default 4 GiB address-space limit."""
    r = audit[2]["keras_ok.py", "script"]
    assert (r["verdict"], r["fix"], r["warnings"]) == ("ok", None, []), r


@pytest.mark.slow
def test_optimizer_lr_alias(audit):
    r = audit[2]["optimizer_lr.py", "script"]
    assert (r["verdict"], r["error_type"], r["line"]) == ("error", "ValueError", 11)
    assert r["message"] == "Argument(s) not recognized: {'lr': 0.001}"
    assert r["rule"] == "optimizer-lr" and "learning_rate=" in r["fix"]


@pytest.mark.slow
def test_removed_numpy_alias(audit):
    r = audit[2]["numpy_alias.py", "script"]
    assert (r["verdict"], r["error_type"], r["line"]) == ("error", "AttributeError", 5)
    assert r["message"].startswith("module 'numpy' has no attribute 'float'")
    assert r["fix"] == "replace `np.float` with the builtin `float` (or `np.float64`)"


@pytest.mark.slow
def test_layer_input_shape_only_warns(audit):
    r = audit[2]["input_shape_warning.py", "script"]
    assert (r["verdict"], r["error_type"], r["line"]) == ("warning", "UserWarning", 5)
    assert "Do not pass an `input_shape`/`input_dim` argument" in r["message"]
    assert r["rule"] == "layer-input-shape" and "keras.Input(shape=" in r["fix"]


@pytest.mark.slow
def test_syntax_error_in_html_block(audit):
    r = audit[2]["syntax_error.html", "block 1"]
    assert (r["verdict"], r["error_type"], r["line"]) == ("error", "SyntaxError", 9)
    assert r["message"] == "expected ':'"


@pytest.mark.slow
def test_markdown_blocks_map_to_file_lines(audit):
    ok, broken = audit[2]["lecture.md", "block 1"], audit[2]["lecture.md", "block 2"]
    assert (ok["verdict"], ok["line"]) == ("ok", 12)
    assert (broken["verdict"], broken["line"], broken["rule"]) == ("error", 22, "numpy2-removed")
    assert broken["fix"] == "replace `np.NaN` with `np.nan` (removed in NumPy 2.0)"


@pytest.mark.slow
def test_notebook_cells_share_state_but_get_own_verdicts(audit):
    by_id = audit[2]
    assert by_id["notebook.ipynb", "cell 1"]["verdict"] == "ok"
    assert by_id["notebook.ipynb", "cell 2"]["verdict"] == "ok"  # uses `weights` from cell 1
    r = by_id["notebook.ipynb", "cell 4"]
    assert (r["verdict"], r["line"], r["rule"]) == ("error", 2, "numpy2-removed")  # line in cell


@pytest.mark.slow
def test_table_output(audit):
    result = invoke(FIXTURES / "numpy_alias.py", FIXTURES / "lecture.md", "--format", "table")
    assert result.exit_code == 1
    for text in ("numpy_alias.py:5", "lecture.md:22", "block 2", "error", "np.float64",
                 "3 snippets: 1 ok, 0 warning, 2 error, 0 timeout"):
        assert text in result.stdout, result.stdout


def test_infinite_loop_times_out():
    start = time.monotonic()
    result = invoke(FIXTURES / "infinite_loop.py", "--timeout", "1", "--json")  # the cell's own timer: no startup in it
    [r] = json.loads(result.stdout)
    assert result.exit_code == 1
    assert r["verdict"] == "timeout" and 4 <= r["line"] <= 6  # inside the while loop
    assert time.monotonic() - start < 30


def test_deprecation_warning_only_exits_0(tmp_path):
    (tmp_path / "notes.md").write_text(
        "Intro\n\n```python\nprint('fine')\n```\n\n```python\nimport warnings\n\n"
        "def old():\n    warnings.warn('old() is deprecated; use new()', DeprecationWarning,"
        " stacklevel=2)\n\nold()\n```\n\n```python\nimport re\nre.compile('\\d+')\n```\n")
    result = invoke(tmp_path, "--json")
    assert result.exit_code == 0, result.output
    ok, warned, escape = json.loads(result.stdout)
    assert ok["verdict"] == "ok"
    assert (warned["verdict"], warned["error_type"], warned["line"]) == ("warning", "DeprecationWarning", 13)
    assert warned["message"] == "old() is deprecated; use new()"
    # a compile-time warning, mapped to its file line, with a fix from the rule table
    assert (escape["verdict"], escape["line"], escape["rule"]) == ("warning", 18, "invalid-escape")


def test_memory_limit_is_enforced(tmp_path):
    script = tmp_path / "big.py"
    script.write_text("import numpy as np\nbig = np.ones(400_000_000)  # 3.2 GB\n")
    [r] = check_snippets([Snippet(script, 1, 1, script.read_text(), "py")],
                         timeout=30, memory_mb=1024, jobs=1)
    assert (r.verdict, r.line, r.rule) == ("error", 2, "memory-limit"), r
    assert "MemoryError" in r.error_type


def test_static_hints_from_ast():
    code = ("import numpy as np\nfrom keras.utils.np_utils import to_categorical\n"
            "layer = Dense(output_dim=3)\nmodel.fit_generator(gen)\nx = np.unicode\n"
            "opt = SGD(lr=0.1)\ntrain(lr=0.1)\nflag = np.bool_\n")
    hits = {line: rule for line, (rule, _) in static_hits(code, offset=10).items()}
    assert hits == {12: "keras-np-utils", 13: "layer-keras1-args", 14: "keras-generator-methods",
                    15: "numpy-builtin-alias", 16: "optimizer-lr"}
    assert static_hits(code)[3][1] == "rename the Keras 1 argument `output_dim=` to `units=`"


PROBES = {
    "optimizer-lr": "keras.optimizers.Adam(lr=0.01)",
    "optimizer-decay": "keras.optimizers.SGD(decay=0.01)",
    "optimizer-legacy": "tf.keras.optimizers.legacy.Adam()",
    "numpy-builtin-alias": "np.complex",
    "numpy2-removed": "np.Inf",
    "layer-input-shape": "keras.Sequential([keras.layers.Dense(4, input_shape=(3,))])",
    "layer-batch-input-shape": "keras.layers.Dense(4, batch_input_shape=(None, 3))",
    "layer-keras1-args": "keras.layers.Conv2D(3, 3, border_mode='same')",
    "fit-nb-epoch": "m.fit(np.zeros((2, 3)), np.zeros((2, 1)), nb_epoch=1, verbose=0)",
    "keras-generator-methods": "m.fit_generator(None)",
    "keras-predict-classes": "m.predict_classes(np.zeros((1, 3)))",
    "keras-np-utils": "import keras.utils.np_utils",
    "keras-experimental-preprocessing": "from keras.layers.experimental import preprocessing",
    "keras-image-data-generator": "from keras.preprocessing.image import ImageDataGenerator",
    "keras-save-format": "m.save('model_dir')",
    "tf1-api": "tf.Session()",
}
PROBE_SCRIPT = """
import json, sys, warnings
import numpy as np, tensorflow as tf, keras
m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
m.compile(optimizer="adam", loss="mse")
texts = {}
for rule, code in json.loads(sys.argv[1]).items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(code)
            texts[rule] = "; ".join(f"{w.category.__name__}: {w.message}" for w in caught)
        except Exception as exc:
            texts[rule] = f"{type(exc).__name__}: {exc}"
print(json.dumps(texts))
"""


@pytest.mark.slow
def test_rules_match_the_installed_versions(tmp_path):
    """Every rule's regex matches what the installed TF/Keras/NumPy really say."""
    proc = subprocess.run([sys.executable, "-c", PROBE_SCRIPT, json.dumps(PROBES)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    texts = json.loads(proc.stdout.strip().splitlines()[-1])
    for rule, text in texts.items():
        assert (match_message(text) or (None,))[0] == rule, f"{rule}: {text!r}"


@pytest.mark.slow
def test_text_output_when_piped(audit):
    """Not on a terminal: one grep-able, clickable `file:line: verdict: message` line per snippet."""
    result = invoke(FIXTURES / "numpy_alias.py", FIXTURES / "lecture.md")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(str(FIXTURES / "numpy_alias.py") + ":5: error: ") and "np.float64" in line
               for line in lines), result.stdout
    assert any(":22: error: " in line and "lecture.md" in line for line in lines), result.stdout
    assert lines[-1].startswith("3 snippets: 1 ok, 0 warning, 2 error, 0 timeout; "), lines[-1]


# ------------------------------------------------------------------ isolation (issue 16)
def namespaces_available() -> bool:
    """Whether this machine lets us make PID, network and mount namespaces (root, or user namespaces)."""
    try:
        return subprocess.run(["unshare", "--net", "--pid", "--mount", "--fork", "true"],
                              capture_output=True, timeout=30, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


needs_namespaces = pytest.mark.skipif(not namespaces_available(), reason="no Linux namespaces here")


def run_code(tmp_path: Path, code: str, timeout: float = 30) -> CheckResult:
    script = tmp_path / "snippet.py"
    script.write_text(code)
    [r] = check_snippets([Snippet(script, 1, 1, code, "py")], timeout=timeout, jobs=1)
    return r


def observed(r: CheckResult) -> dict:
    """What a probe snippet saw: it raises RuntimeError(json) so its findings come back as the message."""
    assert (r.verdict, r.error_type) == ("error", "RuntimeError"), r
    return json.loads(r.message)


@pytest.mark.parametrize("namespaces", ["1", "0"])
def test_snippet_sees_a_scrubbed_environment_and_its_own_folder(tmp_path, monkeypatch, namespaces):
    monkeypatch.setenv("LECTUREGEN_CHECK_NAMESPACES", namespaces)
    monkeypatch.setenv("LECTUREGEN_TEST_SECRET", "hunter2")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "also-secret")
    seen = observed(run_code(tmp_path, (
        "import json, os, tempfile\n"
        "open('made-here.txt', 'w').write('ok')\n"
        "raise RuntimeError(json.dumps({'env': dict(os.environ), 'cwd': os.getcwd(),\n"
        "    'tmp': tempfile.gettempdir(), 'home': os.path.expanduser('~')}))\n")))
    assert "hunter2" not in json.dumps(seen["env"]) and "also-secret" not in json.dumps(seen["env"])
    assert set(seen["env"]) <= {"PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_NUMERIC",
                                "TZ", "PYTHONPATH", "PYTHONUSERBASE", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES",
                                "TF_CPP_MIN_LOG_LEVEL", "MPLBACKEND", "PYTHONDONTWRITEBYTECODE",
                                "MALLOC_ARENA_MAX", "HOME", "TMPDIR", "PWD"}
    work = seen["cwd"]
    assert seen["home"] == seen["tmp"] == work and Path(work).name == "work"
    assert not Path(work).is_relative_to(tmp_path) and not Path(work).exists()  # removed afterwards
    assert not (tmp_path / "made-here.txt").exists()


@needs_namespaces
def test_snippet_cannot_write_outside_its_folder(tmp_path):
    target = tmp_path / "outside.txt"
    seen = observed(run_code(tmp_path, (
        "import errno, json\n"
        f"try:\n    open({str(target)!r}, 'w').write('x'); res = 'written'\n"
        "except OSError as exc:\n    res = errno.errorcode[exc.errno]\n"
        "raise RuntimeError(json.dumps(res))\n")))
    assert seen == "EROFS" and not target.exists()


@pytest.mark.parametrize("namespaces", ["1", "0"])
def test_keras_dataset_cache_is_readable(tmp_path, monkeypatch, namespaces):
    """~/.keras/datasets shows the user's cache, so `mnist.load_data()` works offline; read-only in a namespace."""
    monkeypatch.setenv("LECTUREGEN_CHECK_NAMESPACES", namespaces)
    cache = tmp_path / "keras-home" / "datasets"
    cache.mkdir(parents=True)
    (cache / "probe.txt").write_text("cached")
    monkeypatch.setenv("KERAS_HOME", str(cache.parent))
    seen = observed(run_code(tmp_path, (
        "import errno, json, os\n"
        "folder = os.path.expanduser('~/.keras/datasets')\n"
        "text = open(os.path.join(folder, 'probe.txt')).read()\n"
        "try:\n    open(os.path.join(folder, 'new.txt'), 'w').write('x'); res = 'written'\n"
        "except OSError as exc:\n    res = errno.errorcode[exc.errno]\n"
        "raise RuntimeError(json.dumps([text, res]))\n")))
    assert seen[0] == "cached"
    if namespaces == "1" and namespaces_available():
        assert seen[1] == "EROFS" and not (cache / "new.txt").exists()


@pytest.mark.parametrize("namespaces", ["1", "0"])  # network namespace, and Landlock (kernel 6.7+) without it
def test_snippet_has_no_network(tmp_path, monkeypatch, namespaces):
    import socket

    from lecturegen.check.sandbox import landlock_abi

    if not (namespaces_available() if namespaces == "1" else landlock_abi() >= 4):
        pytest.skip("neither a network namespace nor Landlock TCP rules here")
    monkeypatch.setenv("LECTUREGEN_CHECK_NAMESPACES", namespaces)

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        seen = observed(run_code(tmp_path, (
            "import json, socket\n"
            f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=5); res = 'connected'\n"
            "except OSError as exc:\n    res = type(exc).__name__ + ': ' + str(exc)\n"
            "raise RuntimeError(json.dumps(res))\n")))
    assert seen != "connected" and ("unreachable" in seen or "refused" in seen or "denied" in seen), seen


def _alive_with_arg(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("namespaces", ["1", "0"])  # PID namespace, or the subreaper fallback
def test_setsid_grandchildren_are_reaped(tmp_path, monkeypatch, namespaces):
    monkeypatch.setenv("LECTUREGEN_CHECK_NAMESPACES", namespaces)
    marker = f"{os.getpid() % 1000}.{time.time_ns() % 10**6}"  # a unique `sleep` duration
    r = run_code(tmp_path, (
        "import subprocess, time\n"
        f"subprocess.Popen(['sleep', '{marker}'], start_new_session=True)\n"
        f"subprocess.Popen(['sh', '-c', 'setsid sleep {marker} & sleep {marker} &'])\n"
        "time.sleep(0.5)\n"))
    assert r.verdict == "ok", r
    assert _alive_with_arg(f"sleep\0{marker}") == []  # killed and reaped before check returned


@pytest.mark.parametrize("namespaces", ["1", "0"])
def test_forged_verdicts_are_not_trusted(tmp_path, monkeypatch, namespaces):
    monkeypatch.setenv("LECTUREGEN_CHECK_NAMESPACES", namespaces)
    bystander = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        # old channel: a result file next to the runner naming a process group to kill, then exit
        crafted = json.dumps({"pid": bystander.pid, "cells": [{"verdict": "ok"}], "done": True})
        r = run_code(tmp_path, (
            "import os\n"
            f"for name in ('result.json', '../result.json', os.environ['HOME'] + '/result.json'):\n"
            f"    try:\n        open(name, 'w').write({crafted!r})\n    except OSError:\n        pass\n"
            "os._exit(0)\n"))
        assert (r.verdict, r.line) == ("error", 1) and "before reporting" in r.message, r
        assert bystander.poll() is None  # lecturegen killed no one the snippet named
        # new channel: write made-up records to every inherited descriptor
        fake = json.dumps({"seq": 1, "body": {"cell": {"verdict": "ok", "warnings": []}}, "mac": "0" * 64})
        r = run_code(tmp_path, (
            "import os\n"
            f"for fd in range(3, 256):\n    try:\n        os.write(fd, {fake!r}.encode() + b'\\n' + b'[' * 100000 + b'\\n')\n"
            "    except OSError:\n        pass\n"
            "os._exit(0)\n"))
        assert r.verdict == "error" and "failed verification" in r.message, r
    finally:
        bystander.kill()
        bystander.wait()


def test_worker_preloads_only_known_heavy_libraries():
    from lecturegen.check.client import preload_modules

    codes = ["from tensorflow import keras\nimport numpy as np, os\n", "import matplotlib.pyplot as plt\n",
             "import mymodule\nfrom . import sibling\n", "def broken(:\n", "import re\nre.compile('\\d')\n"]
    assert preload_modules(codes) == ["tensorflow", "numpy", "matplotlib", "matplotlib.pyplot"]


# --------------------------------------------------------------- parsing (issue 16)
def test_fences_that_are_not_code_are_not_collected(tmp_path):
    md = tmp_path / "notes.md"
    md.write_text("<!--\n```python\nprint('commented out')\n```\n-->\n\n"
                  "Indented code:\n\n    ```python\n    print('shown, not run')\n    ```\n\n"
                  "- a list item\n\n  ```python\n  x = 1\n  ```\n")
    page = tmp_path / "page.html"
    page.write_text("<!-- <pre><code class=\"language-python\">print('commented')</code></pre> -->\n"
                    "<script>var s = '<pre><code class=\"language-python\">print(1)</code></pre>';</script>\n"
                    "<pre class=\"language-python\"><code><span>y</span> = <b>2</b> &lt; 3</code></pre>\n")
    snippets = collect_snippets([md, page])
    assert [(s.path.name, s.line, s.code) for s in snippets] == [
        ("notes.md", 16, "x = 1\n"), ("page.html", 3, "y = 2 < 3")]


@pytest.mark.parametrize("opening", ['<pre><code class="language-python">', "<pre><code", "<!--", "```python\n"])
def test_large_unclosed_input_is_parsed_in_linear_time(tmp_path, opening):
    """700 KB of unclosed blocks: was 91 s (quadratic); bench/check_parse.py shows the scaling."""
    page = tmp_path / ("big.md" if opening.startswith("`") else "big.html")
    page.write_text((opening + "x = 1\n") * (700_000 // (len(opening) + 6)))
    start = time.monotonic()
    try:
        collect_snippets([page])
    except CheckInputError:
        pass  # nothing runnable is a fine answer too
    assert time.monotonic() - start < 30


@pytest.mark.parametrize("namespaces", ["1", "0"])
def test_killing_lecturegen_kills_the_snippets(tmp_path, monkeypatch, namespaces):
    """SIGKILL to `lecturegen check` itself: worker, supervisor and snippet tree die with it."""
    monkeypatch.setenv("LECTUREGEN_CHECK_NAMESPACES", namespaces)
    marker = f"{os.getpid() % 1000}.{time.time_ns() % 10**6 + 1}"
    script = tmp_path / "server.py"
    script.write_text("import subprocess, time\n"
                      f"subprocess.Popen(['setsid', 'sleep', '{marker}'])\n"
                      "time.sleep(120)\n")
    check = subprocess.Popen([sys.executable, "-m", "lecturegen", "check", str(script), "--timeout", "100"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not _alive_with_arg(f"sleep\0{marker}") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _alive_with_arg(f"sleep\0{marker}"), "the snippet never started"
    check.kill()
    check.wait()
    deadline = time.monotonic() + 10
    while _alive_with_arg(f"sleep\0{marker}") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _alive_with_arg(f"sleep\0{marker}") == []


def test_fallback_says_what_does_not_hold(tmp_path, monkeypatch, caplog):
    """Printed as `warning: check: ...` by the real CLI (its logging set-up); captured here by caplog."""
    monkeypatch.setenv("LECTUREGEN_CHECK_NAMESPACES", "0")
    (tmp_path / "ok.py").write_text("print('fine')\n")
    result = invoke(tmp_path / "ok.py", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["verdict"] == "ok"
    for text in ("snippets can reach the network (turned off by LECTUREGEN_CHECK_NAMESPACES=0)",
                 "snippets can write outside their temporary folder", "snippets run without a PID namespace"):
        assert text in caplog.text, caplog.text
