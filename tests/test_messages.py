"""The message catalogs own every line the command line prints: no English literal in a raise of a
LecturegenError, in a terminal call, in an option's help or in a field filled into a catalog line
(tests/test_catalog_keys.py checks the keys), and LECTUREGEN_UI_LANG switches the interface language."""

from __future__ import annotations

import ast
import re
import string
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import cli, cli_env, run_cli
from test_bad_input import _npz
from lecturegen import messages
from lecturegen.errors import UsageError

PACKAGE = Path(__file__).resolve().parents[1] / "lecturegen"

# What may keep a literal English string in a terminal call, and why.
ALLOWED_FILES = {
    "engine/notebook.py": "its print() lines are code written into the students' notebook (lecture content)",
}
TERMINAL_ATTRS = {"echo", "print", "info", "warning", "warn", "error", "exception", "_say"}
TERMINAL_NAMES = {"print", "_tell"}
WRAPPERS = {"plain", "Text", "str"}  # a literal inside these is still printed
SAYERS = {"say", "words", "Phrase"}  # calls that fill {fields} into a catalog line
# Fields of a catalog line that may be filled with a literal, and why.
ALLOWED_FIELDS: dict[tuple[str, str], str] = {
    ("cli.py", "command"): "a command to type ('lecturegen build --help'), the same in every language",
    ("serve/__init__.py", "url"): "the address of the served pages (http://127.0.0.1:PORT/slides.html)",
}


def _modules() -> dict[str, ast.Module]:
    return {str(p.relative_to(PACKAGE)): ast.parse(p.read_text(encoding="utf-8"))
            for p in sorted(PACKAGE.rglob("*.py"))}


def _error_classes(trees: dict[str, ast.Module]) -> set[str]:
    """LecturegenError and every class derived from it in the package, and the names it is imported as."""
    names = {"LecturegenError"}
    classes = [node for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    grew = True
    while grew:
        found = {c.name for c in classes
                 if any(isinstance(b, ast.Name | ast.Attribute) and (b.id if isinstance(b, ast.Name) else b.attr) in names
                        for b in c.bases)}
        grew = not found <= names
        names |= found
    aliases = {a.asname for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               for a in node.names if a.asname and a.name in names}
    return names | aliases


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _english(node: ast.expr) -> bool:
    """A string literal or f-string whose own text has a word in it (not only fields and punctuation)."""
    if isinstance(node, ast.Call) and _name(node.func) in WRAPPERS and node.args:
        return _english(node.args[0])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return False  # a path joined from file names: Path(...) / "dist"
    if isinstance(node, ast.BinOp):
        return _english(node.left) or _english(node.right)
    if isinstance(node, ast.IfExp):
        return _english(node.body) or _english(node.orelse)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    else:
        return False
    return re.search(r"[A-Za-z]{2,}", text) is not None


def _assigned(tree: ast.Module) -> dict[ast.Call, dict[str, list[ast.expr]]]:
    """For each call, the values assigned to each plain name in the function around it (or the module)."""
    found: dict[ast.Call, dict[str, list[ast.expr]]] = {}
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))]
    for scope in scopes:  # inner functions come later and win for their own calls
        names: dict[str, list[ast.expr]] = {}
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        names.setdefault(target.id, []).append(node.value)
        for node in ast.walk(scope):
            if isinstance(node, ast.Call):
                found[node] = names
    return found


def _literal_fields(rel: str, tree: ast.Module) -> list[str]:
    """say() fields filled with English written in the code: a literal, or a name assigned one nearby
    (``note = " (SAMPLE DATA)" if sample else ""``); a Korean line would show it in English."""
    found = []
    assigned = _assigned(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _name(node.func) in SAYERS):
            continue
        for field in node.keywords:
            if field.arg is None or (rel, field.arg) in ALLOWED_FIELDS:
                continue
            values = [field.value]
            if isinstance(field.value, ast.Name):
                values += assigned.get(node, {}).get(field.value.id, [])
            if any(_english(value) for value in values):
                found.append(f"{rel}:{node.lineno}: {field.arg}= in {ast.unparse(node)[:80]}")
    return found


def _literal_lines() -> list[str]:
    trees = _modules()
    errors = _error_classes(trees)
    found = []
    for rel, tree in trees.items():
        if rel in ALLOWED_FILES:
            continue
        found += _literal_fields(rel, tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if any(k.arg == "help" and _english(k.value) for k in node.keywords):  # typer option help
                found.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:90]}")
            if not node.args:
                continue
            name = _name(node.func)
            is_error = name in errors
            is_terminal = (name in TERMINAL_NAMES and isinstance(node.func, ast.Name)) or (
                name in TERMINAL_ATTRS and isinstance(node.func, ast.Attribute))
            if (is_error or is_terminal) and _english(node.args[0]):
                found.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:90]}")
        for node in ast.walk(tree):  # raise _fail(path, "...English..."): a function that builds the error
            # (Python's own exception classes, raised by a chapter's Python API or caught inside, stay English)
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and (_name(node.exc.func) or "A")[0] in "_abcdefghijklmnopqrstuvwxyz":
                if any(_english(arg) for arg in [*node.exc.args, *(k.value for k in node.exc.keywords)]):
                    found.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:90]}")
    return found


def _flat(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _own(lang: str) -> dict[str, str]:
    import tomllib

    with (messages.LOCALES / f"{lang}.toml").open("rb") as fh:
        return _flat(tomllib.load(fh))


def _fields(text) -> set[str]:
    items = text if isinstance(text, list) else [text]
    return {name for item in items for _, name, _, _ in string.Formatter().parse(item) if name is not None}


def test_no_english_literal_in_errors_or_terminal_lines():
    assert _literal_lines() == [], "move these lines into lecturegen/locales/en.toml and call messages.say()"


def test_the_static_check_catches_a_literal(tmp_path, monkeypatch):
    """The check above can fail: a planted raise with an English literal is reported."""
    (tmp_path / "bad.py").write_text('from lecturegen.errors import DataError\n'
                                     'def f(p):\n    raise DataError(f"--data {p}: no such file")\n'
                                     'def g(typer):\n    typer.echo("built it")\n    typer.echo(plain(f"{1}: {2}"))\n'
                                     'X = typer.Option(help="Output folder.")\n'
                                     'def h(say, n, ok):\n    say("cli.x", what=f"{n} images", n=n, sep=", ")\n'
                                     '    why = "offline" if ok else say("cli.y")\n    return say("cli.z", why=why)\n')
    (tmp_path / "errors.py").write_text((PACKAGE / "errors.py").read_text())
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path)
    found = _literal_lines()
    assert sorted(line.split(":")[:2] for line in found) == [
        ["bad.py", "11"], ["bad.py", "3"], ["bad.py", "5"], ["bad.py", "7"], ["bad.py", "9"]], found


PARTICLE_AFTER_FIELD = re.compile(r"\{[a-z_0-9]+\}['\"]?(으로|이라|이어야|을|를|이|가|은|는|과|와|로|라)")


def test_korean_particles_after_a_field_follow_the_word_filled_in():
    """A particle written after a {field} is right for some words and wrong for others ('ch4를',
    'v3을'): the Korean catalog asks for it with a format spec, {name:을}, which picks the form."""
    fixed = [f"{key}: {text}" for key, text in _own("ko").items()
             if isinstance(text, str) and PARTICLE_AFTER_FIELD.search(text)]
    assert fixed == [], "write {field:을} (or 이, 은, 과, 으로, 이라) instead of a fixed particle"
    form = messages.PARTICLES.format
    assert form("{a:을} {b:을} {c:이} {d:으로} {e:이라}고", a="ch4", b="v3", c="output/ch5", d="파일", e="47040") \
        == "ch4를 v3을 output/ch5가 파일로 47040이라고"
    assert form("{a:'이} {b:'은}", a="relu", b="sigmoid_lr") == "'relu'가 'sigmoid_lr'은"
    assert form("{seconds:.1f}초", seconds=1.25) == "1.2초"  # other specs as str.format


def test_ui_language_from_environment_then_course_file(monkeypatch):
    monkeypatch.delenv(messages.UI_ENV, raising=False)
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")  # not followed
    assert messages.ui_lang() == "en" and messages.UI.resolve() == messages.UI("en")
    assert messages.say("command.ids_and_all") == "give chapter ids or --all, not both"
    assert messages.UI.resolve("ko") == messages.UI("ko")  # lecturegen.toml's [course] ui_lang
    with messages.speaking(messages.UI.resolve("ko")):
        assert messages.ui_lang() == "ko"
    assert messages.ui_lang() == "en"  # only inside the command that resolved it
    monkeypatch.setenv(messages.UI_ENV, "en")
    assert messages.UI.resolve("ko").lang == "en"  # the environment wins over lecturegen.toml
    monkeypatch.setenv(messages.UI_ENV, "ko")
    assert messages.say("chapter.unknown", chapter_id="ch99", known="ch4") \
        == messages.text("ko", "chapter.unknown").format(chapter_id="ch99", known="ch4")
    monkeypatch.setenv(messages.UI_ENV, "xx")
    assert messages.UI.resolve("ko").lang == "en"  # no catalog: English, and a usage error says so
    with pytest.raises(UsageError, match=r"LECTUREGEN_UI_LANG=xx.*use one of: ko, en"):
        messages.check_ui_lang()


def test_korean_one_line_error_exit_2_no_traceback():
    result = run_cli("build", "ch99", env=cli_env(LECTUREGEN_UI_LANG="ko"), timeout=120)
    assert result.returncode == 2
    expected = messages.text("ko", "command.error").format(
        exc=messages.text("ko", "chapter.unknown").format(chapter_id="ch99", known="ch4, ch5, ch6"))
    assert result.stderr.strip() == expected
    assert re.search(r"[가-힣]", expected) and "Traceback" not in result.stderr


# ASCII words a Korean data error may show: the data set's name (the file's), and names that are not English
KOREAN_DATA_WORDS = {"digits", "quick", "MNIST", "NaN"}


@pytest.mark.parametrize("arrays", [
    {"n_train": 0},  # no training images
    {"y_train": np.full(60, np.nan)},  # training labels NaN
    {"x_test": np.full((20, 28, 28), -1.0)},  # test pixels outside 0-255
    {"shape": (32, 32)},  # images of the wrong shape
], ids=["no training images", "labels NaN", "pixels negative", "images 32x32"])
def test_korean_data_error_has_no_english_words(arrays, tmp_path):
    """The fields filled into a Korean data error (what is wrong: 'training labels', 'test images', the
    split) are Korean too: no run of 3+ ASCII letters but the file's name and MNIST/NaN."""
    data = _npz(tmp_path / "digits.npz", **arrays)
    result = cli("build", "ch4", "--profile", "quick", "--data", str(data), "--out", str(tmp_path / "out"),
                 "--cache-dir", str(tmp_path / "cache"), env=cli_env(LECTUREGEN_UI_LANG="ko"))
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    error = lines[-1]
    data_line = next(line for line in lines if line.startswith("데이터: "))
    assert error.startswith("오류: digits: "), error
    for line in (error, data_line):
        assert set(re.findall(r"[A-Za-z]{3,}", line)) <= KOREAN_DATA_WORDS, line


def test_unknown_ui_language_is_a_usage_error():
    result = cli("list", env=cli_env(LECTUREGEN_UI_LANG="fr"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: LECTUREGEN_UI_LANG=fr: lecturegen has no messages in 'fr'; use one of: ko, en "
        "(a new language needs lecturegen/locales/fr.toml)"]


def test_korean_help(runner, monkeypatch):
    result = run_cli("build", "--help", env=cli_env(LECTUREGEN_UI_LANG="ko"), timeout=120)
    assert result.returncode == 0
    assert messages.text("ko", "help.build.seed") in " ".join(result.stdout.split())


def test_korean_progress_and_summary_of_a_real_build(quick_build, cache_dir, tmp_path):
    """The shared quick build again, from its cache, with LECTUREGEN_UI_LANG=ko: the progress lines and
    the summary are Korean, the numbers the same."""
    result = run_cli("build", "ch4", "--profile", "quick", "--data", "sample", "--out", str(tmp_path),
                     "--cache-dir", str(cache_dir), env=cli_env(LECTUREGEN_UI_LANG="ko"))
    assert result.returncode == 0, result.stderr
    cached = [line for line in result.stderr.splitlines() if "캐시      테스트 정확도" in line]
    assert cached, result.stderr
    assert result.stdout.startswith(f"{tmp_path / 'ch4'} 빌드 완료("), result.stdout
    assert "학습 0개" in result.stdout.splitlines()[0]


def test_course_file_sets_the_interface_language_and_the_environment_wins(tmp_path):
    (tmp_path / "lecturegen.toml").write_text('[course]\nui_lang = "ko"\n', encoding="utf-8")
    korean = cli("build", "ch99", cwd=tmp_path)
    assert korean.returncode == 2 and korean.stderr.startswith("오류: 알 수 없는 장 'ch99'"), korean.stderr
    english = cli("build", "ch99", cwd=tmp_path, env=cli_env(LECTUREGEN_UI_LANG="en"))
    assert english.stderr.startswith("error: unknown chapter 'ch99'"), english.stderr
    (tmp_path / "lecturegen.toml").write_text('[course]\nui_lang = "fr"\n', encoding="utf-8")
    bad = cli("list", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip().endswith("'course.ui_lang' has 'fr'; lecturegen has words for ko, en; fix lecturegen.toml")


def test_check_isolation_warnings_say_why_in_the_interface_language(monkeypatch, caplog):
    """The sandbox reports a step that did not hold as 'off' or the system's error text; the parent
    says the reason (English unchanged, Korean in Korean)."""
    from lecturegen.check.client import Worker

    worker = Worker([])
    worker.isolation = {"pid": True, "net": "Operation not permitted", "files": "off",
                        "landlock": True, "sockets": True}  # caps: not attempted
    monkeypatch.setenv(messages.UI_ENV, "en")
    worker.warn_isolation()
    assert [r.getMessage() for r in caplog.records] == [
        "check: snippets can reach the network (no network namespace: Operation not permitted)",
        "check: snippets can write outside their temporary folder (turned off by LECTUREGEN_CHECK_NAMESPACES=0)",
        "check: snippets keep the user's capabilities (not attempted)"]
    caplog.clear()
    monkeypatch.setenv(messages.UI_ENV, "ko")
    worker.warn_isolation()
    korean = [r.getMessage() for r in caplog.records]
    assert len(korean) == 3 and "네트워크 네임스페이스 없음: Operation not permitted" in korean[0], korean
    expected = {"check", "Operation", "not", "permitted", "LECTUREGEN", "CHECK", "NAMESPACES", "capabilities"}
    assert all(set(re.findall(r"[A-Za-z]{3,}", line)) <= expected for line in korean), korean
