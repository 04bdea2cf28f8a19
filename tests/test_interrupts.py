"""A Ctrl-C that Python drops (it landed in a weak-reference callback) still stops the command."""

from __future__ import annotations

import gc
import queue
import sys
import threading
import weakref

import pytest

from lecturegen import interrupts
from lecturegen.engine.progress import forward_events


class Thing:
    pass


def drop_an_interrupt() -> None:
    """What Ctrl-C does when it arrives while a weak-reference callback runs."""
    thing = Thing()

    def callback(ref):
        raise KeyboardInterrupt

    ref = weakref.ref(thing, callback)
    del thing
    gc.collect()
    assert ref() is None


def test_a_dropped_ctrl_c_is_raised_where_the_build_waits_for_its_runs(monkeypatch, capsys):
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: print("Exception ignored", file=sys.stderr))
    monkeypatch.setattr(interrupts, "_INSTALLED", threading.Event())
    monkeypatch.setattr(interrupts, "_LOST", threading.Event())
    interrupts.keep_lost_interrupts()
    drop_an_interrupt()
    assert "Exception ignored" not in capsys.readouterr().err  # no traceback on the terminal
    with pytest.raises(KeyboardInterrupt):
        forward_events(queue.Queue(), None, timeout=0)
    forward_events(queue.Queue(), None, timeout=0)  # raised once


def test_other_errors_python_drops_are_still_reported(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: seen.append(unraisable.exc_type))
    monkeypatch.setattr(interrupts, "_INSTALLED", threading.Event())
    interrupts.keep_lost_interrupts()
    thing = Thing()
    ref = weakref.ref(thing, lambda r: 1 / 0)
    del thing
    gc.collect()
    assert ref() is None and seen == [ZeroDivisionError]
