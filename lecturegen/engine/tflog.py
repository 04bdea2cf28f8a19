"""Keep TensorFlow's own output off the terminal while a build trains.

TensorFlow, XLA and absl write their C++ log lines (oneDNN notices, ``cuInit`` failures,
``NodeDef mentions attribute ...``, the absl banner) straight to file descriptor 2, and Keras
warns about retracing through Python logging. During training, :func:`tensorflow_log` points
fd 2 (inherited by ``--jobs`` workers too) at ``<cache>/logs/tensorflow.log``, gives Python's
``sys.stderr`` (lecturegen's own progress and warnings) a fresh descriptor of the real terminal,
and sends the ``tensorflow``/``absl``/``keras`` loggers and Python warnings to the log. An error
names the log; ``-v`` prints it afterwards.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from lecturegen.errors import LecturegenError

LOG_NAME = "tensorflow.log"
TF_LOGGERS = ("tensorflow", "absl", "keras", "h5py")


def log_path(cache_dir: Path) -> Path:
    return cache_dir / "logs" / LOG_NAME


@contextmanager
def _loggers_to(stream) -> Iterator[None]:
    handler = logging.StreamHandler(stream)
    saved = {}
    for name in TF_LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = (logger.handlers[:], logger.propagate)
        logger.handlers, logger.propagate = [handler], False
    show = warnings.showwarning
    warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: stream.write(
        warnings.formatwarning(message, category, filename, lineno, line))
    try:
        yield
    finally:
        warnings.showwarning = show
        for name, (handlers, propagate) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers, logger.propagate = handlers, propagate


def _repoint_handlers(old, new) -> list[logging.StreamHandler]:
    """Root log handlers writing to the old ``sys.stderr`` now write to ``new``; returns them."""
    moved = [h for h in logging.getLogger().handlers
             if isinstance(h, logging.StreamHandler) and (h.stream is old or h.stream is sys.__stderr__)]
    for handler in moved:
        handler.setStream(new)
    return moved


def _writes_to_fd2(stream) -> bool:
    try:
        return stream.fileno() == 2
    except (AttributeError, OSError, ValueError):
        return False


@contextmanager
def tensorflow_log(cache_dir: Path, show: bool = False) -> Iterator[Path]:
    """Everything TensorFlow prints while the block runs goes to the log file; lecturegen's own
    lines still reach the terminal. On a LecturegenError the message names the log."""
    path = log_path(cache_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # the log keeps warnings and errors, not info
    sys.stdout.flush()
    sys.stderr.flush()
    saved_fd = os.dup(2)
    old_stderr = sys.stderr
    with open(path, "w", encoding="utf-8", buffering=1) as log:
        os.dup2(log.fileno(), 2)
        if _writes_to_fd2(old_stderr):
            terminal = os.fdopen(os.dup(saved_fd), "w", buffering=1,
                                 encoding=getattr(old_stderr, "encoding", "utf-8"), errors="replace")
        else:  # sys.stderr is captured in memory (a test runner, an embedding program): it stays as it is
            terminal = old_stderr
        sys.stderr = terminal
        moved = _repoint_handlers(old_stderr, terminal)
        try:
            with _loggers_to(log):
                yield path
        except LecturegenError as exc:
            log.flush()
            if exc.args and isinstance(exc.args[0], str) and path.stat().st_size:  # only a log that says something
                exc.args = (f"{exc.args[0]} (TensorFlow's own messages: {path})", *exc.args[1:])
            raise
        finally:
            terminal.flush()
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            sys.stderr = old_stderr
            for handler in moved:
                handler.setStream(old_stderr)
            if terminal is not old_stderr:
                terminal.close()
    if show:
        text = path.read_text(encoding="utf-8", errors="replace")
        if text.strip():
            sys.stderr.write(f"--- TensorFlow's own messages ({path}) ---\n{text}")
