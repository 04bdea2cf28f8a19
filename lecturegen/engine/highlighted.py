"""Code blocks highlighted by the build before, kept in the cache folder for the next one.

Pygments is most of the cost of a content file's code blocks on a page (ch4: 31 blocks, about a
twentieth of a second), and a prose or layout edit leaves them as they were. So while a target
renders (:func:`kept_in`), each block's HTML is looked up by its code, language and options: an
entry of the cache folder (area ``templates``, one per content file, overwritten) holds the HTML of
every block the last rendering of that file highlighted, stamped with what the HTML depends on
besides them (Pygments' version and lecturegen's rendering code). A block not there is highlighted
as before; the entry is rewritten when the set of blocks changed. Only blocks that highlighted
without an error are kept, so a wrong ``hl=`` is still said every time.
"""

from __future__ import annotations

import hashlib
import json
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from lecturegen.engine.store import CacheStore
from lecturegen.versions import dist_version

log = logging.getLogger(__name__)

AREA = "templates"


@dataclass
class _Memo:
    before: dict[str, str]
    used: dict[str, str] = field(default_factory=dict)


_MEMO: ContextVar[_Memo | None] = ContextVar("lecturegen_highlighted", default=None)


def _stamp() -> str:
    from lecturegen.engine.render import compiler_id  # render.py's own code is part of it

    return f"{compiler_id()} pygments {dist_version('pygments')}"


def _name(content: Path) -> str:
    return "highlighted-" + hashlib.sha256(str(content).encode("utf-8")).hexdigest()[:40] + ".json"


@contextmanager
def kept_in(store: CacheStore | None, content: Path) -> Iterator[None]:
    """Code blocks rendered inside reuse and keep their HTML in ``store``, for the content file ``content``."""
    if store is None:
        yield
        return
    stamp, before = _stamp(), {}
    try:
        data = store.get(AREA, _name(content))
        entry = json.loads(data) if data is not None else None
        if isinstance(entry, dict) and entry.get("stamp") == stamp and isinstance(entry.get("blocks"), dict):
            before = entry["blocks"]
    except ValueError:
        pass
    memo = _Memo(before)
    token = _MEMO.set(memo)
    try:
        yield
    finally:
        _MEMO.reset(token)
    if memo.used and memo.used != memo.before:
        try:
            store.put(AREA, _name(content), json.dumps({"stamp": stamp, "blocks": memo.used}, sort_keys=True).encode())
        except OSError as exc:  # not kept: highlighted again next time, nothing more
            log.debug("highlighted code of %s not kept: %s", content, exc)


def highlighted(code: str, lang: str, attrs: str, highlight: Callable[[str, str, str], str]) -> str:
    """``highlight(code, lang, attrs)``, or the HTML it gave for the same block in the last rendering."""
    memo = _MEMO.get()
    if memo is None:
        return highlight(code, lang, attrs)
    key = hashlib.sha256(f"{lang}\0{attrs}\0{code}".encode("utf-8")).hexdigest()
    html = memo.before.get(key)
    if html is None:
        html = highlight(code, lang, attrs)
    memo.used[key] = html
    return html
