"""The warm worker of ``lecturegen serve``: one long-lived process, forked from the server, that has
already imported TensorFlow, Keras, matplotlib and the renderer and read the data
(:func:`lecturegen.engine.warm_up`), and forks one child per rebuild.

A rebuild forked from it starts with all of that done (a cold child spends 4-10 s importing
TensorFlow before it trains anything), and is still a process of its own: the server kills it
when a newer save comes (with whatever it started: it leads its own process group), and anything
it does, hanging or crashing, ends only that child. Nothing runs on TensorFlow in the worker, so
each child starts TensorFlow's runtime afresh, as a cold one would.

The server talks to the worker over a Unix socket pair, one request at a time:

- the worker sends ``ready`` once its warm-up is done (a warm-up that fails leaves it less warm:
  each build then imports what it lacks);
- ``build`` (with the write end of a pipe passed along): the worker forks a child that runs the
  build and writes its outcome into the pipe; the reply is the child's pid;
- ``end``: the worker kills the child's process group and reaps it.

The worker ends when the server's end of the socket closes (the server stopped or died).
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import time
from typing import Callable

REPLY_S = 30.0  # the worker answers at once unless the machine is swamped
WARMING_WAIT_S = 20.0
"""A save while the worker still warms up waits this long for it: a child forked by the server would
import TensorFlow and read the data again, competing with the worker for the same cores, so it would
be slower than waiting for the import already under way (a warm-up stuck longer: the server forks)."""


class WorkerGone(Exception):
    """The worker did not answer (it died, or never started): build without it."""


class WarmWorker:
    """The server's handle on its warm worker (:func:`start`)."""

    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid, self.sock = pid, sock
        self.is_ready = False

    @classmethod
    def start(cls, warm_up: Callable[[], None], run_child: Callable[[int, dict], None],
              close: tuple[socket.socket, ...] = ()) -> WarmWorker:
        """Fork the worker: it runs ``warm_up()``, then for each build forks a child that runs
        ``run_child(write_fd, request)`` (which must end the process). ``close``: the server's
        sockets the worker must not hold open (its listening socket)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                ours.close()
                for other in close:
                    other.close()
                _worker(theirs, warm_up, run_child)
            except BaseException:  # noqa: BLE001 - nothing may escape a forked process
                code = 70
            os._exit(code)
        theirs.close()
        return cls(pid, ours)

    def ready(self) -> bool:
        """Whether the worker finished its warm-up (never waits)."""
        if not self.is_ready and self.alive() and select.select([self.sock], [], [], 0)[0]:
            self.is_ready = self.sock.recv(64) == b"ready"
        return self.is_ready and self.alive()

    def wait_ready(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the worker to finish its warm-up; whether it is ready."""
        deadline = time.monotonic() + seconds
        while not self.ready() and self.alive():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            select.select([self.sock], [], [], min(left, 0.5))
        return self.ready()

    def alive(self) -> bool:
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def fork_build(self, write_fd: int, request: dict) -> int:
        """A child forked by the worker to build (``request`` is passed to it); returns its pid."""
        return int(self._ask({"op": "build", **request}, [write_fd])["pid"])

    def end(self, pid: int) -> None:
        """Kill the build child ``pid`` (and its process group), and have the worker reap it."""
        self._ask({"op": "end", "pid": pid})

    def _ask(self, request: dict, fds: list[int] | None = None) -> dict:
        try:
            socket.send_fds(self.sock, [json.dumps(request).encode()], fds or [])
            if not select.select([self.sock], [], [], REPLY_S)[0]:
                raise WorkerGone("no answer")
            reply = self.sock.recv(1 << 16)
        except OSError as exc:
            raise WorkerGone(str(exc)) from None
        if not reply:
            raise WorkerGone("closed")
        return json.loads(reply)

    def stop(self) -> None:
        """End the worker (its build child, if any, is ended by the server first)."""
        self.sock.close()
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def _worker(sock: socket.socket, warm_up: Callable[[], None], run_child: Callable[[int, dict], None]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's: the worker ends with its socket
    os.setpgid(0, 0)  # not in the terminal's group: killed only by the server
    try:
        warm_up()
    except BaseException:  # noqa: BLE001 - e.g. a bad --data: each build says what is wrong
        pass
    sock.send(b"ready")
    children: set[int] = set()
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, 1 << 16, 4)
        except OSError:
            message, fds = b"", []
        if not message:  # the server is gone
            for pid in children:
                _kill_group(pid)
            return
        request = json.loads(message)
        if request["op"] == "build":
            pid = os.fork()
            if pid == 0:
                sock.close()
                run_child(fds[0], request)
                os._exit(70)  # run_child ends the process itself
            for fd in fds:
                os.close(fd)
            children.add(pid)
            sock.send(json.dumps({"pid": pid}).encode())
        elif request["op"] == "end":
            pid = int(request["pid"])
            if pid in children:
                _kill_group(pid)
                children.discard(pid)
            sock.send(json.dumps({"ended": pid}).encode())


def _kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):  # what the build left running, then the child itself
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
