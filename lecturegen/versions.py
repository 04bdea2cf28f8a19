"""Versions of the libraries a result depends on, read without importing TensorFlow."""

from __future__ import annotations

import platform
from importlib import metadata

from lecturegen import __version__

TF_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tf-nightly", "tensorflow-macos")


def _dist_version(*names: str) -> str:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


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
