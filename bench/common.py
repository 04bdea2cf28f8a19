"""Helpers shared by the benchmark scripts: run a command, time it, sample its memory.

Every benchmark runs the lecturegen under test in a child process, with ``PYTHONPATH`` pointing at
the code to measure (``--code``, default: this checkout), so the same script measures the code
before and after a change.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FASHION = Path("/usr/share/datasets/fashion-mnist")
GIB = 1024 ** 3


@dataclass(frozen=True)
class Timed:
    seconds: float
    peak_rss: int  # bytes, the largest sum of RSS over the process and all its descendants
    stdout: str
    stderr: str
    returncode: int


def base_parser(doc: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--code", type=Path, default=REPO,
                        help="folder holding the lecturegen package to measure (default: this checkout)")
    return parser


def env_for(code: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(code.resolve())
    env.setdefault("LECTUREGEN_OFFLINE", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.update(extra)
    return env


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(root: int) -> int:
    """RSS of a process plus all its descendants (jupyter -> kernel, build -> worker processes)."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss(pid)
        todo.extend(tree.get(pid, []))
    return total


def run_timed(cmd: list[str], env: dict[str, str], timeout: float, cwd: Path | None = None) -> Timed:
    """Run ``cmd``; return its wall time and the peak RSS of its process tree (sampled every 0.2 s)."""
    peak = 0
    done = threading.Event()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise SystemExit(f"timed out after {timeout:.0f}s: {' '.join(cmd)}\n{err[-2000:]}")
    finally:
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    return Timed(seconds, peak, out, err, proc.returncode)


def run_cpu(code: Path, args: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """``python -P -m lecturegen ARGS`` with the lecturegen in ``code``: wall seconds, CPU seconds (user +
    sys of the whole process tree, from ``wait4``), exit code and standard output."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-P", "-m", "lecturegen", *args], env=env_for(code), stdout=out,
                                stderr=subprocess.DEVNULL, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        text = out.read().decode(errors="replace")
    return seconds, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status), text


def check(result: Timed, what: str) -> Timed:
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"{what} failed with exit code {result.returncode}")
    return result


def lecturegen_cmd(*args: str, python_flags: tuple[str, ...] = ()) -> list[str]:
    # -P: the working folder is not put first on sys.path, so ``-m lecturegen`` runs the code PYTHONPATH
    # names (``--code``), also when the benchmark is started inside another checkout
    return [sys.executable, "-P", *python_flags, "-m", "lecturegen", "build", "ch4", *args]


def machine_line() -> str:
    load = os.getloadavg()
    return f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start"
