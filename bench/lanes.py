"""How many runs should train at once in one TensorFlow: the lecture's ReLU network (5 x Dense 128, SGD,
batch 32, ``steps_per_execution`` 64, as ``train.speed_settings`` sets it) trained by N threads of one
process at once, on full Fashion-MNIST, for each setting given.

Each setting runs in a fresh process (TensorFlow's pools are sized once per process): every thread
first fits one epoch (tracing), all wait at a barrier, then all fit ``--epochs`` epochs; the timed part is
from the barrier until the last thread ends. It prints, per training step of all threads together, the
CPU time (user + sys of the process) and the wall time, and the cores in use (CPU / wall).

    python bench/lanes.py --setting 2,2 --setting 3,2 --setting 3,3 --repeat 3

``--setting N,P[,I]``: N runs at once, P threads in TensorFlow's inter-op pool, I threads per operation
(TensorFlow's intra-op pool; 1 when not given, as lecturegen sets it for three runs on two cores).
Settings alternate within each repeat, so they share the machine's state.
"""

from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import time

from common import FASHION


def _idx(path):
    import numpy as np

    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(raw[3])]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def child(runs: int, inter: int, epochs: int, intra: int = 1) -> None:
    import resource
    import threading

    import numpy as np

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    x = _idx(FASHION / "train-images-idx3-ubyte.gz").reshape(-1, 784).astype("float32") / 255
    y = _idx(FASHION / "train-labels-idx1-ubyte.gz")
    xt = _idx(FASHION / "t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype("float32") / 255
    yt = _idx(FASHION / "t10k-labels-idx1-ubyte.gz")
    import tensorflow as tf
    from tensorflow import keras

    tf.config.threading.set_intra_op_parallelism_threads(intra)
    tf.config.threading.set_inter_op_parallelism_threads(inter)
    data = (tf.constant(x), tf.constant(np.eye(10, dtype="float32")[y]))
    test = (tf.constant(xt), tf.constant(np.eye(10, dtype="float32")[yt]))
    lock, barrier = threading.Lock(), threading.Barrier(runs + 1)

    def run() -> None:
        with lock:
            keras.utils.set_random_seed(1)
            model = keras.Sequential([keras.Input(shape=(784,))]
                                     + [keras.layers.Dense(128, activation="relu") for _ in range(5)]
                                     + [keras.layers.Dense(10, activation="softmax")])
            model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.001), loss="categorical_crossentropy",
                          metrics=["accuracy"])
            model.steps_per_execution = 64
        fit = dict(batch_size=32, validation_data=test, validation_batch_size=1000, verbose=0)
        model.fit(*data, epochs=1, **fit)
        barrier.wait()
        barrier.wait()
        model.fit(*data, epochs=epochs, **fit)

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    barrier.wait()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0, start = usage.ru_utime + usage.ru_stime, time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu0
    steps = runs * epochs * (len(x) // 32)
    print(f"{runs} runs at once, {inter} inter-op threads, {intra} per operation: per step {cpu / steps * 1e3:.3f} ms CPU, "
          f"{wall / steps * 1e3:.3f} ms wall; {cpu / wall:.2f} cores in use ({wall:.1f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setting", action="append", help="N,P[,I]: N runs at once, P inter-op threads, I threads per operation (default 1)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        runs, inter, *intra = map(int, args.child.split(","))
        child(runs, inter, args.epochs, *intra)
        return
    settings = args.setting or ["2,2", "3,2"]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start", flush=True)
    for round_ in range(1, args.repeat + 1):
        for setting in settings:
            print(f"round {round_}: ", end="", flush=True)
            subprocess.run([sys.executable, __file__, "--child", setting, "--epochs", str(args.epochs)],
                           stderr=subprocess.DEVNULL, check=True)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
