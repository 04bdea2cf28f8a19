"""The whole chapter from an empty cache: every experiment of ch4 trained, figures drawn, pages written.

Runs ``lecturegen build ch4`` on full-size Fashion-MNIST with a fresh cache (``--repeat N``: N
times, each from empty), optionally for several code folders in alternation (``--code A --code B``:
A, B, A, B, ...), so a before/after comparison shares the machine's conditions. Prints, per build,
the wall time, the peak RSS of the build's process tree (sampled) and of its largest process
(``getrusage`` of the children), the load average before and after, and a table of each run's
training time, epochs, updates and test accuracy as the report records them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
from pathlib import Path

from common import FASHION, GIB, REPO, check, env_for, lecturegen_cmd, run_timed


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def _children_cpu() -> float:
    """User + system CPU seconds of the children waited for so far (less sensitive to load than wall time)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build_once(code: Path, data: Path, workdir: Path, seed: int, extra: list[str]) -> dict:
    cache, out = workdir / "cache", workdir / "out"
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    before, used = load(), _children_cpu()
    res = check(run_timed(lecturegen_cmd("--data", str(data), "--out", str(out), "--cache-dir", str(cache),
                                         "--seed", str(seed), "--quiet", *extra), env_for(code), timeout=7200),
                "lecturegen build")
    report = json.loads((out / "ch4" / "report.json").read_text())
    trained = [name for name, run in report["runs"].items() if run["cache"]["status"] == "trained"]
    assert len(trained) == len(report["runs"]), f"only {trained} trained: the cache was not empty"
    return {"seconds": res.seconds, "cpu": _children_cpu() - used, "peak_tree": res.peak_rss,
            "peak_child": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
            "load_before": before, "load_after": load(), "runs": report["runs"],
            "summary": res.stdout.strip().splitlines()[0] if res.stdout.strip() else ""}


def print_build(label: str, got: dict) -> None:
    print(f"\n{label}: {got['seconds']:.1f} s wall, {got['cpu']:.1f} CPU s, peak RSS {got['peak_tree'] / GIB:.2f} GiB (process tree, sampled), "
          f"largest process {got['peak_child'] / GIB:.2f} GiB (max over the children so far)")
    print(f"  {got['load_before']} before, {got['load_after']} after")
    print(f"  {'run':<14} {'train s':>8} {'epochs':>6} {'batch':>6} {'updates':>8} {'test acc':>9}")
    total = 0.0
    for name, run in sorted(got["runs"].items(), key=lambda item: -item[1]["wall_time_s"]):
        batch = run["batch_size"]
        updates = run["epochs"] * -(-run["train_size"] // batch)
        total += run["wall_time_s"]
        print(f"  {name:<14} {run['wall_time_s']:8.1f} {run['epochs']:6d} {batch:6d} {updates:8d} "
              f"{run['test_accuracy'] * 100:8.2f}%")
    print(f"  sum of the runs' training times {total:.1f} s (more than the wall time when runs overlap)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, action="append",
                        help="folder holding the lecturegen package to measure (repeatable; default: this checkout)")
    parser.add_argument("--data", type=Path, default=FASHION)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/lecturegen-bench/cold"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("build_args", nargs="*", help="extra options for lecturegen build, after --")
    args = parser.parse_args()
    codes = [c.resolve() for c in (args.code or [REPO])]
    print(f"machine: {os.cpu_count()} cores, {load()} at start; data {args.data}; "
          f"build options: {' '.join(args.build_args) or '(defaults)'}")
    results: dict[Path, list[dict]] = {code: [] for code in codes}
    for i in range(args.repeat):
        for code in codes:
            workdir = args.workdir / f"{code.name}-{i}"
            got = build_once(code, args.data, workdir, args.seed, args.build_args)
            results[code].append(got)
            print_build(f"round {i + 1}, {code}", got)
            print(f"  {got['summary']}", flush=True)
    print("\nsummary (target: <= 90 s wall, <= 2.50 GiB peak RSS)")
    for code, builds in results.items():
        walls = ", ".join(f"{b['seconds']:.1f}" for b in builds)
        cpus = ", ".join(f"{b['cpu']:.1f}" for b in builds)
        peak = max(b["peak_tree"] for b in builds)
        print(f"  {code}: wall {walls} s; CPU {cpus} s; peak RSS {peak / GIB:.2f} GiB")
    if len(codes) == 2:
        ratios = [a["seconds"] / b["seconds"] for a, b in zip(results[codes[0]], results[codes[1]])]
        print(f"  ratio {codes[0].name}/{codes[1].name} per round: " + ", ".join(f"{r:.2f}x" for r in ratios))


if __name__ == "__main__":
    main()
