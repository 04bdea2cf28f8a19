"""Runs trained at the same time in threads of the build: longest first, the results of a sequential build."""

from __future__ import annotations

import dataclasses

import pytest

from lecturegen.engine.data import resolve
from lecturegen.engine.progress import make_reporter
from lecturegen.engine.schedule import expected_cost, longest_first
from lecturegen.core.chapter import PROFILES, Profile, experiment
from lecturegen.chapters import ch4
from lecturegen.errors import TrainingError

TINY = Profile("tiny", 300, 100, 2)
COMPARED = ("history", "test_loss", "test_accuracy", "summary", "epochs", "batch_size", "train_size", "optimizer")


def test_the_most_expensive_run_starts_first():
    exps = longest_first(list(ch4.CHAPTER.experiments), PROFILES["full"], 60_000)
    costs = [expected_cost(exp, PROFILES["full"], 60_000) for exp in exps]
    assert costs == sorted(costs, reverse=True)
    ordered = [exp.name for exp in exps]
    # 60,000 updates of one image cost more than 5 epochs at batch 32, less than 10 epochs at batch 32
    assert ordered.index("sigmoid") < ordered.index("single_sample") < ordered.index("quickstart")
    single = ch4.CHAPTER.experiment("single_sample")
    assert expected_cost(single, PROFILES["quick"], 60_000) < expected_cost(single, PROFILES["full"], 60_000)


def test_one_run_more_than_the_default_trains_at_once_unless_jobs_was_given():
    from lecturegen.engine.executors import ExecutorOptions, make_executor
    from lecturegen.engine.schedule import lanes_for

    assert [lanes_for(n, 2) for n in (1, 2, 3, 4, 20)] == [1, 2, 3, 3, 3]
    reporter = make_reporter(silent=True)
    assert make_executor(ExecutorOptions("local", None), reporter).jobs_given is False
    assert make_executor(ExecutorOptions("local", 2), reporter).jobs_given is True


# dropout (quickstart), batch 1 (single_sample, many steps per call), Adam (opt_adam)
THREE = ("quickstart", "single_sample", "opt_adam")


@pytest.fixture(scope="module")
def sequential_runs() -> dict:
    """The three runs trained one after the other, as a sequential build trains them (once for the module)."""
    from lecturegen.engine.train import train

    dataset = resolve("sample")
    return {name: train(ch4.CHAPTER.experiment(name), dataset, TINY, 3, make_reporter(silent=True)) for name in THREE}


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [2, 3])
def test_threads_train_exactly_what_a_sequential_build_trains(sequential_runs, jobs):
    from lecturegen.engine.parallel import train_in_threads

    dataset = resolve("sample")
    exps = [ch4.CHAPTER.experiment(name) for name in THREE]
    together = {}
    train_in_threads(exps, dataset, TINY, 3, jobs, make_reporter(silent=True), lambda exp, result: together.setdefault(exp.name, result))
    assert sorted(together) == sorted(sequential_runs)
    for name, result in sequential_runs.items():
        for key in COMPARED:
            assert getattr(together[name], key) == getattr(result, key), (name, key)
    # every model's layers are named as in a fresh notebook, whatever trained before it
    assert [row.name for row in together["quickstart"].summary.layers] == ["flatten", "dense", "dropout", "dense_1"]


@experiment(title={"ko": "고장", "en": "broken"}, epochs=1, batch_size=32)
def broken():
    raise ValueError("no model here")


@pytest.mark.slow
def test_a_failing_run_stops_the_others_and_fails_the_build():
    from lecturegen.engine.parallel import train_in_threads

    dataset = resolve("sample")
    long_run = ch4.CHAPTER.experiment("single_sample")  # 2 x 4,000 updates of batch 1: the most expensive
    profile = dataclasses.replace(TINY, max_train=4000)
    finished = []
    with pytest.raises(TrainingError, match="'broken' failed to build its model: ValueError: no model here"):
        train_in_threads([long_run, broken], dataset, profile, 0, 2, make_reporter(silent=True), lambda exp, result: finished.append(exp.name))
    assert finished == []  # the long run was stopped, not reported as done


def test_the_device_is_named_from_what_tensorflow_sees():
    """No GPU here: the GPU branch runs against a stand-in for ``tf.config`` (untested on a real GPU)."""
    from types import SimpleNamespace

    from lecturegen.engine.train import device_name

    def fake_tf(gpus, details):
        experimental = SimpleNamespace(get_device_details=lambda device: details)
        config = SimpleNamespace(list_physical_devices=lambda kind=None: gpus if kind == "GPU" else [], experimental=experimental)
        return SimpleNamespace(config=config)

    assert device_name(fake_tf([], {})) == "CPU"
    assert device_name(fake_tf(["/physical_device:GPU:0"], {"device_name": "NVIDIA T4"})) == "GPU (NVIDIA T4)"
    assert device_name(fake_tf(["/physical_device:GPU:0"], {})) == "GPU"
