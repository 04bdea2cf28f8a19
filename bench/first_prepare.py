"""How long a build's first preparation of full Fashion-MNIST takes, with NumPy asking for huge pages (its
default) and as a build sets it up (lecturegen/engine/hugepages.py: no huge pages).

Each sample is a fresh process, as a build is: it imports TensorFlow through ``train.import_tensorflow``,
then prepares the two kinds section 1 trains on (flat + one-hot for sigmoid and relu, 28 x 28 + integer
labels for quickstart) at once in two threads through ``SharedData.prepared`` (``prepare_data``, then the
copy into TensorFlow tensors), as the first runs of a build do. The two settings alternate. Prints, per
setting, the wall time until both kinds are made and the process's system CPU time for it, and the
kernel's transparent-huge-page settings (the cost depends on them and on how fragmented memory is).

    python bench/first_prepare.py [--code CHECKOUT] [--rounds 4]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from common import FASHION, base_parser, env_for, machine_line

# what each fresh process runs (argv[1]: the data folder); prints its figures as one JSON line
CHILD = r'''
import json, resource, sys, threading, time
from lecturegen.chapters import ch4
from lecturegen.engine.data import resolve
from lecturegen.engine.train import SharedData, import_tensorflow
from lecturegen.core.chapter import PROFILES

dataset = resolve(sys.argv[1])
dataset.arrays
import_tensorflow()
profile = PROFILES["full"]
shared = SharedData()
runs = [ch4.CHAPTER.experiment(name) for name in ("relu", "quickstart")]
assert len({(e.inputs, e.labels) for e in runs}) == 2
sys0 = resource.getrusage(resource.RUSAGE_SELF).ru_stime
started = time.perf_counter()
threads = [threading.Thread(target=shared.prepared, args=(dataset, exp, profile)) for exp in runs]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.perf_counter() - started
print(json.dumps({"wall": wall, "sys": resource.getrusage(resource.RUSAGE_SELF).ru_stime - sys0}))
'''


def thp_settings() -> str:
    parts = []
    for name in ("enabled", "defrag"):
        try:
            parts.append(f"{name}: {Path('/sys/kernel/mm/transparent_hugepage', name).read_text().strip()}")
        except OSError:
            parts.append(f"{name}: unknown")
    return "; ".join(parts)


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=FASHION)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    print(machine_line())
    print(f"transparent huge pages: {thp_settings()}")
    settings = {"numpy's default (huge pages)": {"NUMPY_MADVISE_HUGEPAGE": "1"}, "as a build sets it": {}}
    got: dict[str, list[dict]] = {name: [] for name in settings}
    for round_ in range(args.rounds):
        order = list(settings) if round_ % 2 == 0 else list(settings)[::-1]
        for name in order:
            env = env_for(args.code, **settings[name])
            if not settings[name]:
                env.pop("NUMPY_MADVISE_HUGEPAGE", None)
            done = subprocess.run([sys.executable, "-P", "-c", CHILD, str(args.data)], env=env,
                                  capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                sys.exit(f"the measuring process failed:\n{done.stderr[-2000:]}")
            sample = json.loads(done.stdout.strip().splitlines()[-1])
            got[name].append(sample)
            print(f"round {round_ + 1} {name:30s} both kinds made in {sample['wall']:5.2f} s, "
                  f"{sample['sys']:5.2f} s of system time", flush=True)
    for name, samples in got.items():
        walls = [s["wall"] for s in samples]
        print(f"{name:30s} median {statistics.median(walls):5.2f} s ({min(walls):.2f}-{max(walls):.2f}), "
              f"system time median {statistics.median(s['sys'] for s in samples):.2f} s")


if __name__ == "__main__":
    main()
