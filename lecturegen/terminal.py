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


def plain(value: Any) -> str:
    """``value`` as text with every non-printable character written as its escape (``\\x1b``)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
