"""``--executor local`` (the default): today's training, on this machine.

A thin wrapper: one run after another in this process (:func:`lecturegen.engine.train.train`), or
with ``--jobs N`` N runs of each (chapter, seed) at once, in threads or (``--processes``) worker processes
(:func:`lecturegen.engine.parallel.train_concurrently`).
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Callable

from lecturegen.engine.data import Dataset
from lecturegen.engine.executors import Finished, RenamingReporter, RunSpec
from lecturegen.engine.progress import Reporter
from lecturegen.engine.schedule import lanes_for


class LocalExecutor:
    name = "local"

    def __init__(self, jobs: int = 1, data_spec: str | None = None, chapters_dirs: tuple[Path, ...] = (),
                 processes: bool = False, jobs_given: bool = True) -> None:
        self.jobs = jobs
        self.jobs_given = jobs_given  # False: the default, which schedule.lanes_for may widen by one
        self.processes = processes
        self.data_spec = data_spec
        self.chapters_dirs = chapters_dirs
        self.where = {"executor": "local", "host": socket.gethostname()}

    def execute(self, runs: list[RunSpec], dataset: Dataset, reporter: Reporter,
                on_result: Callable[[Finished], None]) -> None:
        from lecturegen.engine.train import SharedData  # execute() runs only when something must train

        shared = SharedData()  # the prepared images, made once for all of this build's runs
        groups: dict[tuple[str, int], list[RunSpec]] = {}
        for spec in runs:
            groups.setdefault((spec.chapter_id, spec.seed), []).append(spec)
        for (chapter_id, seed), specs in groups.items():
            if self.jobs > 1 and len(specs) > 1 and (self.data_spec is not None or not self.processes):
                jobs = self.jobs if self.jobs_given or self.processes else lanes_for(len(specs), self.jobs)
                self._concurrently(chapter_id, seed, specs, dataset, reporter, on_result, shared, jobs)
            else:
                from lecturegen.engine.train import train

                for spec in specs:
                    progress = reporter if spec.progress_name == spec.experiment.name else \
                        RenamingReporter(reporter, spec.progress_name)
                    result = train(spec.experiment, dataset, spec.profile, seed, progress, shared=shared)
                    on_result(Finished(spec, result, self.where))

    def _concurrently(self, chapter_id: str, seed: int, specs: list[RunSpec], dataset: Dataset, reporter: Reporter,
                      on_result: Callable[[Finished], None], shared=None, jobs: int | None = None) -> None:
        from lecturegen.engine.parallel import train_concurrently

        by_experiment = {spec.experiment.name: spec for spec in specs}
        train_concurrently(chapter_id, [spec.experiment for spec in specs], self.data_spec, dataset.fingerprint.sha256,
                           specs[0].profile, seed, min(jobs or self.jobs, len(specs)), reporter,
                           lambda exp, result: on_result(Finished(by_experiment[exp.name], result, self.where)),
                           self.chapters_dirs, dataset=dataset, processes=self.processes, shared=shared)

    def close(self) -> None:
        pass
