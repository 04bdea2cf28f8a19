"""The GPU path: where TensorFlow sees a GPU, a run trains there and says so; skipped where there is none.

Untested here (the development machine has no GPU): more than one GPU, two runs sharing one GPU
(``--jobs 2`` threads), the Dask executor's ``resources`` on GPU workers, and whether every op the
chapters use has a deterministic GPU kernel under ``enable_op_determinism`` beyond the runs below.
"""

from __future__ import annotations

import glob
import shutil

import pytest

from lecturegen.chapters import ch4
from lecturegen.core.chapter import PROFILES
from lecturegen.engine.data import resolve

pytestmark = pytest.mark.slow


class Quiet:
    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _gpu_or_skip():
    """TensorFlow's GPUs; skipped at once (without importing TensorFlow) on a machine without a GPU driver."""
    if shutil.which("nvidia-smi") is None and not glob.glob("/dev/nvidia[0-9]*") and not glob.glob("/dev/kfd"):
        pytest.skip("no GPU on this machine (no nvidia-smi, /dev/nvidia*, /dev/kfd)")
    from lecturegen.engine.train import import_tensorflow

    tf, _ = import_tensorflow()
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        pytest.skip("a GPU driver is present but TensorFlow sees no GPU")
    return tf, gpus


@pytest.mark.parametrize("name", ["relu", "quickstart", "single_sample"])
def test_a_run_trains_on_the_gpu_and_learns_what_the_cpu_learns(name):
    tf, gpus = _gpu_or_skip()
    from lecturegen.engine import train

    exp = ch4.CHAPTER.experiment(name)
    dataset = resolve("sample")
    on_gpu = train.train(exp, dataset, PROFILES["quick"], 0, Quiet(), shared=train.SharedData())
    assert on_gpu.device.startswith("GPU"), on_gpu.device  # what the provenance says
    with tf.device("/CPU:0"):
        on_cpu = train.train(exp, dataset, PROFILES["quick"], 0, Quiet())
    # other kernels, other rounding: the same run within a few test images and a small loss difference
    assert on_gpu.test_accuracy == pytest.approx(on_cpu.test_accuracy, abs=0.02)
    assert on_gpu.test_loss == pytest.approx(on_cpu.test_loss, rel=0.05)
    assert on_gpu.history["loss"][-1] < on_gpu.history["loss"][0] or on_gpu.epochs == 1


def test_the_gpu_run_is_reproducible_and_placed_on_the_gpu():
    tf, gpus = _gpu_or_skip()
    from lecturegen.engine import train

    exp = ch4.CHAPTER.experiment("opt_adam")
    dataset = resolve("sample")
    first = train.train(exp, dataset, PROFILES["quick"], 0, Quiet())
    again = train.train(exp, dataset, PROFILES["quick"], 0, Quiet())
    assert first.history == again.history and first.test_loss == again.test_loss  # op determinism holds on the GPU
    keras = tf.keras
    keras.utils.set_random_seed(0)
    model = exp.build()
    assert "GPU" in model.trainable_variables[0].value.device  # TensorFlow placed the weights there
