"""Figures drawn (and formulas typeset) while the runs train, so that little is left after training.

A :class:`Drawer` starts when a build starts training. It draws into the figure cache every figure
it can already compute: at once those that need no result (drawn from formulas or code) and those
whose runs came from the cache, then, each time an experiment finishes training, those that the
results so far complete; and, when no figure waits, it typesets the formulas the content files write
literally (``math("...")``) and cuts the Korean font's common subset. The figures stage then takes them from the cache: a figure's cache key
holds the data it draws, so a figure drawn early is the one that stage would draw, and one drawn
from results that later changed is simply not used.

Before TensorFlow is imported the drawer is a forked process of its own: importing TensorFlow holds
the interpreter for seconds, and drawing is Python too, so as a thread the two would take turns on
one core while the other core waits. Once TensorFlow is in the process (serve's warm worker, a
second build in one process), the drawer is a thread: forking a process that runs TensorFlow's
threads is not safe.

Nothing the drawer does can fail a build: a figure it cannot draw is left to the figures stage,
which draws it again and says what went wrong.
"""

from __future__ import annotations

import io
import logging
import os
import queue
import signal
import sys
import threading
from typing import Any

from lecturegen.core.plugins import FigureSpec
from lecturegen.engine import maths
from lecturegen.engine.figures import FIGURE_BUILDERS, _draw_svg, _figure_key
from lecturegen.engine.store import CacheStore
from lecturegen.errors import ChapterError

log = logging.getLogger(__name__)

Target = tuple[Any, str, bool]
"""(chapter, language, is_sample): what the build renders."""

STOP = "stop"
"""The message that ends the drawer (after the figure in hand)."""

NICE = 10
"""The drawing process yields the cores to training: it draws while a core would otherwise wait (the
TensorFlow import, the last run training alone, the pages rendering), and the runs train at full speed."""

POLL_S = 1.0
"""How often an idle drawing process checks that the build that started it is still there."""

FINISH_WAIT_S = 5.0
"""How long the build waits for the figure in hand when it no longer needs the drawer (a process forked
while another thread held a lock it then needs could wait for ever: it is stopped)."""

STOPPED = threading.Event()
"""Set in the drawing process when the build stops it (SIGTERM)."""


def available_specs(chapter, runs: dict, is_sample: bool) -> list[FigureSpec]:
    """The chapter's figures that ``runs`` (the results so far) let it compute. A figure set that
    needs a result not there yet fails or gives nothing; it is tried again with more results."""
    specs: list[FigureSpec] = []
    for figure_set in chapter.figures:
        builder = figure_set if callable(figure_set) else FIGURE_BUILDERS.get(figure_set)
        if builder is None:
            continue
        try:
            specs += builder(chapter, runs, is_sample)
        except Exception:  # noqa: BLE001, S112 - needs results not there yet (or is broken: the figures stage says so)
            continue
    return specs


def independent_specs(chapter, is_sample: bool) -> list[FigureSpec]:
    """The figures the chapter computes without any result."""
    return available_specs(chapter, {}, is_sample)


class _Work:
    """The drawing loop, the same in a process and in a thread: messages come from ``inbox``
    (``(chapter id, results so far)`` or :data:`STOP`)."""

    def __init__(self, targets: list[Target], store: CacheStore, inbox, count=None) -> None:
        self.targets, self.store, self.inbox = targets, store, inbox
        self.count = count  # in a process: the build's shared counter, kept up to date figure by figure
        self.runs: dict[str, dict] = {}
        self.tried: set[str] = set()
        self.drawn = 0

    def todo(self) -> list[tuple[str, FigureSpec, str]]:
        found = []
        for chapter, lang, is_sample in self.targets:
            for spec in available_specs(chapter, self.runs.get(chapter.id, {}), is_sample):
                name = f"{_figure_key(spec, lang)}.svg"
                if name not in self.tried:
                    found.append((name, spec, lang))
        return found

    def take(self, block: bool, parent: int | None) -> tuple[bool, bool]:
        """Read the messages waiting (wait for one when ``block``): (go on?, new results?)."""
        changed = False
        while True:
            try:
                message = self.inbox.get(block=block, timeout=POLL_S if block else None)
            except queue.Empty:
                if block and (STOPPED.is_set() or parent is not None and os.getppid() != parent):
                    return False, changed  # stopped, or the build is gone
                if block:
                    continue
                return True, changed
            if message == STOP:
                return False, changed
            chapter_id, runs = message
            self.runs[chapter_id] = runs
            changed, block = True, False

    def formulas(self) -> None:
        """Typeset the formulas of each target's content file, when no figure waits."""
        for chapter, lang, _ in self.targets:
            try:
                source = (chapter.content_dir / f"{lang}.md").read_text(encoding="utf-8")
            except (AttributeError, OSError, UnicodeError):  # no content file: the render stage says so
                continue
            for tex in maths.literal_formulas(source):
                try:
                    maths.typeset(tex, self.store)
                except ChapterError:  # said by the render stage
                    continue

    def font(self) -> None:
        """Cut the Korean font's common subset: the one pages need when they use no rarer character."""
        from lecturegen.engine.fonts import font_css

        font_css("", self.store)

    def run(self, parent: int | None = None) -> int:
        pending = self.todo()
        chores = [self.formulas, self.font]
        while True:
            go_on, changed = self.take(block=not pending and not chores, parent=parent)
            if not go_on or STOPPED.is_set():
                return self.drawn
            if changed:
                pending = self.todo()
            if not pending:
                if chores:
                    chores.pop(0)()
                continue
            name, spec, lang = pending.pop(0)
            self.tried.add(name)
            if self.store.get("figures", name) is not None:
                continue
            buffer = io.BytesIO()
            try:
                _draw_svg(spec, lang, buffer)
            except Exception:  # drawn again, and its error said, by the figures stage
                log.debug("drawing %s early failed", spec.name, exc_info=True)
                continue
            self.store.put("figures", name, buffer.getvalue())
            self.drawn += 1
            if self.count is not None:  # said at once: a process stopped later (in a chore, say) drew it all the same
                self.count.value = self.drawn


class Drawer:
    """Draws figures while the build trains: :meth:`results` for each chapter's results so far (the
    cached ones first, then as experiments finish; the first call starts the drawer, before the data
    is read and TensorFlow imported), then :meth:`finish`."""

    def __init__(self, targets: list[Target], cache: CacheStore | os.PathLike) -> None:
        self.targets, self.store = targets, CacheStore.of(cache)
        self.process = None
        self.thread: threading.Thread | None = None
        self.inbox: Any = None
        self._count: Any = None
        self._drawn = 0
        self.closed = False  # finished: never started again

    @property
    def started(self) -> bool:
        return self.process is not None or self.thread is not None

    @property
    def drawn(self) -> int:
        """How many figures the drawer drew (once finished)."""
        return self._count.value if self._count is not None else self._drawn

    def start(self) -> None:
        if self.started or self.closed or not self.targets:
            return
        if "tensorflow" in sys.modules or not hasattr(os, "fork"):
            self.inbox = queue.Queue()
            self.thread = threading.Thread(target=self._in_thread, name="draw figures", daemon=True)
            self.thread.start()
            return
        import multiprocessing

        context = multiprocessing.get_context("fork")
        # the count without a lock: one process writes it, and a process killed holding a lock would leave
        # the build waiting for ever when it reads the count
        self.inbox, self._count = context.Queue(), context.Value("i", 0, lock=False)
        self.process = context.Process(target=_in_process, name="lecturegen: draw figures", daemon=True,
                                       args=(self.targets, self.store, self.inbox, self._count, os.getpid()))
        self.process.start()

    def results(self, chapter_id: str, runs: dict) -> None:
        """The chapter's results so far (experiment name -> RunResult)."""
        self.start()
        if self.started:
            self.inbox.put((chapter_id, dict(runs)))

    def trained(self) -> None:
        """Training is over. A drawing process goes on while the figures stage draws from the other end;
        a drawing thread stops now (after the figure in hand): matplotlib is not safe to use from two
        threads at once, and the figures stage draws in the build's own thread."""
        if self.thread is not None:
            self.finish()

    def finish(self, abandon: bool = False) -> None:
        """Stop after the figure in hand, waiting for it at most :data:`FINISH_WAIT_S` (``abandon``: a
        failed or interrupted build; the drawing process is stopped at once). Whatever it has not
        drawn, the figures stage draws. Finishing twice, or without a start, does nothing."""
        self.closed = True
        if self.process is not None:
            if not abandon:
                self.inbox.put(STOP)
                self.process.join(timeout=FINISH_WAIT_S)
            for stop in (self.process.terminate, self.process.kill):  # terminate: a half-written entry is removed
                if self.process.is_alive():
                    stop()
                    self.process.join(timeout=FINISH_WAIT_S)
            self.inbox.cancel_join_thread()  # results the process did not read are not needed
            self.inbox.close()
            self.process = None
        if self.thread is not None:
            self.inbox.put(STOP)
            self.thread.join()
            self.thread = None

    def _in_thread(self) -> None:
        work = _Work(self.targets, self.store, self.inbox)
        try:
            work.run()
        except Exception:  # never the build's failure: the figures stage draws what is missing
            log.debug("drawing figures failed", exc_info=True)
        self._drawn = work.drawn


def _stopped(*_) -> None:
    """SIGTERM in the drawing process: leave at once (a cache entry half written is removed on the way
    out). When the signal lands inside a weak-reference callback or a ``__del__``, Python drops the
    exit; :data:`STOPPED` then ends the loop after the figure in hand."""
    STOPPED.set()
    sys.exit(0)


def _in_process(targets: list[Target], store: CacheStore, inbox, count, parent: int) -> None:
    """The drawing process: silent (the build speaks for it), deaf to Ctrl-C (the build stops it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stopped)
    sys.unraisablehook = lambda _: None  # silent: no "Exception ignored" printout on the build's terminal
    os.nice(NICE)
    from lecturegen.engine import matplotlock

    matplotlock.LOCK = threading.RLock()  # held by no one here (a thread of the build may have held it at the fork)
    logging.disable(logging.CRITICAL)
    work = _Work(targets, store, inbox, count)
    try:
        work.run(parent)
    except BaseException:  # noqa: BLE001, S110 - nothing may escape: the figures stage draws what is missing
        pass
