"""`--jobs N`: train independent experiments at the same time, one worker process each.

Each worker imports TensorFlow itself (only lecturegen.build.train does), gets an equal share of the
CPU threads, and trains with exactly the code a sequential build uses (:func:`train.train`).
Progress events travel back through a queue to the build's reporter.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Callable

from lecturegen.chapter import Experiment, Profile
from lecturegen.build.progress import Reporter
from lecturegen.build.progress import forward_events as _forward
from lecturegen.build.results import RunResult

log = logging.getLogger(__name__)

_EVENTS: Any = None  # the worker's end of the progress queue


class QueueReporter:
    """A Reporter that forwards every event to the parent process."""

    def __init__(self, events) -> None:
        self.events = events

    def info(self, message: str) -> None:
        self.events.put(("info", message))

    def warn(self, message: str) -> None:
        self.events.put(("warn", message))

    def start_run(self, name: str, epochs: int) -> None:
        self.events.put(("start_run", name, epochs))

    def epoch_done(self, name: str, epoch: int, epochs: int, metrics: dict[str, float]) -> None:
        self.events.put(("epoch_done", name, epoch, epochs, metrics))

    def end_run(self, name: str, summary: str) -> None:
        self.events.put(("end_run", name, summary))

    def close(self) -> None:
        pass


def _init_worker(threads: int, events) -> None:
    global _EVENTS
    _EVENTS = events
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from lecturegen.build import train

    train.limit_threads(threads)


def _train_in_worker(chapter_id: str, exp_name: str, data_spec: str, sha256: str, profile: Profile, seed: int,
                     chapters_dirs: tuple = ()) -> RunResult:
    from lecturegen.build import data, train
    from lecturegen import registry

    exp = registry.get(chapter_id, chapters_dirs).experiment(exp_name)
    dataset = data.resolve(data_spec)
    if dataset.fingerprint.sha256 != sha256:
        raise RuntimeError(f"the data at {data_spec} changed while the build was running")
    return train.train(exp, dataset, profile, seed, QueueReporter(_EVENTS))


def threads_per_job(jobs: int) -> int:
    return max(1, (os.cpu_count() or 1) // jobs)


def train_concurrently(chapter_id: str, experiments: list[Experiment], data_spec: str, sha256: str, profile: Profile,
                       seed: int, jobs: int, reporter: Reporter,
                       on_result: Callable[[Experiment, RunResult], None], chapters_dirs: tuple = ()) -> None:
    """Train `experiments` in `jobs` worker processes, longest first; call `on_result` as each finishes."""
    ctx = multiprocessing.get_context("spawn")
    events = ctx.Queue()
    threads = threads_per_job(jobs)
    reporter.info(f"training {len(experiments)} experiments in {jobs} processes, {threads} CPU thread(s) each")
    ordered = sorted(experiments, key=lambda e: profile.epochs(e), reverse=True)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(threads, events)) as pool:
        pending: dict[Future, Experiment] = {
            pool.submit(_train_in_worker, chapter_id, exp.name, data_spec, sha256, profile, seed, chapters_dirs): exp
            for exp in ordered
        }
        try:
            while pending:
                _forward(events, reporter, timeout=0.2)
                done, _ = wait(pending, timeout=0, return_when=FIRST_COMPLETED)
                for future in done:
                    exp = pending.pop(future)
                    result = future.result()  # a worker's TrainingError surfaces here, as in a sequential build
                    _forward(events, reporter, timeout=0.05)
                    on_result(exp, result)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    _forward(events, reporter, timeout=0.05)
