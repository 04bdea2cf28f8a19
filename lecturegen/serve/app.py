"""The preview server's web side (Starlette): the built chapter's files, with a small script
injected into each HTML page as it is served, and a server-sent-event stream telling the pages
when a rebuild finished or failed. Files on disk are never changed: the script is only in what
the server sends."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import escape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.middleware import Middleware
from starlette.routing import Route

LIVE_JS = Path(__file__).with_name("live.js")
EVENTS = "/__lecturegen/events"
KEEPALIVE_S = 10.0


@dataclass
class LiveState:
    """The last good build (``version``) and the error of the last attempt, if it failed.

    Written by the rebuild thread, read by the event streams on the server's event loop."""

    version: int = 0
    error: str | None = None
    root: Path | None = None  # the folder served: follows the build's (``[build] out``, languages)
    stopping: bool = False
    loop: asyncio.AbstractEventLoop | None = None
    _changed: asyncio.Event | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> dict:
        with self._lock:
            return {"version": self.version, "error": self.error}

    def update(self, *, built: bool, error: str | None = None) -> None:
        with self._lock:
            if built:
                self.version += 1
            self.error = error
        self._notify()

    def stop(self) -> None:
        self.stopping = True
        self._notify()

    def _notify(self) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        old, self._changed = self._changed, asyncio.Event()
        if old is not None:
            old.set()

    def attach(self) -> None:
        """Called on the server's event loop when it starts."""
        self.loop, self._changed = asyncio.get_running_loop(), asyncio.Event()

    def ticket(self) -> asyncio.Event:
        """Take before reading the state; :meth:`wait` on it returns at the next change after that."""
        assert self._changed is not None
        return self._changed

    @staticmethod
    async def wait(ticket: asyncio.Event, timeout: float) -> None:
        try:
            await asyncio.wait_for(ticket.wait(), timeout)
        except asyncio.TimeoutError:
            pass


def inject(html: str, version: int) -> str:
    """The page with the live-reload script before ``</body>`` (or at the end)."""
    script = (f"<script>window.__lecturegenVersion = {version};</script>\n"
              f"<script>{LIVE_JS.read_text(encoding='utf-8')}</script>\n")
    at = html.lower().rfind("</body>")
    return html + script if at < 0 else html[:at] + script + html[at:]


def _placeholder(state: LiveState) -> str:
    error = state.snapshot()["error"] or "building..."
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>lecturegen serve</title></head>"
            f"<body><p>No build yet.</p><pre>{escape(error)}</pre></body></html>")


MAX_PATH = 1024  # characters of a request path; longer is a 414


def make_app(root: Path, state: LiveState, port: int | None = None) -> Starlette:
    """Serve ``root`` (the chapter's output folder, e.g. output/ch4; ``state.root`` once a build says
    another) with live reload. Only requests naming this server (``Host: 127.0.0.1:port`` or
    ``localhost:port``) are answered, so a page on another site cannot read the preview through a
    DNS name it points at 127.0.0.1; a malformed path is a 4xx, never a traceback."""

    async def events(request: Request) -> StreamingResponse:
        async def stream():
            sent = None
            while not state.stopping and not await request.is_disconnected():
                ticket = state.ticket()
                now = state.snapshot()
                if now != sent:
                    sent = now
                    yield f"data: {json.dumps(now)}\n\n"
                else:
                    yield ": keep-alive\n\n"
                await state.wait(ticket, KEEPALIVE_S)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def files(request: Request) -> Response:
        rel = request.path_params["path"]
        if rel in ("", "/"):
            return RedirectResponse("/slides.html")
        if len(rel) > MAX_PATH:
            return Response("path too long", status_code=414)
        if "\0" in rel or any(ord(c) < 32 for c in rel):
            return Response("bad path", status_code=400)
        try:
            base = (state.root or root).resolve()
            path = (base / rel).resolve()
            if not path.is_relative_to(base):
                return Response("not found", status_code=404)
            if path.is_dir():
                path = path / "index.html"
            found = path.is_file()
        except (OSError, ValueError):  # a name too long for the file system, a loop of links...
            return Response("bad path", status_code=400)
        if not found:
            if path.suffix == ".html":
                return HTMLResponse(inject(_placeholder(state), state.snapshot()["version"]), status_code=404)
            return Response("not found", status_code=404)
        if path.suffix == ".html":
            try:
                text = path.read_bytes().decode("utf-8", errors="replace")
            except OSError:
                return Response("not found", status_code=404)
            page = inject(text, state.snapshot()["version"])
            return HTMLResponse(page, headers={"Cache-Control": "no-store"})
        return FileResponse(path, headers={"Cache-Control": "no-cache"})

    @contextlib.asynccontextmanager
    async def lifespan(app):
        state.attach()
        yield
        state.stop()

    hosts = ["127.0.0.1", "localhost"]
    return Starlette(routes=[Route(EVENTS, events), Route("/{path:path}", files)], lifespan=lifespan,
                     middleware=[Middleware(HostCheck, hosts=hosts, port=port)])


class HostCheck:
    """ASGI middleware: a request whose ``Host`` is not this server (name and port) gets a 421."""

    def __init__(self, app, hosts: list[str], port: int | None) -> None:  # type: ignore[no-untyped-def]
        self.app, self.hosts, self.port = app, set(hosts), port

    def allowed(self, host: str) -> bool:
        name, _, port = host.lower().partition(":")
        if name not in self.hosts:
            return False
        if self.port is None:  # the app alone (tests): any port of a local name
            return port == "" or port.isdigit()
        return port == str(self.port) or (port == "" and self.port == 80)

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] in ("http", "websocket"):
            host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
            if not self.allowed(host):
                await Response("unknown host", status_code=421)(scope, receive, send)
                return
        await self.app(scope, receive, send)
