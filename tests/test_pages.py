"""Page defects fixed as classes (issue 21 item 7), each tried on several instances:
emphasis next to Hangul and CJK punctuation, figure legibility, code contrast on slides, numbers
that never break inside a value, student-PDF code that still runs after copying."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from lecturegen.engine.render import markdown

# ---------------------------------------------------------------- emphasis next to Hangul / CJK

CJK_EMPHASIS = [
    # the classroom review's instance: ** closes after ")" before the particle 할
    ("이 말은 손실 함수가 **볼록(convex)**할 때만 맞습니다", "<strong>볼록(convex)</strong>할"),
    ("**정확도 95.19 %**가 나왔습니다", "<strong>정확도 95.19 %</strong>가"),
    ("패키지를 발행하려면 **`npm publish`**를 실행하십시오.", "<strong><code>npm publish</code></strong>를"),
    ("*이 텍스트(괄호 포함)*는 기울임꼴입니다.", "<em>이 텍스트(괄호 포함)</em>는"),
    ("학습률은 **“걸음의 크기”**입니다", "<strong>“걸음의 크기”</strong>입니다"),
    ("**손실(loss)**을 줄이고 ***정확도(accuracy)***를 높입니다", "<strong>손실(loss)</strong>을"),
    ("**「重要」**です。", "<strong>「重要」</strong>です"),
    ("**重要提示（注意）：**请注意。", "<strong>重要提示（注意）：</strong>请注意"),
    ("모델이 **과대적합**되었다", "<strong>과대적합</strong>되었다"),
]


@pytest.mark.parametrize("source, wanted", CJK_EMPHASIS)
def test_emphasis_next_to_hangul_and_cjk_punctuation(source: str, wanted: str) -> None:
    html = markdown().render(source)
    assert wanted in html
    assert "*" not in html.replace("<strong>", "").replace("</strong>", "")


ENGLISH = [  # CommonMark's own results stay: the amendment only acts next to a CJK character
    "a **b(c)**d stays literal", "snake_case_word and 2*3*4", "**bold**, *italic* and __under__score",
    "**Loss (convex)** only", "*a*b and a*b*", "__x__y and _y_z", "** not bold **", "price: 5*3 = 15",
]


@pytest.mark.parametrize("source", ENGLISH)
def test_english_emphasis_is_plain_commonmark(source: str) -> None:
    assert markdown().render(source) == MarkdownIt("commonmark", {"html": True}).enable("table").render(source)


def test_emphasis_in_code_stays_code() -> None:
    html = markdown().render("`**볼록(convex)**할` 그리고\n\n```python\nx = 2**3  # **볼록**할\n```\n")
    assert "<strong>" not in html and html.count("**") == 5
