"""Snippet audit speed: `lecturegen check` on the legacy fixtures, wall time and load average.

Times ``lecturegen check --json`` over a copy of ``tests/legacy_snippets`` without
``infinite_loop.py`` (which would only measure the ``--timeout``): 7 files, 10 snippets, 8 jobs
(the notebook's cells run in one job), three of which import TensorFlow. With ``--before DIR`` it
also times the lecturegen in DIR, alternating A/B in the same run, and prints the ratios; both
sides must give the same verdicts. CPU seconds (user + sys of the whole process tree) are printed
too: on a machine shared with other work, wall time depends on how many processes compete.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, base_parser, env_for


def check_cmd(folder: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "lecturegen", "check", str(folder), "--json", "--jobs", str(jobs)]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def time_once(code: Path, folder: Path, jobs: int) -> tuple[float, float, list[tuple[str, str, str]]]:
    """Wall seconds, CPU seconds (user + sys, the whole process tree) and the verdicts of one check."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        # cwd outside any checkout: `python -m` puts the cwd first on sys.path, before PYTHONPATH
        proc = subprocess.Popen(check_cmd(folder, jobs), env=env_for(code), stdout=out, stderr=err,
                                cwd=folder.parent)
        _, status, usage = os.wait4(proc.pid, 0)  # rusage of the child and all it waited for
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode(errors="replace")
    if proc.returncode not in (0, 1):
        sys.stderr.write(stderr[-3000:])
        raise SystemExit(f"lecturegen check ({code}) failed with exit code {proc.returncode}")
    verdicts = [(Path(r["path"]).name, r["snippet"], r["verdict"]) for r in json.loads(stdout)]
    return seconds, usage.ru_utime + usage.ru_stime, verdicts


def main() -> None:
    parser = base_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, default=None,
                        help="folder holding the lecturegen to compare against (timed in the same run)")
    parser.add_argument("--folder", type=Path, default=None,
                        help="folder to check (default: tests/legacy_snippets without infinite_loop.py)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="check-bench-") as tmp:
        folder = args.folder
        if folder is None:
            folder = Path(tmp, "legacy_snippets")
            shutil.copytree(REPO / "tests" / "legacy_snippets", folder,
                            ignore=shutil.ignore_patterns("infinite_loop.py"))
        files = sorted(p.name for p in folder.iterdir())
        print(f"machine: {os.cpu_count()} cores, {load()} at start")
        print(f"command: python -m lecturegen check {folder} --json --jobs {args.jobs}")
        print(f"files ({len(files)}): {', '.join(files)}")
        sides = {"after" if args.before else "this": args.code.resolve()}
        if args.before:
            sides = {"before": args.before.resolve(), **sides}
        times: dict[str, list[float]] = {name: [] for name in sides}
        cpus: dict[str, list[float]] = {name: [] for name in sides}
        verdicts: dict[str, list[tuple[str, str, str]]] = {}
        for round_no in range(1, args.rounds + 1):
            for name, code in sides.items():
                before_load = load()
                seconds, cpu, verdicts[name] = time_once(code, folder, args.jobs)
                times[name].append(seconds)
                cpus[name].append(cpu)
                print(f"round {round_no} {name:6s} ({code}): {seconds:6.2f} s wall, {cpu:6.2f} s CPU, "
                      f"{len(verdicts[name])} snippets; {before_load} before, {load()} after")
        print()
        for name, values in times.items():
            print(f"{name}: median {statistics.median(values):.2f} s wall (min {min(values):.2f}, max {max(values):.2f})"
                  f", {statistics.median(cpus[name]):.2f} s CPU (user+sys of the whole process tree)"
                  f" over {len(values)} runs; target <= 10 s wall: "
                  f"{'ok' if statistics.median(values) <= 10 else 'OVER'}")
        if "before" in times:
            ratio = statistics.median(times["before"]) / statistics.median(times["after"])
            same = verdicts["before"] == verdicts["after"]
            cpu_ratio = statistics.median(cpus["before"]) / statistics.median(cpus["after"])
            print(f"speed-up before/after (medians, same run): wall {ratio:.2f}x, CPU {cpu_ratio:.2f}x; "
                  f"same verdicts: {same}")
            if not same:
                print(f"  before: {verdicts['before']}\n  after:  {verdicts['after']}")
        print(f"verdicts: {verdicts[list(sides)[-1]]}")
        print(f"machine: {load()} at end")


if __name__ == "__main__":
    main()
