"""How numbers are written in pages and tables: the content files' filters (``pct``, ``num``,
``fixed``, ``seconds``, ``mean``), also used by chapter tables and the CLI."""

from __future__ import annotations

import re
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


class Seconds(str):
    """What :func:`seconds` gives: '2.7 s', which a page in a language with its own unit writes its way
    ('2.7초' in Korean) when it shows a chapter table's cell (:meth:`show`)."""

    UNITS = {"ko": "초"}  # written right after the number

    def __new__(cls, value: float) -> Seconds:
        text = super().__new__(cls, f"{value:.1f}{NBSP}s")
        text.value = value
        return text

    def show(self, lang: str) -> str:
        unit = self.UNITS.get(lang)
        return f"{self.value:.1f}{unit}" if unit else str(self)


def seconds(value: float | None) -> str:
    return "–" if value is None else Seconds(value)


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
# A word read as a word, not spelt (RMSprop 알엠에스프롭, Adam 아담, Dropout 드롭아웃, optimizer 옵티마이저):
# the sound its last letter ends in. -ng is ㅇ; other endings (-er, -e, -d, -x, -y) end in a vowel.
_WORD_CODA = {"p": 17, "b": 17, "t": 19, "k": 1, "m": 16, "n": 4, "l": 8}  # after a vowel: 프롭, 아웃, 북


def _coda(word: str) -> int:
    """The final consonant of how the word is read (0: none, 8: ㄹ), for Hangul, digits and Latin letters."""
    word = word.rstrip().rstrip("*'\"`")  # a bold number: **95.19 %**; a quoted or code name: 'minibatch-sooner'
    if word.endswith(("%", "%p")):  # 퍼센트, 퍼센트포인트
        return 0
    last = next((c for c in reversed(word) if c.isalnum()), "")
    if "가" <= last <= "힣":
        return (ord(last) - 0xAC00) % 28
    tail = word[len(word.rstrip("abcdefghijklmnopqrstuvwxyz")):]
    if len(tail) >= 2 and set(tail) & set("aeiouy"):  # a word ending in a syllable of small letters
        if tail.endswith("ng"):
            return 21
        if len(tail) >= 3 and tail[-1] == "e" and tail[-2] in "nlm":  # a silent e: None 논, compile 컴파일, time 타임
            return _WORD_CODA[tail[-2]]
        if tail[-1] in "pbtk" and tail[-2] not in "aeiou":  # test 테스트, network 네트워크: a vowel follows
            return 0
        return _WORD_CODA.get(tail[-1], 0)
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


_PARTICLE_AFTER = re.compile(
    r"(?<![\w.])(\d[\d,.]*(?:[ \u00a0]?%p?)?|[A-Za-z][\w-]*)"  # a number (with its %) or a Latin word
    r"(으로|로|을|를|이|가|은|는|과|와)(?![가-힣])")  # a particle that ends the word


def wrong_particles(text: str) -> list[str]:
    """Korean particles in rendered text that do not fit the number or Latin word before them
    ('2.3063로', '10로', 'RMSprop는'), as 'found -> expected'. Catches a template that wrote a value
    followed by a fixed particle where the value decides the particle (use ``| josa(...)``)."""
    wrong = []
    for match in _PARTICLE_AFTER.finditer(text):
        word, particle = match.groups()
        if particle in ("이", "가") and word[-1].isalpha():
            continue  # '이' after a Latin word may be the copula's stem ('Adam이다' is fine either way)
        expected = josa(word, particle)
        if expected != word + particle:
            wrong.append(f"{word}{particle} -> {expected}")
    return wrong


FILTERS = {"pct": pct, "num": num, "fixed": fixed, "seconds": seconds, "mean": mean, "josa": josa}
