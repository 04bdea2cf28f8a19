"""How much the command line says: ``-v/--verbose`` and ``-q/--quiet`` (global options)."""

from __future__ import annotations

import logging
from dataclasses import dataclass


@dataclass
class Verbosity:
    verbose: bool = False
    quiet: bool = False


state = Verbosity()


def configure(verbose: bool = False, quiet: bool = False) -> None:
    """Remember the choice and set the level of lecturegen's own log lines (``warning: ...``)."""
    state.verbose, state.quiet = verbose, quiet and not verbose
    level = logging.INFO if verbose else logging.ERROR if state.quiet else logging.WARNING
    logging.getLogger("lecturegen").setLevel(level)
