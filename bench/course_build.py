"""A course build (ch4 + ch5, ko + en, --seeds 2), sequential against --executor dask.

Both sides start from an empty cache and run one after the other:

1. ``lecturegen build ch4 ch5 --lang ko --lang en --seeds 2`` (the local executor, in-process);
2. the same with ``--executor dask --workers 2`` (a LocalCluster of 2 worker processes here).

Prints each side's wall time, the peak RSS of every process of its tree (build process, Dask worker
processes), each run's training time and where it ran, checks that both sides produced the same
numbers, and from the measured run times predicts the wall time on 4, 16 and 64 workers (the model:
docs/scaling.md). Default data: the offline MNIST sample with the full profile (the lecture's epochs
on 4,000 images); ``--data /usr/share/datasets/fashion-mnist`` for the full-size data set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import GIB, base_parser, env_for, machine_line

CHAPTERS = ("ch4", "ch5")
LANGS = ("ko", "en")


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"
    return raw.strip()[:90]


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, int, dict[int, tuple[int, str]], subprocess.Popen]:
    """Wall time, the peak RSS of the whole tree, and each process's own peak RSS and command line."""
    per_pid: dict[int, tuple[int, str]] = {}
    peak_total = 0
    done = threading.Event()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def sample() -> None:
        nonlocal peak_total
        while not done.is_set():
            total = 0
            for pid in _tree(proc.pid):
                rss = _rss(pid)
                total += rss
                if rss > per_pid.get(pid, (0, ""))[0]:
                    per_pid[pid] = (rss, per_pid.get(pid, (0, ""))[1] or _cmdline(pid))
            peak_total = max(peak_total, total)
            done.wait(0.3)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    proc.out, proc.err = out, err  # type: ignore[attr-defined]
    return seconds, peak_total, per_pid, proc


def run_times(out: Path) -> dict[str, dict]:
    """Every trained run of the build: its training time (s) and where it trained."""
    times = {}
    for chapter in CHAPTERS:
        report = json.loads((out / chapter / "report.json").read_text())
        for name, run in report["runs"].items():
            states = {st["seed"]: st for st in run["cache"].get("per_seed", [])}
            for seed_run in run.get("per_seed", [run]):
                where = states.get(seed_run["seed"], {}).get("trained_on", {}).get("worker", "build process")
                times[f"{chapter}/{name} seed {seed_run['seed']}"] = {
                    "seconds": seed_run["wall_time_s"], "test_accuracy": seed_run["test_accuracy"], "where": where}
    return times


def lpt_makespan(durations: list[float], workers: int) -> float:
    """Longest run first, each to the worker free soonest: what the build's priorities make Dask do."""
    loads = [0.0] * workers
    for d in sorted(durations, reverse=True):
        loads[loads.index(min(loads))] += d
    return max(loads)


def report_side(name: str, seconds: float, peak: int, per_pid: dict[int, tuple[int, str]], root: int) -> None:
    print(f"{name}: wall {seconds:.1f} s, peak RSS of the process tree {peak / GIB:.2f} GiB")
    for pid, (rss, cmd) in sorted(per_pid.items(), key=lambda item: -item[1][0]):
        if rss > 50 * 1024 ** 2:
            role = "build process" if pid == root else "child"
            print(f"    pid {pid:>7} {role:<13} peak {rss / GIB:5.2f} GiB  {cmd}")


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--data", default="sample")
    parser.add_argument("--profile", default="full")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the measured figures here")
    parser.add_argument("--sequential-from", type=Path,
                        help="take the sequential side from an earlier --json output instead of running it again")
    args = parser.parse_args()
    env = env_for(args.code)
    print(machine_line())
    print(f"course build: {' + '.join(CHAPTERS)}, {' + '.join(LANGS)}, --seeds {args.seeds}, "
          f"--profile {args.profile}, --data {args.data}")
    base = [sys.executable, "-m", "lecturegen", "build", *CHAPTERS, *(a for lang in LANGS for a in ("--lang", lang)),
            "--seeds", str(args.seeds), "--profile", args.profile, "--data", args.data, "--quiet"]
    work = Path(tempfile.mkdtemp(prefix="course-bench-"))
    sides = {"sequential": [], "dask": ["--executor", "dask", "--workers", str(args.workers)]}
    figures: dict[str, dict] = {}
    if args.sequential_from:
        figures["sequential"] = json.loads(args.sequential_from.read_text())["sequential"]
        print(f"sequential: from {args.sequential_from}: wall {figures['sequential']['wall_s']:.1f} s, "
              f"peak RSS of the process tree {figures['sequential']['peak_rss_gib']:.2f} GiB")
        del sides["sequential"]
    try:
        for name, extra in sides.items():
            out = work / name
            cmd = [*base, "--out", str(out), "--cache-dir", str(work / f"cache-{name}"), *extra]
            seconds, peak, per_pid, proc = run(cmd, env)
            if proc.returncode != 0:
                sys.stderr.write(proc.out[-3000:] + proc.err[-3000:])
                raise SystemExit(f"{name} build failed with exit code {proc.returncode}")
            report_side(name, seconds, peak, per_pid, proc.pid)
            figures[name] = {"wall_s": seconds, "peak_rss_gib": peak / GIB, "runs": run_times(out),
                             "peak_rss_per_process_gib": sorted((rss / GIB for rss, _ in per_pid.values()), reverse=True)[:4]}
            print(f"    load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seq, dask = figures["sequential"]["runs"], figures["dask"]["runs"]
    differ = [k for k in seq if seq[k]["test_accuracy"] != dask[k]["test_accuracy"]]
    print(f"runs with the same test accuracy on both sides: {len(seq) - len(differ)} of {len(seq)}"
          + (f"; differing: {', '.join(sorted(differ))}" if differ else ""))
    print("per-run training time (s): sequential (2 TF threads) / dask worker (1 TF thread), where")
    for key in sorted(seq, key=lambda k: -dask[k]["seconds"]):
        print(f"    {key:<34} {seq[key]['seconds']:8.1f} {dask[key]['seconds']:8.1f}  {dask[key]['where']}")
    durations = [run["seconds"] for run in dask.values()]
    total, longest = sum(durations), max(durations)
    overhead = figures["dask"]["wall_s"] - lpt_makespan(durations, args.workers)
    print(f"dask side: training work {total:.1f} s, critical path (longest run) {longest:.1f} s, "
          f"model's 2-worker makespan {lpt_makespan(durations, args.workers):.1f} s, so the rest of the wall time "
          f"(start, data, rendering, close) is {overhead:.1f} s")
    print("predicted wall time = that rest + longest-first makespan of the measured runs on P workers:")
    for workers in (2, 4, 16, 64):
        print(f"    {workers:>3} workers: {overhead + lpt_makespan(durations, workers):8.1f} s "
              f"(bound: critical path {longest:.1f} s)")
    print(f"speed-up dask/sequential here: {figures['sequential']['wall_s'] / figures['dask']['wall_s']:.2f}x")
    if args.json:
        figures["overhead_s"] = overhead
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
