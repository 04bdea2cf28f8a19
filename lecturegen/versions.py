"""Versions of the libraries a result depends on, read without importing TensorFlow."""

from __future__ import annotations

import functools
import platform
from importlib import metadata

from lecturegen import __version__

TF_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tf-nightly", "tensorflow-macos")


@functools.lru_cache(maxsize=None)
def _dist_version(*names: str, missing: str = "not installed") -> str:
    """The installed version of the first of ``names`` that is installed (read once per process:
    every figure, formula and cache key asks, and each lookup scans the installed packages)."""
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return missing


def dist_version(name: str, missing: str = "?") -> str:
    return _dist_version(name, missing=missing)


def library_versions() -> dict[str, str]:
    """The versions that go into cache keys and provenance."""
    return {
        "tensorflow": _dist_version(*TF_DISTRIBUTIONS),
        "keras": _dist_version("keras"),
        "numpy": _dist_version("numpy"),  # read from metadata: no numpy import on a cached rebuild
        "python": platform.python_version(),
    }


def tool_versions() -> dict[str, str]:
    return {"lecturegen": __version__, **library_versions()}
