"""How long dropping one epoch's dataset iterator takes, with Keras' datasets as plain Keras makes them
(tf.data autotuning on) and as a build makes them (lecturegen/engine/tfdata.py: autotuning off).

Three threads, as in a build, each go through whole epochs of Keras' training dataset for the 4,000-image
set (batch 32, shuffled), holding each batch a few milliseconds as a training step would, then drop the
iterator and time that. The two kinds alternate, so both see the same load. Prints the mean, the 95th
percentile and the longest drop, and how many took over 50 ms: the destructor holds Python's GIL, so
every thread of the process waits that long.

    python bench/iterator_drop.py [--epochs 15] [--hold-ms 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15, help="epochs per thread and kind")
    parser.add_argument("--hold-ms", type=float, default=4.0, help="time each batch is held (a training step)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    import numpy as np

    from lecturegen.engine.train import import_tensorflow

    tf, _ = import_tensorflow()
    from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

    rng = np.random.default_rng(0)
    x = tf.constant(rng.random((4000, 784), dtype=np.float32))
    y = tf.constant(rng.integers(0, 10, 4000))
    build = ArrayDataAdapter.get_tf_dataset
    kinds = {"plain Keras (autotuned)": build.__wrapped__, "build (no autotuning thread)": build}
    hold = args.hold_ms / 1000

    def epochs(make, drops: list[float]) -> None:
        for _ in range(args.epochs):
            iterator = iter(make(ArrayDataAdapter(x, y=y, batch_size=32, shuffle=True)))
            for _ in iterator:
                time.sleep(hold)
            started = time.perf_counter()
            del iterator
            drops.append(time.perf_counter() - started)

    results: dict[str, list[float]] = {kind: [] for kind in kinds}
    for round_ in range(args.rounds):
        for kind, make in kinds.items():
            drops: list[float] = []
            threads = [threading.Thread(target=epochs, args=(make, drops)) for _ in range(3)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
            results[kind] += drops
            print(f"round {round_ + 1} {kind:30s} {len(drops)} drops in {wall:5.1f} s, load {os.getloadavg()[0]:.1f}")
    for kind, drops in results.items():
        drops.sort()
        p95 = drops[int(0.95 * (len(drops) - 1))]
        slow = sum(d > 0.05 for d in drops)
        print(f"{kind:30s} mean {1000 * statistics.mean(drops):6.1f} ms  p95 {1000 * p95:6.1f} ms  "
              f"max {1000 * drops[-1]:7.1f} ms  over 50 ms: {slow} of {len(drops)}")


if __name__ == "__main__":
    main()
