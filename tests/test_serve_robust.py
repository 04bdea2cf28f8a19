"""Issue 26: serve keeps serving and keeps listening (fast tier: the app and the rebuilder, no browser)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import asyncio
from urllib.parse import unquote

from lecturegen.serve import Rebuilder, _rebuild_loop
from lecturegen.serve.app import LiveState, make_app


class Client:
    """Requests straight into the ASGI app (as uvicorn would pass them), no network."""

    def __init__(self, app) -> None:
        self.app = app

    def get(self, path: str, headers: dict | None = None) -> SimpleNamespace:
        headers = {"Host": "127.0.0.1:8123", **(headers or {})}
        raw = path.encode()
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": unquote(path), "raw_path": raw, "query_string": b"", "root_path": "",
                 "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in headers.items()],
                 "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8123)}
        out: dict = {"body": b""}

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
            elif message["type"] == "http.response.body":
                out["body"] += message.get("body", b"")

        # in a thread of its own: the run's shared browser (Playwright's sync API) keeps an event loop
        # running in this one
        failure: list[BaseException] = []

        def run() -> None:
            try:
                asyncio.run(self.app(scope, receive, send))
            except BaseException as exc:  # handed to the test below
                failure.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
        if failure:
            raise failure[0]
        return SimpleNamespace(status_code=out["status"], text=out["body"].decode("utf-8", "replace"))


@pytest.fixture()
def client(tmp_path):
    (tmp_path / "slides.html").write_text("<html><body>ok</body></html>")
    (tmp_path / "latin1.html").write_bytes("<html><body>caf\xe9 \xff\xfe</body></html>".encode("latin-1"))
    state = LiveState()
    yield Client(make_app(tmp_path, state, port=8123)), state, tmp_path


@pytest.mark.parametrize("path, codes", [
    ("/a%00b.html", {400}), ("/%00", {400}), ("/" + "a" * 5000 + ".html", {414}), ("/" + "a/" * 2000, {414}),
    ("/" + "x" * 300 + ".html", {400, 404}), ("/%0a.html", {400, 404}), ("/..%2f..%2fetc/passwd", {404}),
])
def test_malformed_paths_are_4xx_without_a_traceback(client, path, codes):
    c, _, _ = client
    r = c.get(path)
    assert r.status_code in codes and "Traceback" not in r.text, (path, r.status_code, r.text[:200])


def test_a_non_utf8_page_is_served(client):
    c, _, _ = client
    r = c.get("/latin1.html")
    assert r.status_code == 200 and "caf" in r.text and "__lecturegenVersion" in r.text


@pytest.mark.parametrize("host, ok", [
    ("127.0.0.1:8123", True), ("localhost:8123", True), ("LOCALHOST:8123", True),
    ("evil.example:8123", False), ("127.0.0.1.evil.example:8123", False), ("127.0.0.1:80", False),
    ("localhost", False), ("", False), ("127.0.0.1:8123@evil", False),
])
def test_host_header_must_name_this_server(client, host, ok):
    c, _, _ = client
    r = c.get("/slides.html", headers={"Host": host})
    assert (r.status_code == 200) == ok, (host, r.status_code)
    if not ok:
        assert r.status_code == 421 and "ok" not in r.text


def test_the_served_folder_follows_the_build(client, tmp_path_factory):
    c, state, _ = client
    other = tmp_path_factory.mktemp("other")
    (other / "slides.html").write_text("<html><body>moved</body></html>")
    state.root = other
    assert "moved" in c.get("/slides.html").text


def _save_and_wait_for_its_build(rb) -> float:
    """A save of ch7.py queued to the rebuild loop, then wait (up to 30 s) until its build process exists;
    returns that deadline, which the test's later waits share."""
    rb.pending.put({(1, "ch7.py")})
    deadline = time.monotonic() + 30
    while rb.child is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return deadline


def _rebuilder(tmp_path, build):
    """A Rebuilder whose build (in the forked child) runs ``build`` instead of lecturegen's."""
    state = LiveState()
    rb = Rebuilder(lambda: SimpleNamespace(), state)
    rb._child_build = lambda: _outcome(build)  # type: ignore[method-assign]
    return rb, state


def _outcome(build) -> dict:
    try:
        build()
    except BaseException as exc:  # noqa: BLE001 - as Rebuilder._child_build does
        return {"error": f"{type(exc).__name__}: {exc}", "said": []}
    return {"trained": [], "said": ["a warning"]}


@pytest.mark.parametrize("raise_, kind", [
    (lambda: exec("import sys; sys.exit(3)"), "SystemExit"), (lambda: exec("raise KeyboardInterrupt"), "KeyboardInterrupt"),
    (lambda: exec("raise GeneratorExit"), "GeneratorExit"), (lambda: exec("import os; os._exit(0)"), None),
    (lambda: exec("raise MemoryError"), "MemoryError"),
])
def test_any_exception_of_a_build_is_a_failed_build_and_the_loop_goes_on(tmp_path, capsys, raise_, kind):
    rb, state = _rebuilder(tmp_path, raise_)
    assert rb.build("changed: ch7.py") is False
    err = capsys.readouterr().err
    assert state.error and "error:" in err and "Traceback" not in err, err
    if kind:
        assert kind in state.error
    rb._child_build = lambda: {"trained": [], "said": []}  # the fix: the next save builds
    assert rb.build("changed: ch7.py") is True and state.version == 1


def test_a_build_that_never_ends_is_cancelled_by_a_newer_save(tmp_path, capsys):
    rb, state = _rebuilder(tmp_path, lambda: time.sleep(3600))
    stop = threading.Event()
    loop = threading.Thread(target=_rebuild_loop, args=(rb, stop), daemon=True)
    loop.start()
    try:
        deadline = _save_and_wait_for_its_build(rb)
        assert rb.child is not None
        rb._child_build = lambda: {"trained": [], "said": []}  # the fixed file
        rb.pending.put({(1, "ch7.py")})
        while state.version == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert state.version == 1
    finally:
        stop.set()
        rb.cancel()
        loop.join(timeout=10)
    err = capsys.readouterr().err
    assert "build cancelled" in err and "Traceback" not in err, err


def test_warnings_are_said_once_per_session_across_child_builds(tmp_path):
    rb, _ = _rebuilder(tmp_path, lambda: None)
    assert rb.build("first build") and rb.said == {"a warning"}


# ---------------------------------------------------------------- the warm worker (lecturegen.serve.warm)


def _warm(rb, warm_up=lambda: None) -> None:
    """Start ``rb``'s warm worker and wait until it says it is ready."""
    rb.start_warm(warm_up)
    deadline = time.monotonic() + 60
    while not rb.warm.ready():
        assert time.monotonic() < deadline, "the warm worker never got ready"
        time.sleep(0.02)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_once_warm_the_builds_are_forked_by_the_worker_with_the_sessions_state(tmp_path, capsys):
    state = LiveState()
    rb = Rebuilder(lambda: SimpleNamespace(), state)
    # what the child sees: who forked it, and the warnings already said (sent with each request)
    rb._child_build = lambda: {"trained": [f"parent-{os.getppid()}"], "said": sorted(rb.said | {f"said-{len(rb.said)}"})}
    _warm(rb)
    try:
        assert rb.build("changed: ch7.py") and rb.by_worker
        assert rb.build("changed: ch7.py") and rb.by_worker and state.version == 2
        assert rb.said == {"said-0", "said-1"}  # the second child knew what the first said
        assert f"(trained parent-{rb.warm.pid})" in capsys.readouterr().err
        assert rb.child is None and rb.warm.alive()
    finally:
        rb.stop_warm()


def _hang_while(flag, hanging) -> dict:
    """A build that hangs while ``flag`` exists, saying so by creating ``hanging``."""
    if flag.exists():
        hanging.touch()
        time.sleep(3600)
    return {"trained": [], "said": []}


def test_a_hung_build_of_the_worker_is_cancelled_by_a_newer_save_and_the_worker_goes_on(tmp_path, capsys):
    hang, hanging = tmp_path / "hang", tmp_path / "hanging"
    hang.touch()
    state = LiveState()
    rb = Rebuilder(lambda: SimpleNamespace(), state)
    rb._child_build = lambda: _hang_while(hang, hanging)
    _warm(rb)
    stop = threading.Event()
    loop = threading.Thread(target=_rebuild_loop, args=(rb, stop), daemon=True)
    loop.start()
    try:
        deadline = _save_and_wait_for_its_build(rb)
        hung = rb.child
        assert hung is not None and rb.by_worker
        # the file is fixed only once the child is stuck in it (a child that has not yet looked at the
        # flag would find it gone and build at once: no hung build to cancel)
        while not hanging.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert hanging.exists(), "the worker's build never started"
        hang.unlink()  # the fixed file
        rb.pending.put({(1, "ch7.py")})
        while state.version == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert state.version == 1 and rb.by_worker
        assert _gone(hung), "the cancelled build's process is gone (killed and reaped by the worker)"
        assert rb.warm.alive()
    finally:
        stop.set()
        rb.cancel()
        loop.join(timeout=10)
        rb.stop_warm()
    err = capsys.readouterr().err
    assert "build cancelled" in err and "Traceback" not in err, err


def test_a_build_dying_in_the_worker_is_a_failed_build_and_the_worker_builds_the_next(tmp_path, capsys):
    die = tmp_path / "die"
    die.touch()
    state = LiveState()
    rb = Rebuilder(lambda: SimpleNamespace(), state)
    rb._child_build = lambda: (os._exit(0) if die.exists() else None) or {"trained": [], "said": []}
    _warm(rb)
    try:
        assert rb.build("changed: ch7.py") is False and rb.by_worker and state.error
        die.unlink()
        assert rb.build("changed: ch7.py") is True and rb.by_worker and state.error is None
    finally:
        rb.stop_warm()
    assert "Traceback" not in capsys.readouterr().err


def test_a_dead_worker_is_replaced_and_meanwhile_the_server_forks_the_build(tmp_path):
    rb = Rebuilder(lambda: SimpleNamespace(), LiveState())
    rb._child_build = lambda: {"trained": [], "said": []}
    _warm(rb)
    try:
        first = rb.warm.pid
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while rb.warm.alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert rb.build("changed: ch7.py") is True and not rb.by_worker  # forked here, as before
        assert rb.warm is not None and rb.warm.pid != first  # a new worker warms up for the next builds
        deadline = time.monotonic() + 60
        while not rb.warm.ready():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert rb.build("changed: ch7.py") is True and rb.by_worker
    finally:
        rb.stop_warm()


def test_a_save_during_the_warm_up_waits_for_the_worker_not_a_cold_build(tmp_path):
    rb = Rebuilder(lambda: SimpleNamespace(), LiveState())
    rb._child_build = lambda: {"trained": [f"parent-{os.getppid()}"], "said": []}
    rb.start_warm(lambda: time.sleep(1.0))  # importing TensorFlow, reading the data
    try:
        assert not rb.warm.ready()
        assert rb.build("changed: ch7.py") is True and rb.by_worker  # not forked here while the worker warmed up
    finally:
        rb.stop_warm()


def test_a_warm_up_stuck_longer_than_the_wait_leaves_the_build_to_the_server(tmp_path, capsys):
    rb = Rebuilder(lambda: SimpleNamespace(), LiveState())
    rb._child_build = lambda: {"trained": [f"parent-{os.getppid()}"], "said": []}
    rb.warming_wait_s = 0.3
    rb.start_warm(lambda: time.sleep(3600))
    try:
        assert rb.build("changed: ch7.py") is True and not rb.by_worker
        assert f"(trained parent-{os.getpid()})" in capsys.readouterr().err  # forked by the server
        assert rb.warm.alive()  # still warming: later builds use it once it is ready
    finally:
        rb.stop_warm()


def test_a_failing_warm_up_leaves_a_worker_that_still_builds(tmp_path):
    rb = Rebuilder(lambda: SimpleNamespace(), LiveState())
    rb._child_build = lambda: {"trained": [], "said": []}
    _warm(rb, warm_up=lambda: exec("raise RuntimeError('no data here')"))
    try:
        assert rb.build("changed: ch7.py") is True and rb.by_worker
    finally:
        rb.stop_warm()


def test_the_address_said_is_already_listening(tmp_path, monkeypatch, capsys):
    """A browser (or a script) that opens the address the moment it is printed is never refused, even
    when the server is slow to start (CI once lost a test to that gap, on a loaded machine)."""
    import socket

    import uvicorn

    import lecturegen.serve as serve_module

    monkeypatch.setattr(serve_module, "watched_paths", lambda opts: [tmp_path])
    monkeypatch.setattr(serve_module, "served_folder", lambda opts: tmp_path)
    monkeypatch.setattr(Rebuilder, "build", lambda self, reason, newer=None: True)
    monkeypatch.setattr(Rebuilder, "start_warm", lambda self, warm_up, close=(): None)
    connected = []

    def run(self, sockets):  # the server, slow to start: the address was printed already
        url = capsys.readouterr().out
        port = int(url.split(":")[2].split("/")[0])
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            connected.append(port)

    monkeypatch.setattr(uvicorn.Server, "run", run)
    serve_module.serve(SimpleNamespace(), port=0)
    assert connected
