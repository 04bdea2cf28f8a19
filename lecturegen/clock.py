"""The date written into outputs: now, or ``$SOURCE_DATE_EPOCH`` when it is set.

As in mkdocs, Sphinx and Debian's reproducible builds: two builds of the same inputs with the same
``SOURCE_DATE_EPOCH`` (seconds since 1970-01-01 UTC) write byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import os

from lecturegen.errors import UsageError
from lecturegen.messages import say

ENV = "SOURCE_DATE_EPOCH"
STAMP = "%Y-%m-%d %H:%M UTC"


def now() -> dt.datetime:
    """The build's time, in UTC: ``$SOURCE_DATE_EPOCH`` if set, else the clock."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return dt.datetime.now(dt.timezone.utc)
    try:
        return dt.datetime.fromtimestamp(int(value), dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise UsageError(say("config.bad_source_date_epoch", env=ENV, value=value)) from None


def stamp() -> str:
    """The date as pages, notebook and report show it: ``2026-11-29 03:41 UTC``."""
    return now().strftime(STAMP)
