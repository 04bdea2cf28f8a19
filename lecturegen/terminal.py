"""The terminal: how much the command line says (``-v/--verbose``, ``-q/--quiet``), and untrusted
text (experiment names and titles from a report, messages of a checked snippet), printed as rich
``Text`` (never markup) and through :func:`plain`, so escape sequences and other control characters
are shown, not executed by the terminal."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any


@dataclass
class Verbosity:
    verbose: bool = False
    quiet: bool = False


state = Verbosity()


def configure(verbose: bool = False, quiet: bool = False) -> None:
    """Remember the choice and set the level of lecturegen's own log lines (``warning: ...``)."""
    state.verbose, state.quiet = verbose, quiet and not verbose
    level = logging.INFO if verbose else logging.WARNING  # -q hides progress and info, never a warning
    logging.getLogger("lecturegen").setLevel(level)


NO_BREAK = str.maketrans({"\u00a0": " ", "\u202f": " "})  # the pages' no-break spaces (formats.NBSP)


def spaces(text: str) -> str:
    """A line for the terminal: the no-break spaces that keep a number with its unit on a page are
    plain spaces here (a terminal does not break inside a value, and a script reads plain spaces)."""
    return text.translate(NO_BREAK)


def plain(value: Any) -> str:
    """``value`` as text with every non-printable character written as its escape (``\\x1b``); no-break
    spaces become spaces."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in spaces(str(value)))
