"""What a content file asks the build to prepare before its pages render, remembered for its next build.

A content file asks for formulas (``math(...)``, ``$...$``) and old-API probes (``api_changes(...)``),
which are made before the pages render, as figures are. Rendering once without them finds what it
asks for; the content is then rendered again with them. The build remembers what was asked (cache
area ``requests``, one entry per content file, overwritten), so the next build prepares that first,
from the cache alone: when the content, rendered with it, asks for exactly the same, that rendering
is the final one and the first rendering is not needed (a prose edit renders the content once, not
twice). When it asks for anything else, or the cache lacks one of them, the build prepares what it
asked and renders again, as without a memory.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from typing import Any

from lecturegen.engine import apiprobe, maths
from lecturegen.engine.context import RenderContext
from lecturegen.engine.store import CacheStore

log = logging.getLogger(__name__)

AREA = "requests"

Requests = tuple[list[str], list[tuple[str, dict[str, Any]]]]  # formulas (TeX), probes (optimizer, arguments)


def prepare(ctx: RenderContext, requests: Requests, store: CacheStore) -> RenderContext:
    """``ctx`` with the formulas typeset and the probes answered (from the cache, or made now)."""
    formulas, probes = requests
    return replace(ctx, formulas=maths.typeset_all(formulas, store),
                   extra={**ctx.extra, "api_probes": apiprobe.probe_all(probes, store)})


def _entry(ctx: RenderContext) -> str:
    path = ctx.chapter.content_dir / f"{ctx.lang}.md"
    return hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:40] + ".json"


def _canonical(requests: Requests) -> str:
    return json.dumps([list(requests[0]), [list(r) for r in requests[1]]], sort_keys=True, ensure_ascii=False)


def recalled(ctx: RenderContext, store: CacheStore) -> tuple[RenderContext, str] | None:
    """``ctx`` prepared with what the content asked for last time, when the cache holds all of it (no
    formula is drawn, no probe run, for a request that may be gone), and that request as
    :func:`same` compares it; else None."""
    data = store.get(AREA, _entry(ctx))
    if data is None:
        return None
    try:
        formulas, probes = json.loads(data)
        requests: Requests = ([str(t) for t in formulas], [(str(c), dict(a)) for c, a in probes])
    except (ValueError, TypeError):
        return None
    found = maths.cached_all(requests[0], store)
    answers = apiprobe.cached_all(requests[1], store)
    if found is None or answers is None:
        return None
    return replace(ctx, formulas=found, extra={**ctx.extra, "api_probes": answers}), _canonical(requests)


def same(recalled_requests: str, requests: Requests) -> bool:
    """Did the rendering ask for exactly what was prepared for it (the same formulas and probes, in order)?"""
    return _canonical(requests) == recalled_requests


def remember(ctx: RenderContext, requests: Requests, store: CacheStore) -> None:
    try:
        store.put(AREA, _entry(ctx), _canonical(requests).encode("utf-8"))
    except OSError as exc:  # without the memory the next build renders twice, nothing more
        log.debug("requests of %s not remembered: %s", ctx.chapter.id, exc)
