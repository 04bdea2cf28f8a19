"""`lecturegen serve CHAPTER`: build, serve on localhost, rebuild on every save, reload the browser.

The files watched (with ``watchfiles``): the chapter's module (file or package), its content
folder (ko.md, en.md, its own images), the templates folders and ``lecturegen.toml``. Any change
runs the ordinary build: the result cache is keyed by each experiment's code, so a prose or
template edit only renders again and a changed experiment is the only one retrained. A build
that fails prints its one-line error and shows it over the page; the last good output stays in
place and served. The server is uvicorn running :mod:`lecturegen.serve.app`.

Each build runs in a child process. After the first build, a warm worker
(:mod:`lecturegen.serve.warm`) imports TensorFlow and reads the data once, and forks the children
of the later builds, so an edited experiment starts training at once.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import socket
import sys
import threading
import time
import webbrowser
from pathlib import Path
from typing import Callable

from lecturegen.errors import LecturegenError, UsageError
from lecturegen.serve.app import LiveState, make_app
from lecturegen.serve.warm import WARMING_WAIT_S, WarmWorker, WorkerGone
from lecturegen import messages
from lecturegen.messages import say

HOST = "127.0.0.1"


def _tell(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _forget_chapter_modules() -> None:
    """Built-in chapter modules are imported once per process: drop them so a rebuild imports the
    edited code (chapters from folders are imported from their file at every build anyway)."""
    for name in [n for n in sys.modules if n.startswith("lecturegen.chapters.")]:
        del sys.modules[name]


def served_folder(opts) -> Path:
    """The output folder of the chapter in its language (the chapter's first when none is given)."""
    from lecturegen import registry
    from lecturegen.engine import output_dir

    chapter = registry.get(opts.chapter, opts.chapters_dirs)
    return output_dir(opts.out, chapter.id, opts.lang or chapter.languages[0])


def watched_paths(opts) -> list[Path]:
    """The chapter module, its content folder, every templates folder and lecturegen.toml."""
    from lecturegen import registry
    from lecturegen.config import find_config

    chapter = registry.get(opts.chapter, opts.chapters_dirs)
    paths = [chapter.content_dir, registry.package_templates_dir(), *opts.templates_dirs]
    origin = Path(chapter.origin)
    if origin.is_file():
        paths.append(origin)
    elif chapter.origin in sys.modules:  # a module name: lecturegen.chapters.ch4 (a package) or ...ch5
        file = Path(getattr(sys.modules[chapter.origin], "__file__", "") or "")
        if file.name:
            paths.append(file.parent if file.name == "__init__.py" else file)
    config = find_config()
    if config is not None:
        paths.append(config)
    return list(dict.fromkeys(p.resolve() for p in paths if p.exists()))


SLOW_S = 60.0  # a build running longer than this is said to be slow (once)


class Rebuilder:
    """Runs one build at a time, each in a child process forked for it, and publishes its outcome to
    the pages. A newer save cancels a build still running (an edit that loops forever never wedges
    serve), anything the chapter's code raises (``sys.exit()``, any ``BaseException``) is a failed
    build like any other, and the server process never imports the chapter's training code.

    With :meth:`start_warm`, the children are forked by a warm worker (:mod:`lecturegen.serve.warm`)
    that has already imported TensorFlow and read the data, so a model edit starts training at
    once. A build asked for while it still warms up waits for it (up to ``WARMING_WAIT_S``); if it
    dies or its warm-up takes longer, the server forks the build itself, as before."""

    def __init__(self, make_opts: Callable, state: LiveState) -> None:
        self.make_opts, self.state = make_opts, state
        self.said: set[str] = set()  # warnings already shown in this session
        self.pending: queue.Queue = queue.Queue()  # change sets the watcher saw, newest last
        self.child: int | None = None
        self.warm: WarmWorker | None = None
        self.warm_up: Callable[[], None] | None = None  # what a (re)started worker runs first
        self.close_in_worker: tuple[socket.socket, ...] = ()
        self.by_worker = False  # whether the running child is the worker's
        self.warming_wait_s = WARMING_WAIT_S  # how long a build waits for a worker still warming up

    def start_warm(self, warm_up: Callable[[], None], close: tuple[socket.socket, ...] = ()) -> None:
        """Fork the warm worker (it warms up in the background; builds use it once it is ready)."""
        self.warm_up, self.close_in_worker = warm_up, close
        self.warm = WarmWorker.start(warm_up, self._run_child, close)

    def stop_warm(self) -> None:
        if self.warm is not None:
            self.warm.stop()
            self.warm = None

    def build(self, reason: str, newer: Callable[[], bool] = lambda: False) -> bool:
        started = time.perf_counter()
        _tell(say("serve.building", reason=reason))
        r, w = os.pipe()
        self.child = self._fork(w)
        data, slow_said = b"", False
        try:
            while True:
                if select.select([r], [], [], 0.1)[0]:
                    chunk = os.read(r, 1 << 16)
                    if not chunk:
                        break
                    data += chunk
                elif newer():
                    self.cancel()
                    _tell(say("serve.cancelled", seconds=time.perf_counter() - started))
                    return False
                elif not slow_said and time.perf_counter() - started > SLOW_S:
                    slow_said = True
                    _tell(say("serve.slow", seconds=SLOW_S))
        finally:
            os.close(r)
            self._reap()
        try:
            result = json.loads(data)
        except ValueError:
            result = {"error": say("serve.build_died")}
        self.said.update(result.get("said", []))
        if "error" in result:
            _tell(say("serve.build_failed", exc=result["error"]))
            self.state.update(built=False, error=result["error"])
            return False
        trained = result["trained"]
        what = say("serve.trained", names=", ".join(trained)) if trained else say("serve.nothing_retrained")
        reload = say("serve.browser_reloads") if self.state.version else ""
        if result.get("folder"):
            self.state.root = Path(result["folder"])  # [build] out or the languages changed: follow it
        _tell(say("serve.built", seconds=time.perf_counter() - started, what=what, reload=reload))
        self.state.update(built=True)
        return True

    def _fork(self, w: int) -> int:
        """The build's child, writing its outcome into ``w``: the warm worker's when it is ready,
        else forked here. Closes ``w`` in this process."""
        request = {"said": sorted(self.said), "version": self.state.version}
        self.by_worker = False
        restart = self.warm is not None and not self.warm.alive()
        if self.warm is not None and not restart and self.warm.wait_ready(self.warming_wait_s):
            try:
                pid = self.warm.fork_build(w, request)
                os.close(w)
                self.by_worker = True
                return pid
            except WorkerGone:
                restart = True
        pid = os.fork()
        if pid == 0:
            self._run_child(w, request)
        os.close(w)
        if restart:  # after closing w: a worker holding it would keep the build's pipe open
            self._restart_warm()
        return pid

    def _restart_warm(self) -> None:
        """The worker died (killed, out of memory): a new one warms up for the next builds."""
        self.stop_warm()
        if self.warm_up is not None:
            self.warm = WarmWorker.start(self.warm_up, self._run_child, self.close_in_worker)

    def _run_child(self, w: int, request: dict) -> None:
        """In the forked child: build, send the outcome, leave without running the server's cleanup."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's: it ends this child
        os.setpgid(0, 0)  # the child and whatever it starts: one group, killed together
        self.said, self.state.version = set(request["said"]), request["version"]
        code = 0
        try:
            with os.fdopen(w, "wb") as out:
                out.write(json.dumps(self._child_build()).encode())
        except BaseException:  # noqa: BLE001 - nothing may escape a forked child
            code = 70
        os._exit(code)

    def _child_build(self) -> dict:
        """The build, in the forked child: its outcome as plain data."""
        from lecturegen.engine import ChangesOnly, build

        said = set(self.said)
        reporter = ChangesOnly(said) if self.state.version else ChangesOnly(said, all_lines=True)
        try:
            _forget_chapter_modules()
            opts = self.make_opts()
            outcome = build(opts, reporter)
            folder = str(served_folder(opts))
        except LecturegenError as exc:
            return {"error": str(exc), "said": sorted(said)}
        except BaseException as exc:  # noqa: BLE001 - a bug, a half-saved file, sys.exit() in a module
            return {"error": f"{type(exc).__name__}: {exc}"[:2000], "said": sorted(said)}
        return {"trained": [n for n, s in outcome.status.items() if s.trained], "folder": folder,
                "said": sorted(said)}

    def _reap(self) -> None:
        if self.child is None:
            return
        if self.by_worker and self.warm is not None:
            try:
                self.warm.end(self.child)  # the worker kills its group and reaps it
                self.child = None
                return
            except WorkerGone:
                self._restart_warm()
        try:
            os.killpg(self.child, signal.SIGKILL)  # what the build left running
        except (ProcessLookupError, PermissionError):
            pass
        if not self.by_worker:
            try:
                os.waitpid(self.child, 0)
            except ChildProcessError:
                pass
        self.child = None

    def cancel(self) -> None:
        """Stop the running build, if any (its output folder is swapped in only when complete)."""
        if self.child is not None:
            try:
                os.kill(self.child, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _describe(changes) -> str:
    paths = {Path(path) for _, path in changes}
    names = sorted({p.name for p in paths if p.exists()} or {p.name for p in paths})  # not an editor's temp file
    more = say("serve.and_more", n=len(names) - 4) if len(names) > 4 else ""
    return say("serve.changed", names=", ".join(names[:4]), more=more)


def _watch(rebuilder: Rebuilder, paths: list[Path], stop: threading.Event) -> None:
    """The watcher thread: hand every change set to the builder thread at once (so a newer save can
    cancel a build that is still running)."""
    from watchfiles import watch

    for changes in watch(*paths, stop_event=stop, debounce=400, step=50, raise_interrupt=False,
                         watch_filter=lambda _, path: not Path(path).name.startswith((".", "#"))
                         and not path.endswith(("~", ".pyc", ".swp"))):
        rebuilder.pending.put(changes)


def _rebuild_loop(rebuilder: Rebuilder, stop: threading.Event) -> None:
    """The builder thread: one build per batch of saves; nothing a build does ends this loop."""
    while not stop.is_set():
        try:
            changes = set(rebuilder.pending.get(timeout=0.2))
        except queue.Empty:
            continue
        while not rebuilder.pending.empty():
            changes |= set(rebuilder.pending.get_nowait())
        try:
            rebuilder.build(_describe(changes), newer=lambda: not rebuilder.pending.empty() or stop.is_set())
        except Exception as exc:  # noqa: BLE001 - e.g. no process can be forked now: say it, keep watching
            _tell(say("serve.rebuild_crashed", kind=type(exc).__name__, exc=exc))


def _warm_up(make_opts: Callable) -> None:
    """In the warm worker: what a rebuild that trains imports and reads (lecturegen.engine.warm)."""
    from lecturegen.engine import warm_up

    warm_up(make_opts())


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise UsageError(say("serve.cannot_listen", host=HOST, port=port, strerror=exc.strerror)) from None
    return sock


def serve(opts, port: int = 8000, open_browser: bool = False, make_opts: Callable | None = None) -> None:
    """Build ``opts``, serve the output on localhost and rebuild on every change until Ctrl-C."""
    import uvicorn

    make_opts = make_opts or (lambda: opts)
    state = LiveState()
    rebuilder = Rebuilder(make_opts, state)
    paths = watched_paths(opts)  # a bad chapter id fails here, before anything starts
    sock = _bind(port)
    rebuilder.build(say("serve.first_build"))
    rebuilder.start_warm(lambda: _warm_up(make_opts), close=(sock,))  # from now on, while the author edits
    url = f"http://{HOST}:{sock.getsockname()[1]}/slides.html"

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):  # Ctrl-C / SIGTERM: end the event streams at once, then stop
            state.stop()
            super().handle_exit(sig, frame)
            self._captured_signals.clear()  # uvicorn would raise the signal again after a clean stop

    state.root = state.root or served_folder(opts)
    config = uvicorn.Config(make_app(state.root, state, port=sock.getsockname()[1]), log_level="warning", access_log=False,
                            timeout_graceful_shutdown=2, lifespan="on")
    server = Server(config)
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(rebuilder, paths, stop), name="lecturegen-watch", daemon=True)
    builder = threading.Thread(target=messages.carried(_rebuild_loop), args=(rebuilder, stop), name="lecturegen-build", daemon=True)
    watcher.start()
    builder.start()
    sock.listen(128)  # before the address is said: a browser that opens it at once waits for the server, never refused
    print(say("serve.serving", url=url, n_paths=len(paths)), flush=True)  # stdout: a script reads it
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    finally:
        stop.set()
        rebuilder.cancel()  # Ctrl-C during a rebuild: the build's child ends, the last output stays
        builder.join(timeout=5)
        watcher.join(timeout=5)
        rebuilder.stop_warm()
        sock.close()
        _tell(say("serve.stopped"))
