"""Values that never break across lines in rendered Markdown: a number and its unit ('97 %를',
'0.2 s'), a mean with its spread ('85.85 % ± 0.07') and a rounded-up quotient ('⌈N / B⌉') are
joined with no-break spaces, in prose and table cells alike (the ``pct``/``fixed``/``seconds``
formats already write them so)."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

_UNIT_SPACE = re.compile(r"(?<=\d) (?=(?:%p|%|s|ms|초|px|pt|GB|MB)(?![A-Za-z]))")
_PLUS_MINUS = re.compile(r"(?<=[\d%]) ?± ?(?=\d)")
_CEILING = re.compile(r"⌈[^⌈⌉\n]{1,60}⌉")


def keep_values(text: str) -> str:
    """'97 %를', '0.2 s', '85.85 % ± 0.07', '⌈N / B⌉' with no-break spaces: a value and its unit stay on one line."""
    text = _CEILING.sub(lambda m: m.group(0).replace(" ", "\u00a0"), text)
    return _PLUS_MINUS.sub("\u00a0±\u00a0", _UNIT_SPACE.sub("\u00a0", text))


def _values(state) -> None:
    for token in state.tokens:
        for child in token.children or ():
            if child.type == "text":
                child.content = keep_values(child.content)


def _code_token(self, tokens, idx, options, env) -> str:
    """Inline code: a span with no space in it (``epsilon=1e-06``) gets class ``lg-token``, which a
    table cell never breaks (the CSS); code with spaces still wraps at its spaces."""
    token = tokens[idx]
    if not any(c.isspace() for c in token.content):
        token.attrJoin("class", "lg-token")
    return f"<code{self.renderAttrs(token)}>{escapeHtml(token.content)}</code>"


def unbroken_values(md: MarkdownIt) -> None:
    """``MarkdownIt(...).use(unbroken_values)``: numbers written in prose and tables keep their unit
    and ± on the same line (code is left as written), and a setting in code is never split."""
    md.core.ruler.push("unbroken_values", _values)
    md.add_render_rule("code_inline", _code_token)
