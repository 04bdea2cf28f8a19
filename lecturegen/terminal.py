"""Untrusted text on the terminal: experiment names and titles from a report, messages of a
checked snippet. Printed as rich ``Text`` (never markup) and through :func:`plain`, so escape
sequences and other control characters are shown, not executed by the terminal."""

from __future__ import annotations

from typing import Any


def plain(value: Any) -> str:
    """``value`` as text with every non-printable character written as its escape (``\\x1b``)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
