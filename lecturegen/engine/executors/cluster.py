"""``--executor dask``: experiment runs as tasks on a Dask distributed cluster.

The build machine (the client) sends the dataset's arrays to the cluster once (``scatter``;
workers copy it among themselves), submits one task per run, longest first, and receives each
run's :class:`~lecturegen.core.results.RunResult` back, to cache it on the build machine with the
usual checksummed writes. Workers need lecturegen and TensorFlow installed, no shared files:
a chapter from a ``--chapters-dir`` travels with its task (pickled by value).

Faults: a worker that dies mid-task makes the scheduler run the task on another worker (Dask's
``allowed-failures``); an exception other than a chapter's own error is retried (``retries``);
a run whose dataset copy was lost with its worker is resubmitted with the data sent again.
Progress events travel from the workers as Dask events (``log_event`` / ``subscribe_topic``).
"""

from __future__ import annotations

import logging
import math
import os
import queue
import socket
import threading
import time
import uuid
from typing import Any, Callable

from lecturegen.engine.data import Arrays, Dataset, Fingerprint
from lecturegen.engine.executors import Finished, RunSpec
from lecturegen.engine.progress import Reporter
from lecturegen.engine.progress import forward_events as _forward
from lecturegen.errors import LecturegenError, TrainingError
from lecturegen import messages
from lecturegen.messages import say

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = "5s"  # an unreachable scheduler fails the build quickly, before anything trains
PROBE_TIMEOUT = 2.0  # seconds the TCP check of a scheduler address waits before leaving it to Dask
HANDSHAKE_TIMEOUT = 5.0  # seconds a port that accepted may take to send a Dask scheduler's handshake
RETRIES = 2  # an unexpected exception in a task (not a chapter's own error) is retried this often
RESUBMITS = 3  # a run whose dataset copy was lost with a dying worker is submitted again at most this often
THREADS_ENV = "LECTUREGEN_TF_THREADS"  # CPU threads TensorFlow may use in a worker process


class ClusterError(LecturegenError):
    """The Dask cluster cannot be used (unreachable, missing resources, a task lost for good)."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")


def scheduler_address_problem(address: str) -> str | None:
    """Why ``address`` is not a Dask scheduler address (``tcp://host:8786``, ``host:8786``), or None."""
    from urllib.parse import urlsplit

    if not address or len(address) > 500 or any(c.isspace() or ord(c) < 32 for c in address):
        return say("cluster.not_an_address")
    try:
        parts = urlsplit(address if "://" in address else f"tcp://{address}")
        port = parts.port
    except ValueError:
        return say("cluster.not_an_address")
    if parts.scheme not in SCHEDULER_SCHEMES or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or (parts.scheme != "inproc" and port is None):
        return say("cluster.not_an_address")
    return None


def _unusable(address: str) -> str | None:
    """Why a TCP scheduler address cannot be a Dask scheduler, as one line, or None (it may be one, or
    it is not plain TCP, or it did not answer the connect at all: Dask then tries and times out itself).

    One TCP connect, closed at once. A refused port fails the build now instead of after CONNECT_TIMEOUT.
    A port that accepts must speak first: a Dask scheduler writes its handshake as soon as it accepts, and
    Dask's own ``Client`` waits for that handshake without a time limit, so a server that accepts and
    never answers (another program on the port, a stopped scheduler) would hang the build."""
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp":
        return None
    try:
        sock = socket.create_connection((parts.hostname, parts.port), timeout=PROBE_TIMEOUT)
    except ConnectionRefusedError as exc:
        return _first_line(exc)
    except OSError:
        return None
    with sock:
        sock.settimeout(HANDSHAKE_TIMEOUT)
        try:
            first = sock.recv(1)
        except TimeoutError:
            return say("cluster.silent_scheduler", seconds=f"{HANDSHAKE_TIMEOUT:g}")
        except OSError as exc:
            return _first_line(exc)
    return None if first else say("cluster.closed_by_scheduler")


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise LecturegenError(
            say("cluster.needs_dask")
        ) from None
    logging.getLogger("distributed").setLevel(logging.ERROR)  # the build reports what matters itself
    return distributed


def default_workers() -> int:
    """A LocalCluster sized to the machine: one worker process per core."""
    return max(1, os.cpu_count() or 1)


# ------------------------------------------------------------------------------------------ worker side

_TRAINING = threading.Lock()  # one run at a time per worker process: Keras seeds are process-wide
_THREADS_SET = False
_RNG_PRIVATE = False


class RunCancelled(Exception):
    """The build cancelled this task (Ctrl-C, or another run failed): stop training."""


class EventReporter:
    """A Reporter on a worker: every event becomes a Dask event on the build's topic; after each
    epoch it stops the run (raises :class:`RunCancelled`) when the build has cancelled the task."""

    def __init__(self, worker, topic: str, name: str, key: str | None = None) -> None:
        self.worker, self.topic, self.name, self.key = worker, topic, name, key

    def _cancelled(self) -> bool:
        task = self.worker.state.tasks.get(self.key) if self.key else None
        return self.key is not None and (task is None or task.state in ("cancelled", "released", "forgotten"))

    def _send(self, *event: Any) -> None:
        self.worker.log_event(self.topic, event)

    def info(self, message: str) -> None:
        self._send("info", message)

    def warn(self, message: str) -> None:
        self._send("warn", message)

    def start_run(self, name: str, epochs: int) -> None:
        self._send("start_run", self.name, epochs)

    def epoch_done(self, name: str, epoch: int, epochs: int, metrics: dict[str, float]) -> None:
        self._send("epoch_done", self.name, epoch, epochs, metrics)
        if self._cancelled():
            raise RunCancelled(f"{self.name} cancelled by the build")

    def end_run(self, name: str, summary: str) -> None:
        self._send("end_run", self.name, summary)

    def close(self) -> None:
        pass


def _limit_threads() -> None:
    global _THREADS_SET
    if _THREADS_SET or not os.environ.get(THREADS_ENV):
        return
    from lecturegen.engine import train

    try:
        train.limit_threads(int(os.environ[THREADS_ENV]))
    except RuntimeError:  # TensorFlow already started in this process: keep its threads
        pass
    _THREADS_SET = True


def _private_keras_rng() -> bool:
    """Keras draws the seeds of unseeded layers (weights, dropout) from Python's global ``random``,
    which Dask's own threads also draw from while a task runs (retry jitter, peer choice), so the
    initial weights would depend on the worker's timing. Give Keras a generator of its own, seeded
    whenever ``keras.utils.set_random_seed`` seeds the global one: the same draws as a local build.

    Keras offers no public way to choose that generator, so this patches two private modules
    (``keras.src.random.seed_generator.python_random``, ``keras.src.utils.rng_utils.random``).
    False when this Keras has them no more: the task warns on the build's terminal, and
    tests/engine/test_keras_private.py fails, so a Keras upgrade that moves them is noticed."""
    global _RNG_PRIVATE
    if _RNG_PRIVATE:
        return True
    import random

    try:
        from keras.src.random import seed_generator
        from keras.src.utils import rng_utils
    except ImportError:  # another Keras layout: the global generator stays (said on the terminal)
        return False
    if not (hasattr(rng_utils, "random") and hasattr(seed_generator, "python_random")):
        return False
    private = random.Random()

    class Seeding:  # the ``random`` module as rng_utils sees it: seeding also seeds Keras's generator
        def __getattr__(self, name: str) -> Any:
            return getattr(random, name)

        def seed(self, *args: Any, **kwargs: Any) -> None:
            random.seed(*args, **kwargs)
            private.seed(*args, **kwargs)

    rng_utils.random = Seeding()
    seed_generator.python_random = private
    _RNG_PRIVATE = True
    return True


def short_address(address: str) -> str:
    return address.split("://", 1)[-1]


def train_task(spec: RunSpec, arrays: Arrays, fingerprint: Fingerprint, topic: str,
               ui: messages.UI | None = None) -> dict[str, Any]:
    """The task a worker runs: exactly the local training code, on the scattered arrays, speaking
    ``ui``, the language of the command that submitted it."""
    with messages.speaking(ui or messages.current()):
        return _train_on_worker(spec, arrays, fingerprint, topic)


def _train_on_worker(spec: RunSpec, arrays: Arrays, fingerprint: Fingerprint, topic: str) -> dict[str, Any]:
    from distributed import get_worker

    from lecturegen.engine import train

    worker = get_worker()
    where = {"executor": "dask", "worker": worker.address, "host": socket.gethostname()}
    reporter = EventReporter(worker, topic, f"{spec.progress_name} @ {short_address(worker.address)}",
                             worker.get_current_task())
    with _TRAINING:
        _limit_threads()
        if not _private_keras_rng():
            reporter.warn(say("cluster.keras_rng_shared", label=spec.label))
        try:
            result = train.train(spec.experiment, Dataset(fingerprint, lambda: arrays), spec.profile, spec.seed,
                                 reporter)
        except LecturegenError as exc:  # the chapter's own error: the same on every worker, not retried
            return {"error": str(exc), "where": where}
    return {"result": result, "where": where}


# ------------------------------------------------------------------------------------------ build side

def _pickle_chapters_by_value(runs: list[RunSpec]) -> None:
    """Chapters from a --chapters-dir are not importable on the workers: send their code along."""
    import sys

    import cloudpickle

    for spec in runs:
        module = sys.modules.get(spec.experiment.build.__module__)
        if module is not None and not module.__name__.startswith("lecturegen."):
            try:
                cloudpickle.register_pickle_by_value(module)
            except ValueError:  # already registered
                pass


def _cost(spec: RunSpec, train_size: int) -> float:
    """A run's relative training time: epochs x (batches per epoch + one pass of evaluation)."""
    limit = spec.experiment.limits(spec.profile)[0]
    n = train_size if limit is None else min(train_size, limit)
    batch = spec.experiment.batch_size_for(n)
    return spec.profile.epochs(spec.experiment) * (math.ceil(n / batch) + 1)


def _dashboard_address() -> str | None:
    """A local cluster's dashboard on localhost only, any free port; none without bokeh (which
    ``lecturegen[cluster]`` installs)."""
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return None
    return "127.0.0.1:0"


def _say_dashboard(client, reporter: Reporter) -> None:
    """The dashboard's address, when the scheduler serves one."""
    try:
        if "dashboard" not in client.scheduler_info().get("services", {}):
            return  # started without one (or without bokeh): nothing to show
        link = client.dashboard_link
    except Exception:  # the scheduler did not say: nothing to show
        return
    if link:
        reporter.info(say("cluster.dashboard", link=link))


class Workers:
    """Which worker runs which of our tasks, seen from the scheduler; a worker that leaves while it held
    some is said once, with the runs Dask gives to another worker."""

    def __init__(self, client, every: float = 0.0) -> None:  # asked after every batch of progress events
        self.client, self.every = client, every
        self.holding: dict[str, set[str]] = {}  # worker address -> our task keys it is processing
        self.announced: set[str] = set()  # runs already said to be retried elsewhere
        self.next = 0.0

    def check(self, pending: dict, reporter: Reporter) -> None:
        now = time.monotonic()
        if now < self.next:
            return
        self.next = now + self.every
        try:
            processing = self.client.processing()
        except Exception:  # the scheduler is busy or going away: look again next time
            return
        labels = {future.key: spec.label for future, spec in pending.items()}
        for worker in set(self.holding) - set(processing):
            runs = [labels[key] for key in self.holding.pop(worker) if key in labels]
            if runs:
                reporter.warn(say("cluster.worker_lost", worker=short_address(worker)))
                for label in runs:
                    self.announced.add(label)
                    reporter.warn(say("cluster.retrying_elsewhere", label=label))
        for worker, keys in processing.items():
            self.holding[worker] = {key for key in keys if key in labels}


class DaskExecutor:
    name = "dask"

    def __init__(self, client, cluster, address: str) -> None:
        self.client = client
        self.cluster = cluster  # a LocalCluster this build started, else None
        self.address = address

    @classmethod
    def connect(cls, scheduler: str | None, workers: int | None, reporter: Reporter) -> "DaskExecutor":
        distributed = _import_distributed()
        if scheduler:
            problem = scheduler_address_problem(scheduler)
            if problem:  # before Dask: a Client that fails to parse stalls 10 s and prints a traceback on exit
                raise ClusterError(say("cluster.cannot_reach_scheduler", scheduler=scheduler[:200],
                                       detail=problem))
            unusable = _unusable(scheduler)
            if unusable is not None:  # nothing listens there, or something that is not a scheduler
                raise ClusterError(say("cluster.cannot_reach_scheduler", scheduler=scheduler, detail=unusable))
            try:
                client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except (OSError, TimeoutError, ValueError, TypeError) as exc:
                raise ClusterError(
                    say("cluster.cannot_reach_scheduler", scheduler=scheduler, detail=_first_line(exc))
                ) from None
            count = len(client.scheduler_info()["workers"])
            reporter.info(say("cluster.connected", scheduler=scheduler, count=count))
            _say_dashboard(client, reporter)
            return cls(client, None, scheduler)
        count = workers or default_workers()
        threads = max(1, (os.cpu_count() or 1) // count)
        cluster = distributed.LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                                           dashboard_address=_dashboard_address(), silence_logs=logging.ERROR,
                                           env={THREADS_ENV: str(threads)})
        client = distributed.Client(cluster, set_as_default=False)
        reporter.info(say("cluster.local_cluster", scheduler_address=cluster.scheduler_address, count=count, threads=threads))
        _say_dashboard(client, reporter)
        return cls(client, cluster, cluster.scheduler_address)

    def _check_resources(self, runs: list[RunSpec]) -> None:
        """A run asking for a resource no worker offers would wait forever: say so now instead."""
        offered = [info.get("resources", {}) for info in self.client.scheduler_info()["workers"].values()]
        for spec in runs:
            if spec.resources and not any(all(res.get(k, 0) >= v for k, v in spec.resources.items())
                                          for res in offered):
                needs = " ".join(f"{k}={v:g}" for k, v in spec.resources.items())
                raise ClusterError(
                    say("cluster.no_worker_offers", label=spec.label, needs=needs, address=self.address)
                )

    def _submit(self, spec: RunSpec, data, fingerprint: Fingerprint, topic: str, priority: float):
        return self.client.submit(train_task, spec, data, fingerprint, topic, messages.current(), key=f"lecturegen-{spec.key[:16]}-"
                                  f"{uuid.uuid4().hex[:8]}", pure=False, retries=RETRIES,
                                  resources=spec.resources or None, priority=priority)

    def execute(self, runs: list[RunSpec], dataset: Dataset, reporter: Reporter,
                on_result: Callable[[Finished], None]) -> None:
        self._check_resources(runs)
        _pickle_chapters_by_value(runs)
        fp = dataset.fingerprint
        costs = {spec.key: _cost(spec, fp.train_size) for spec in runs}
        events: queue.Queue = queue.Queue()
        topic = f"lecturegen-progress-{uuid.uuid4().hex}"
        self.client.subscribe_topic(topic, lambda event: events.put(event[1]))
        reporter.info(say("cluster.submitted", n_runs=len(runs), address=self.address))
        data = self.client.scatter(dataset.arrays, hash=False)
        pending = {self._submit(spec, data, fp, topic, costs[spec.key]): spec
                   for spec in sorted(runs, key=lambda s: costs[s.key], reverse=True)}
        resubmitted: dict[str, int] = {}
        workers = Workers(self.client)
        try:
            while pending:
                _forward(events, reporter, timeout=0.2)
                workers.check(pending, reporter)
                for future in [f for f in pending if f.done()]:
                    spec = pending.pop(future)
                    if future.status == "cancelled":  # its dataset copy died with a worker: send it again
                        resubmitted[spec.key] = resubmitted.get(spec.key, 0) + 1
                        if resubmitted[spec.key] > RESUBMITS:
                            raise ClusterError(say("cluster.run_lost", label=spec.label, resubmits=RESUBMITS + 1, address=self.address))
                        if spec.label not in workers.announced:  # one line for one loss
                            reporter.warn(say("cluster.resubmitting", label=spec.label))
                        workers.announced.discard(spec.label)
                        if data.status != "finished":
                            data = self.client.scatter(dataset.arrays, hash=False)
                        pending[self._submit(spec, data, fp, topic, costs[spec.key])] = spec
                        continue
                    outcome = self._outcome(future, spec)
                    _forward(events, reporter, timeout=0.05)
                    on_result(Finished(spec, outcome["result"], {**outcome["where"], "scheduler": self.address}))
        except BaseException:
            self.client.cancel(list(pending), force=True)  # Ctrl-C or a failed run: nothing keeps training
            raise
        finally:
            _forward(events, reporter, timeout=0.05)
            self.client.unsubscribe_topic(topic)

    def _outcome(self, future, spec: RunSpec) -> dict[str, Any]:
        try:
            outcome = future.result()
        except Exception as exc:  # a task that failed RETRIES + 1 times, or a worker killed too often
            raise ClusterError(say("cluster.run_failed", label=spec.label, address=self.address, detail=_first_line(exc))) from None
        if "error" in outcome:
            raise TrainingError(outcome["error"])
        return outcome

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
