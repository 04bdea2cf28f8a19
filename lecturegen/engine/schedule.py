"""In which order the runs to train start: the most expensive first.

With several runs training at the same time (``--jobs``), starting the longest one last leaves
one lane busy alone at the end; starting it first lets the short runs fill the other lanes
around it (greedy list scheduling). A run's cost is estimated before TensorFlow is imported,
from what the chapter declares: epochs x updates per epoch x (batch size + a fixed per-update
overhead). The overhead, in images, is what one update of a small dense network costs beyond
its arithmetic on this kind of CPU (measured: one update of batch 1 takes about a quarter of
the time of one of batch 32), so that 120,000 updates of one image rank above 18,750 of 32.
"""

from __future__ import annotations

import math
import os

from lecturegen.core.chapter import Experiment, Profile

UPDATE_OVERHEAD = 10  # images: the fixed cost of one update, in units of the per-image cost


def expected_cost(exp: Experiment, profile: Profile, train_size: int) -> float:
    """Relative training cost of ``exp`` on ``train_size`` images (larger trains longer)."""
    limit = exp.limits(profile)[0]
    size = train_size if limit is None else min(train_size, limit)
    batch = exp.batch_size_for(size)
    updates = math.ceil(size / batch) if size else 0
    return profile.epochs(exp) * updates * (batch + UPDATE_OVERHEAD)


def longest_first(experiments: list[Experiment], profile: Profile, train_size: int) -> list[Experiment]:
    """``experiments`` by expected cost, most expensive first (ties: the chapter's order)."""
    return sorted(experiments, key=lambda exp: -expected_cost(exp, profile, train_size))


def default_jobs() -> int:
    """``--jobs`` when not given: 2 runs at once where there are 2 cores or more (see README, Performance)."""
    return max(1, min(2, os.cpu_count() or 1))


def lanes_for(runs: int, jobs: int) -> int:
    """How many of ``runs`` train at once when ``--jobs`` was not given (``jobs``: the default): one more
    than the default. Two runs in threads of one TensorFlow leave a core idle a quarter of the time
    (their small operations wait on each other); a third keeps both cores busy. Measured on 2 cores:
    the whole ch4 (20 runs) 121.4-125.8 s in two lanes, 110.3-119.9 s in three; section 1 (three runs)
    34.2 / 33.8 s in two lanes, 29.7 / 31.6 s all at once (bench/RESULTS.md)."""
    return min(runs, jobs + 1)
