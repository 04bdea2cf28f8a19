"""Values that never break across lines in rendered Markdown: a number and its unit ('97 %를',
'0.2 s') and a mean with its spread ('85.85 % ± 0.07') are joined with no-break spaces, in prose and
table cells alike (the ``pct``/``fixed``/``seconds`` formats already write them so)."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

_UNIT_SPACE = re.compile(r"(?<=\d) (?=(?:%p|%|s|ms|초|px|pt|GB|MB)(?![A-Za-z]))")
_PLUS_MINUS = re.compile(r"(?<=[\d%]) ?± ?(?=\d)")


def keep_values(text: str) -> str:
    """'97 %를', '0.2 s', '85.85 % ± 0.07' with no-break spaces: a value and its unit stay on one line."""
    return _PLUS_MINUS.sub("\u00a0±\u00a0", _UNIT_SPACE.sub("\u00a0", text))


def _values(state) -> None:
    for token in state.tokens:
        for child in token.children or ():
            if child.type == "text":
                child.content = keep_values(child.content)


def unbroken_values(md: MarkdownIt) -> None:
    """``MarkdownIt(...).use(unbroken_values)``: numbers written in prose and tables keep their unit
    and ± on the same line (code is left as written)."""
    md.core.ruler.push("unbroken_values", _values)
