"""TensorFlow's import in a process that trains: `import_tensorflow()` of two lecturegen checkouts.

Every build that trains, every worker process, Dask worker and ``serve`` worker starts with it. Each
round starts a fresh interpreter per checkout (alternating which goes first) that imports TensorFlow
the way training does and reports its own wall and CPU seconds for the import, and which of Keras'
optional packages came with it. Prints every round, then the medians and their ratio.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from common import base_parser, env_for, machine_line

PROBE = """
import json, os, sys, time
started, cpu = time.perf_counter(), sum(os.times()[:2])
from lecturegen.engine.train import import_tensorflow
import_tensorflow()
print(json.dumps({"wall": time.perf_counter() - started, "cpu": sum(os.times()[:2]) - cpu,
                  "loaded": [name for name in ("pandas", "IPython", "sklearn", "matplotlib.pyplot") if sys.modules.get(name)]}))
"""


def measure(code: Path) -> dict:
    out = subprocess.run([sys.executable, "-P", "-c", PROBE], env=env_for(code), capture_output=True, text=True,
                         timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = base_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="folder holding the lecturegen to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sides = {"before": args.before.resolve(), "after": args.code.resolve()}
    print(machine_line())
    got: dict[str, list[dict]] = {side: [] for side in sides}
    for round_no in range(1, args.rounds + 1):
        order = list(sides) if round_no % 2 else list(reversed(sides))
        for side in order:
            got[side].append(measure(sides[side]))
        print(f"round {round_no}: " + "; ".join(
            f"{side} {got[side][-1]['wall']:.2f} s wall, {got[side][-1]['cpu']:.2f} CPU s" for side in sides))
    for side in sides:
        walls, cpus = [r["wall"] for r in got[side]], [r["cpu"] for r in got[side]]
        print(f"{side:6}: median {statistics.median(walls):.2f} s wall ({min(walls):.2f}-{max(walls):.2f}), "
              f"{statistics.median(cpus):.2f} CPU s; loaded with it: {', '.join(got[side][-1]['loaded']) or 'none of them'}")
    ratio = statistics.median(r["cpu"] for r in got["before"]) / statistics.median(r["cpu"] for r in got["after"])
    print(f"CPU before / after: {ratio:.2f}x")


if __name__ == "__main__":
    main()
