"""The accelerated training path learns what plain `model.fit` learns; every way of `--jobs` gives the same results."""

from __future__ import annotations

import json

import pytest

from lecturegen.chapters import ch4
from lecturegen.engine.data import resolve
from lecturegen.engine.prep import prepare
from helpers import PAIR_CHAPTERS, seed_numbers

# Tolerance of the agreement test: the same batches and updates, only executed differently, so the
# per-epoch losses agree to floating-point rounding and the accuracies to within one test image.
LOSS_TOLERANCE = 1e-4
ACCURACY_TOLERANCE = 1 / 500


@pytest.mark.slow
def test_accelerated_fit_agrees_with_plain_fit():
    """The speed settings change how the same updates run, not what they compute: the training history and
    the final test accuracy and loss (what the notebook prints) equal plain Keras' (its datasets autotuned)
    to the bit; the validation after each epoch, read 1,000 images at a time, has the same accuracy (a
    count) and its loss to 1e-6."""
    from lecturegen.engine.train import fit_and_evaluate, import_tensorflow, speed_settings

    tf, keras = import_tensorflow()
    tf.config.experimental.enable_op_determinism()
    exp = ch4.CHAPTER.experiment("relu")
    data = prepare(resolve("sample").arrays, exp.inputs, exp.labels, 512, 500)

    from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

    patched = ArrayDataAdapter.get_tf_dataset
    assert patched is not patched.__wrapped__  # the build's datasets run without tf.data's autotuning thread
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ArrayDataAdapter, "get_tf_dataset", patched.__wrapped__)  # plain Keras for the plain fit
        keras.utils.set_random_seed(0)
        model = exp.build()
        plain = model.fit(data.x_train, data.y_train, batch_size=32, epochs=2,
                          validation_data=(data.x_test, data.y_test), verbose=0).history
        plain_loss, plain_accuracy = model.evaluate(data.x_test, data.y_test, verbose=0)
    adapter = ArrayDataAdapter(data.x_train, y=data.y_train, batch_size=32, shuffle=True)
    assert adapter.get_tf_dataset().options().autotune.enabled is False

    keras.utils.set_random_seed(0)
    model = exp.build()
    speed_settings(model, 32)  # what the build adds, outside the code students see
    fast, fast_loss, fast_accuracy = fit_and_evaluate(model, data, batch_size=32, epochs=2)

    assert model.steps_per_execution > 1  # the accelerated path really ran
    assert set(fast) == set(plain)
    for key in ("loss", "accuracy", "val_accuracy"):
        assert fast[key] == plain[key], key
    assert fast["val_loss"] == pytest.approx(plain["val_loss"], rel=1e-6)
    assert (fast_loss, fast_accuracy) == (plain_loss, plain_accuracy)
    assert plain["loss"][1] < plain["loss"][0]  # it learned something, so the comparison means something


def test_speed_settings_validate_in_large_batches(monkeypatch):
    """The build's fit validates 1,000 test images per step unless the call says otherwise (no TensorFlow)."""
    from lecturegen.engine.train import speed_settings

    calls = []

    class Model:
        def fit(self, *args, **kwargs):
            calls.append(kwargs)

    model = Model()
    speed_settings(model, 1)
    model.fit("x", "y", batch_size=1, epochs=1)
    model.fit("x", "y", batch_size=1, validation_batch_size=7)
    assert model.steps_per_execution == 2048
    assert [c["validation_batch_size"] for c in calls] == [1000, 7]
    assert calls[0]["batch_size"] == 1


@pytest.mark.slow
@pytest.mark.parametrize("options", [["--jobs", "1"], ["--jobs", "2", "--processes"]], ids=["sequential", "processes"])
def test_every_way_of_training_gives_the_default_builds_results(pair_build, runner, tmp_path, options):
    """The default build trains 2 runs at a time in threads; one at a time and worker processes agree with it
    (the pair chapter: ch4's relu and opt_adam, whose two seeds share a traced model)."""
    from lecturegen.cli import app

    out, _ = pair_build
    default = json.loads((out / "report.json").read_text())["runs"]
    assert len(default["opt_adam"]["per_seed"]) == 2
    result = runner.invoke(app, ["build", "pair", "--chapters-dir", str(PAIR_CHAPTERS), "--profile", "quick",
                                 "--data", "sample", *options, "--out", str(tmp_path), "--cache-dir",
                                 str(tmp_path / "cache"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"trained {len(default)}, cached 0" in result.output
    other = json.loads((tmp_path / "pair" / "report.json").read_text())["runs"]
    assert other.keys() == default.keys()
    for name, run in default.items():
        if "--processes" in options:  # another process, its own TensorFlow
            assert other[name]["test_accuracy"] == pytest.approx(run["test_accuracy"], abs=ACCURACY_TOLERANCE), name
            assert other[name]["history"]["loss"] == pytest.approx(run["history"]["loss"], abs=LOSS_TOLERANCE), name
        else:  # the same process: bit for bit
            for key in ("history", "test_loss", "test_accuracy", "summary"):
                assert other[name][key] == run[key], (name, key)
            assert seed_numbers(other[name]) == seed_numbers(run), name


def test_jobs_must_be_positive(runner, tmp_path):
    from lecturegen.cli import app

    result = runner.invoke(app, ["build", "ch4", "--profile", "quick", "--data", "sample", "--jobs", "0",
                                 "--out", str(tmp_path), "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 2
    assert "--jobs 0" in result.output


@pytest.mark.slow
def test_runs_reusing_a_traced_model_give_what_fresh_models_give():
    """Runs of the same shape fit one traced model again (its weights and optimizer state set to the new
    run's start): every number equals what a model built afresh for the run gives, bit for bit."""
    from lecturegen.core.chapter import PROFILES
    from lecturegen.engine import train

    class Quiet:
        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    dataset = resolve("sample")
    runs = [("lr_0_001", 0), ("lr_0_1", 0), ("lr_0_01", 0), ("opt_sgd", 0), ("opt_sgd", 1), ("mini_batch", 0),
            ("opt_adam", 0), ("opt_adam", 1)]
    shared = train.SharedData()
    reused = [train.train(ch4.CHAPTER.experiment(name), dataset, PROFILES["quick"], seed, Quiet(), shared=shared)
              for name, seed in runs]
    assert shared.reused >= 4  # lr_0_1, lr_0_01, opt_sgd seed 1 (or mini_batch), opt_adam seed 1 fitted a traced model
    for (name, seed), again in zip(runs, reused):
        fresh = train.train(ch4.CHAPTER.experiment(name), dataset, PROFILES["quick"], seed, Quiet())
        for field in ("history", "test_loss", "test_accuracy", "summary", "optimizer", "epochs", "batch_size"):
            assert getattr(again, field) == getattr(fresh, field), (name, seed, field)


@pytest.mark.slow
def test_kinds_prepared_ahead_and_at_once_are_the_ones_a_run_prepares_itself():
    """The images of later runs are prepared ahead in a thread, and two kinds at once (one lock per kind):
    each kind is made once, and equals, to the bit, what preparing it alone gives."""
    import threading
    import time

    import numpy as np

    from lecturegen.core.chapter import PROFILES
    from lecturegen.engine import train

    dataset = resolve("sample")
    profile = PROFILES["quick"]
    flat, images = ch4.CHAPTER.experiment("relu"), ch4.CHAPTER.experiment("quickstart")
    assert (flat.inputs, flat.labels) != (images.inputs, images.labels)
    shared = train.SharedData()
    made = {}
    threads = [threading.Thread(target=lambda e=e, i=i: made.setdefault(i, shared.prepared(dataset, e, profile)))
               for i, e in enumerate((flat, images, flat))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert made[0] is made[2] and made[0] is not made[1]  # one copy per kind, shared by the runs that take it

    ahead = train.SharedData()
    ahead.prepare_ahead(dataset, [images, flat], profile)
    deadline = time.monotonic() + 60
    while len(ahead._made) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(ahead._made) == 2  # both kinds made by the thread, before any run asked
    for exp, alone in ((flat, made[0]), (images, made[1])):
        got = ahead.prepared(dataset, exp, profile)
        assert got is ahead.prepared(dataset, exp, profile)
        for a, b in zip(got, alone):
            assert a.dtype == b.dtype and np.array_equal(a.numpy(), b.numpy())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["relu", "quickstart"])
def test_the_untrained_numbers_taken_from_the_trained_model_are_those_of_the_model_built_again(name):
    """A run with ``predictions`` computes the untrained model's test loss, accuracy and first output on
    its own trained model with the starting weights put back (its traced functions serve again): the same,
    to the bit, as the model built again from the run's seed gives; and the trained weights are back for
    the predictions after it (their accuracy is the run's test accuracy)."""
    import numpy as np

    from lecturegen.core.chapter import PROFILES
    from lecturegen.engine import train

    class Quiet:
        def __getattr__(self, attr):
            return lambda *args, **kwargs: None

    dataset, profile, seed = resolve("sample"), PROFILES["quick"], 3
    exp = ch4.CHAPTER.experiment(name)
    result = train.train(exp, dataset, profile, seed, Quiet(), shared=train.SharedData())
    got = result.predictions

    _, keras = train.import_tensorflow()
    data = train.SharedData().prepared(dataset, exp, profile)
    again = train._build_model(exp, seed, keras)
    loss, accuracy = again.evaluate(data.x_test, data.y_test, batch_size=1000, verbose=0)
    first = again.predict(data.x_test[:1], verbose=0)[0]
    assert got["initial_test_loss"] == float(loss) and got["initial_test_accuracy"] == float(accuracy)
    assert got["first"]["initial_probabilities"] == [round(float(p), 4) for p in first]

    true = np.asarray(data.y_test)
    true = true.argmax(axis=1) if true.ndim == 2 else true
    assert abs(float(np.mean(np.asarray(got["predicted"]) == true)) - result.test_accuracy) < 1e-6
