"""Code blocks highlighted by an earlier rendering are kept in the cache folder (engine/highlighted.py):
the next rendering of the content file reuses their HTML (the same bytes), an edited block is
highlighted again, a wrong option is still an error. Fast tier: no build."""

from __future__ import annotations

import pytest

from lecturegen.engine import highlighted, render
from lecturegen.engine.store import CacheStore
from lecturegen.errors import ChapterError

TEXT = "# 코드\n\n```python hl=2\nx = 1\ny = 2\n```\n\n---\n\n# 둘\n\n```python\nprint('hi')\n```\n"


@pytest.fixture
def pygments_calls(monkeypatch):
    seen: list[str] = []
    real = render._highlight

    def counting(code, lang, attrs):
        seen.append(code)
        return real(code, lang, attrs)

    monkeypatch.setattr(render, "_highlight", counting)
    return seen


def _slides(store, content, text=TEXT) -> list[str]:
    with highlighted.kept_in(store, content):
        return [str(s.body) for s in render.split_slides(text)]


def test_a_second_rendering_reuses_the_html_and_an_edited_block_is_highlighted_again(tmp_path, pygments_calls):
    store, content = CacheStore(tmp_path / "cache"), tmp_path / "ko.md"
    first = _slides(store, content)
    assert len(pygments_calls) == 2 and 'class="highlight"' in first[0] and "hll" in first[0]
    assert _slides(store, content) == first and len(pygments_calls) == 2  # from the cache folder
    assert _slides(None, content) == first and len(pygments_calls) == 4  # outside a build: highlighted
    edited = TEXT.replace("print('hi')", "print('bye')")
    again = _slides(store, content, edited)
    assert pygments_calls[4:] == ["print('bye')\n"] and again[0] == first[0] and "bye" in again[1]
    assert _slides(store, tmp_path / "en.md") == first and len(pygments_calls) == 7  # another file: its own


def test_a_wrong_option_is_still_said_and_a_new_pygments_highlights_again(tmp_path, pygments_calls, monkeypatch):
    store, content = CacheStore(tmp_path / "cache"), tmp_path / "ko.md"
    first = _slides(store, content)
    with pytest.raises(ChapterError, match="hl="):
        _slides(store, content, TEXT.replace("hl=2", "hl=x"))
    with pytest.raises(ChapterError, match="hl="):
        _slides(store, content, TEXT.replace("hl=2", "hl=x"))
    monkeypatch.setattr(highlighted, "dist_version", lambda name: "99.0")
    calls = len(pygments_calls)
    assert _slides(store, content) == first and len(pygments_calls) == calls + 2
