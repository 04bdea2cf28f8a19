"""Target 2: `lecturegen build ch4` with nothing changed: wall time, and proof TensorFlow is not imported.

Uses the cache a previous build left (by default the one bench/full_chapter.py fills); when the
cache is empty it first builds once (which trains). Then it times ``--runs`` rebuilds, and runs one
more under ``python -X importtime`` to list every module the rebuild imported.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

from common import FASHION, base_parser, check, env_for, lecturegen_cmd, machine_line, run_timed


def build_args(args, out: Path) -> list[str]:
    return ["--data", str(args.data), "--profile", args.profile, "--out", str(out), "--cache-dir",
            str(args.cache_dir), "--quiet"]


def tensorflow_modules(importtime_stderr: str) -> tuple[int, list[str]]:
    modules = [m.group(1).strip() for m in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \|(.*)$", importtime_stderr, re.M)]
    heavy = [m for m in modules if m.strip().split(".")[0] in ("tensorflow", "keras", "tf_keras", "jax", "torch")]
    return len(modules), heavy


def main() -> None:
    parser = base_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(FASHION))
    parser.add_argument("--profile", default="full")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="default: /tmp/lecturegen-bench/<code folder name>/cache (filled by full_chapter.py)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    code = args.code.resolve()
    work = Path("/tmp/lecturegen-bench") / code.name
    args.cache_dir = (args.cache_dir or work / "cache").resolve()
    out = work / "warm-out"
    env = env_for(code)
    print(machine_line())
    first = check(run_timed(lecturegen_cmd(*build_args(args, out)), env, timeout=7200), "first build")
    print(f"priming build: {first.seconds:.1f} s: {first.stdout.splitlines()[0]}")
    times, lines = [], []
    for _ in range(args.runs):
        res = check(run_timed(lecturegen_cmd(*build_args(args, out)), env, timeout=600), "rebuild")
        times.append(res.seconds)
        lines.append(res.stdout.splitlines()[0])
    probe = check(run_timed(lecturegen_cmd(*build_args(args, out), python_flags=("-X", "importtime")), env,
                            timeout=600), "rebuild under -X importtime")
    count, heavy = tensorflow_modules(probe.stderr)
    print(f"\ntarget 2: warm rebuild (nothing changed), data {Path(args.data).name}, profile {args.profile}")
    print(f"  lecturegen says: {lines[-1]}")
    print(f"  wall time over {len(times)} rebuilds: min {min(times):.2f} s, median {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s (target <= 1 s: {'ok' if statistics.median(times) <= 1 else 'OVER'})")
    print(f"  python -X importtime: {count} modules imported, of them TensorFlow/Keras: {len(heavy)}"
          + (f" ({', '.join(heavy[:5])} ...)" if heavy else " (TensorFlow not imported)"))


if __name__ == "__main__":
    main()
