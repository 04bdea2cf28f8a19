"""Known TF/Keras/NumPy breakages and their suggested fixes (data for ``lecturegen check``).

A rule matches a runtime failure when ``message`` (a regex) is found in
``"ErrorType: message"`` or ``"WarningCategory: message"``.  Rules with ``kind``
also match statically, via ``ast``: the check reports them as hints, and uses them
as the fix for a failure on that line when no message regex matched (e.g.
``Dense(output_dim=3)`` fails with a message that never says ``output_dim``).

Every quoted message was produced by running the legacy code against
TensorFlow 2.21.0 / Keras 3.15.1 / NumPy 2.4.6 (``np.bool`` and ``np.long`` exist
again in NumPy 2, so they are deliberately not flagged).
"""

from __future__ import annotations

import ast
import re
import threading
import warnings
from collections import defaultdict
from dataclasses import dataclass

OPTIMIZERS = ("Adam", "AdamW", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam",
              "Ftrl", "Lion", "Adafactor")
NUMPY = ("np", "numpy")
TF1 = ("Session", "InteractiveSession", "placeholder", "global_variables_initializer",
       "get_variable", "variable_scope", "reset_default_graph")


@dataclass(frozen=True)
class Rule:
    """One known breakage.  ``fix`` is a template using ``{name}``/``{repl}``/regex groups."""

    id: str
    fix: str
    message: str | None = None  # regex searched in the failure text
    kind: str | None = None  # static pattern: "kwarg" (call keyword) or "attr" (attribute/import)
    names: tuple[str, ...] = ()  # keyword / attribute names
    within: tuple[str, ...] = ()  # kwarg: callee names; attr: owner names; () = any
    repl: tuple[tuple[str, str], ...] = ()  # name -> {repl}

    def render(self, values: dict[str, str | None]) -> str:
        found = {k: v for k, v in values.items() if v}
        found.setdefault("repl", dict(self.repl).get(found.get("name", ""), ""))
        return self.fix.format_map(defaultdict(str, found))


RULES: tuple[Rule, ...] = (
    # ValueError: Argument(s) not recognized: {'lr': 0.01}
    Rule("optimizer-lr", "rename `lr=` to `learning_rate=` (Keras 3 removed the alias), "
         "e.g. keras.optimizers.Adam(learning_rate=1e-3)",
         r"(?:not recognized: \{|unexpected keyword argument )'(?P<name>lr)'",
         "kwarg", ("lr",), OPTIMIZERS),
    # UserWarning: Argument `decay` is no longer supported and will be ignored.
    Rule("optimizer-decay", "remove `decay=` and pass a learning-rate schedule: learning_rate="
         "keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=decay) "
         "(same formula as Keras 2 `decay`)",
         r"Argument `decay` is no longer supported", "kwarg", ("decay",), OPTIMIZERS),
    # ImportError: `keras.optimizers.legacy` is not supported in Keras 3. When using `tf.keras`, ...
    Rule("optimizer-legacy", "use the Keras 3 optimizer, e.g. keras.optimizers.Adam(learning_rate="
         "...), instead of optimizers.legacy; replace `decay=` by a learning-rate schedule",
         r"keras\.optimizers\.legacy` is not supported in Keras 3", "attr", ("legacy",),
         ("optimizers",)),
    # AttributeError: module 'numpy' has no attribute 'float'.
    # `np.float` was a deprecated alias for the builtin `float`. To avoid this error ...
    Rule("numpy-builtin-alias", "replace `np.{name}` with {repl}",
         r"`np\.(?P<name>\w+)` was a deprecated alias for the builtin", "attr",
         ("float", "int", "object", "str", "complex", "unicode"), NUMPY,
         (("float", "the builtin `float` (or `np.float64`)"),
          ("int", "the builtin `int` (or `np.int64`)"), ("object", "the builtin `object`"),
          ("str", "the builtin `str` (or `np.str_`)"),
          ("complex", "the builtin `complex` (or `np.complex128`)"),
          ("unicode", "the builtin `str` (or `np.str_`)"))),
    # AttributeError: `np.NaN` was removed in the NumPy 2.0 release. Use `np.nan` instead.
    Rule("numpy2-removed", "replace `np.{name}` with `{repl}` (removed in NumPy 2.0)",
         r"`np\.(?P<name>\w+)` was removed in the NumPy 2\.0 release\. Use `(?P<repl>[^`]+)`",
         "attr", ("NaN", "Inf", "Infinity", "infty", "PINF", "NINF", "float_", "complex_",
                  "cfloat", "unicode_", "string_"), NUMPY,
         (("NaN", "np.nan"), ("Inf", "np.inf"), ("Infinity", "np.inf"), ("infty", "np.inf"),
          ("PINF", "np.inf"), ("NINF", "-np.inf"), ("float_", "np.float64"),
          ("complex_", "np.complex128"), ("cfloat", "np.complex128"),
          ("unicode_", "np.str_"), ("string_", "np.bytes_"))),
    # UserWarning: Do not pass an `input_shape`/`input_dim` argument to a layer. When using
    # Sequential models, prefer using an `Input(shape)` object as the first layer in the model instead.
    Rule("layer-input-shape", "drop `input_shape=`/`input_dim=` from the layer and start the model "
         "with `keras.Input(shape=...)`, e.g. keras.Sequential([keras.Input(shape=(784,)), "
         "keras.layers.Dense(64)])",
         r"Do not pass an `input_shape`/`input_dim` argument to a layer", "kwarg",
         ("input_shape", "input_dim")),
    # ValueError: Unrecognized keyword arguments passed to Dense: {'batch_input_shape': (None, 3)}
    Rule("layer-batch-input-shape", "replace `batch_input_shape=(batch, ...)` with a first "
         "`keras.Input(shape=(...), batch_size=batch)`",
         r"Unrecognized keyword arguments passed to \w+: \{'batch_input_shape'", "kwarg",
         ("batch_input_shape",)),
    # ValueError: Unrecognized keyword arguments passed to Conv2D: {'border_mode': 'same'}
    # TypeError: Dense.__init__() missing 1 required positional argument: 'units'  (output_dim=)
    Rule("layer-keras1-args", "rename the Keras 1 argument `{name}=` to `{repl}=`",
         r"Unrecognized keyword arguments passed to \w+: \{'(?P<name>init|W_regularizer|"
         r"b_regularizer|border_mode|subsample|nb_filter)'", "kwarg",
         ("init", "W_regularizer", "b_regularizer", "border_mode", "subsample", "nb_filter",
          "output_dim"), (),
         (("init", "kernel_initializer"), ("W_regularizer", "kernel_regularizer"),
          ("b_regularizer", "bias_regularizer"), ("border_mode", "padding"),
          ("subsample", "strides"), ("nb_filter", "filters"), ("output_dim", "units"))),
    # TypeError: TensorFlowTrainer.fit() got an unexpected keyword argument 'nb_epoch'
    Rule("fit-nb-epoch", "rename `nb_epoch=` to `epochs=`",
         r"unexpected keyword argument 'nb_epoch'", "kwarg", ("nb_epoch",), ("fit",)),
    # AttributeError: 'Sequential' object has no attribute 'fit_generator'
    Rule("keras-generator-methods", "replace `.{name}(...)` with `.{repl}(...)`: it accepts "
         "Python generators, tf.data.Dataset and keras.utils.PyDataset directly",
         r"has no attribute '(?P<name>(?:fit|predict|evaluate)_generator)'", "attr",
         ("fit_generator", "predict_generator", "evaluate_generator"), (),
         (("fit_generator", "fit"), ("predict_generator", "predict"),
          ("evaluate_generator", "evaluate"))),
    # AttributeError: 'Sequential' object has no attribute 'predict_classes'
    Rule("keras-predict-classes", "replace `model.{name}(x)` with {repl}",
         r"has no attribute '(?P<name>predict_classes|predict_proba)'", "attr",
         ("predict_classes", "predict_proba"), (),
         (("predict_classes", "`np.argmax(model.predict(x), axis=-1)` (sigmoid output: "
           "`(model.predict(x) > 0.5).astype('int32')`)"), ("predict_proba", "`model.predict(x)`"))),
    # ModuleNotFoundError: No module named 'keras.utils.np_utils'
    Rule("keras-np-utils", "import from keras.utils directly: `from keras.utils import "
         "to_categorical`", r"keras\.utils\.np_utils'|keras\.utils' has no attribute 'np_utils'",
         "attr", ("np_utils",), ("utils",)),
    # ModuleNotFoundError: No module named 'keras.layers.experimental'
    Rule("keras-experimental-preprocessing", "preprocessing layers moved to keras.layers, e.g. "
         "keras.layers.Rescaling, keras.layers.Normalization, keras.layers.RandomFlip",
         r"keras\.layers\.experimental'|keras\.layers' has no attribute 'experimental'",
         "attr", ("experimental",), ("layers",)),
    # ImportError: cannot import name 'ImageDataGenerator' from 'keras.preprocessing.image' (...)
    Rule("keras-image-data-generator", "use keras.utils.image_dataset_from_directory(...) with "
         "augmentation layers (keras.layers.Rescaling, RandomFlip, RandomRotation)",
         r"(?:cannot import name|has no attribute) 'ImageDataGenerator'"),
    # ValueError: Invalid filepath extension for saving. Please add either a `.keras` extension ...
    Rule("keras-save-format", "save to a `.keras` file, model.save('model.keras'), or call "
         "model.export(dirpath) for a SavedModel", r"Invalid filepath extension for saving"),
    # AttributeError: module 'tensorflow' has no attribute 'Session'
    Rule("tf1-api", "TF1 graph API is gone in TF 2: run eagerly (wrap hot code in @tf.function), "
         "or as a stopgap use `tf.compat.v1.{name}`",
         rf"module 'tensorflow' has no attribute '(?P<name>{'|'.join(TF1)})'", "attr", TF1,
         ("tf", "tensorflow")),
    # DeprecationWarning: invalid escape sequence '\d'  (SyntaxWarning from Python 3.12 on)
    Rule("invalid-escape", "use a raw string, e.g. r\"\\d+\", or double the backslash "
         "(newer Pythons warn louder and will reject it)", r"invalid escape sequence"),
    # _ArrayMemoryError: Unable to allocate ... / runner killed by SIGABRT (... memory limit)
    Rule("memory-limit", "the snippet hit the --memory-mb limit: raise it, or use smaller "
         "data/models for the check", r"MemoryError|memory limit"),
)


def match_message(text: str) -> tuple[str, str] | None:
    """(rule id, fix) for the first rule whose regex matches the failure text."""
    for rule in RULES:
        if rule.message and (m := re.search(rule.message, text)):
            return rule.id, rule.render(m.groupdict())
    return None


def _name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")


def _static_match(rule: Rule, node: ast.AST) -> str | None:
    if rule.kind == "kwarg" and isinstance(node, ast.Call):
        if not rule.within or _name(node.func) in rule.within:
            return next((k.arg for k in node.keywords if k.arg in rule.names), None)
    elif rule.kind == "attr" and isinstance(node, ast.Attribute):
        if node.attr in rule.names and (not rule.within or _name(node.value) in rule.within):
            return node.attr
    elif rule.kind == "attr" and isinstance(node, (ast.Import, ast.ImportFrom)):
        prefix = f"{node.module}." if isinstance(node, ast.ImportFrom) and node.module else ""
        for alias in node.names:
            parts = f"{prefix}{alias.name}".split(".")
            for i, part in enumerate(parts):
                if part in rule.names and (not rule.within or (i and parts[i - 1] in rule.within)):
                    return part
    return None


_PARSING = threading.Lock()


def parse_quietly(code: str) -> ast.Module:
    """``ast.parse`` without its compile warnings (the runner reports those), one thread at a time:
    the audit's threads parse snippets together, and CPython 3.11's parser can fail with "AST
    constructor recursion depth mismatch" when two threads parse at once (and ``catch_warnings``
    is process state)."""
    with _PARSING, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(code)


def static_hits(code: str, offset: int = 0) -> dict[int, tuple[str, str]]:
    """{file line: (rule id, fix)} for known-legacy patterns found in ``code`` via ``ast``."""
    try:
        tree = parse_quietly(code)
    except (SyntaxError, ValueError):
        return {}
    hits: dict[int, tuple[str, str]] = {}
    for node in ast.walk(tree):
        for rule in RULES:
            if rule.kind and (name := _static_match(rule, node)):
                hits.setdefault(node.lineno + offset, (rule.id, rule.render({"name": name})))
    return dict(sorted(hits.items()))
