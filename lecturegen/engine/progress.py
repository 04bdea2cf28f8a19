"""Progress of long work: a live display on a terminal, plain lines otherwise.

Both show one overall line for the chapter (experiments done / total, elapsed, estimated time
left, estimated from the epochs still to train) and one line per experiment, with the run names
padded to one width and numbers in the format of the final summary (``95.19 %``, ``0.1802``).
"""

from __future__ import annotations

import queue
import sys
import time
from typing import Protocol

from lecturegen.interrupts import raise_if_interrupted
from lecturegen.core.formats import fixed, pct
from lecturegen.messages import say
from lecturegen.terminal import spaces


class Reporter(Protocol):
    def info(self, message: str) -> None: ...
    def warn(self, message: str) -> None: ...
    def plan(self, labels: list[str], to_train: dict[str, int]) -> None: ...
    def cached(self, name: str, test_accuracy: float, test_loss: float) -> None: ...
    def start_run(self, name: str, epochs: int) -> None: ...
    def epoch_done(self, name: str, epoch: int, epochs: int, metrics: dict[str, float]) -> None: ...
    def end_run(self, name: str, summary: str) -> None: ...
    def close(self) -> None: ...


def run_line(name: str, test_accuracy: float, test_loss: float, width: int = 0) -> str:
    """``relu         test accuracy  11.60 %  loss 2.2936``: the per-run and summary format."""
    if test_accuracy is None:  # a regression: its loss
        return say("progress.run_line_loss", name=f"{name:<{width}}", fixed=fixed(test_loss))
    return say("progress.run_line", name=f"{name:<{width}}", pct=pct(test_accuracy), fixed=fixed(test_loss))


def run_summary(test_accuracy: float, test_loss: float, seconds: float) -> str:
    """What a run that just trained reports (``Reporter.end_run``)."""
    if test_accuracy is None:
        return say("progress.run_summary_loss", fixed=fixed(test_loss), seconds=seconds)
    return say("progress.run_summary", pct=pct(test_accuracy), fixed=fixed(test_loss), seconds=seconds)


def clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
def forward_events(events, reporter: Reporter, timeout: float) -> None:
    """Hand the events waiting in ``events`` (tuples ``(method, *args)`` from workers) to ``reporter``,
    waiting up to ``timeout`` seconds for the first one. A Ctrl-C Python dropped is raised here
    (:mod:`lecturegen.interrupts`): every executor waits for its runs in this loop."""
    raise_if_interrupted()
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


class Overall:
    """Experiments done of the chapter's total; time left from the epochs still to train."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.training_since: float | None = None  # the first epoch's start: TensorFlow's import is not training
        self.total = self.done = 0
        self.epochs_total = self.epochs_done = 0
        self.width = 0

    def plan(self, total: int, to_train: dict[str, int], width: int) -> None:
        self.total, self.done = total, total - len(to_train)
        self.epochs_total = sum(to_train.values())
        self.width = width
        self.started = time.monotonic()

    def left(self) -> float | None:
        if not self.epochs_done or self.epochs_done >= self.epochs_total or self.training_since is None:
            return None
        elapsed = time.monotonic() - self.training_since
        return elapsed / self.epochs_done * (self.epochs_total - self.epochs_done)

    def run_started(self) -> None:
        if self.training_since is None:
            self.training_since = time.monotonic()

    def line(self) -> str:
        left = self.left()
        eta = say("progress.left", left=clock(left)) if left is not None else ""
        return say("progress.overall", done=self.done, total=self.total,
                   elapsed=clock(time.monotonic() - self.started), eta=eta)


class LineReporter:
    """One line per event, on stderr: for logs, CI and pipes."""

    def __init__(self, stream=None) -> None:
        self.stream = stream
        self.started: dict[str, float] = {}
        self.overall = Overall()

    def _say(self, text: str) -> None:
        print(spaces(text), file=self.stream or sys.stderr, flush=True)

    def _label(self, name: str) -> str:
        return f"[{name}]".ljust(self.overall.width + 2)

    def info(self, message: str) -> None:
        self._say(message)

    def warn(self, message: str) -> None:
        self._say(say("progress.warning", message=message))

    def plan(self, labels: list[str], to_train: dict[str, int]) -> None:
        """Every run of the build (cached or not) and the epochs of those still to train."""
        self.overall.plan(len(labels), to_train, max((len(n) for n in labels), default=0))

    def cached(self, name: str, test_accuracy: float, test_loss: float) -> None:
        self.overall.width = max(self.overall.width, len(name))
        if test_accuracy is None:
            self._say(say("progress.cached_loss", label=self._label(name), fixed=fixed(test_loss)))
        else:
            self._say(say("progress.cached", label=self._label(name), pct=pct(test_accuracy),
                          fixed=fixed(test_loss)))

    def start_run(self, name: str, epochs: int) -> None:
        self.started[name] = time.monotonic()
        self.overall.run_started()
        self._say(say("progress.training", name=name, epochs=epochs))

    def epoch_done(self, name: str, epoch: int, epochs: int, metrics: dict[str, float]) -> None:
        self.overall.epochs_done += 1
        elapsed = time.monotonic() - self.started.get(name, time.monotonic())
        self._say(say("progress.epoch", name=name, epoch=epoch, epochs=epochs, metrics=_metrics_text(metrics), elapsed=elapsed))

    def end_run(self, name: str, summary: str) -> None:
        self.overall.done += 1
        self._say(say("progress.trained", label=self._label(name), summary=summary))
        self._say(f"{self._label('chapter')} {self.overall.line()}")

    def close(self) -> None:
        pass


class LiveReporter(LineReporter):
    """A live area at the bottom of the terminal: the chapter's overall line and the run in training."""

    def __init__(self) -> None:
        from rich.console import Console  # imported only for a terminal: a piped build starts faster
        from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn
        from rich.text import Text

        super().__init__()
        reporter = self

        class Status(ProgressColumn):  # the chapter's line is made at each refresh: its clock runs
            def render(self, task) -> Text:
                return Text(reporter.overall.line() if task.id == reporter.chapter else task.fields["status"])

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.fields[label]}", markup=False),
            BarColumn(bar_width=24),
            Status(),
            console=self.console,
            transient=True,
            refresh_per_second=4,
        )
        self.chapter = self.progress.add_task("chapter", label="chapter", status="", total=None)
        self.tasks: dict[str, int] = {}
        self.progress.start()

    def _say(self, text: str) -> None:
        self.progress.console.print(spaces(text), highlight=False, markup=False, soft_wrap=True)

    def _update_overall(self) -> None:
        o = self.overall
        self.progress.update(self.chapter, total=max(o.epochs_total, 1), completed=o.epochs_done,
                             label="chapter".ljust(o.width + 2))

    def plan(self, labels: list[str], to_train: dict[str, int]) -> None:
        super().plan(labels, to_train)
        self._update_overall()

    def start_run(self, name: str, epochs: int) -> None:
        self.started[name] = time.monotonic()
        self.overall.run_started()
        self.tasks[name] = self.progress.add_task(name, total=epochs, label=self._label(name), status="starting")

    def epoch_done(self, name: str, epoch: int, epochs: int, metrics: dict[str, float]) -> None:
        self.overall.epochs_done += 1
        self.progress.update(self.tasks[name], completed=epoch, status=f"epoch {epoch}/{epochs} {_metrics_text(metrics)}")
        self._update_overall()

    def end_run(self, name: str, summary: str) -> None:
        self.overall.done += 1
        if name in self.tasks:
            self.progress.remove_task(self.tasks.pop(name))
        self._say(say("progress.trained", label=self._label(name), summary=summary))
        self._update_overall()

    def close(self) -> None:
        self.progress.stop()
        if self.overall.total:
            self._say(f"{self._label('chapter')} {self.overall.line()}")


class WarningsOnly(LineReporter):
    """``lecturegen -q``: warnings only (errors and the final summary are printed by the CLI)."""

    def _say(self, text: str) -> None:
        pass

    def warn(self, message: str) -> None:
        print(spaces(say("progress.warning", message=message)), file=self.stream or sys.stderr, flush=True)


class ChangesOnly(LineReporter):
    """A rebuild of ``lecturegen serve``: what trains and each warning once per session (``said``, shared
    by the session's rebuilds: the sample-data notice and a failing claim are not repeated on every
    save); no line per cached run."""

    def __init__(self, said: set[str] | None = None, stream=None, all_lines: bool = False) -> None:
        super().__init__(stream)
        self.said = said if said is not None else set()
        self.all_lines = all_lines  # the session's first build: every line, as a build prints them

    def cached(self, name: str, test_accuracy: float, test_loss: float) -> None:
        if self.all_lines:
            super().cached(name, test_accuracy, test_loss)

    def warn(self, message: str) -> None:
        if message not in self.said:
            self.said.add(message)
            super().warn(message)

    def info(self, message: str) -> None:
        if self.all_lines or message.startswith("["):  # "[relu] training: code of relu changed"
            super().info(message)


def make_reporter(silent: bool = False) -> Reporter:
    """Live on a terminal, lines otherwise; ``silent`` (``-q``): warnings only."""
    if silent:
        return WarningsOnly()
    if sys.stderr.isatty():
        return LiveReporter()
    return LineReporter()
