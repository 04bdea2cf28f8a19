"""Figures that need no training result are drawn while the runs train; the figures stage then finds them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lecturegen.core.plugins import FigureSpec
from lecturegen.engine import figures


def draw_line(fig, inputs, lang):
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], inputs["y"])
    ax.set_title(lang)


def formula_figures(chapter, runs, is_sample):  # drawn from a formula: the same whatever trained
    return [FigureSpec("formula", {"en": "a line", "ko": "선"}, draw_line, {"y": [0, 1, 4]}, size=(3, 2))]


def result_figures(chapter, runs, is_sample):  # needs results
    return [FigureSpec("result", {"en": "a result"}, draw_line, {"y": [runs["a"].test_accuracy] * 3})]


CHAPTER = SimpleNamespace(id="chx", figures=["curves", formula_figures, result_figures])


def test_only_the_figures_that_need_no_results_are_predrawn():
    assert [s.name for s in figures.independent_specs(CHAPTER, False)] == ["formula"]


def test_a_predrawn_figure_is_taken_from_the_cache_by_the_figures_stage(tmp_path, monkeypatch):
    predrawing = figures.Predrawing([(CHAPTER, "en", False), (CHAPTER, "ko", False)], tmp_path / "cache")
    predrawing.start()
    predrawing.finish()
    assert predrawing.drawn == 2  # one figure, two languages

    def no_drawing(*args):
        raise AssertionError("drawn again after training")

    monkeypatch.setattr(figures, "_draw_svg", no_drawing)
    spec = formula_figures(CHAPTER, {}, False)
    done = figures.render_figures(spec, "ko", tmp_path / "out", tmp_path / "cache")
    assert (tmp_path / "out" / "figures" / "formula.svg").read_bytes().count(b"<svg") == 1
    assert done[0].name == "formula"


def test_an_abandoned_predrawing_draws_nothing_more(tmp_path):
    predrawing = figures.Predrawing([(CHAPTER, "en", False)], tmp_path / "cache")
    predrawing.stop.set()
    predrawing.start()
    predrawing.finish(abandon=True)
    assert predrawing.drawn == 0
    predrawing.finish()  # finishing twice, or without a start, is harmless
    figures.Predrawing([], tmp_path).finish()


@pytest.mark.parametrize("broken", [ValueError("no"), KeyError("a")])
def test_a_figure_set_that_fails_without_results_is_left_to_the_figures_stage(broken):
    def failing(chapter, runs, is_sample):
        raise broken

    chapter = SimpleNamespace(id="chy", figures=[failing, formula_figures])
    assert [s.name for s in figures.independent_specs(chapter, False)] == ["formula"]
