"""The formulas and probes a content file asked for are remembered (engine/prepared.py): after a prose
edit the content renders once with them; a new formula, or one gone from the cache, renders it again
with the formula prepared, and the pages are those a build without the memory makes.
Fast tier: canned results, no TensorFlow."""

from __future__ import annotations

import shutil

import pytest
from test_unchanged import CONTENT, _build, course  # noqa: F401  (the fixture)

from lecturegen.engine import render

FORMULA = '\n{{ math("a^2 + b^2 = c^2", "Pythagoras") }}\n'


@pytest.fixture
def renders(monkeypatch):
    """How many times the content was rendered for the pages, from now on."""
    seen: list[int] = []
    real = render.render_content

    def counting(ctx):
        seen.append(1)
        return real(ctx)

    monkeypatch.setattr(render, "render_content", counting)
    return seen


def _page(opts) -> str:
    return (opts.out / "mini" / "slides.html").read_text(encoding="utf-8")


def test_a_prose_edit_renders_the_content_once_and_a_new_formula_twice(course, renders, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764900000")
    content = course.chapters_dirs[0] / "mini" / "ko.md"
    content.write_text(CONTENT + FORMULA, encoding="utf-8")
    _build(course)
    assert len(renders) == 2  # nothing remembered yet: once to learn what it asks, once with it
    content.write_text(CONTENT + FORMULA + "\n덧붙인 문장입니다.\n", encoding="utf-8")
    renders.clear()
    _build(course)
    assert len(renders) == 1
    page = _page(course)
    assert "덧붙인 문장입니다." in page and 'alt="Pythagoras" style="height:' in page  # the formula typeset, sized

    content.write_text(CONTENT + FORMULA + '\n{{ math("e^{i\\\\pi} + 1 = 0", "Euler") }}\n', encoding="utf-8")
    renders.clear()
    _build(course)
    assert len(renders) == 2  # a formula not prepared: prepared, then the content rendered again
    page = _page(course)
    assert 'alt="Euler" style="height:' in page
    assert len(list((course.out / "mini" / "math").glob("*.svg"))) == 2

    shutil.rmtree(course.cache_dir / "math")  # what it asked for is gone from the cache: not trusted
    content.write_text(content.read_text(encoding="utf-8") + "\n한 문장 더.\n", encoding="utf-8")
    renders.clear()
    _build(course)
    assert len(renders) == 2 and 'alt="Euler" style="height:' in _page(course)

    remembered = _page(course)  # the same pages as a build that remembers nothing
    shutil.rmtree(course.cache_dir / "requests")
    shutil.rmtree(course.out)
    renders.clear()
    _build(course)
    assert len(renders) == 2 and _page(course) == remembered
