"""Atomic output: build a chapter into a hidden temporary folder, then swap it into place.

``staged_output`` is held for the whole build (training included): it takes a lock on
``OUT/.<name>.lock`` first, so a second build into the same folder stops at once with a clear
message; it then clears what a killed build left behind (``.<name>.tmp-*`` folders, and a
``.<name>.old-*`` folder a kill between the two renames of the swap would leave, which is put
back when the output itself is missing). A failed or interrupted build removes its temporary
folder and leaves the previous output as it was.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from lecturegen.errors import LecturegenError

log = logging.getLogger(__name__)


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
        log.warning("restoring %s, which an interrupted build had moved aside", final)
        os.replace(olds.pop(), final)
    for stale in [*olds, *root.glob(f".{name}.tmp-*")]:
        log.info("removing %s, left by an interrupted build", stale.name)
        shutil.rmtree(stale, ignore_errors=True)


def _unwritable(root: Path, exc: OSError) -> LecturegenError:
    if root.exists() and not root.is_dir():
        return LecturegenError(f"the output folder {root} is a file, not a folder; choose another with --out")
    return LecturegenError(
        f"cannot write to the output folder {root} ({exc.strerror or exc}); choose another with --out"
    )


@contextmanager
def staged_output(root: Path, name: str) -> Iterator[Path]:
    """Yield an empty folder; on success it becomes ``root/name``, replacing what was there."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(root / f".{name}.lock"))
        lock.acquire(timeout=0)
    except Timeout:
        raise LecturegenError(
            f"another lecturegen build is writing {root / name} right now; "
            "wait for it to finish or build into another --out"
        ) from None
    except OSError as exc:
        raise _unwritable(root, exc) from None
    try:
        _recover(root, name)
        try:
            staged = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=root))
        except OSError as exc:
            raise _unwritable(root, exc) from None
        umask = os.umask(0)
        os.umask(umask)
        staged.chmod(0o777 & ~umask)  # mkdtemp makes it private; the published folder must not be
        try:
            yield staged
            _swap(staged, root / name)
        finally:
            shutil.rmtree(staged, ignore_errors=True)
    finally:
        lock.release()
