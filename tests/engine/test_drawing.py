"""Figures are drawn while the runs train (engine/drawing.py): those that need no result at once, the
others as their results come; the figures stage then takes them from the cache."""

from __future__ import annotations

import sys
import time
import weakref
from types import SimpleNamespace

import pytest

from lecturegen.core.plugins import FigureSpec
from lecturegen.engine import drawing, figures


def draw_line(fig, inputs, lang):
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], inputs["y"])
    ax.set_title(lang)


def draw_forever(fig, inputs, lang):
    open(inputs["marker"], "w").close()
    while True:
        time.sleep(0.01)


def formula_figures(chapter, runs, is_sample):  # drawn from a formula: the same whatever trained
    return [FigureSpec("formula", {"en": "a line", "ko": "선"}, draw_line, {"y": [0, 1, 4]}, size=(3, 2))]


def result_figures(chapter, runs, is_sample):  # needs results
    return [FigureSpec("result", {"en": "a result", "ko": "결과"}, draw_line, {"y": [runs["a"].test_accuracy] * 3})]


CHAPTER = SimpleNamespace(id="chx", figures=["curves", formula_figures, result_figures])


def wait_for(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def in_a_process(monkeypatch):
    """The drawer as a build starts it before TensorFlow is imported: a process (only a process can be
    stopped in the middle of a figure). Another test may have imported TensorFlow into this worker; the
    drawing never touches it."""
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)


def no_drawing(*args):
    raise AssertionError("drawn again after training")


def test_only_the_figures_that_need_no_results_are_drawn_before_any_result():
    assert [s.name for s in drawing.independent_specs(CHAPTER, False)] == ["formula"]
    assert [s.name for s in drawing.available_specs(CHAPTER, {"a": SimpleNamespace(test_accuracy=0.5)}, False)] == [
        "formula", "result"]


@pytest.mark.parametrize("mode", ["process", "thread"])
def test_figures_drawn_early_are_taken_from_the_cache_by_the_figures_stage(tmp_path, monkeypatch, mode):
    if mode == "thread":  # TensorFlow already in the process: a thread, never a fork
        monkeypatch.setitem(sys.modules, "tensorflow", SimpleNamespace())
    else:
        monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    drawer = drawing.Drawer([(CHAPTER, "en", False), (CHAPTER, "ko", False)], tmp_path / "cache")
    drawer.start()
    assert (drawer.process is not None) == (mode == "process") and (drawer.thread is not None) == (mode == "thread")
    drawer.results("chx", {"a": SimpleNamespace(test_accuracy=0.5)})  # an experiment finished
    drawer.results("other", {})  # another chapter's results: nothing of this one's
    wait_for(lambda: len(list((tmp_path / "cache" / "figures").glob("*.svg"))) == 4)
    drawer.finish()
    assert drawer.drawn == 4  # two figures, two languages

    monkeypatch.setattr(figures, "_draw_svg", no_drawing)
    specs = formula_figures(CHAPTER, {}, False) + result_figures(CHAPTER, {"a": SimpleNamespace(test_accuracy=0.5)}, False)
    done = figures.render_figures(specs, "ko", tmp_path / "out", tmp_path / "cache")
    assert [f.name for f in done] == ["formula", "result"]  # in the specs' order
    assert (tmp_path / "out" / "figures" / "result.svg").read_bytes().count(b"<svg") == 1


def test_a_figure_from_results_that_changed_is_drawn_again(tmp_path, monkeypatch):
    drawer = drawing.Drawer([(CHAPTER, "en", False)], tmp_path / "cache")
    drawer.start()
    drawer.results("chx", {"a": SimpleNamespace(test_accuracy=0.25)})
    drawer.finish()
    drawn = []
    monkeypatch.setattr(figures, "_draw_svg", lambda spec, lang, target: (drawn.append(spec.name), target.write(b"<svg/>")))
    specs = result_figures(CHAPTER, {"a": SimpleNamespace(test_accuracy=0.5)}, False)
    figures.render_figures(specs, "en", tmp_path / "out", tmp_path / "cache")
    assert drawn == ["result"]


def test_an_abandoned_drawer_stops_at_once_and_leaves_no_half_written_entry(tmp_path, in_a_process):
    marker = tmp_path / "drawing"

    def endless(chapter, runs, is_sample):
        return [FigureSpec("endless", {"en": "x"}, draw_forever, {"marker": str(marker)})]

    chapter = SimpleNamespace(id="chz", figures=[endless])
    drawer = drawing.Drawer([(chapter, "en", False)], tmp_path / "cache")
    drawer.start()
    assert drawer.process is not None
    wait_for(marker.exists)
    started = time.monotonic()
    drawer.finish(abandon=True)
    assert time.monotonic() - started < 10
    assert drawer.process is None
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and p.name != ".secret"]
    drawer.finish()  # finishing twice, or without a start, is harmless
    drawing.Drawer([], tmp_path).finish()


def test_a_drawer_with_nothing_to_draw_starts_nothing(tmp_path):
    drawer = drawing.Drawer([], tmp_path / "cache")
    drawer.start()
    drawer.results("chx", {})
    assert not drawer.started
    drawer.finish()


@pytest.mark.parametrize("broken", [ValueError("no"), KeyError("a")])
def test_a_figure_set_that_fails_without_results_is_left_to_the_figures_stage(broken):
    def failing(chapter, runs, is_sample):
        raise broken

    chapter = SimpleNamespace(id="chy", figures=[failing, formula_figures])
    assert [s.name for s in drawing.independent_specs(chapter, False)] == ["formula"]


def test_the_formulas_a_content_file_writes_are_typeset_while_the_runs_train(tmp_path, monkeypatch):
    from lecturegen.engine import maths

    content = tmp_path / "content"
    content.mkdir()
    (content / "en.md").write_text('# Loss\n{{ math("\\\\frac{1}{n}", "1/n") }} and {{ math(name) }}\n'
                                   '{% if runs %}{{ math("x^2") }}{% endif %}\n', encoding="utf-8")
    assert maths.literal_formulas((content / "en.md").read_text()) == ["\\frac{1}{n}", "x^2"]
    chapter = SimpleNamespace(id="chm", figures=[], content_dir=content)
    drawer = drawing.Drawer([(chapter, "en", False), (chapter, "ko", False)], tmp_path / "cache")  # no ko.md
    drawer.start()
    wait_for(lambda: len(list((tmp_path / "cache" / "math").glob("*.svg"))) == 2)
    drawer.finish()

    monkeypatch.setattr(maths, "render_svg", no_drawing)
    assert b"<svg" in maths.typeset("x^2", tmp_path / "cache").svg  # from the cache


def test_the_font_subset_cut_while_the_runs_train_is_the_one_the_pages_take(tmp_path, monkeypatch):
    from lecturegen.engine import fonts

    chapter = SimpleNamespace(id="chf", figures=[])
    drawer = drawing.Drawer([(chapter, "ko", False)], tmp_path / "cache")
    drawer.start()
    wait_for(lambda: list((tmp_path / "cache" / "fonts").glob("*.css")))
    drawer.finish()

    def no_cutting(*args):
        raise AssertionError("cut again")

    monkeypatch.setattr(fonts, "_subset", no_cutting)
    page = "<p>학습률 η를 0.1로 바꾸면 (1/4)⁵, W₁x + b₁, ⌈n/32⌉번 업데이트합니다 → 정확도 ≈ 94.00 %</p>\n"
    assert fonts.font_css(page, tmp_path / "cache").startswith("@font-face")


def test_a_drawer_stuck_in_a_figure_is_stopped_when_the_build_no_longer_needs_it(tmp_path, in_a_process, monkeypatch):
    marker = tmp_path / "drawing"

    def endless(chapter, runs, is_sample):
        return [FigureSpec("endless", {"en": "x"}, draw_forever, {"marker": str(marker)})]

    monkeypatch.setattr(drawing, "FINISH_WAIT_S", 0.5)
    drawer = drawing.Drawer([(SimpleNamespace(id="chz", figures=[endless]), "en", False)], tmp_path / "cache")
    drawer.start()
    assert drawer.process is not None
    wait_for(marker.exists)
    started = time.monotonic()
    drawer.finish()
    assert time.monotonic() - started < 5 and drawer.process is None


def test_figures_drawn_before_the_process_is_killed_are_counted(tmp_path, in_a_process, monkeypatch):
    """A drawing process killed in a chore after its figures (a slow font subset on a loaded machine: it
    outlived the wait for it once, in a full test run) has still drawn them: the count says so."""
    import signal

    def stuck_chore(self):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # only SIGKILL ends it, as when a stop lands where Python drops it
        open(self.store.root / "in-chore", "w").close()
        time.sleep(60)

    monkeypatch.setattr(drawing._Work, "font", stuck_chore)
    monkeypatch.setattr(drawing, "FINISH_WAIT_S", 0.5)
    drawer = drawing.Drawer([(CHAPTER, "en", False), (CHAPTER, "ko", False)], tmp_path / "cache")
    drawer.start()
    assert drawer.process is not None
    drawer.results("chx", {"a": SimpleNamespace(test_accuracy=0.5)})
    wait_for((tmp_path / "cache" / "in-chore").exists)  # the chores come after the figures waiting
    started = time.monotonic()
    drawer.finish()
    assert time.monotonic() - started < 5 and drawer.process is None
    assert len(list((tmp_path / "cache" / "figures").glob("*.svg"))) == drawer.drawn == 4


def test_a_drawer_stopped_inside_a_weak_reference_callback_stops_silently(tmp_path, in_a_process, monkeypatch, capfd):
    """SIGTERM that lands in a weak-reference callback: Python drops the exit it raises there and prints
    "Exception ignored" on the build's terminal (seen once in CI after Ctrl-C). The drawing process
    says nothing and stops after the figure in hand."""
    marker = tmp_path / "in-callback"

    def draw_after_a_callback(fig, inputs, lang):
        class Freed:
            pass

        def callback(_):
            open(inputs["marker"], "w").close()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # the stop lands here
                time.sleep(0.01)

        freed = Freed()
        ref = weakref.ref(freed, callback)
        del freed  # the callback runs now
        draw_line(fig, {"y": [0, 1, 2]}, lang)
        return ref

    def in_callback(chapter, runs, is_sample):
        return [FigureSpec("cb", {"en": "x"}, draw_after_a_callback, {"marker": str(marker)}),
                FigureSpec("after", {"en": "y"}, draw_forever, {"marker": str(tmp_path / "after")})]

    monkeypatch.setattr(drawing, "FINISH_WAIT_S", 30.0)  # without the fix: the wait, then SIGKILL
    drawer = drawing.Drawer([(SimpleNamespace(id="chw", figures=[in_callback]), "en", False)], tmp_path / "cache")
    drawer.start()
    process = drawer.process
    wait_for(marker.exists)
    started = time.monotonic()
    drawer.finish(abandon=True)
    assert time.monotonic() - started < 15
    assert process.exitcode == 0 and not (tmp_path / "after").exists()  # left by itself, no figure after
    assert "Exception ignored" not in capfd.readouterr().err


def test_formulas_typeset_from_two_threads_at_once_all_succeed():
    """A drawing thread and the build's own thread may typeset at the same time; matplotlib's parser is
    shared, so they take turns (engine/matplotlock.py): before, one of them was refused at random."""
    import threading

    from lecturegen.engine import maths

    texs = [f"x^{{{i}}} + \\frac{{{i}}}{{n}} = \\sum_{{k=1}}^{{{i}}} k" for i in range(16)]
    errors: list[Exception] = []

    def work(part):
        for tex in part:
            try:
                maths.render_svg(tex)
            except Exception as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(texs[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
