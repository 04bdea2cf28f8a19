"""Atomic output: build a chapter into a hidden temporary folder, then swap it into place.

``staged_output`` is held for the whole build (training included): it takes a lock on
``OUT/.<name>.lock`` first, so a second build into the same folder stops at once with a clear
message; it then clears what a killed build left behind (``.<name>.tmp-*`` folders, and a
``.<name>.old-*`` folder a kill between the two renames of the swap would leave, which is put
back when the output itself is missing). A failed or interrupted build removes its temporary
folder and leaves the previous output as it was.

Every built folder carries a marker, ``.lecturegen-build``, listing the files the build wrote.
A build replaces ``OUT/<name>`` only when it is lecturegen's: it holds the marker and no file the
marker does not list (or, built by an earlier version, a lecturegen ``report.json``). Anything
else (a user's own folder, a file the user added, a link) is refused before training unless the
build was given ``--force``.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from lecturegen import __version__
from lecturegen.errors import LecturegenError
from lecturegen.safefs import entries, loads
from lecturegen.messages import say

log = logging.getLogger(__name__)

MARKER = ".lecturegen-build"


def write_marker(folder: Path) -> None:
    """Mark ``folder`` as lecturegen's, listing every file in it."""
    files = [rel.as_posix() for rel, _ in entries(folder)]
    (folder / MARKER).write_text(json.dumps({"lecturegen": __version__, "files": files}, indent=0), encoding="utf-8")


def _listed(folder: Path) -> set[str] | None:
    """The files the marker of ``folder`` lists; None when there is no readable marker."""
    marker = folder / MARKER
    if marker.is_symlink() or not marker.is_file():
        return None
    try:
        files = loads(marker.read_text(encoding="utf-8"))["files"]
        return {f for f in files if isinstance(f, str)}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None


def _legacy(folder: Path) -> bool:
    """Built by a lecturegen before the marker: its report.json names lecturegen in the provenance."""
    report = folder / "report.json"
    if report.is_symlink() or not report.is_file():
        return False
    try:
        return bool(loads(report.read_text(encoding="utf-8"))["provenance"]["lecturegen"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return False


def foreign(final: Path) -> str | None:
    """Why ``final`` is not a folder lecturegen wrote (None: it is, or it does not exist)."""
    if not final.is_symlink() and not final.exists():
        return None
    if final.is_symlink() or not final.is_dir():
        return say("output.reason_not_a_folder")
    extra = unlisted(final)
    if extra is None:
        return None if _legacy(final) else say("output.reason_not_written")
    return say("output.reason_holds", extra=extra[0]) if extra else None


def unlisted(folder: Path) -> list[str] | None:
    """Entries of a built folder that its marker does not list as files the build wrote (links and
    special files included); None when the folder has no readable marker (an earlier version's)."""
    listed = _listed(folder)
    if listed is None:
        return None
    return [rel.as_posix() for rel, mode in entries(folder)
            if rel.as_posix() != MARKER and (rel.as_posix() not in listed or not stat.S_ISREG(mode))]


def _refuse_foreign(final: Path) -> None:
    reason = foreign(final)
    if reason:
        raise LecturegenError(say("output.not_ours", final=final, reason=reason))


class KeepPrevious(Exception):  # noqa: N818  (not an error: a signal)
    """Thrown into :func:`staged_output` to end it without a swap: the previous output stays as it is
    (a build whose inputs did not change, :mod:`lecturegen.engine.unchanged`)."""


DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


@contextmanager
def disk_full_is_an_error(out: Path, cache_dir: Path) -> Iterator[None]:
    """A full disk (or quota, or file size limit) while building is a one-line error, not a traceback.

    Used around :func:`staged_output`, whose clean-up has then already left the previous output as it was.
    """
    try:
        yield
    except OSError as exc:
        if exc.errno not in DISK_FULL:
            raise
        where = say("output.while_writing", filename=exc.filename) if exc.filename else ""
        raise LecturegenError(
            say("output.write_failed", problem=exc.strerror or 'disk full', where=where, out=out, cache_dir=cache_dir)
        ) from None


def _swap(staged: Path, final: Path) -> None:
    old = final.parent / f".{final.name}.old-{os.getpid()}"
    if final.exists():
        os.replace(final, old)
    try:
        os.replace(staged, final)
    except BaseException:
        if old.exists():
            os.replace(old, final)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _recover(root: Path, name: str) -> None:
    """Undo what a killed build left: restore a half-swapped output, remove stale folders."""
    final = root / name
    olds = sorted(root.glob(f".{name}.old-*"), key=lambda p: p.stat().st_mtime)
    if olds and not final.exists():
        log.warning(say("output.restoring", final=final))
        os.replace(olds.pop(), final)
    for stale in [*olds, *root.glob(f".{name}.tmp-*")]:
        log.info(say("output.removing_stale", name=stale.name))
        shutil.rmtree(stale, ignore_errors=True)


def _unwritable(root: Path, exc: OSError) -> LecturegenError:
    if root.exists() and not root.is_dir():
        return LecturegenError(say("output.is_a_file", root=root))
    return LecturegenError(
        say("output.cannot_write", root=root, problem=exc.strerror or exc)
    )


@contextmanager
def staged_output(root: Path, name: str, force: bool = False) -> Iterator[Path]:
    """Yield an empty folder; on success it becomes ``root/name``, replacing what was there.

    ``root/name`` must be lecturegen's (see :func:`foreign`) unless ``force``.
    """
    try:
        root.mkdir(parents=True, exist_ok=True)
        # the lock file must be creatable here: filelock reports a folder it cannot write to (/proc,
        # a read-only mount) as a lock held by someone else
        os.close(os.open(root / f".{name}.lock", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644))
        lock = FileLock(str(root / f".{name}.lock"))
        lock.acquire(timeout=0)
    except Timeout:
        raise LecturegenError(
            say("output.busy", root=root / name)
        ) from None
    except OSError as exc:
        raise _unwritable(root, exc) from None
    try:
        _recover(root, name)
        if not force:
            _refuse_foreign(root / name)
        try:
            staged = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=root))
        except OSError as exc:
            raise _unwritable(root, exc) from None
        umask = os.umask(0)
        os.umask(umask)
        staged.chmod(0o777 & ~umask)  # mkdtemp makes it private; the published folder must not be
        try:
            yield staged
            write_marker(staged)
            _swap(staged, root / name)
        finally:
            shutil.rmtree(staged, ignore_errors=True)
    finally:
        lock.release()
