"""Progress of long work: a live display on a terminal, plain lines otherwise."""

from __future__ import annotations

import queue
import sys
import time
from typing import Protocol


class Reporter(Protocol):
    def info(self, message: str) -> None: ...
    def warn(self, message: str) -> None: ...
    def start_run(self, name: str, epochs: int) -> None: ...
    def epoch_done(self, name: str, epoch: int, epochs: int, metrics: dict[str, float]) -> None: ...
    def end_run(self, name: str, summary: str) -> None: ...
    def close(self) -> None: ...


def forward_events(events, reporter: Reporter, timeout: float) -> None:
    """Hand the events waiting in ``events`` (tuples ``(method, *args)`` from workers) to ``reporter``,
    waiting up to ``timeout`` seconds for the first one."""
    try:
        event = events.get(timeout=timeout)
    except queue.Empty:
        return
    while True:
        kind, *args = event
        getattr(reporter, kind)(*args)
        try:
            event = events.get_nowait()
        except queue.Empty:
            return


def _metrics_text(metrics: dict[str, float]) -> str:
    keys = ("loss", "accuracy", "val_loss", "val_accuracy")
    return " ".join(f"{k}={metrics[k]:.4f}" for k in keys if k in metrics)


class LineReporter:
    """One line per event, on stderr: for logs, CI and pipes."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.started: dict[str, float] = {}

    def _say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def info(self, message: str) -> None:
        self._say(message)

    def warn(self, message: str) -> None:
        self._say(f"warning: {message}")

    def start_run(self, name: str, epochs: int) -> None:
        self.started[name] = time.monotonic()
        self._say(f"[{name}] training, {epochs} epochs")

    def epoch_done(self, name: str, epoch: int, epochs: int, metrics: dict[str, float]) -> None:
        elapsed = time.monotonic() - self.started.get(name, time.monotonic())
        left = elapsed / epoch * (epochs - epoch)
        self._say(f"[{name}] epoch {epoch}/{epochs} {_metrics_text(metrics)} ({elapsed:.0f}s, ~{left:.0f}s left)")

    def end_run(self, name: str, summary: str) -> None:
        self._say(f"[{name}] {summary}")

    def close(self) -> None:
        pass


class LiveReporter(LineReporter):
    """A rich progress bar per run, with metrics and time left."""

    def __init__(self) -> None:
        from rich.console import Console  # imported only for a terminal: a piped build starts faster
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        super().__init__()
        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.fields[run]}"),
            BarColumn(),
            TextColumn("epoch {task.completed}/{task.total}"),
            TextColumn("{task.fields[metrics]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.tasks: dict[str, int] = {}
        self.progress.start()

    def _say(self, text: str) -> None:
        self.progress.console.print(text, highlight=False, markup=False)

    def start_run(self, name: str, epochs: int) -> None:
        self.tasks[name] = self.progress.add_task(name, total=epochs, run=name, metrics="")

    def epoch_done(self, name: str, epoch: int, epochs: int, metrics: dict[str, float]) -> None:
        self.progress.update(self.tasks[name], completed=epoch, metrics=_metrics_text(metrics))

    def close(self) -> None:
        self.progress.stop()


def make_reporter(quiet: bool = False) -> Reporter:
    if not quiet and sys.stderr.isatty():
        return LiveReporter()
    return LineReporter()
