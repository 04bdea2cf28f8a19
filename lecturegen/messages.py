"""lecturegen's own words, one catalog per language: ``lecturegen/locales/<lang>.toml``.

Everything that is not a chapter's lecture prose comes from here: page and notebook chrome, the
built-in tables' heads, figure labels and alt text, the site index, and every line the command
line prints (``[cli.*]`` progress and summaries, ``[errors.*]`` one-line errors, ``[help]`` option
help), through :func:`say`. A language is available when its catalog exists; keys a catalog lacks
fall back to English (``en.toml``), so a new language can start from a partial translation.

The command line speaks the *interface language*: ``LECTUREGEN_UI_LANG`` if set, else ``[course]
ui_lang`` of lecturegen.toml, else English. ``LANG`` is not followed, so output stays the same on
every machine unless asked.
"""

from __future__ import annotations

import functools
import os
import string
import tomllib
from pathlib import Path
from typing import Any

from lecturegen.errors import UsageError

LOCALES = Path(__file__).resolve().parent / "locales"
FALLBACK = "en"
PREFERRED = "ko"  # listed first: the course's original language
UI_ENV = "LECTUREGEN_UI_LANG"
_configured_ui: list[str | None] = [None]  # [course] ui_lang of lecturegen.toml, once read


@functools.lru_cache(maxsize=None)
def languages() -> tuple[str, ...]:
    """The languages lecturegen has a catalog for, the course's original language first."""
    found = sorted(path.stem for path in LOCALES.glob("*.toml"))
    return tuple(sorted(found, key=lambda lang: lang != PREFERRED))


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _merged(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return merged


@functools.lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, Any]:
    """The whole catalog of ``lang`` (English for any key it lacks)."""
    if lang not in languages():
        raise UsageError(say("errors.messages.unknown_language", lang=lang, known=", ".join(languages())))
    with (LOCALES / f"{lang}.toml").open("rb") as fh:
        own = tomllib.load(fh)
    if lang == FALLBACK:
        return own
    return _merged(catalog(FALLBACK), own)


def section(lang: str, name: str) -> dict[str, Any]:
    """One section of a catalog, e.g. ``section("ko", "page")["handout"]``."""
    return catalog(lang)[name]


def per_language(name: str, key: str, langs: tuple[str, ...] | None = None) -> dict[str, Any]:
    """One message in every language, e.g. an alt text for a figure: ``{"ko": ..., "en": ...}``."""
    return {lang: section(lang, name)[key] for lang in (langs or languages())}


def configure_ui(lang: str | None) -> None:
    """Remember ``[course] ui_lang`` of lecturegen.toml (``LECTUREGEN_UI_LANG`` still wins)."""
    _configured_ui[0] = lang


def ui_lang() -> str:
    """The interface language the command line speaks; English when the asked one has no catalog
    (:func:`check_ui_lang` reports that, once, as a usage error)."""
    lang = os.environ.get(UI_ENV) or _configured_ui[0] or FALLBACK
    return lang if lang in languages() else FALLBACK


def check_ui_lang() -> None:
    """A one-line usage error when ``LECTUREGEN_UI_LANG`` names a language without a catalog."""
    lang = os.environ.get(UI_ENV)
    if lang and lang not in languages():
        raise UsageError(say("errors.messages.unknown_ui_lang", env=UI_ENV, lang=lang, known=", ".join(languages())))


def text(lang: str, key: str) -> str:
    """The catalog text of a dotted ``key`` (e.g. ``errors.data.no_such_file``) in ``lang``."""
    node: Any = catalog(lang)
    for part in key.split("."):
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(key)
    return node


class _Particles(string.Formatter):
    """str.format plus Korean particles that follow the word filled in: ``{name:을}`` gives
    'ch4를' or 'v3을' by the word's last sound (:func:`lecturegen.core.formats.josa`); ``{name:'이}``
    quotes the word first: \'relu\'가."""

    def format_field(self, value: Any, format_spec: str) -> str:
        from lecturegen.core.formats import PAIRS, josa

        if format_spec in PAIRS:
            return josa(value, format_spec)
        if format_spec[:1] == "'" and format_spec[1:] in PAIRS:  # {name:'이}: 'relu'가, quoted
            return josa(f"'{value}'", format_spec[1:])
        return super().format_field(value, format_spec)


PARTICLES = _Particles()


def say(key: str, /, **fields: Any) -> str:
    """A command-line message in the interface language, its ``{named}`` fields filled in:
    ``say("errors.data.no_such_file", spec=spec)``."""
    return PARTICLES.format(text(ui_lang(), key), **fields)


class Phrase(str):
    """A catalog message kept in English where it is stored (report.json, the cache's reasons) and
    said in the interface language where it is printed (:func:`said`)::

        reason = Phrase("cli.cache.reason_seed", before=1, after=2)   # == "seed 1 -> 2"
    """

    key: str
    fields: dict[str, Any]

    def __new__(cls, key: str, /, **fields: Any) -> Phrase:
        phrase = super().__new__(cls, PARTICLES.format(text(FALLBACK, key), **fields))
        phrase.key, phrase.fields = key, fields
        return phrase

    def __reduce__(self) -> tuple[Any, ...]:  # pickled with its key, not only its English text
        return _phrase, (self.key, self.fields)


def _phrase(key: str, fields: dict[str, Any]) -> Phrase:
    return Phrase(key, **fields)


def said(item: str) -> str:
    """``item`` as the command line prints it: a :class:`Phrase` in the interface language, other text as it is."""
    return say(item.key, **item.fields) if isinstance(item, Phrase) else item
