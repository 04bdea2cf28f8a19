"""`lecturegen serve CHAPTER`: build, serve on localhost, rebuild on every save, reload the browser.

The files watched (with ``watchfiles``): the chapter's module (file or package), its content
folder (ko.md, en.md, its own images), the templates folders and ``lecturegen.toml``. Any change
runs the ordinary build: the result cache is keyed by each experiment's code, so a prose or
template edit only renders again and a changed experiment is the only one retrained. A build
that fails prints its one-line error and shows it over the page; the last good output stays in
place and served. The server is uvicorn running :mod:`lecturegen.serve.app`.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
import webbrowser
from pathlib import Path
from typing import Callable

from lecturegen.errors import LecturegenError, UsageError
from lecturegen.serve.app import LiveState, make_app
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


class Rebuilder:
    """Runs one build at a time and publishes its outcome to the pages."""

    def __init__(self, make_opts: Callable, state: LiveState) -> None:
        self.make_opts, self.state = make_opts, state
        self.said: set[str] = set()  # warnings already shown in this session

    def build(self, reason: str) -> bool:
        from lecturegen.engine import build
        from lecturegen.engine import ChangesOnly

        started = time.perf_counter()
        _tell(say("cli.serve.building", reason=reason))
        _forget_chapter_modules()
        reporter = ChangesOnly(self.said) if self.state.version else ChangesOnly(self.said, all_lines=True)
        try:
            outcome = build(self.make_opts(), reporter)
        except LecturegenError as exc:
            _tell(say("cli.serve.message", exc=exc))
            self.state.update(built=False, error=str(exc))
            return False
        except Exception as exc:  # a bug, or an import error of a half-saved file: keep serving
            _tell(say("cli.serve.message_2", kind=type(exc).__name__, exc=exc))
            self.state.update(built=False, error=f"{type(exc).__name__}: {exc}")
            return False
        trained = [n for n, s in outcome.status.items() if s.trained]
        what = say("cli.serve.trained", names=", ".join(trained)) if trained else say("cli.serve.nothing_retrained")
        reload = say("cli.serve.browser_reloads") if self.state.version else ""
        _tell(say("cli.serve.built_in", seconds=time.perf_counter() - started, what=what, reload=reload))
        self.state.update(built=True)
        return True


def _describe(changes) -> str:
    paths = {Path(path) for _, path in changes}
    names = sorted({p.name for p in paths if p.exists()} or {p.name for p in paths})  # not an editor's temp file
    more = say("cli.serve.and_more", n=len(names) - 4) if len(names) > 4 else ""
    return say("cli.serve.changed", names=", ".join(names[:4]), more=more)


def _watch(rebuilder: Rebuilder, paths: list[Path], stop: threading.Event) -> None:
    from watchfiles import watch

    for changes in watch(*paths, stop_event=stop, debounce=400, step=50, raise_interrupt=False,
                         watch_filter=lambda _, path: not Path(path).name.startswith((".", "#"))
                         and not path.endswith(("~", ".pyc", ".swp"))):
        rebuilder.build(_describe(changes))


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise UsageError(say("errors.serve.cannot_listen_on_choose", host=HOST, port=port, strerror=exc.strerror)) from None
    return sock


def serve(opts, port: int = 8000, open_browser: bool = False, make_opts: Callable | None = None) -> None:
    """Build ``opts``, serve the output on localhost and rebuild on every change until Ctrl-C."""
    import uvicorn

    make_opts = make_opts or (lambda: opts)
    state = LiveState()
    rebuilder = Rebuilder(make_opts, state)
    paths = watched_paths(opts)  # a bad chapter id fails here, before anything starts
    sock = _bind(port)
    rebuilder.build(say("cli.serve.first_build"))
    url = f"http://{HOST}:{sock.getsockname()[1]}/slides.html"

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):  # Ctrl-C / SIGTERM: end the event streams at once, then stop
            state.stop()
            super().handle_exit(sig, frame)
            self._captured_signals.clear()  # uvicorn would raise the signal again after a clean stop

    config = uvicorn.Config(make_app(served_folder(opts), state), log_level="warning", access_log=False,
                            timeout_graceful_shutdown=2, lifespan="on")
    server = Server(config)
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(rebuilder, paths, stop), name="lecturegen-watch", daemon=True)
    watcher.start()
    print(say("cli.serve.serving_watching_paths_ctrl", url=url, n_paths=len(paths)), flush=True)  # stdout: a script reads it
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    finally:
        stop.set()
        watcher.join(timeout=5)
        sock.close()
        _tell(say("cli.serve.stopped"))
