"""The interface language belongs to one command, not to the process: a command resolves it once
(LECTUREGEN_UI_LANG, else lecturegen.toml's [course] ui_lang, else English) and hands it to the
threads, worker processes and cluster tasks it starts. Two commands in one process, even running
at the same time in two threads, each speak their own."""

from __future__ import annotations

import importlib.util
import io
import logging
import multiprocessing
import pickle
import re
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from helpers import cli, cli_env
from lecturegen import messages
from lecturegen.core.chapter import PROFILES
from lecturegen.errors import LecturegenError
from lecturegen.messages import UI, say

HANGUL = re.compile(r"[가-힣]")
KO, EN = UI("ko"), UI("en")


def test_two_say_contexts_in_two_threads_at_once_keep_their_language(monkeypatch):
    monkeypatch.delenv(messages.UI_ENV, raising=False)
    both = threading.Barrier(2, timeout=60)
    heard: dict[str, list[str]] = {"ko": [], "en": []}

    def command(ui: UI) -> None:
        with messages.speaking(ui):
            for _ in range(3):  # each says a line while the other is inside its own command
                both.wait()
                heard[ui.lang].append(say("command.ids_and_all"))

    threads = [threading.Thread(target=command, args=(ui,)) for ui in (KO, EN)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert heard["en"] == ["give chapter ids or --all, not both"] * 3
    assert heard["ko"] == [messages.text("ko", "command.ids_and_all")] * 3 and HANGUL.search(heard["ko"][0])
    assert messages.current() == EN  # nothing stays behind once the commands have ended


def test_a_thread_started_by_a_command_speaks_its_language(monkeypatch):
    """A new thread starts with no command of its own: messages.carried hands it the command's UI."""
    monkeypatch.delenv(messages.UI_ENV, raising=False)
    said: list[str] = []
    with messages.speaking(KO):
        plain = threading.Thread(target=lambda: said.append(messages.ui_lang()))
        carried = threading.Thread(target=messages.carried(lambda: said.append(messages.ui_lang())))
        for thread in (plain, carried):
            thread.start()
            thread.join()
    assert said == ["en", "ko"]


def test_the_ui_travels_to_another_process_as_it_is():
    assert pickle.loads(pickle.dumps(KO)) == KO
    with pytest.raises(AttributeError):
        KO.lang = "en"  # type: ignore[misc]  # immutable: no command can change another's


def test_two_commands_in_one_process_each_read_their_own_course_file(tmp_path):
    korean_course, plain_folder = tmp_path / "ko-course", tmp_path / "plain"
    korean_course.mkdir()
    plain_folder.mkdir()
    (korean_course / "lecturegen.toml").write_text('[course]\nui_lang = "ko"\n', encoding="utf-8")
    first = cli("build", "ch99", cwd=korean_course)
    second = cli("build", "ch99", cwd=plain_folder)
    third = cli("build", "ch99", cwd=korean_course, env=cli_env(LECTUREGEN_UI_LANG="en"))
    assert first.stderr.startswith("오류: 알 수 없는 장 'ch99'"), first.stderr
    assert second.stderr.startswith("error: unknown chapter 'ch99'"), second.stderr
    assert third.stderr == second.stderr  # the environment wins over the course file
    assert messages.current() == UI.resolve()  # the commands left nothing behind


def test_help_is_made_per_command_in_its_language():
    """typer reads help from the code when lecturegen.cli is imported; it is given there as keys and
    said when a command makes its command line, so --help in Korean then in English, in one process,
    is each wholly in its language (an option shared by commands as much as a command's own)."""
    korean = cli("build", "--help", env=cli_env(LECTUREGEN_UI_LANG="ko"))
    english = cli("build", "--help", env=cli_env(LECTUREGEN_UI_LANG="en"))
    assert korean.returncode == english.returncode == 0
    ko, en = " ".join(korean.stdout.split()), " ".join(english.stdout.split())
    for key in ("help.command.build", "help.option.out", "help.option.profile", "help.build.seed"):
        assert " ".join(messages.text("ko", key).split()) in ko, key
        assert " ".join(messages.text("en", key).split()) in en, key
    assert not HANGUL.search(en) and "help." not in ko + en
    group = cli("--help", env=cli_env(LECTUREGEN_UI_LANG="ko")).stdout
    assert messages.text("ko", "help.option.verbose") in " ".join(group.split())


def test_a_warning_logged_during_a_command_has_the_command_s_prefix():
    from lecturegen.cli import _SaidFormat

    record = logging.LogRecord("lecturegen", logging.WARNING, __file__, 1, "cache is odd", None, None)
    with messages.speaking(KO):
        korean = _SaidFormat().format(record)
    with messages.speaking(EN):
        english = _SaidFormat().format(record)
    assert english == "warning: cache is odd"
    assert korean == messages.text("ko", "command.log_warning") % {"message": "cache is odd"} != english


def test_a_worker_process_speaks_the_language_of_the_command_that_started_it(monkeypatch):
    """--processes: the run's worker (a spawned process: nothing of this one but its environment) gets
    the command's UI as an argument. Its error, made in the worker, is said in Korean although the
    worker's environment names no language."""
    from lecturegen.engine import parallel

    monkeypatch.delenv(messages.UI_ENV, raising=False)
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        future = pool.submit(parallel._train_in_worker, "ch99", "x", "sample", "0" * 64, PROFILES["quick"], 0, (), KO)
        with pytest.raises(LecturegenError) as korean:
            future.result(timeout=120)
        future = pool.submit(parallel._train_in_worker, "ch99", "x", "sample", "0" * 64, PROFILES["quick"], 0, (), EN)
        with pytest.raises(LecturegenError) as english:
            future.result(timeout=120)
    assert str(english.value).startswith("unknown chapter 'ch99'"), english.value
    assert HANGUL.search(str(korean.value)) and "'ch99'" in str(korean.value), korean.value


def test_serve_s_build_child_forked_from_its_builder_thread_speaks_the_command_s_language(monkeypatch, capfd):
    """serve builds in a child forked from its builder thread: the thread carries the command's UI and
    the fork copies it, so a failed build's error, made in the child, is in the command's language."""
    from lecturegen.errors import UsageError
    from lecturegen.serve import Rebuilder
    from lecturegen.serve.app import LiveState

    monkeypatch.delenv(messages.UI_ENV, raising=False)

    def make_opts():  # in the child: the chapter is unknown
        raise UsageError(say("chapter.unknown", chapter_id="ch99", known="ch4"))

    rebuilders = {ui.lang: Rebuilder(make_opts, LiveState()) for ui in (KO, EN)}
    for ui in (KO, EN):
        with messages.speaking(ui):
            builder = threading.Thread(target=messages.carried(rebuilders[ui.lang].build), args=("test",))
        builder.start()
        builder.join(timeout=120)
        assert not builder.is_alive()
    assert rebuilders["en"].state.error == "unknown chapter 'ch99'; known chapters: ch4 (see 'lecturegen list')"
    assert rebuilders["ko"].state.error == messages.text("ko", "chapter.unknown").format(chapter_id="ch99", known="ch4")
    assert HANGUL.search(capfd.readouterr().err)  # the server's own lines about it: Korean too


def test_two_builds_in_one_process_interleaved_each_speak_their_own_language(tmp_path, monkeypatch):
    """A Korean build stops after its first line while an English build runs from start to end in
    another thread, then goes on: every line of each is in its own language, and the pages of the
    two are the same bytes (the interface language is not the lecture's)."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent / "engine"))
    from canned import Factory
    from test_orchestrator import CONTENT, SOURCE

    from helpers import make_idx_folder
    from lecturegen.engine import BuildOptions, orchestrator
    from lecturegen.engine.progress import LineReporter

    monkeypatch.delenv(messages.UI_ENV, raising=False)
    # one build date for both: the Korean build ends after the English one, maybe in the next minute,
    # and the pages show the minute they were built (this test once failed on 08:07 against 08:08)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764892800")
    folder = tmp_path / "chapters"
    (folder / "mini").mkdir(parents=True)
    (folder / "mini.py").write_text(SOURCE, encoding="utf-8")
    for lang, title in (("ko", "작은 장"), ("en", "Mini chapter")):
        (folder / "mini" / f"{lang}.md").write_text(CONTENT.format(title=title), encoding="utf-8")
    data = make_idx_folder(tmp_path / "idx", 300, 100)
    english_done = threading.Event()

    class FirstLineWaits(LineReporter):
        def _say(self, text: str) -> None:
            super()._say(text)
            if not english_done.is_set():
                assert english_done.wait(timeout=120)

    logs = {"ko": io.StringIO(), "en": io.StringIO()}
    errors: list[BaseException] = []

    def build(ui: UI, reporter: LineReporter) -> None:
        opts = BuildOptions("mini", tmp_path / ui.lang, "quick", str(data), cache_dir=tmp_path / f"cache-{ui.lang}",
                            chapters_dirs=(folder,))
        try:
            with messages.speaking(ui):
                orchestrator.build_course(opts, ["mini"], ["ko"], reporter, executor=Factory())
        except BaseException as exc:  # noqa: BLE001 - raised below, in the test's thread
            errors.append(exc)
        finally:
            if ui == EN:
                english_done.set()

    korean = threading.Thread(target=build, args=(KO, FirstLineWaits(logs["ko"])))
    korean.start()
    while not logs["ko"].getvalue():  # the Korean build has said its first line and waits
        korean.join(timeout=0.05)
        assert korean.is_alive() or logs["ko"].getvalue(), errors
    english = threading.Thread(target=build, args=(EN, LineReporter(logs["en"])))
    english.start()
    english.join()
    korean.join()
    assert errors == []
    ko_lines, en_lines = logs["ko"].getvalue().splitlines(), logs["en"].getvalue().splitlines()
    assert len(ko_lines) > 2 and len(ko_lines) == len(en_lines), (ko_lines, en_lines)
    worded = [(k, e) for k, e in zip(ko_lines, en_lines) if k != e]  # lines with words, not only numbers
    assert worded and all(HANGUL.search(k) and not HANGUL.search(e) for k, e in worded), worded
    assert any("claim 'perfect' does not hold" in e for e in en_lines)  # a claim's warning: Korean in Korean
    assert not any(re.search(r"claim|does not hold|checked", k) for k in ko_lines), ko_lines
    assert (tmp_path / "ko" / "mini" / "slides.html").read_bytes() == (tmp_path / "en" / "mini" / "slides.html").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("where", [("--jobs", "2", "--processes"), ("--executor", "dask", "--workers", "1")],
                         ids=["worker processes", "dask workers"])
def test_workers_say_their_lines_in_the_language_of_the_course_file(where, tmp_path):
    """lecturegen.toml asks for Korean and the environment names no language: the runs trained in
    worker processes (--processes) and on a Dask cluster's workers report in Korean too (each run's
    summary, "테스트 정확도 ... 손실 ...", is made in the worker)."""
    from helpers import make_idx_folder, run_cli

    course = tmp_path / "course"
    (course / "chapters" / "mini").mkdir(parents=True)
    (course / "lecturegen.toml").write_text('[course]\nui_lang = "ko"\n', encoding="utf-8")
    (course / "chapters" / "mini.py").write_text(_MINI, encoding="utf-8")
    (course / "chapters" / "mini" / "ko.md").write_text("# 작은 장\n\n{{ runs.small.test_accuracy | pct }}\n",
                                                        encoding="utf-8")
    data = make_idx_folder(tmp_path / "idx", 300, 100)
    result = run_cli("build", "mini", "--chapters-dir", "chapters", "--profile", "quick", "--data", str(data),
                     "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"), *where,
                     cwd=course, env=cli_env(), timeout=900)
    assert result.returncode == 0, result.stderr
    trained = [line for line in result.stderr.splitlines() if " 학습 완료 " in line]
    assert len(trained) == 2, result.stderr
    assert all("테스트 정확도" in line and "test accuracy" not in line for line in trained), trained
    if "dask" in where and importlib.util.find_spec("bokeh"):
        # no --scheduler: the build started a LocalCluster, whose dashboard (bokeh, in the [cluster] extra)
        # listens on 127.0.0.1 only; the build says where (this build is the suite's only such cluster)
        assert re.search(r"^dask: 대시보드 http://127\.0\.0\.1:\d+/status$", result.stderr, re.MULTILINE), result.stderr


_MINI = '''from lecturegen.chapter import chapter, experiment


@experiment(title={"ko": "작은 모델"}, epochs=1, batch_size=64, inputs="flat", labels="int")
def small():
    from tensorflow import keras

    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@experiment(title={"ko": "다른 모델"}, epochs=1, batch_size=64, inputs="flat", labels="int")
def other():
    from tensorflow import keras

    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


CHAPTER = chapter(id="mini", title={"ko": "작은 장"}, experiments=[small, other], figures=[])
'''


def test_check_s_worker_threads_say_their_notes_in_the_language_of_the_course_file(tmp_path):
    """lecturegen check runs snippets from a pool of threads, which make each snippet's verdict and
    notes: with lecturegen.toml asking for Korean, the note about a cut output is Korean."""
    import json

    (tmp_path / "lecturegen.toml").write_text('[course]\nui_lang = "ko"\n', encoding="utf-8")
    (tmp_path / "loud.py").write_text('import sys\nsys.stderr.write("x" * 3_000_000)\n', encoding="utf-8")
    result = cli("check", "loud.py", "--json", cwd=tmp_path, timeout=600)
    hints = [hint for item in json.loads(result.stdout) for hint in item.get("hints", [])]
    expected = messages.text("ko", "check.output_cut").split("{")[0]
    assert any(hint.startswith(expected) for hint in hints), (hints, result.stderr)
