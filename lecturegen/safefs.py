"""File-system helpers that never follow a link and never block on a special file.

A folder lecturegen wrote holds only folders and regular files. A symbolic link in it (to
``/etc/passwd``, to a folder of keys) or a special file (a FIFO, a device, a socket) did not come
from lecturegen: copying it would publish what the link points to, and reading a FIFO hangs.
:func:`regular_files` refuses such an entry with a one-line error naming it; :func:`copy_regular`
opens each file with ``O_NOFOLLOW`` and checks after opening that it is a regular file inside
the folder, so a link swapped in after the walk is refused as well. :func:`read_text` is how
lecturegen reads a file named on the command line: a FIFO or a device is refused, not waited on.
:func:`loads` is ``json.loads`` with nesting too deep for Python's parser turned into a ValueError.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

from lecturegen.errors import LecturegenError
from lecturegen.messages import say


class LinkError(LecturegenError):
    """A folder lecturegen wrote holds something that is not a regular file or folder."""


def _refuse(path: Path, what: str) -> LinkError:
    return LinkError(say("files.never_followed", path=path, what=what))


def kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISLNK(mode):
        return say("files.kind_link")
    if stat.S_ISFIFO(mode):
        return say("files.kind_fifo")
    if stat.S_ISSOCK(mode):
        return say("files.kind_socket")
    if stat.S_ISDIR(mode):
        return say("files.kind_folder")
    return say("files.kind_device")


def entries(root: Path) -> list[tuple[Path, int]]:
    """Every entry under ``root`` that is not a folder, with its ``lstat`` mode; links are not followed."""
    found: list[tuple[Path, int]] = []
    todo = [Path()]
    while todo:
        rel = todo.pop()
        with os.scandir(root / rel) as scan:
            for entry in scan:
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISDIR(mode):
                    todo.append(rel / entry.name)
                else:
                    found.append((rel / entry.name, mode))
    return sorted(found)


def regular_files(root: Path) -> list[Path]:
    """Every regular file under ``root`` (relative, sorted); a link or special file is refused."""
    found = entries(root)
    for rel, mode in found:
        if not stat.S_ISREG(mode):
            raise _refuse(root / rel, kind(mode))
    return [rel for rel, _ in found]


def copy_regular(root: Path, rel: Path, dest: Path) -> None:
    """Copy ``root/rel`` to ``dest``, refusing a link, a special file or a path leaving ``root``."""
    src = root / rel
    if not os.path.realpath(src).startswith(os.path.realpath(root) + os.sep):
        raise _refuse(src, say("files.through_link"))
    try:
        fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if os.path.islink(src):
            raise _refuse(src, say("files.kind_link")) from None
        raise LecturegenError(say("files.cannot_read_output", src=src, strerror=exc.strerror)) from None
    with os.fdopen(fd, "rb") as source:
        mode = os.fstat(source.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise _refuse(src, kind(mode))
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "xb") as target:
            shutil.copyfileobj(source, target)


def is_special(path: Path) -> bool:
    """True for something that exists and is neither a regular file nor a folder (FIFO, device, socket)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def read_regular_bytes(path: Path) -> bytes:
    """The bytes of a regular file; OSError for anything else (a FIFO is refused, not waited on)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return fh.read()


def discard(path: Path) -> None:
    """Remove a file if it can be removed; a damaged folder around it is not an error here."""
    try:
        path.unlink()
    except OSError:
        pass


def read_text(path: Path, what: str, max_bytes: int = 64 << 20) -> str:
    """The text of a regular file; a FIFO, device or an oversized file is a one-line error, never a hang."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise LecturegenError(say("files.cannot_read", what=what, path=path, strerror=exc.strerror)) from None
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise LecturegenError(say("files.not_regular", what=what, path=path, kind=kind(mode)))
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise LecturegenError(say("files.too_big", what=what, path=path, max_bytes=max_bytes >> 20))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LecturegenError(say("files.not_utf8", what=what, path=path)) from None


def loads(text: str) -> Any:
    """``json.loads``; JSON nested too deeply for the parser raises ValueError like any bad JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
