"""Atomic output: build a chapter into a hidden temporary folder, then swap it into place.

A failed or interrupted build removes its temporary folder and leaves the previous output
as it was; a lock keeps two builds from writing the same folder at once.
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


@contextmanager
def staged_output(root: Path, name: str) -> Iterator[Path]:
    """Yield an empty folder; on success it becomes ``root/name``, replacing what was there."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=root)
    except OSError as exc:
        raise LecturegenError(f"cannot write to the output folder {root} ({exc.strerror}); choose another with --out") from None
    lock = FileLock(str(root / f".{name}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        shutil.rmtree(probe, ignore_errors=True)
        raise LecturegenError(
            f"another lecturegen build is writing {root / name} right now; wait for it to finish"
        ) from None
    staged = Path(probe)
    umask = os.umask(0)
    os.umask(umask)
    staged.chmod(0o777 & ~umask)  # mkdtemp makes it private; the published folder must not be
    try:
        for stale in root.glob(f".{name}.tmp-*"):
            if stale != staged:
                shutil.rmtree(stale, ignore_errors=True)
        for stale in root.glob(f".{name}.old-*"):
            shutil.rmtree(stale, ignore_errors=True)
        yield staged
        _swap(staged, root / name)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
        lock.release()
