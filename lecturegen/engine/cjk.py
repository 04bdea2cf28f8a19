"""Emphasis next to Korean, Chinese and Japanese text: the CommonMark "CJK-friendly" amendment
(https://github.com/tats-u/markdown-cjk-friendly, the rule markdown-it-cjk-friendly implements for
markdown-it in JavaScript), as a markdown-it-py plugin.

CommonMark decides whether ``**`` can open or close emphasis from the characters on either side.
A closing ``**`` right after punctuation must be followed by a space or punctuation, so in
``**볼록(convex)**할 때`` the ``**`` before the particle ``할`` cannot close and both pairs show
as literal asterisks. Korean attaches particles to the word without a space, and Chinese and
Japanese use no spaces at all, so the amendment lets a ``*`` run open or close whenever the
character on either side is a CJK character (Hangul included). Nothing changes when neither
neighbour is CJK (English renders exactly as CommonMark says), and ``_`` keeps the CommonMark rule.

Why not the ``mdit-py-cjk-friendly`` package: it leaves Hangul out (the instance above stays
broken), patches markdown-it-py's ``StateInline`` class for every parser in the process, and
requires markdown-it-py < 4. This plugin replaces only the ``emphasis`` rule of the parser it is
given.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline.state_inline import Delimiter, Scanned, StateInline

_VARIATION_SELECTORS = range(0xFE00, 0xFE0F)  # general-purpose VS-1..VS-15 (VS-16 asks for emoji)
_IDEOGRAPHIC_VARIATION = range(0xE0100, 0xE01F0)


def _is_emoji(ch: str) -> bool:
    """A wide symbol that is an emoji (⌚, ☕, 😀): CJK text it is not."""
    code = ord(ch)
    return unicodedata.category(ch) == "So" and (0x2300 <= code <= 0x2BFF or code >= 0x1F000)


def is_cjk(ch: str) -> bool | None:
    """True for a CJK character (Hangul, kana, ideographs, full-width forms and CJK punctuation:
    East Asian Width F, H or W except emoji, and Hangul jamo of width N); None for an ambiguous-width
    character (decided by the caller); False otherwise."""
    code = ord(ch)
    if code < 0x1100:
        return False
    width = unicodedata.east_asian_width(ch)
    if width in ("F", "H"):
        return True
    if width == "W":
        return not _is_emoji(ch)
    if width == "A":
        return None
    if width == "N":
        return 0x1100 <= code <= 0x11FF or 0xA960 <= code <= 0xA97F or 0xD7B0 <= code <= 0xD7FF  # Hangul jamo
    return False


def _previous_is_cjk(ch: str, before: str | None) -> bool:
    """The character before the delimiter run (``before``: the one before it, when ``ch`` is a
    variation selector that belongs to it)."""
    if before is not None:
        found = is_cjk(before)
        # a left/right-justified full-width quotation mark: U+2018/2019/201C/201D followed by VS-2
        return found if found is not None else (ord(ch) == 0xFE01 and before in "\u2018\u2019\u201c\u201d")
    found = is_cjk(ch)
    return found if found is not None else ord(ch) in _IDEOGRAPHIC_VARIATION


def _punct(ch: str) -> bool:
    return isMdAsciiPunct(ord(ch)) or isPunctChar(ch)


def scan_delims(state: StateInline, start: int, can_split_word: bool) -> Scanned:
    """``StateInline.scanDelims`` with the CJK-friendly flanking rule."""
    src, maximum = state.src, state.posMax
    marker = src[start]
    last = src[start - 1] if start > 0 else " "  # the start of the line counts as a space
    last_main, before_last = last, None
    if ord(last) in _VARIATION_SELECTORS and start > 1:
        before_last = src[start - 2]
        if unicodedata.category(before_last) != "Zs":
            last_main = before_last
    pos = start
    while pos < maximum and src[pos] == marker:
        pos += 1
    count = pos - start
    following = src[pos] if pos < maximum else " "  # so does its end

    last_space, next_space = isWhiteSpace(ord(last_main)), isWhiteSpace(ord(following))
    if last_space or next_space:
        return Scanned(not next_space, not last_space, count)
    last_punct, next_punct = _punct(last_main), _punct(following)
    left_flanking, right_flanking = last_punct, next_punct  # "_": the CommonMark rule, unchanged
    if can_split_word:
        either_cjk = bool(is_cjk(following)) or _previous_is_cjk(last, before_last)
        left_flanking = left_flanking or either_cjk or not next_punct
        right_flanking = right_flanking or either_cjk or not last_punct
    return Scanned(left_flanking, right_flanking, count)


def _emphasis(state: StateInline, silent: bool) -> bool:
    """markdown-it-py's ``emphasis`` tokenizer with :func:`scan_delims` (its post-processing, which
    pairs the delimiters, is unchanged)."""
    marker = state.src[state.pos]
    if silent or marker not in ("_", "*"):
        return False
    scanned = scan_delims(state, state.pos, marker == "*")
    for _ in range(scanned.length):
        token = state.push("text", "", 0)
        token.content = marker
        state.delimiters.append(Delimiter(marker=ord(marker), length=scanned.length, token=len(state.tokens) - 1,
                                          end=-1, open=scanned.can_open, close=scanned.can_close))
    state.pos += scanned.length
    return True


def cjk_emphasis(md: MarkdownIt) -> None:
    """``MarkdownIt(...).use(cjk_emphasis)``: emphasis and strong work next to Hangul and CJK text."""
    md.inline.ruler.at("emphasis", _emphasis)


# ---------------------------------------------------------------- Markdown read by another renderer

_RUN = re.compile(r"(?<![*\\])(\*{1,3})(?=[^\s*])(.+?)(?<=[^\s*])\1(?!\*)")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_TAGS = {1: ("<em>", "</em>"), 2: ("<strong>", "</strong>"), 3: ("<em><strong>", "</strong></em>")}


@functools.lru_cache(maxsize=1)
def _renderers() -> tuple[MarkdownIt, MarkdownIt]:
    """Plain CommonMark and CommonMark with the CJK rule, made once (a parser keeps no state between texts)."""
    return MarkdownIt("commonmark", {"html": True}), MarkdownIt("commonmark", {"html": True}).use(cjk_emphasis)


def portable_emphasis(text: str) -> str:
    """Markdown for a renderer without this rule (a notebook's cells, shown by Jupyter or Colab):
    emphasis that only the CJK-friendly rule finds (``**볼록(convex)**할``) is written as HTML
    (``<strong>볼록(convex)</strong>할``), so it shows bold there too. Lines that plain CommonMark
    reads the same way, code spans and fenced code are left as they are."""
    strict, friendly = _renderers()
    out, fence = [], None
    for line in text.split("\n"):
        opened = _FENCE.match(line)
        if fence is not None:
            fence = None if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence) else fence
            out.append(line)
            continue
        if opened:
            fence = opened.group(1)
            out.append(line)
            continue
        if "*" not in line:  # no emphasis to rewrite
            out.append(line)
            continue
        wanted = friendly.renderInline(line)
        if strict.renderInline(line) == wanted:
            out.append(line)
            continue
        parts = re.split(r"(`+[^`]*`+)", line)  # code spans stay as written
        rewritten = "".join(p if p.startswith("`") else
                            _RUN.sub(lambda m: _TAGS[len(m.group(1))][0] + m.group(2) + _TAGS[len(m.group(1))][1], p)
                            for p in parts)
        out.append(rewritten if friendly.renderInline(rewritten) == wanted else line)
    return "\n".join(out)
