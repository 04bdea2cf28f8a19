"""`--jobs N`: train independent experiments at the same time.

Two ways, both training with exactly the code a sequential build uses (:func:`train.train`):

- threads (the default): N runs at once inside this process, sharing one TensorFlow and the
  data already in memory; TensorFlow's thread pools are sized so that each run has about 1/N of
  the cores (one thread per operation on 2 cores). TensorFlow releases the interpreter lock while
  it trains, so the runs really overlap; each model is seeded and built under a lock
  (:func:`train._build_model`), so every run gets the weights a sequential build gives it.
- processes (``--processes``): one worker process per run in flight, each importing TensorFlow
  and reading the data itself (more memory), with an equal share of the CPU threads.

Runs start most expensive first (:mod:`lecturegen.engine.schedule`); progress events travel
back through a queue to the build's reporter, which only the calling thread uses.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue as queue_module
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Callable

from lecturegen.core.chapter import Experiment, Profile
from lecturegen.engine.data import Dataset
from lecturegen.engine.progress import Reporter
from lecturegen.engine.progress import forward_events as _forward
from lecturegen.core.results import RunResult
from lecturegen.engine.schedule import longest_first
from lecturegen import messages
from lecturegen.messages import say

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
    from lecturegen.engine import train

    train.limit_threads(threads)


def _train_in_worker(chapter_id: str, exp_name: str, data_spec: str, sha256: str, profile: Profile, seed: int,
                     chapters_dirs: tuple = (), ui: messages.UI | None = None) -> RunResult:
    """One run in a worker process, speaking ``ui``: the language of the command that started it."""
    with messages.speaking(ui or messages.current()):
        return _train_here(chapter_id, exp_name, data_spec, sha256, profile, seed, chapters_dirs)


def _train_here(chapter_id: str, exp_name: str, data_spec: str, sha256: str, profile: Profile, seed: int,
                chapters_dirs: tuple) -> RunResult:
    from lecturegen.engine import data, train
    from lecturegen import registry

    chapter = registry.get(chapter_id, chapters_dirs)
    exp = chapter.experiment(exp_name)
    dataset = data.source_for(chapter).dataset(data_spec)
    if dataset.fingerprint.sha256 != sha256:
        raise RuntimeError(f"the data at {data_spec} changed while the build was running")
    return train.train(exp, dataset, profile, seed, QueueReporter(_EVENTS))


def threads_per_job(jobs: int) -> int:
    return max(1, (os.cpu_count() or 1) // jobs)


def train_concurrently(chapter_id: str, experiments: list[Experiment], data_spec: str, sha256: str, profile: Profile,
                       seed: int, jobs: int, reporter: Reporter,
                       on_result: Callable[[Experiment, RunResult], None], chapters_dirs: tuple = (),
                       dataset: Dataset | None = None, processes: bool = False, shared=None) -> None:
    """Train `experiments` (all with one seed), `jobs` at a time, most expensive first; call
    `on_result` in the calling thread as each finishes. Threads of this process unless `processes`."""
    if not processes:
        if dataset is None:
            from lecturegen.engine import data

            dataset = data.resolve(data_spec)
        train_in_threads(experiments, dataset, profile, seed, jobs, reporter, on_result, shared)
        return
    ctx = multiprocessing.get_context("spawn")
    events = ctx.Queue()
    threads = threads_per_job(jobs)
    reporter.info(say("training.in_processes", n_experiments=len(experiments), jobs=jobs, threads=threads))
    ordered = longest_first(experiments, profile, _train_size(dataset))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(threads, events)) as pool:
        pending: dict[Future, Experiment] = {
            pool.submit(_train_in_worker, chapter_id, exp.name, data_spec, sha256, profile, seed, chapters_dirs,
                        messages.current()): exp
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


def _train_size(dataset: Dataset | None) -> int:
    return dataset.fingerprint.train_size if dataset is not None else 60_000


def train_in_threads(experiments: list[Experiment], dataset: Dataset, profile: Profile, seed: int, jobs: int,
                     reporter: Reporter, on_result: Callable[[Experiment, RunResult], None], shared=None) -> None:
    """Train `experiments` in threads of this process, `jobs` at a time, most expensive first.

    All runs share one ``seed``: TensorFlow's global seed, which ``fit`` reads when it traces the
    data pipeline's shuffle, belongs to the process, so runs of different seeds must not overlap
    (``train_all`` trains one seed's runs at a time).
    Each run gets a new thread (Keras keeps per-thread state such as layer names). When a run
    fails or the build is interrupted, the runs in flight stop at their next graph call and the
    first error is raised here, after they have stopped. ``shared``: the build's prepared data
    (:class:`train.SharedData`), one copy per kind for all runs; a new one when not given.
    """
    from lecturegen.engine import train

    shared = shared or train.SharedData()

    threads = threads_per_job(jobs)
    # operations at once: one per core (at least 2), not one per run: with more runs than cores, more
    # threads would only take turns (ch4 in three lanes on 2 cores: 110-120 s with 2 such threads, 112-124 s with 3)
    if train.limit_threads(threads, inter_op=max(2, min(jobs, os.cpu_count() or 1))):
        log.info(say("training.in_threads", n_experiments=len(experiments), jobs=jobs, threads=threads))  # shown with -v
    events: queue_module.Queue = queue_module.Queue()
    finished: queue_module.Queue = queue_module.Queue()
    cancel = threading.Event()
    todo = longest_first(experiments, profile, dataset.fingerprint.train_size)
    shared.prepare_ahead(dataset, todo[jobs:], profile)  # the first runs prepare theirs
    running: dict[str, threading.Thread] = {}

    def run(exp: Experiment) -> None:
        try:
            finished.put((exp, train.train(exp, dataset, profile, seed, QueueReporter(events), cancel, shared), None))
        except BaseException as exc:  # handed to the calling thread, which raises it
            finished.put((exp, None, exc))

    error: BaseException | None = None
    try:
        while todo or running:
            while todo and len(running) < jobs and not cancel.is_set():
                exp = todo.pop(0)
                running[exp.name] = threading.Thread(target=messages.carried(run), args=(exp,), name=f"train {exp.name}", daemon=True)
                running[exp.name].start()
            if not running:
                break
            _forward(events, reporter, timeout=0.2)
            error = _collect(finished, running, on_result, cancel, error)
    except BaseException as exc:  # e.g. Ctrl-C: stop the runs in flight before leaving
        cancel.set()
        for thread in running.values():
            thread.join()
        raise exc
    _forward(events, reporter, timeout=0.05)
    if error is not None:
        raise error


def _collect(finished: queue_module.Queue, running: dict[str, threading.Thread],
             on_result: Callable[[Experiment, RunResult], None], cancel: threading.Event,
             error: BaseException | None) -> BaseException | None:
    """Hand over the runs that ended; on the first failure, ask the others to stop. Returns the first error."""
    from lecturegen.engine.train import Cancelled

    while True:
        try:
            exp, result, exc = finished.get_nowait()
        except queue_module.Empty:
            return error
        running.pop(exp.name).join()
        if exc is None:  # kept even when another run failed: the next build need not train it again
            on_result(exp, result)
        elif not isinstance(exc, Cancelled) and error is None:
            error = exc
            cancel.set()
