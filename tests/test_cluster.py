"""`--executor dask`: runs trained on a real Dask LocalCluster (2 worker processes, started here).

The cluster is reached through `--scheduler`, as a remote one would be; the build runs as a
subprocess (`python -m lecturegen`), so its workers know nothing of the test process.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lecturegen.engine.store import SECRET
from lecturegen.engine.writer import write_marker
from helpers import (PAIR_CHAPTERS, cli_env, error_lines, run_cli, seed_numbers, start_cli, tree_digest, wait_for_line,
                     write_chapter)

if importlib.util.find_spec("distributed") is None:  # imported by the cluster fixture only: a test run's
    # processes that run none of its tests do not pay the import (about 0.3 CPU s each)
    pytest.skip("Dask distributed is not installed (pip install 'lecturegen[cluster]')", allow_module_level=True)

METRICS = ("history", "test_loss", "test_accuracy", "epochs", "train_size", "test_size", "optimizer")


def _layers(run: dict) -> list[tuple]:
    """The model summary without layer names (Keras numbers them per process, by what it built before)."""
    return [(row["type"], row["output_shape"], row["params"]) for row in run["summary"]["layers"]]

# a chapter whose run lasts long enough to kill its worker mid-task (2 epochs of batch 4), a cheap one, a GPU one
SLOW_MODULE = '''"""A slow one-experiment chapter for the cluster tests."""
from lecturegen.chapter import chapter, experiment


@experiment(title={"ko": "느린 모델", "en": "Slow model"}, epochs=2, batch_size=4, labels="int")
def slow():
    from tensorflow import keras

    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@experiment(title={"ko": "작은 모델", "en": "Small model"}, epochs=1, batch_size=64, labels="int")
def small():
    from tensorflow import keras

    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@experiment(title={"ko": "GPU 모델", "en": "GPU model"}, epochs=1, batch_size=64, labels="int", resources={"GPU": 1})
def on_gpu():
    from tensorflow import keras

    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


CHAPTER = chapter(id=CHAPTER_ID, title={"ko": "느린 장", "en": "Slow chapter"}, experiments=EXPERIMENTS)
'''


def slow_chapter(folder: Path, experiments: str = "[slow]", chapter_id: str = "slow") -> dict[str, str]:
    source = SLOW_MODULE.replace("CHAPTER_ID", repr(chapter_id)).replace("EXPERIMENTS", experiments)
    return write_chapter(folder, chapter_id=chapter_id, source=source, content="# 느린 장\n\n{{ dataset.name }}\n")


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster with 2 worker processes (one thread each, TensorFlow on one CPU thread)."""
    import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  env={"LECTUREGEN_TF_THREADS": "1", "PYTHONPATH": cli_env()["PYTHONPATH"]}) as lc:
        with distributed.Client(lc) as client:
            yield lc, client


def _report(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text())


def _cache_entries(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "runs").rglob("*.json") if not p.name.startswith("latest"))


@pytest.mark.slow
def test_dask_gives_the_local_results_to_the_last_digit(pair_build, cluster, tmp_path):
    """The pair chapter (ch4's relu and opt_adam, two seeds: three runs) in both languages on the cluster:
    every run trained once, the numbers exactly the local build's."""
    lc, _ = cluster
    local = _report(pair_build[0])
    cache = tmp_path / "cache"
    pair = ("build", "pair", "--chapters-dir", str(PAIR_CHAPTERS), "--profile", "quick", "--data", "sample")
    result = run_cli(*pair, "--lang", "ko", "--lang", "en", "--out", str(tmp_path / "out"), "--cache-dir", str(cache),
                     "--quiet", "--executor", "dask", "--scheduler", lc.scheduler_address, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = sum(len(run.get("per_seed") or [run]) for run in local["runs"].values())  # a study may train 2 seeds
    assert runs == 3
    assert "built 2 of 2 folders" in result.stdout and f"trained {runs} runs, cached 0" in result.stdout
    assert len(_cache_entries(cache)) == runs  # each run trained once for both languages, cached here
    workers = {w for w in lc.scheduler_info["workers"]}
    for folder in ("pair", "pair-en"):
        report = _report(tmp_path / "out" / folder)
        assert set(report["provenance"]["workers"]) <= workers
        for name, run in local["runs"].items():
            for key in METRICS:
                assert report["runs"][name][key] == run[key], (folder, name, key)
            assert seed_numbers(report["runs"][name]) == seed_numbers(run), (folder, name)
            assert _layers(report["runs"][name]) == _layers(run), (folder, name)
            cache_state = report["runs"][name]["cache"]
            for state in cache_state.get("per_seed") or [cache_state]:
                assert state["trained_on"]["worker"] in workers
    # a rebuild with the local executor finds every cluster-trained run in the cache
    again = run_cli(*pair, "--out", str(tmp_path / "again"), "--cache-dir", str(cache), "--quiet")
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"trained 0, cached {len(local['runs'])}" in again.stdout  # counted per experiment


def _worker_pids(client) -> dict[str, int]:
    return client.run(os.getpid)


@pytest.mark.slow
def test_a_worker_killed_mid_task_is_replaced_and_the_build_completes(cluster, tmp_path):
    lc, client = cluster
    env = slow_chapter(tmp_path / "chapters")
    cache = tmp_path / "cache"
    proc = start_cli("build", "slow", "--profile", "quick", "--data", "sample", "--out", str(tmp_path / "out"),
                     "--cache-dir", str(cache), "--executor", "dask", "--scheduler", lc.scheduler_address,
                     env=env)  # not --quiet: the progress lines say where the run trains
    wait_for_line(proc, "[slow @ ")
    line = next(line for line in proc.lines if line.startswith("[slow @ "))
    victim = "tcp://" + line.split("@ ", 1)[1].split("]", 1)[0]
    os.kill(_worker_pids(client)[victim], signal.SIGKILL)  # mid-task: the run has only just started
    assert proc.wait(timeout=600) == 0, "\n".join(proc.lines)
    proc.pump.join(timeout=10)
    # the retry is said in one line: Dask's own retry of a task on a lost worker, or our resubmission when
    # the run's data copy died with the worker
    retried = [line for line in proc.lines if line in ("warning: [slow] retrying on another worker",
                                                       "warning: [slow] lost on the cluster; submitting it again")]
    assert len(retried) == 1, "\n".join(proc.lines)
    report = _report(tmp_path / "out" / "slow")
    assert report["runs"]["slow"]["cache"]["trained_on"]["worker"] != victim
    entries = _cache_entries(cache)
    assert len(entries) == 1 and json.loads(entries[0].read_text())["result"]["epochs"] == 2
    assert not [p for p in cache.rglob(".*") if p.is_file() and p.name != SECRET]  # no partial write left behind
    client.wait_for_workers(2, timeout=120)  # the nanny restarted the killed worker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Port:
    """A listening TCP port on localhost whose server, on each connection, does ``answer``: write a byte
    (as a Dask scheduler writes its handshake at once), say nothing, or close."""

    def __init__(self, answer: str) -> None:
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.answer, self.held = answer, []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.answer == "close":
                conn.close()
                continue
            if self.answer == "speak":
                conn.sendall(b"\x01")
            self.held.append(conn)  # open, silent from here on

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() and stops listening
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_the_scheduler_check_refuses_a_closed_port_and_a_port_that_never_speaks(monkeypatch):
    """A port nobody listens on fails the build at once (Dask itself would retry for CONNECT_TIMEOUT); a
    port that accepts but never sends the handshake a Dask scheduler sends at once fails after
    HANDSHAKE_TIMEOUT (Dask's Client would wait for it forever), one that closes at once too; a port
    that speaks, and an address that is not plain TCP, are left to Dask."""
    from lecturegen.engine.executors import cluster
    from lecturegen.engine.executors.cluster import _unusable

    monkeypatch.setattr(cluster, "HANDSHAKE_TIMEOUT", 0.3)
    speaking, silent, closing = _Port("speak"), _Port("silent"), _Port("close")
    try:
        assert _unusable(f"tcp://127.0.0.1:{speaking.port}") is None and _unusable(f"127.0.0.1:{speaking.port}") is None
        started = time.monotonic()
        assert "sent nothing in 0.3 s" in _unusable(f"tcp://127.0.0.1:{silent.port}")
        assert time.monotonic() - started < 5
        assert "closed it without a Dask handshake" in _unusable(f"tcp://127.0.0.1:{closing.port}")
        assert _unusable(f"tls://127.0.0.1:{silent.port}") is None and _unusable("inproc://127.0.0.1/1/2") is None
    finally:
        for port in (speaking, silent, closing):
            port.close()
    assert "Connection refused" in _unusable(f"tcp://127.0.0.1:{speaking.port}")  # closed now


def test_a_port_that_accepts_and_never_answers_fails_the_build_in_one_line(tmp_path, monkeypatch):
    """The old hang: a --scheduler port that accepts TCP and never answers (Dask's Client waited for its
    handshake without a limit). The build now stops with one line and keeps the previous output."""
    from helpers import cli
    from lecturegen.engine.executors import cluster

    monkeypatch.setattr(cluster, "HANDSHAKE_TIMEOUT", 0.5, raising=False)  # raising: the test also runs on code without it
    env = slow_chapter(tmp_path / "chapters")
    previous = tmp_path / "out" / "slow"
    previous.mkdir(parents=True)
    (previous / "slides.html").write_text("previous build")
    write_marker(previous)
    before = tree_digest(previous)
    silent = _Port("silent")
    try:
        address = f"tcp://127.0.0.1:{silent.port}"
        result = cli("build", "slow", "--profile", "quick", "--data", "sample", "--out", str(tmp_path / "out"),
                     "--cache-dir", str(tmp_path / "cache"), "--quiet", "--executor", "dask", "--scheduler", address,
                     env=env, timeout=30)
    finally:
        silent.close()
    assert result.returncode == 1
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith(
        f"error: cannot reach the Dask scheduler at {address} (the port accepted the connection but sent nothing "
        "in 0.5 s, where a Dask scheduler answers at once); start it with 'dask scheduler' and workers with "
        "'dask worker ADDRESS', or fix --scheduler"), result.stderr
    assert tree_digest(previous) == before and not list((tmp_path / "out").glob(".slow.tmp-*"))


def test_unreachable_scheduler_is_one_line_and_keeps_the_previous_output(tmp_path):
    env = slow_chapter(tmp_path / "chapters")
    previous = tmp_path / "out" / "slow"
    previous.mkdir(parents=True)
    (previous / "slides.html").write_text("previous build")
    write_marker(previous)  # as a build leaves it
    before = tree_digest(previous)
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    result = run_cli("build", "slow", "--profile", "quick", "--data", "sample", "--out", str(tmp_path / "out"),
                     "--cache-dir", str(tmp_path / "cache"), "--quiet", "--executor", "dask", "--scheduler", address,
                     env=env, timeout=120)
    assert result.returncode == 1
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach the Dask scheduler at " + address), result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(previous) == before  # previous output intact, no staging folder left
    assert not list((tmp_path / "out").glob(".slow.tmp-*"))
    assert time.monotonic() - started < 60


@pytest.mark.slow
def test_gpu_run_goes_to_a_gpu_worker_or_is_refused(cluster, tmp_path):
    """A run asking for a GPU: refused with a one-line error on a cluster without GPU workers,
    trained on the worker started with `--resources GPU=1` once there is one."""
    lc, client = cluster
    env = slow_chapter(tmp_path / "chapters", "[on_gpu]", "gpu")
    args = ("build", "gpu", "--profile", "quick", "--data", "sample", "--out", str(tmp_path / "out"),
            "--cache-dir", str(tmp_path / "cache"), "--quiet", "--executor", "dask", "--scheduler", lc.scheduler_address)
    refused = run_cli(*args, env=env)
    assert refused.returncode == 1
    assert [line for line in error_lines(refused.stderr) if not line.startswith("dask:")] == [
        f"error: run on_gpu needs GPU=1, which no worker of the Dask cluster at {lc.scheduler_address} offers; "
        f"start such workers with 'dask worker {lc.scheduler_address} --resources GPU=1'"]
    # the documented command for a GPU machine (this one has no GPU: the resource is only a label)
    gpu_worker = subprocess.Popen([sys.executable, "-m", "dask", "worker", lc.scheduler_address, "--nthreads", "1",
                                   "--resources", "GPU=1", "--no-dashboard"], env=cli_env(LECTUREGEN_TF_THREADS="1"),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client.wait_for_workers(3, timeout=120)
        address = next(addr for addr, info in client.scheduler_info()["workers"].items()
                       if info.get("resources", {}).get("GPU"))
        result = run_cli(*args, env=env, timeout=600)
        assert result.returncode == 0, result.stderr[-2000:]
        assert _report(tmp_path / "out" / "gpu")["runs"]["on_gpu"]["cache"]["trained_on"]["worker"] == address
    finally:
        gpu_worker.terminate()
        gpu_worker.wait(timeout=60)


@pytest.mark.slow
def test_ctrl_c_cancels_the_submitted_tasks(cluster, tmp_path):
    lc, client = cluster
    env = slow_chapter(tmp_path / "chapters")
    out = tmp_path / "out"
    proc = start_cli("build", "slow", "--profile", "quick", "--data", "sample", "--out", str(out), "--seeds", "3",
                     "--cache-dir", str(tmp_path / "cache"), "--executor", "dask",
                     "--scheduler", lc.scheduler_address, env=env)  # not --quiet: progress says when it trains
    wait_for_line(proc, "[slow @ ")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=120) == 130, "\n".join(proc.lines)
    def busy() -> bool:
        executing = client.run(lambda dask_worker: len(dask_worker.state.executing))
        return any(client.processing().values()) or any(executing.values())

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and busy():
        time.sleep(0.5)
    assert not busy()  # nothing of the build is queued or still training on the cluster
    assert not out.joinpath("slow").exists() and not list(out.glob(".slow.tmp-*"))


# A build without --scheduler starts a LocalCluster whose dashboard listens on 127.0.0.1 and says where:
# checked on the one such build of the suite, test_ui_language.py's Korean course on Dask workers.
