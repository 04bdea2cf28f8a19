"""How ``preview-upgrade`` fills its separate virtual environment: with uv, or with pip.

uv (a lecturegen dependency: the ``uv`` package ships its binary) makes the environment and installs
into it in parallel, linking files from its own cache: TensorFlow's 2 GB take about 10 s the first
time and 2 s after, against about 40 s for pip here. It follows pip's own settings, so that a preview
installs from the same indexes as ``pip install`` would: the index, extra indexes, find-links,
constraints, no-index, trusted hosts and certificate bundle that ``pip config list`` shows (files and
``PIP_*`` variables) are handed to it. A pip setting with no uv equivalent (a proxy, say), or no uv
at all, means pip, and the preview says why. ``--installer pip`` or ``uv`` chooses by hand.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lecturegen.errors import UsageError
from lecturegen.messages import say

UV_FLAGS = {"index-url": "--index-url", "extra-index-url": "--extra-index-url", "find-links": "--find-links",
            "constraint": "--constraint", "trusted-host": "--allow-insecure-host"}
"""pip settings (their values split on white space) and the uv flag that says the same."""

IGNORED = {"default-timeout", "timeout", "retries", "disable-pip-version-check", "progress-bar", "no-compile",
           "compile", "root-user-action", "quiet", "verbose", "cache-dir", "no-cache-dir", "no-warn-script-location",
           "break-system-packages", "no-input", "exists-action", "no-color", "user"}
"""pip settings that do not change what gets installed into a fresh environment (uv has its own
timeouts, cache and progress)."""

SECTIONS = ("global", "install", ":env:")
"""``pip config list`` sections that apply to ``pip install``, from the weakest: a ``PIP_*`` variable
overrides ``[install]``, which overrides ``[global]`` (as pip reads them)."""

SETTING = re.compile(r"^(?P<section>[^.]+)\.(?P<key>[a-z0-9-]+)='(?P<value>.*)'$")

PIP_PROGRESS = re.compile(r"^(Collecting|Downloading|Using cached|Building|Installing collected|Successfully installed|"
                          r"Requirement already satisfied: (tensorflow|keras|numpy|lecturegen)\b|Attempting uninstall)")
UV_PROGRESS = re.compile(r"^(Resolved|Prepared|Installed|Uninstalled|Built|Downloaded) |^[+-] (tensorflow|keras|numpy|lecturegen)==")


@dataclass
class Installer:
    """The chosen tool, the flags and environment that carry pip's settings over, and why pip if pip."""

    name: str  # "uv" or "pip"
    uv: str | None = None
    flags: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    why_pip: str | None = None
    not_followed: list[str] = field(default_factory=list)  # pip settings uv leaves aside (only with --installer uv)

    def venv(self, path: Path) -> list[str]:
        """The command that makes a fresh environment at ``path`` for this Python (``--seed``: with pip
        in it, so that either installer can fill it again later)."""
        if self.name == "uv":
            return [str(self.uv), "venv", "--quiet", "--no-config", "--seed", "--python", sys.executable, str(path)]
        return [sys.executable, "-m", "venv", str(path)]

    def install(self, python: Path, source: str, requirements: list[str], reused: bool) -> list[list[str]]:
        """The commands that install lecturegen (from ``source``) and the candidates, resolved together.
        A reused environment gets lecturegen again: a checkout keeps its version number while it changes."""
        if self.name == "uv":
            return [[str(self.uv), "pip", "install", "--no-config", "--no-progress", "--python", str(python), *self.flags,
                     "--reinstall-package", "lecturegen", source, *requirements]]
        commands = [[str(python), "-m", "pip", "install", "--progress-bar", "off", source, *requirements]]
        if reused:
            commands.append([str(python), "-m", "pip", "install", "--no-deps", "--force-reinstall", "--progress-bar",
                             "off", source])
        return commands

    def shows(self, line: str) -> bool:
        """Whether a line of the installer's output is progress worth showing."""
        return bool((UV_PROGRESS if self.name == "uv" else PIP_PROGRESS).match(line))

    @staticmethod
    def failure(tail: list[str]) -> tuple[str, bool]:
        """The line that says why an install failed, and whether the requirement itself is at fault (a
        version that does not exist: the user's input)."""
        causes = [line for line in tail if line.startswith(("ERROR", "error:", "cause:", "×", "╰─▶"))]
        detail = " ".join(causes[-2:]) if causes else (tail[-1] if tail else "?")
        missing = any(s in line for line in tail for s in ("No matching distribution", "there is no version of"))
        return detail, missing


def uv_binary() -> str | None:
    """The uv the ``uv`` package ships, else one on PATH."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def pip_settings() -> list[tuple[str, str]]:
    """``(key, value)`` of every pip setting that applies to ``pip install``, as ``pip config list``
    shows it, each key once with the value pip uses."""
    done = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True)
    found: dict[str, tuple[int, str]] = {}
    for line in done.stdout.splitlines():
        m = SETTING.match(line.strip())
        if m and m["section"] in SECTIONS:
            rank = SECTIONS.index(m["section"])
            if rank >= found.get(m["key"], (-1, ""))[0]:
                found[m["key"]] = (rank, m["value"])
    return [(key, value) for key, (_, value) in found.items()]


def carried_over(settings: list[tuple[str, str]]) -> tuple[list[str], dict[str, str], list[str]]:
    """uv's flags and environment for pip's settings, and the settings uv cannot follow."""
    flags: list[str] = []
    env: dict[str, str] = {}
    unknown: list[str] = []
    for key, value in settings:
        if key in UV_FLAGS:
            for item in value.split():
                flags += [UV_FLAGS[key], item]
        elif key == "no-index":
            if value.lower() in ("1", "true", "yes", "on"):
                flags.append("--no-index")
        elif key == "cert":
            env["SSL_CERT_FILE"] = value
        elif key not in IGNORED:
            unknown.append(key)
    return flags, env, unknown


def choose(requested: str = "auto") -> Installer:
    """The installer for ``requested`` (auto, uv, pip); auto is uv when uv is there and can follow pip's settings."""
    if requested == "pip":
        return Installer("pip", why_pip=say("preview.pip_asked"))
    uv = uv_binary()
    if uv is None:
        if requested == "uv":
            raise UsageError(say("preview.no_uv"))
        return Installer("pip", why_pip=say("preview.pip_no_uv"))
    flags, env, unknown = carried_over(pip_settings())
    if unknown and requested == "auto":
        return Installer("pip", why_pip=say("preview.pip_setting", key=unknown[0]))
    return Installer("uv", uv=uv, flags=flags, env=env, not_followed=unknown)
