"""Where experiment runs train: the seam between the build and the machines that train.

The build hands an executor the runs its cache does not hold (:class:`RunSpec`: experiment,
seed, profile, cache key) and the dataset; the executor trains them, forwards their progress
events to the build's reporter, and calls ``on_result`` with a :class:`Finished` for each run as
it completes, on the build machine, which then caches it. Two implementations:

- ``local`` (:mod:`.local`): today's in-process training, or ``--jobs N`` worker processes;
- ``dask`` (:mod:`.cluster`): tasks on a Dask distributed cluster (``--executor dask``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from lecturegen.engine.data import Dataset
from lecturegen.engine.progress import Reporter
from lecturegen.core.results import RunResult
from lecturegen.core.chapter import Experiment, Profile
from lecturegen.errors import UsageError
from lecturegen.messages import say

EXECUTORS = ("local", "dask")


@dataclass(frozen=True)
class RunSpec:
    """One experiment run to train: a pure function of these fields (and the dataset)."""

    key: str  # its cache key: runs with the same key are trained once
    chapter_id: str
    experiment: Experiment
    seed: int
    profile: Profile
    label: str  # how messages name it, e.g. "relu", "relu seed 1", "ch5/cnn seed 1"
    progress_name: str  # the name its progress events carry (a single-chapter build: the experiment's)

    @property
    def resources(self) -> dict[str, float]:
        return dict(self.experiment.resources)


@dataclass(frozen=True)
class Finished:
    spec: RunSpec
    result: RunResult
    where: dict[str, Any]  # where it trained: executor, host, and for Dask the worker's address


class Executor(Protocol):
    name: str

    def execute(self, runs: list[RunSpec], dataset: Dataset, reporter: Reporter,
                on_result: Callable[[Finished], None]) -> None:
        """Train every run; call ``on_result`` in the calling thread as each one finishes."""
        ...

    def close(self) -> None: ...


class RenamingReporter:
    """Forwards progress events under another run name (e.g. with the chapter or the worker)."""

    def __init__(self, reporter: Reporter, name: str) -> None:
        self.reporter = reporter
        self.name = name

    def info(self, message: str) -> None:
        self.reporter.info(message)

    def warn(self, message: str) -> None:
        self.reporter.warn(message)

    def start_run(self, name: str, epochs: int) -> None:
        self.reporter.start_run(self.name, epochs)

    def epoch_done(self, name: str, epoch: int, epochs: int, metrics: dict[str, float]) -> None:
        self.reporter.epoch_done(self.name, epoch, epochs, metrics)

    def end_run(self, name: str, summary: str) -> None:
        self.reporter.end_run(self.name, summary)

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class ExecutorOptions:
    kind: str = "local"
    jobs: int | None = 1  # local: runs trained at the same time (None: schedule.default_jobs())
    data_spec: str | None = None  # local --jobs: what each worker process resolves
    chapters_dirs: tuple[Path, ...] = ()
    scheduler: str | None = None  # dask: an existing scheduler; None: a LocalCluster on this machine
    workers: int | None = None  # dask LocalCluster: worker processes (default: sized to the machine)
    processes: bool = False  # local --jobs: worker processes instead of threads of the build


MAX_WORKERS = 64  # local Dask worker processes: more is a typo (each is a Python with TensorFlow)


def check_options(opts: ExecutorOptions) -> None:
    """Bad executor options, found before anything is read or trained."""
    if opts.kind not in EXECUTORS:
        raise UsageError(say("executor.unknown", kind=opts.kind, executors=', '.join(EXECUTORS)))
    if opts.kind != "dask" and (opts.scheduler or opts.workers):
        raise UsageError(say("executor.dask_options_without_dask"))
    if opts.kind == "dask" and opts.jobs is not None and opts.jobs > 1:
        raise UsageError(say("executor.jobs_with_dask", jobs=opts.jobs))
    if opts.scheduler and opts.workers:
        raise UsageError(say("executor.workers_with_scheduler"))
    if opts.workers is not None and not 1 <= opts.workers <= MAX_WORKERS:
        raise UsageError(say("executor.bad_workers", workers=opts.workers))


def make_executor(opts: ExecutorOptions, reporter: Reporter) -> Executor:
    """The executor the options ask for; a Dask one is connected (or its LocalCluster started) now."""
    check_options(opts)
    if opts.kind == "dask":
        from lecturegen.engine.executors.cluster import DaskExecutor

        return DaskExecutor.connect(opts.scheduler, opts.workers, reporter)
    from lecturegen.engine.executors.local import LocalExecutor
    from lecturegen.engine.schedule import default_jobs

    return LocalExecutor(opts.jobs or default_jobs(), opts.data_spec, opts.chapters_dirs, opts.processes,
                         jobs_given=opts.jobs is not None)
