"""lecturegen's own words, one catalog per language: ``lecturegen/locales/<lang>.toml``.

Everything that is not a chapter's lecture prose comes from here: page and notebook chrome, the
built-in tables' heads, figure labels and alt text, the site index, and every line the command
line prints (``[help.*]`` option help; then by what a line is about, ``[data]``, ``[cache]``,
``[build]``, ``[content]``...: progress, summaries, warnings and one-line errors), through :func:`say`. A language is available when its catalog exists; keys a catalog lacks
fall back to English (``en.toml``), so a new language can start from a partial translation.

The command line speaks the *interface language*: ``LECTUREGEN_UI_LANG`` if set, else ``[course]
ui_lang`` of lecturegen.toml, else English. ``LANG`` is not followed, so output stays the same on
every machine unless asked. A command resolves it once (:meth:`UI.resolve`) and speaks it for its
whole run (:func:`speaking`); a thread, a worker process or a cluster task it starts is handed the
same :class:`UI` (:func:`carried`, or as an argument), so two commands in one process, or two
threads each running one, never hear each other's language (docs/architecture.md, "The interface
language").
"""

from __future__ import annotations

import functools
import os
import string
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from lecturegen.errors import UsageError

LOCALES = Path(__file__).resolve().parent / "locales"
FALLBACK = "en"
PREFERRED = "ko"  # listed first: the course's original language
UI_ENV = "LECTUREGEN_UI_LANG"


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
        raise UsageError(say("language.unknown", lang=lang, known=", ".join(languages())))
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


@dataclass(frozen=True)
class UI:
    """The interface language of one command: what its lines are said in. Immutable and picklable,
    so it travels as it is to a thread, a worker process or a Dask task."""

    lang: str = FALLBACK

    @classmethod
    def resolve(cls, course_lang: str | None = None, environ: Mapping[str, str] | None = None) -> UI:
        """``LECTUREGEN_UI_LANG``, else ``course_lang`` (``[course] ui_lang`` of lecturegen.toml), else
        English; English too when the asked language has no catalog (:func:`check_ui_lang` says so)."""
        lang = (os.environ if environ is None else environ).get(UI_ENV) or course_lang or FALLBACK
        return cls(lang if lang in languages() else FALLBACK)

    def say(self, key: str, /, **fields: Any) -> str:
        """The catalog line ``key`` in this language, its ``{named}`` fields filled in."""
        return PARTICLES.format(text(self.lang, key), **fields)

    def said(self, item: str) -> str:
        """``item`` as printed: a :class:`Phrase` in this language, other text as it is."""
        return self.say(item.key, **item.fields) if isinstance(item, Phrase) else item


# The UI of the command running in this thread (or asyncio task): set by speaking(), never assigned
# at module level, so each command, thread and task has its own (docs/architecture.md).
_SPOKEN: ContextVar[UI | None] = ContextVar("lecturegen_ui", default=None)


@contextmanager
def speaking(ui: UI) -> Iterator[UI]:
    """Say every line in ``ui``'s language inside the block (in this thread; see :func:`carried`)."""
    token = _SPOKEN.set(ui)
    try:
        yield ui
    finally:
        _SPOKEN.reset(token)


def current() -> UI:
    """The UI of the command running here; outside any command (a library call, option help made
    at import), resolved from the environment alone each time."""
    return _SPOKEN.get() or UI.resolve()


F = TypeVar("F", bound=Callable[..., Any])


def carried(fn: F) -> F:
    """``fn`` for another thread: it speaks the UI current where ``carried`` was called (a new thread
    starts with no command of its own)."""
    ui = current()

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with speaking(ui):
            return fn(*args, **kwargs)

    return run  # type: ignore[return-value]


def ui_lang() -> str:
    """The interface language the command line speaks here (:func:`current`)."""
    return current().lang


def help_key(key: str, /) -> str:
    """An option's or a command's help, named by its key (``help=help_key("help.build.seed")``): typer
    reads help from the code when lecturegen.cli is imported, so the text is said later, when a command
    builds its command line, in that command's language (``cli.SaidCommand``)."""
    return key


def check_ui_lang() -> None:
    """A one-line usage error when ``LECTUREGEN_UI_LANG`` names a language without a catalog."""
    lang = os.environ.get(UI_ENV)
    if lang and lang not in languages():
        raise UsageError(say("language.unknown_ui", env=UI_ENV, lang=lang, known=", ".join(languages())))


def text(lang: str, key: str) -> str:
    """The catalog text of a dotted ``key`` (e.g. ``data.no_such_file``) in ``lang``."""
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
    ``say("data.no_such_file", spec=spec)``."""
    return current().say(key, **fields)


class Phrase(str):
    """A catalog message kept in English where it is stored (report.json, the cache's reasons) and
    said in the interface language where it is printed (:func:`said`)::

        reason = Phrase("cache.reason_seed", before=1, after=2)   # == "seed 1 -> 2"
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
    return current().said(item)
