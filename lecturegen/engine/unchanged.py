"""An output folder whose inputs did not change since the build that wrote it is left as it is.

A rebuild with nothing edited and every run cached would render the same pages, notebook and report
again, byte for byte (only the date they show, to the minute, would move). So after a target's
folder is swapped into place, the build records in the cache (area ``outputs``, one entry per
output folder) a key of everything the target stages read, and the sha256 of every file in the
folder. The next build of that folder computes the key again after training and the claims; when
it is the same and the folder still holds exactly those files, byte for byte, the target stages
(figures, render, notebook, report, assets) are skipped and the folder is not touched: the previous
output stays, with the date of the build that made it.

The key (:func:`inputs_key`) covers:

- lecturegen's own code and files (every file of the package, the catalogs of words included), and
  the source of every other module loaded from outside the installed libraries (an author's
  chapter and its helpers);
- the installed libraries, by the names of their ``*.dist-info`` folders (name and version: Jinja,
  Pygments, nbformat, matplotlib, the fonts' and reveal.js' packages ...);
- every file of the page templates (lecturegen's and ``--templates`` folders) and of the chapter's
  content folder (content files, includes, media, bibliography);
- the options of the build (chapter, language, profile, seeds, data, repository, output folder ...),
  the interface language (the warnings replayed are in it), ``SOURCE_DATE_EPOCH`` when set;
- the data set's fingerprint, every run's result and where it came from (cached/trained, why), and
  the claims' outcomes (with the previous build's, for "no longer holds").

``--force`` always renders. Anything the key does not name (a file a template reads by an absolute
path outside these folders, a module imported only while drawing) is not seen: ``--force`` is the
way out, and ``lecturegen serve`` and ``build`` after an edit of what the key covers render again.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import sysconfig
from dataclasses import replace
from pathlib import Path
from typing import Any

import lecturegen
from lecturegen import clock, messages
from lecturegen.engine.store import CacheStore
from lecturegen.registry import package_templates_dir
from lecturegen.safefs import entries, loads

SCHEMA = 1
AREA = "outputs"




def _folder_digest(root: Path, skip: tuple[str, ...] = ("__pycache__",)) -> str:
    """sha256 over every file under ``root`` (relative name and bytes); links by their target."""
    h = hashlib.sha256()
    if not root.is_dir():
        h.update(b"missing:" + str(root).encode())
        return h.hexdigest()
    for rel, _mode in entries(root):
        if any(part in skip for part in rel.parts):
            continue
        path = root / rel
        h.update(rel.as_posix().encode() + b"\0")
        try:
            h.update(os.readlink(path).encode() if path.is_symlink() else path.read_bytes())
        except OSError as exc:
            h.update(f"unreadable:{exc.errno}".encode())
        h.update(b"\0")
    return h.hexdigest()


def _installed() -> list[str]:
    """The installed distributions, by their metadata folders' names (they carry the version)."""
    found = set()
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as scan:
                found.update(e.name for e in scan if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    return sorted(found)


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    roots |= {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    return tuple(os.path.realpath(r) + os.sep for r in roots)


def _own_modules(package: Path) -> dict[str, str]:
    """sha256 of the source of every loaded module that is neither lecturegen's nor an installed library's."""
    libraries, own = _library_roots(), str(package) + os.sep
    found = {}
    real_dirs: dict[str, str] = {}  # a few hundred folders for thousands of modules (TensorFlow's)
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not file or not file.endswith(".py"):
            continue
        folder, name = os.path.split(file)
        if folder not in real_dirs:
            real_dirs[folder] = os.path.realpath(folder)
        real = os.path.realpath(file) if os.path.islink(file) else os.path.join(real_dirs[folder], name)
        if real.startswith(libraries) or real.startswith(own) or real in found:
            continue
        try:
            found[real] = hashlib.sha256(Path(real).read_bytes()).hexdigest()
        except OSError:
            found[real] = "unreadable"
    return found


def inputs_key(build: Any, target: Any) -> str:
    """The key of what the target stages of ``target`` read (see the module's description)."""
    package = Path(lecturegen.__file__).resolve().parent
    chapter = target.chapter
    parts = {
        "schema": SCHEMA,
        "python": sys.version,
        "lecturegen": _folder_digest(package),
        "modules": _own_modules(package),
        "installed": _installed(),
        "templates": {str(p): _folder_digest(Path(p)) for p in [*target.opts.templates_dirs, package_templates_dir()]},
        "content": _folder_digest(Path(chapter.content_dir)),
        "options": repr(replace(target.opts, force=False)),
        "final": str(target.final),
        "ui": messages.current().lang,
        "date": clock.stamp() if os.environ.get(clock.ENV, "").strip() else None,
        "profile": build.profile,
        "data": target.dataset.fingerprint,
        "runs": {name: target.runs[name] for name in sorted(target.runs)},
        "status": {name: target.status[name] for name in sorted(target.status)},
        "claims": list(target.claims),
    }
    # repr, not JSON: the results are dataclasses of plain lists and floats (repr gives every digit), and
    # repr of them takes a few milliseconds where dataclasses.asdict takes a tenth of a second
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def _entry_name(final: Path) -> str:
    return hashlib.sha256(str(final.resolve()).encode("utf-8")).hexdigest()[:32]


def _files(folder: Path) -> dict[str, str] | None:
    """sha256 of every entry of ``folder``; None when it holds anything but regular files."""
    out = {}
    for rel, mode in entries(folder):
        if not stat.S_ISREG(mode):  # a link or special file: never taken as unchanged
            return None
        out[rel.as_posix()] = hashlib.sha256((folder / rel).read_bytes()).hexdigest()
    return out


def record(store: CacheStore, final: Path, key: str, outputs: list[str], notices: list[str]) -> None:
    """After ``final`` was swapped into place: what it was built from, and what it holds."""
    try:
        files = _files(final)
    except OSError:
        return
    if files is None:
        return
    entry = {"schema": SCHEMA, "key": key, "files": files, "outputs": outputs, "notices": notices}
    store.put(AREA, _entry_name(final), json.dumps(entry, ensure_ascii=False).encode("utf-8"))


def forget(store: CacheStore, final: Path) -> None:
    """No record for ``final``: the next build renders it."""
    from lecturegen.safefs import discard

    path = store.path(AREA, _entry_name(final))
    discard(path)
    discard(path.with_name(path.name + ".mac"))


def unchanged(store: CacheStore, final: Path, key: str) -> dict[str, Any] | None:
    """The record of ``final`` when it was built from ``key`` and still holds exactly what that build
    wrote (its ``outputs`` and ``notices``); else None."""
    raw = store.get(AREA, _entry_name(final))
    if raw is None:
        return None
    try:
        entry = loads(raw.decode("utf-8"))
        if entry.get("schema") != SCHEMA or entry.get("key") != key:
            return None
        if final.is_symlink() or not final.is_dir() or _files(final) != entry["files"]:
            return None
        if not isinstance(entry.get("outputs"), list) or not isinstance(entry.get("notices"), list):
            return None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return entry
