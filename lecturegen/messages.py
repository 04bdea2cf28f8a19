"""lecturegen's own words, one catalog per language: ``lecturegen/locales/<lang>.toml``.

Everything that is not a chapter's lecture prose comes from here: page and notebook chrome, the
built-in tables' heads, figure labels and alt text, the site index. A language is available when
its catalog exists; keys a catalog lacks fall back to English (``en.toml``), so a new language
can start from a partial translation.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

from lecturegen.errors import UsageError

LOCALES = Path(__file__).resolve().parent / "locales"
FALLBACK = "en"
PREFERRED = "ko"  # listed first: the course's original language


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
        raise UsageError(f"unknown language '{lang}'; use one of: {', '.join(languages())} "
                         f"(a new language needs lecturegen/locales/{lang}.toml)")
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
