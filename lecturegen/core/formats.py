"""How numbers are written in pages and tables: the content files' filters (``pct``, ``num``,
``fixed``, ``seconds``, ``mean``), also used by chapter tables and the CLI."""

from __future__ import annotations

from typing import Any

from lecturegen.core.results import spread

NBSP = "\u00a0"
"""Between a number and its unit and around ±: a value never breaks across lines ('85.85 % ±' / '0.07')
in a table cell, the handout, the PDF or the notebook, and still copies as one value."""
PLUS_MINUS = f"{NBSP}±{NBSP}"


def pct(value: float | None, digits: int = 2) -> str:
    """0.95193 -> '95.19 %'; a mean over seeds -> '95.19 % ± 0.21' (the sd in points; spaces are NBSP)."""
    if value is None:
        return "–"
    sd = spread(value)
    return f"{value * 100:.{digits}f}{NBSP}%" + ("" if sd is None else f"{PLUS_MINUS}{sd * 100:.{digits}f}")


def num(value: float | int | None) -> str:
    """167818 -> '167,818'."""
    return "–" if value is None else f"{value:,}"


def fixed(value: float | None, digits: int = 4) -> str:
    """0.18021 -> '0.1802'; a mean over seeds -> '0.1802 ± 0.0031'."""
    if value is None:
        return "–"
    sd = spread(value)
    return f"{value:.{digits}f}" + ("" if sd is None else f"{PLUS_MINUS}{sd:.{digits}f}")


def seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}{NBSP}s"


def mean(values: list[float] | tuple[float, ...]) -> float:
    return sum(values) / len(values)


def short(value: Any) -> str:
    """A setting as it reads best: floats without trailing zeros (0.001, 1e-06), the rest as str."""
    return f"{value:g}" if isinstance(value, float) else str(value)


PAIRS = {"을": ("을", "를"), "를": ("을", "를"), "이": ("이", "가"), "가": ("이", "가"), "은": ("은", "는"),
         "는": ("은", "는"), "과": ("과", "와"), "와": ("과", "와"), "으로": ("으로", "로"), "로": ("으로", "로"),
         "이라": ("이라", "라"), "라": ("이라", "라"), "이어야": ("이어야", "여야")}
_DIGIT_CODA = {"0": 21, "1": 8, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": 8, "8": 8, "9": 0}  # 영 일 이 삼...
_LETTER_CODA = {"l": 8, "m": 16, "n": 4, "r": 8}  # 엘 엠 엔 알; other letter names end in a vowel


def _coda(word: str) -> int:
    """The final consonant of how the word is read (0: none, 8: ㄹ), for Hangul, digits and Latin letters."""
    last = next((c for c in reversed(word) if c.isalnum()), "")
    if "가" <= last <= "힣":
        return (ord(last) - 0xAC00) % 28
    return _DIGIT_CODA.get(last, _LETTER_CODA.get(last.lower(), 0))


def josa(word: Any, particle: str) -> str:
    """The word with the particle that fits its last syllable: ``{{ name | josa("으로") }}``
    gives 'MNIST로', 'Fashion-MNIST로', '데이터셋으로'."""
    word = str(word)
    with_coda, without = PAIRS[particle]
    coda = _coda(word)
    if with_coda == "으로":
        return word + ("로" if coda in (0, 8) else "으로")
    return word + (with_coda if coda else without)


FILTERS = {"pct": pct, "num": num, "fixed": fixed, "seconds": seconds, "mean": mean, "josa": josa}
