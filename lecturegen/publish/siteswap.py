"""Atomic site updates: the site path is a symlink to a complete, versioned folder.

``site`` -> ``.site.versions/v20250101T120000.123456Z-4242`` (a relative link, so the whole
parent folder can be moved). A publish writes a new version into ``.site.versions/<v>.partial``,
renames it to ``<v>`` when it is complete, and then replaces the symlink with ``os.replace``,
which is one ``rename(2)``: a reader or a web server resolving ``site/...`` sees either the old
site or the new one, never a half-written one and never a missing one (moving folders aside
and back, as :mod:`lecturegen.engine.writer` does for a build folder, leaves a moment with no site).
A publish that fails or is killed leaves only a ``.partial`` folder, removed by the next
publish; the symlink and the version it points to are untouched. The previous version is kept
until the next publish, so requests already in flight when the link changes still complete.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from lecturegen.errors import LecturegenError
from lecturegen.messages import say

log = logging.getLogger(__name__)

PARTIAL = ".partial"


def versions_dir(site: Path) -> Path:
    return site.parent / f".{site.name}.versions"


def current_version(site: Path) -> Path | None:
    """The version folder ``site`` points to, or None when nothing was published yet."""
    if not site.is_symlink():
        if site.exists():
            raise LecturegenError(
                say("publish.site_not_ours", site=site, name=versions_dir(site).name)
            )
        return None
    target = (site.parent / os.readlink(site)).resolve()
    if target.parent != versions_dir(site).resolve():
        raise LecturegenError(say("publish.site_link_elsewhere", site=site, target=target, name=versions_dir(site).name))
    return target


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(versions: Path, keep: set[Path]) -> None:
    for entry in versions.iterdir():
        if entry.resolve() not in keep:
            shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def staged_site(site: Path) -> Iterator[Path]:
    """Yield an empty folder; when the block succeeds, ``site`` points to it (atomically)."""
    site = Path(os.path.abspath(site))
    versions = versions_dir(site)
    current_version(site)  # refuse a folder that is not ours before writing anything next to it
    try:
        versions.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LecturegenError(say("publish.cannot_write_site", site=site, strerror=exc.strerror)) from None
    lock = FileLock(str(site.parent / f".{site.name}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise LecturegenError(say("publish.site_busy", site=site)) from None
    try:
        previous = current_version(site)
        _prune(versions, {previous} if previous else set())  # leftovers of killed or failed publishes
        for stale in site.parent.glob(f".{site.name}.link-*"):
            stale.unlink()
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        name = f"v{stamp}-{os.getpid()}"
        staged = versions / f"{name}{PARTIAL}"
        staged.mkdir()
        try:
            yield staged
            final = versions / name
            os.replace(staged, final)
            link = site.parent / f".{site.name}.link-{os.getpid()}"
            if link.is_symlink() or link.exists():
                link.unlink()
            os.symlink(os.path.relpath(final, site.parent), link)
            _fsync_dir(versions)
            os.replace(link, site)  # the atomic switch
            _fsync_dir(site.parent)
            log.info(say("publish.site_switched", site=site, name=final.name))
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        _prune(versions, {final.resolve()} | ({previous} if previous else set()))
    finally:
        lock.release()
