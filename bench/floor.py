"""The whole chapter against its compute floor: wall time of a cold build divided by the time the
arithmetic alone would take on this machine.

1. The machine's rate for the lecture's own matrix shape (a batch of 32 images times the first layer,
   32x784 @ 784x128, float32, NumPy) is measured with one single-threaded process per core, summed,
   before and after the build (the lower of the two is used: the floor is not made easier by a burst).
2. The chapter is built from an empty cache on full Fashion-MNIST (``bench/cold_chapter.py``'s build).
3. The floating-point work of every run is counted from ``report.json``: training is
   6 x parameters x images x epochs (forward 2, backward 4 per weight and image), evaluation
   2 x parameters x test images x (epochs + 1) (validation after each epoch and the final evaluate),
   once per seed a run trained.
4. It prints floor = FLOPs / rate, and wall / floor (the issue's target: at most 2.5), with the load.

``--code A --code B [--repeat N]`` builds several checkouts in alternation (A, B, A, B), each against the
lower of the GEMM rates measured just before and just after it, so a before/after shares the machine.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from pathlib import Path

from cold_chapter import build_once, load, print_build
from common import FASHION, REPO

SHAPE = (32, 784, 128)  # batch x inputs x units of the lecture's first Dense layer


def _gemm_rate(seconds: float, queue) -> None:
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"
    import numpy as np
    from threadpoolctl import threadpool_limits

    m, k, n = SHAPE
    rng = np.random.default_rng(0)
    a = rng.random((m, k), dtype=np.float32)
    b = rng.random((k, n), dtype=np.float32)
    out = np.empty((m, n), dtype=np.float32)
    with threadpool_limits(1):
        for _ in range(200):
            np.matmul(a, b, out=out)
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(200):
                np.matmul(a, b, out=out)
            count += 200
        elapsed = time.perf_counter() - start
    queue.put(2 * m * k * n * count / elapsed)


def machine_rate(seconds: float = 5.0) -> float:
    """FLOP/s of the lecture's matrix shape: one single-threaded process per core, summed."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_gemm_rate, args=(seconds, queue)) for _ in range(os.cpu_count() or 1)]
    for proc in procs:
        proc.start()
    rates = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    return sum(rates)


def run_flops(run: dict) -> tuple[float, float]:
    """(training, evaluation) FLOPs of one run, all its seeds."""
    params = sum(row["params"] for row in run["summary"]["layers"])
    seeds = len(run.get("seeds") or [run.get("seed", 0)])
    train = 6 * params * run["train_size"] * run["epochs"] * seeds
    evaluate = 2 * params * run["test_size"] * (run["epochs"] + 1) * seeds
    return train, evaluate


def print_floor(report: dict, rate: float, got: dict | None) -> float:
    print(f"\n  {'run':<16} {'train GFLOP':>12} {'eval GFLOP':>11} {'floor s':>8} {'trained s':>10}")
    total = 0.0
    for name, run in sorted(report["runs"].items(), key=lambda item: -sum(run_flops(item[1]))):
        train, evaluate = run_flops(run)
        total += train + evaluate
        print(f"  {name:<16} {train / 1e9:12.1f} {evaluate / 1e9:11.1f} {(train + evaluate) / rate:8.2f} "
              f"{run['wall_time_s']:10.1f}")
    floor = total / rate
    print(f"\nall runs: {total / 1e12:.2f} TFLOP; floor at {rate / 1e9:.1f} GFLOP/s = {floor:.1f} s")
    if got:
        print(f"wall {got['seconds']:.1f} s / floor {floor:.1f} s = {got['seconds'] / floor:.2f}x "
              f"(target <= 2.5x); peak RSS {got['peak_tree'] / 2**30:.2f} GiB (target <= 2.5)")
    return floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, action="append",
                        help="lecturegen checkout to build (repeatable: A, B, A, B ... with --repeat; default this one)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--data", type=Path, default=FASHION)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/lecturegen-bench/floor"))
    parser.add_argument("--report", type=Path, help="count the FLOPs of this report.json instead of building")
    parser.add_argument("build_args", nargs="*", help="extra options for lecturegen build, after --")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, {load()} at start")
    rate_before = machine_rate()
    print(f"GEMM {SHAPE[0]}x{SHAPE[1]} @ {SHAPE[1]}x{SHAPE[2]} float32, one process per core: {rate_before / 1e9:.1f} GFLOP/s")
    if args.report:
        print_floor(json.loads(args.report.read_text()), rate_before, None)
        return
    codes = [c.resolve() for c in (args.code or [REPO])]
    summary = []
    for i in range(args.repeat):
        for code in codes:
            got = build_once(code, args.data, args.workdir / f"{code.name}-{i}", 0, args.build_args)
            print_build(f"cold build, round {i + 1}, {code}", got)
            rate_after = machine_rate()
            print(f"GEMM again after the build: {rate_after / 1e9:.1f} GFLOP/s ({load()})")
            rate = min(rate_before, rate_after)  # the floor is not made easier by a burst
            floor = print_floor({"runs": got["runs"]}, rate, got)
            summary.append((code, i + 1, got, floor, rate))
            rate_before = rate_after
    if len(summary) > 1:
        print("\nsummary")
        for code, i, got, floor, rate in summary:
            print(f"  round {i} {code}: wall {got['seconds']:.1f} s, CPU {got['cpu']:.1f} s, floor {floor:.1f} s "
                  f"(GEMM {rate / 1e9:.1f} GFLOP/s) = {got['seconds'] / floor:.2f}x, peak {got['peak_tree'] / 2**30:.2f} GiB, "
                  f"{got['load_before']} before")


if __name__ == "__main__":
    main()
