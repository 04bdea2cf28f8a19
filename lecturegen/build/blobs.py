"""Checksummed cache files (figures, font subsets): a damaged or truncated file is never trusted.

``store(path, data)`` writes the bytes and, next to them, ``<path>.sha256``; ``load(path)``
returns the bytes only when they still match that checksum, and otherwise removes both so the
caller draws the file again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and a rename: readers see all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store(path: Path, data: bytes) -> None:
    write_atomic(path, data)
    write_atomic(_sidecar(path), hashlib.sha256(data).hexdigest().encode("ascii"))


def load(path: Path) -> bytes | None:
    """The cached bytes, or None when missing or damaged (a damaged entry is deleted)."""
    try:
        data = path.read_bytes()
        expected = _sidecar(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        data, expected = None, ""
    if data is not None and hashlib.sha256(data).hexdigest() == expected:
        return data
    if path.exists() or _sidecar(path).exists():
        log.warning("cache file %s is damaged (checksum mismatch); making it again", path.name)
    path.unlink(missing_ok=True)
    _sidecar(path).unlink(missing_ok=True)
    return None
