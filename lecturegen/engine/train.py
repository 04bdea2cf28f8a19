"""Training: the only module that imports TensorFlow, and only when a run is not cached."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from typing import TYPE_CHECKING

from lecturegen.core.chapter import Experiment, Profile
from lecturegen.engine.data import Dataset
from lecturegen.errors import TrainingError
from lecturegen.core.results import LayerRow, ModelSummary, RunResult
from lecturegen.versions import library_versions

from lecturegen.engine.progress import run_summary
from lecturegen.messages import say

if TYPE_CHECKING:
    from lecturegen.engine.progress import Reporter

log = logging.getLogger(__name__)


def fit_and_evaluate(model, data, *, batch_size, epochs, callbacks=()):
    """What every run executes: the plain calls the slides and the notebook show under each
    experiment (:func:`lecturegen.engine.context.fit_call`), only quiet and with the build's
    progress callback. Its speed setting is :func:`speed_settings`, applied before."""
    history = model.fit(
        data.x_train, data.y_train,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=(data.x_test, data.y_test),
        callbacks=list(callbacks),
        verbose=0,
    )
    test_loss, test_accuracy = model.evaluate(data.x_test, data.y_test, verbose=0)
    return history.history, test_loss, test_accuracy


def speed_settings(model, batch_size):
    # The same updates (same batches of batch_size, same optimizer and loss), only executed
    # differently: TensorFlow runs many steps per call instead of one, 64, or for tiny batches
    # enough steps for 2,048 images (2,048 steps of batch 1). Not student code: the instructor's
    # page explains it; a student's model.fit(...) learns the same without it.
    model.steps_per_execution = max(64, 2048 // batch_size)
    # The validation after each epoch (which learns nothing) reads the test set 1,000 images at a
    # time instead of fit's batch_size (32, or 1 for SGD): val_accuracy is a count and stays the
    # same; val_loss, a mean summed in other groups, can move in its 7th digit. The final
    # model.evaluate keeps Keras' default batch, so test accuracy and loss are the notebook's to the bit.
    fit = model.fit

    def fit_validating_in_large_batches(*args, validation_batch_size=None, **kwargs):
        return fit(*args, validation_batch_size=validation_batch_size or 1000, **kwargs)

    model.fit = fit_validating_in_large_batches


def _first_line(exc: BaseException) -> str:
    """An exception as one short line: Keras messages span many lines of context."""
    lines = [" ".join(line.split()) for line in str(exc).splitlines()]
    useful = [line for line in lines if line and not line.startswith(("Exception encountered", "Arguments received"))]
    text = useful[0] if useful else type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


_IMPORTING = threading.Lock()  # runs in threads may ask at once; one imports


def import_tensorflow():
    """TensorFlow and its Keras, imported with TensorFlow's C++ log quiet unless asked otherwise
    (Keras' scikit-learn wrappers only when used, and without the pandas and IPython support that
    training never uses: :mod:`lecturegen.lazykeras`), and the process set up for training: Keras' array
    datasets without tf.data's tuning thread (:mod:`~lecturegen.engine.tfdata`), NumPy's arrays without
    huge pages (:mod:`~lecturegen.engine.hugepages`)."""
    from lecturegen.lazykeras import defer_optional_helpers, without_unused_packages

    with _IMPORTING:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        defer_optional_helpers()
        with without_unused_packages():
            import tensorflow as tf
            from tensorflow import keras
        from lecturegen.engine.hugepages import numpy_without_huge_pages
        from lecturegen.engine.tfdata import without_autotune_thread

        without_autotune_thread(tf)
        numpy_without_huge_pages()

    return tf, keras


def _summary(model) -> ModelSummary:
    rows = tuple(
        LayerRow(layer.name, type(layer).__name__, str(tuple(layer.output.shape)), int(layer.count_params()))
        for layer in model.layers
    )
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    total = int(model.count_params())
    return ModelSummary(rows, total, trainable, total - trainable)


def _optimizer_config(model) -> dict:
    config = model.optimizer.get_config()
    keep = ("learning_rate", "momentum", "nesterov", "rho", "epsilon", "beta_1", "beta_2", "initial_accumulator_value")
    values = {k: float(config[k]) if isinstance(config[k], (int, float)) and not isinstance(config[k], bool) else config[k]
              for k in keep if k in config}
    return {"name": type(model.optimizer).__name__, **values}


class Cancelled(Exception):
    """Training stopped on request (another run of the same build failed, or the build was interrupted)."""


def _progress_callback(keras, exp_name: str, epochs: int, reporter: Reporter, epoch_times: list[float],
                       cancel: threading.Event | None):
    class ProgressCallback(keras.callbacks.Callback):
        async_safe = True  # its batch hook only reads an Event: Keras may run it off the training thread

        def on_train_batch_end(self, batch, logs=None):  # every steps_per_execution updates
            if cancel is not None and cancel.is_set():
                self.model.stop_training = True

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_times.append(time.perf_counter() - self.started)
            metrics = {k: float(v) for k, v in (logs or {}).items()}
            if any(math.isnan(v) or math.isinf(v) for v in metrics.values()):
                self.model.stop_training = True
            reporter.epoch_done(exp_name, epoch + 1, epochs, metrics)

    return ProgressCallback()


def training_arrays(dataset: Dataset):
    """The arrays a run trains on, as the data source reads them (a Keras source through
    ``keras.datasets.<name>.load_data()``, the loader the slides and the notebook show)."""
    return source_of(dataset).training_arrays(dataset)


def source_of(dataset: Dataset):
    """The data source that made ``dataset`` (a copy sent to a worker: told by its fingerprint's task)."""
    from lecturegen.engine.data import MNIST
    from lecturegen.engine.tabular import TableSource

    if dataset.source is not None:
        return dataset.source
    fp = dataset.fingerprint
    return TableSource(fp.task) if fp.task != "multiclass" else MNIST  # preparing needs only the task


def fit_and_predict(model, data, *, batch_size, epochs, callbacks=()):
    history = model.fit(
        data.x_train, data.y_train,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=(data.x_test, data.y_test),
        callbacks=list(callbacks),
        verbose=0,
    )
    test_loss = model.evaluate(data.x_test, data.y_test, return_dict=True, verbose=0)["loss"]
    predicted = model.predict(data.x_test, verbose=0)
    return history.history, test_loss, predicted


MAX_KEPT_PREDICTIONS = 1000  # test rows whose true value and prediction a run keeps (for figures)


def _measure(task: str, y_true, predicted) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Every metric of the task on the test set, and the first test rows' true values and predictions."""
    import numpy as np

    from lecturegen.core.metrics import TASK_METRICS, measure

    y = np.asarray(y_true, dtype="float64").reshape(-1)
    p = np.asarray(predicted, dtype="float64").reshape(-1)
    if not np.isfinite(p).all():
        raise ValueError("the model predicted NaN or infinite values")
    values = measure(TASK_METRICS[task], y, p)
    kept = slice(0, MAX_KEPT_PREDICTIONS)
    return values, {"y_true": [round(float(v), 6) for v in y[kept]], "predicted": [round(float(v), 6) for v in p[kept]]}


_BUILD_LOCK = threading.Lock()


def _build_model(exp: Experiment, seed: int, keras):
    """Seed, then build ``exp``'s model, under one lock and in a thread of its own.

    The lock: runs training at the same time (``--jobs``) draw their initial weights and dropout
    seeds from the seeded global generators one model at a time, so each gets what a sequential
    build gives it. The new thread: Keras keeps layer names per thread, so every model's layers
    are named afresh (dense, dense_1, ...) as in a new notebook, whatever trained before.
    """
    built: dict[str, object] = {}

    def build() -> None:
        try:
            keras.utils.set_random_seed(seed)
            built["model"] = exp.build()
        except Exception as exc:  # reported below, in the caller's thread
            built["error"] = exc

    with _BUILD_LOCK:
        thread = threading.Thread(target=build, name=f"build {exp.name}")
        thread.start()
        thread.join()
    if "error" in built:
        raise TrainingError(
            say("training.model_build_failed", name=exp.name, detail=_first_line(built['error']))
        )
    return built["model"]


def device_name(tf) -> str:
    """What the models train on: the first GPU when TensorFlow sees one (it then places them there), else CPU."""
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "CPU"
    try:
        name = tf.config.experimental.get_device_details(gpus[0]).get("device_name")
    except (ValueError, RuntimeError):
        name = None
    return f"GPU ({name})" if name else "GPU"


class SharedData:
    """The prepared images of one build, made once per kind and shared by every run that takes them.

    Runs with the same inputs and labels (flat + one-hot, say) train on one copy, held as
    TensorFlow tensors: Keras slices a tensor in place, where a NumPy array is copied into a new
    tensor by every ``fit``. Three runs at once then hold one copy of the training images instead
    of three, and the batches are the same either way. Safe to use from several threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: dict[tuple, object] = {}
        self._making: dict[tuple, threading.Lock] = {}  # one lock per kind: two kinds are prepared at once
        self._traced: dict[str, list] = {}  # trace key -> trained models idle, their training functions traced
        self.reused = 0  # runs that fitted a model traced before instead of tracing their own

    def take_traced(self, key: str):
        """A model of this build whose training and evaluation functions are traced for ``key``, or None."""
        with self._lock:
            idle = self._traced.get(key)
            if not idle:
                return None
            self.reused += 1
            return idle.pop()

    def give_traced(self, key: str, model) -> None:
        with self._lock:
            self._traced.setdefault(key, []).append(model)

    def prepared(self, dataset: Dataset, exp: Experiment, profile: Profile):
        max_train, max_test = exp.limits(profile)
        key = (dataset.fingerprint.sha256, exp.inputs, exp.labels, max_train, max_test)
        with self._lock:
            if key in self._made:
                return self._made[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:  # one thread prepares a kind, the others that take it wait; other kinds go on meanwhile
            with self._lock:
                if key in self._made:
                    return self._made[key]
            tf, _ = import_tensorflow()
            arrays = source_of(dataset).prepare(training_arrays(dataset), exp.inputs, exp.labels, max_train, max_test)
            made = type(arrays)(*(tf.constant(a) for a in arrays))
            with self._lock:
                self._made[key] = made
            return made

    def prepare_ahead(self, dataset: Dataset, experiments: list[Experiment], profile: Profile) -> None:
        """Prepare, in a thread of its own, every kind ``experiments`` take, in their order: a run that
        starts later finds its images made (a first preparation of full Fashion-MNIST is 0.8-1.1 CPU s of
        new memory, which would otherwise hold back a run's start while the others train). A failure is
        left to the run that needs the kind, which reports it as its own."""
        if not experiments:  # every run starts at once and prepares its own
            return

        def ahead() -> None:
            for exp in experiments:
                try:
                    self.prepared(dataset, exp, profile)
                except Exception:  # the run meets it again, in its own thread, and reports it
                    return

        threading.Thread(target=ahead, name="prepare ahead", daemon=True).start()


REUSE_TRACED = True  # runs of one build reuse a traced model of the same shape (tests turn it off to compare)


def trace_key(model, batch_size: int, data) -> str | None:
    """What decides the graphs Keras traces for ``fit`` and ``evaluate``: the model's layers, how it was
    compiled (the learning rate aside: a variable, copied with the starting state), the batch size, the
    steps per call and the shapes of the data. Runs with the same key run the same graphs; None when the
    model cannot be described (it then trains as it is)."""
    import json

    try:
        compiled = dict(model.get_compile_config())
        optimizer = dict(compiled.get("optimizer") or {})
        config = dict(optimizer.get("config") or {})
        if isinstance(config.get("learning_rate"), (int, float)):
            config.pop("learning_rate")
        compiled["optimizer"] = {**optimizer, "config": config}
        shapes = [(tuple(a.shape), str(a.dtype)) for a in data]
        return json.dumps([type(model).__name__, model.get_config(), compiled, batch_size, model.steps_per_execution,
                           shapes], sort_keys=True, default=repr)
    except Exception:  # e.g. a subclassed model without get_config: no reuse
        return None


def start_from(traced, fresh) -> None:
    """Give ``traced`` (trained before, same trace key) exactly the starting state of ``fresh`` (just built from
    this run's seed): its weights and other variables, and its optimizer's variables (step count, learning
    rate, moments), so that fitting ``traced`` computes what fitting ``fresh`` would, without tracing again."""
    fresh.optimizer.build(fresh.trainable_variables)
    pairs = list(zip(traced.variables, fresh.variables)) + list(zip(traced.optimizer.variables, fresh.optimizer.variables))
    if len(traced.variables) != len(fresh.variables) or len(traced.optimizer.variables) != len(fresh.optimizer.variables) \
            or any(tuple(a.shape) != tuple(b.shape) or a.dtype != b.dtype for a, b in pairs):
        raise ValueError("the models differ")
    for a, b in pairs:
        a.assign(b)


def _traced_model(exp: Experiment, model, batch_size: int, data, shared: SharedData | None):
    """The model to fit: ``model`` with the build's speed settings, or one of this build's models already
    traced for the same graphs, given ``model``'s starting state. Returns the model and its trace key
    (None: not to be kept)."""
    speed_settings(model, batch_size)
    key = trace_key(model, batch_size, data) if shared is not None and REUSE_TRACED and not exp.predictions else None
    traced = shared.take_traced(key) if key is not None else None
    if traced is None:
        return model, key
    try:
        start_from(traced, model)
    except ValueError:
        return model, None
    return traced, key


def train(exp: Experiment, dataset: Dataset, profile: Profile, seed: int, reporter: Reporter,
          cancel: threading.Event | None = None, shared: SharedData | None = None) -> RunResult:
    """Build, fit and evaluate one experiment; return its results as plain data.

    ``cancel``: when set, training stops after the current ``steps_per_execution`` updates and
    :class:`Cancelled` is raised. ``shared``: the build's prepared data, shared with its other runs, and
    its trained models: a run whose model has the same layers, compile settings, batch size and data
    shapes as one trained before fits that model again from this run's starting state (the graphs Keras
    traced for it are reused: about 1 CPU second per fit; the numbers are the same to the bit).
    """
    tf, keras = import_tensorflow()
    data = (shared or SharedData()).prepared(dataset, exp, profile)  # (a run without ``shared`` keeps no model)
    epochs = profile.epochs(exp)
    batch_size = exp.batch_size_for(len(data.x_train))
    tf.config.experimental.enable_op_determinism()
    model = _build_model(exp, seed, keras)
    # the untrained model's numbers come from this model with its starting weights put back after training
    # (the functions Keras traced for it serve again): reading the weights draws nothing from the generators
    starting_weights = model.get_weights() if exp.predictions else None
    epoch_times: list[float] = []
    reporter.start_run(exp.name, epochs)
    started = time.perf_counter()
    callback = _progress_callback(keras, exp.name, epochs, reporter, epoch_times, cancel)
    task = dataset.fingerprint.task
    key: str | None = None
    measured: dict[str, float] = {}
    outputs: dict[str, list[float]] = {}
    try:
        if task == "multiclass":
            model, key = _traced_model(exp, model, batch_size, data, shared)
            history, test_loss, test_accuracy = fit_and_evaluate(
                model, data, batch_size=batch_size, epochs=epochs, callbacks=[callback]
            )
        else:
            history, test_loss, predicted = fit_and_predict(
                model, data, batch_size=batch_size, epochs=epochs, callbacks=[callback]
            )
            measured, outputs = _measure(task, data.y_test, predicted)
            test_accuracy = measured.get("accuracy")
    except Exception as exc:  # e.g. a model whose input shape does not fit the chapter's data
        raise TrainingError(
            say("training.failed", name=exp.name, detail=_first_line(exc))
        ) from None
    if cancel is not None and cancel.is_set():
        raise Cancelled(exp.name)
    wall = time.perf_counter() - started
    history = {k: [float(v) for v in values] for k, values in history.items()}
    if not all(math.isfinite(v) for values in history.values() for v in values) or not math.isfinite(test_loss):
        raise TrainingError(
            say("training.loss_not_finite", name=exp.name)
        )
    result = RunResult(
        experiment=exp.name,
        history=history,
        test_loss=float(test_loss),
        test_accuracy=None if test_accuracy is None else float(test_accuracy),
        summary=_summary(model),
        epochs=epochs,
        batch_size=batch_size,
        train_size=len(data.x_train),
        test_size=len(data.x_test),
        seed=seed,
        wall_time_s=round(wall, 3),
        epoch_times_s=[round(t, 3) for t in epoch_times],
        versions=library_versions(),
        device=device_name(tf),
        optimizer=_optimizer_config(model),
        loss=str(getattr(model.loss, "__name__", model.loss)),
        predictions=_predictions(model, data, starting_weights, dataset, exp.name) if exp.predictions else None,
        metrics=measured,
        outputs=outputs,
    )
    if key is not None:  # the next run of the same shape fits this model again, without tracing
        shared.give_traced(key, model)
    reporter.end_run(exp.name, run_summary(result.test_accuracy, result.test_loss, wall))
    return result


EXAMPLES = 8  # correct and wrong test images kept with a run's predictions, each


def _untrained(model, data, starting_weights: list) -> dict:
    """The model before its first update: test loss and accuracy, and its output for the first test image.

    Computed on the trained ``model`` with ``starting_weights`` put back for the time of it, so the
    functions Keras traced for it serve again: the loss and accuracy through the validation's (1,000
    images per step, as many steps per call as in training), the first image through a first prediction
    of one step per call. The numbers are those of the same model built again from the run's seed, to the
    bit (``tests/test_speed.py``), about 0.4 s sooner. Then ``model`` has its trained weights again and
    makes one prediction step per call (see :func:`_predictions`)."""
    trained = model.get_weights()
    model.set_weights(starting_weights)
    try:
        loss, accuracy = model.evaluate(data.x_test, data.y_test, batch_size=1000, verbose=0)
        model.steps_per_execution = 1  # Keras' predict returns only the first call's batches with more steps per call
        first = model.predict(data.x_test[:1], verbose=0)[0]
    finally:
        model.set_weights(trained)
    return {"test_loss": float(loss), "test_accuracy": float(accuracy),
            "probabilities": [round(float(p), 4) for p in first]}


def _predictions(model, data, starting_weights: list, dataset: Dataset, name: str) -> dict:
    """What looking inside a trained model needs, as plain data (see ``experiment(predictions=True)``):
    each test image's predicted class, the untrained model's test loss and accuracy, and the first
    correct and the first wrong test images with their pixels (0-255) and predicted probabilities."""
    import numpy as np

    initial = _untrained(model, data, starting_weights)  # leaves one step per call, which this predict needs
    probs = np.asarray(model.predict(data.x_test, batch_size=1000, verbose=0), dtype="float64")
    if len(probs) != len(data.x_test):
        raise TrainingError(say("training.predictions_incomplete", name=name, got=len(probs), images=len(data.x_test)))
    predicted = probs.argmax(axis=1)
    y = np.asarray(data.y_test)
    true = y.argmax(axis=1) if y.ndim == 2 else y.astype(int)
    images = np.asarray(data.x_test)
    side = int(round(math.sqrt(images[0].size)))

    def example(i: int) -> dict:
        pixels = np.clip(np.rint(images[i].reshape(-1) * 255), 0, 255).astype(int)
        return {"index": int(i), "true": int(true[i]), "predicted": int(predicted[i]),
                "probabilities": [round(float(p), 4) for p in probs[i]],
                "shape": [side, side], "pixels": pixels.tolist()}

    right = np.flatnonzero(predicted == true)[:EXAMPLES]
    wrong = np.flatnonzero(predicted != true)[:EXAMPLES]
    from lecturegen.engine.context import DATA_SETS  # at run time: context imports this module

    classes = int(max(true.max(), predicted.max(), probs.shape[1] - 1)) + 1
    names = DATA_SETS.get(dataset.fingerprint.loader) or {"en": [str(i) for i in range(classes)]}
    return {
        "data_set": dataset.fingerprint.name,
        "classes": {lang: list(words) for lang, words in names.items()},  # the class names per language
        "initial_test_loss": initial["test_loss"],
        "initial_test_accuracy": initial["test_accuracy"],
        "first": {**example(0), "initial_probabilities": initial["probabilities"]},
        "predicted": predicted.astype(int).tolist(),
        "true": true.astype(int).tolist(),
        "correct": [example(i) for i in right],
        "wrong": [example(i) for i in wrong],
    }


def limit_threads(threads: int, inter_op: int | None = None) -> bool:
    """Size TensorFlow's thread pools: ``threads`` per operation, ``inter_op`` (default ``threads``)
    operations at once. Only possible before TensorFlow starts running; False when it was too late."""
    tf, _ = import_tensorflow()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(inter_op or threads)
    except RuntimeError:  # already initialised, e.g. a second build in the same process
        log.debug("TensorFlow's thread pools are already running; kept their size")
        return False
    return True
