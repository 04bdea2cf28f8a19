"""Target 5: training throughput of lecturegen's training path against plain `model.fit`, batch 32.

For each ch4 experiment, on the same model (same seed) and the same prepared data, a worker
process (one TensorFlow import) alternates, ``--repeat`` times:
  plain:      model.fit(x_train, y_train, batch_size=32, epochs=E, validation_data=(x_test, y_test),
              verbose=0) then model.evaluate(x_test, y_test), without op determinism
  lecturegen: lecturegen.engine.train.train(...): the function `lecturegen build` trains with
Both validate on the test set after every epoch. Reported: the steady-state epoch (the last one,
so XLA compilation and tracing are excluded) as training images per second, the whole
fit + evaluate wall time (compilation included), and the ratios lecturegen / plain.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import FASHION, base_parser, env_for, machine_line


def worker(data: str, epochs: int, repeat: int, only: list[str]) -> None:
    from tensorflow import keras
    from tensorflow.python.framework import config as tf_config  # the public API has no disable_...

    from lecturegen.engine import train as lgtrain
    from lecturegen.chapter import Profile
    from lecturegen.chapters import ch4
    from lecturegen.engine.data import resolve
    from lecturegen.engine.progress import make_reporter
    from lecturegen.engine.prep import prepare

    dataset = resolve(data)
    profile = Profile("bench", None, None, epochs)

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.started)

    def plain(exp):
        tf_config.disable_op_determinism()
        d = prepare(dataset.arrays, exp.inputs, exp.labels)
        keras.utils.set_random_seed(0)
        model = exp.build()
        timer = Timer()
        timer.times = []
        started = time.perf_counter()
        model.fit(d.x_train, d.y_train, batch_size=exp.batch_size, epochs=epochs,
                  validation_data=(d.x_test, d.y_test), verbose=0, callbacks=[timer])
        _, acc = model.evaluate(d.x_test, d.y_test, verbose=0)
        return time.perf_counter() - started, timer.times, float(acc)

    def lecturegen(exp):
        result = lgtrain.train(exp, dataset, profile, 0, make_reporter(silent=True))
        return result.wall_time_s, result.epoch_times_s, result.test_accuracy

    main = ch4.CHAPTER.group() if hasattr(ch4.CHAPTER, "group") else ch4.CHAPTER.experiments
    for exp in ch4.CHAPTER.experiments:
        if exp.name not in (only or [e.name for e in main]):
            continue
        for i in range(repeat):
            order = [("plain", plain), ("lecturegen", lecturegen)]
            for side, fn in (order if i % 2 == 0 else order[::-1]):
                wall, times, acc = fn(exp)
                print(json.dumps({"exp": exp.name, "side": side, "round": i, "wall": wall, "epoch_times": times,
                                  "accuracy": acc, "train_size": len(dataset.arrays.x_train)}), flush=True)


def main() -> None:
    parser = base_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(FASHION))
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=[], help="experiment names (default: ch4's section-1 runs, its main group)")
    parser.add_argument("--worker", action="store_true", help=argparse_hidden())
    args = parser.parse_args()
    if args.worker:
        worker(args.data, args.epochs, args.repeat, args.only)
        return
    print(machine_line())
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--data", args.data, "--epochs", str(args.epochs),
           "--repeat", str(args.repeat), *(["--only", *args.only] if args.only else [])]
    proc = subprocess.run(cmd, env=env_for(args.code.resolve()), capture_output=True, text=True, timeout=7200)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit("throughput worker failed")
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    print(f"\ntarget 5: training throughput, {Path(args.data).name}, batch 32, {args.epochs} epochs per fit, "
          f"{args.repeat} rounds (A/B order alternating); 'epoch' = the last epoch incl. its validation pass")
    for name in dict.fromkeys(r["exp"] for r in records):
        ratios, wall_ratios = [], []
        for i in range(args.repeat):
            pair = {r["side"]: r for r in records if r["exp"] == name and r["round"] == i}
            p, lg = pair["plain"], pair["lecturegen"]
            n = p["train_size"]
            ratio = p["epoch_times"][-1] / lg["epoch_times"][-1]
            ratios.append(ratio)
            wall_ratios.append(p["wall"] / lg["wall"])
            print(f"  {name:<11} round {i + 1}: plain fit {n / p['epoch_times'][-1]:8,.0f} img/s (epoch "
                  f"{p['epoch_times'][-1]:5.2f} s, fit+evaluate {p['wall']:6.1f} s, acc {p['accuracy']:.4f}) | "
                  f"lecturegen {n / lg['epoch_times'][-1]:8,.0f} img/s (epoch {lg['epoch_times'][-1]:5.2f} s, "
                  f"fit+evaluate {lg['wall']:6.1f} s, acc {lg['accuracy']:.4f}) | ratio {ratio:.2f}x "
                  f"(whole fit {p['wall'] / lg['wall']:.2f}x)")
        print(f"  {name:<11} throughput ratio lecturegen/plain: median {statistics.median(ratios):.2f}x "
              f"(spread {min(ratios):.2f}-{max(ratios):.2f}); whole fit+evaluate {statistics.median(wall_ratios):.2f}x")


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
