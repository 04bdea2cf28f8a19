"""Ctrl-C that is never lost.

Python turns Ctrl-C into ``KeyboardInterrupt`` at whatever line the main thread runs next. When that
line is inside a weak-reference callback or a ``__del__`` (TensorFlow and Keras free objects so all
the time while a build trains), Python prints "Exception ignored in ..." with a traceback and drops
the interrupt: the build trained on to the end, as if nobody had pressed Ctrl-C (seen in the test
suite under load). :func:`keep_lost_interrupts` replaces that printout with a note, and
:func:`raise_if_interrupted`, called where a build waits for its runs and between its stages, raises
the interrupt again there.
"""

from __future__ import annotations

import sys
import threading

_LOST = threading.Event()
_INSTALLED = threading.Event()


def keep_lost_interrupts() -> None:
    """Catch a KeyboardInterrupt Python would drop (once per process; other unraisable errors are
    reported as before)."""
    if _INSTALLED.is_set():
        return
    _INSTALLED.set()
    previous = sys.unraisablehook

    def hook(unraisable) -> None:
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
            _LOST.set()
            return
        previous(unraisable)

    sys.unraisablehook = hook


def raise_if_interrupted() -> None:
    """Raise the KeyboardInterrupt that Python dropped, if one was."""
    if _LOST.is_set() and threading.current_thread() is threading.main_thread():
        _LOST.clear()
        raise KeyboardInterrupt
