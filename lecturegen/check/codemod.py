"""Rewrite old TensorFlow/Keras code to the installed API with a libcst codemod, or say why not.

One transformer does both jobs of ``lecturegen check``: its findings are the static pass (every
stale API in a snippet, with line and fix), and its output is the ``--fix`` rewrite.  libcst keeps
comments and formatting; names are resolved through imports (``QualifiedNameProvider``), so
``from tensorflow import keras`` / ``import tensorflow as tf`` / ``from keras.optimizers import
Adam`` all lead to ``keras.optimizers.Adam``.

A rule rewrites only what it can prove keeps the meaning; otherwise it leaves the code as it is and
reports a finding with ``action == "human"`` and the reason: positional arguments whose order
changed between versions (``fit_generator(gen, 100)``: samples in Keras 1, steps in Keras 2;
``tf.nn.softmax_cross_entropy_with_logits(y, y_)``), ``**kwargs`` splats, names that resolve to
nothing (``from keras.layers import *`` for a name it does not export), TF1 graph code.

Standard library and libcst only (no TensorFlow): it runs in lecturegen's own process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider

OPTIMIZERS = ("SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "AdamW", "Ftrl")
# How many leading positional arguments mean the same in Keras 2 and Keras 3 (after lr -> learning_rate):
# Keras 2 SGD(lr, momentum, decay, nesterov) vs Keras 3 SGD(learning_rate, momentum, nesterov, ...).
SAFE_POSITIONAL = {"SGD": 2, "Adam": 4, "RMSprop": 2, "Adagrad": 1, "Adadelta": 3, "Adamax": 4, "Nadam": 4}
KERAS1_LAYER_ARGS = {"W_regularizer": "kernel_regularizer", "b_regularizer": "bias_regularizer",
                     "W_constraint": "kernel_constraint", "b_constraint": "bias_constraint",
                     "init": "kernel_initializer", "output_dim": "units", "border_mode": "padding",
                     "subsample": "strides", "nb_filter": "filters", "bias": "use_bias",
                     "inner_init": "recurrent_initializer", "inner_activation": "recurrent_activation",
                     "U_regularizer": "recurrent_regularizer", "dropout_W": "dropout",
                     "dropout_U": "recurrent_dropout", "subsample_length": "strides",
                     "filter_length": "kernel_size", "pool_length": "pool_size"}
EMBEDDING_ARGS = {"init": "embeddings_initializer", "W_regularizer": "embeddings_regularizer",
                  "W_constraint": "embeddings_constraint"}
KERAS1_LAYERS = {"Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D"}
LEGACY_LAYER_MODULES = ("core", "convolutional", "pooling", "recurrent", "normalization", "embeddings",
                        "advanced_activations", "noise", "wrappers", "local", "merge")
LAYERS = {"Dense", "Dropout", "Activation", "Flatten", "Reshape", "Permute", "RepeatVector", "Lambda",
          "Masking", "ActivityRegularization", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
          "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "SeparableConv2D", "DepthwiseConv2D",
          "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
          "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D",
          "GlobalAveragePooling2D", "UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D",
          "Cropping1D", "Cropping2D", "SimpleRNN", "GRU", "LSTM", "Bidirectional", "TimeDistributed",
          "Embedding", "BatchNormalization", "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax",
          "ReLU", "GaussianNoise", "GaussianDropout", "AlphaDropout", "Add", "Concatenate", "Multiply",
          "Average", "Maximum", "Minimum", "Subtract", "Dot", "Input", "InputLayer",
          *KERAS1_LAYERS}
# A first layer's input_dim/input_shape means "the model's input" only on these (Embedding's
# input_dim is the vocabulary size: never moved).
INPUT_LAYERS = LAYERS - {"Embedding", "Input", "InputLayer", "Bidirectional", "TimeDistributed"}
NUMPY_ALIASES = {"int": "int", "float": "float", "bool": "bool", "object": "object", "str": "str",
                 "complex": "complex", "unicode": "str"}
NUMPY2_REMOVED = {"NaN": "nan", "Inf": "inf", "Infinity": "inf", "infty": "inf", "PINF": "inf",
                  "float_": "float64", "complex_": "complex128", "cfloat": "complex128",
                  "unicode_": "str_", "string_": "bytes_"}
TF_RENAMES = {"set_random_seed": "random.set_seed", "log": "math.log", "random_normal": "random.normal",
              "random_uniform": "random.uniform", "truncated_normal": "random.truncated_normal",
              "random_shuffle": "random.shuffle", "mod": "math.floormod",
              "squared_difference": "math.squared_difference", "is_nan": "math.is_nan"}
# Not here: tf.div (Python 2 division, floor for integers; tf.math.divide is true division).
TF_REDUCE = {"reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_all",
             "reduce_any", "reduce_logsumexp", "argmax", "argmin", "count_nonzero"}
TF1_GRAPH = {
    "placeholder": "TF1 graph input: TF 2 runs eagerly, so pass tensors/NumPy arrays straight to a "
                   "function (or a keras.Input for a model); feed_dict goes away with it",
    "Session": "TF1 graph execution: TF 2 runs eagerly; call the code directly (wrap hot code in "
               "@tf.function) instead of sess.run(...)",
    "InteractiveSession": "TF1 graph execution: TF 2 runs eagerly, no session is needed",
    "global_variables_initializer": "TF1 graph: TF 2 variables are initialised when created",
    "initialize_all_variables": "TF1 graph: TF 2 variables are initialised when created",
    "get_variable": "TF1 variable store: create tf.Variable(...) or a Keras layer's weights",
    "variable_scope": "TF1 variable store: use Keras layers/models or tf.Module to group variables",
    "reset_default_graph": "TF1 graph: TF 2 has no default graph to reset (keras.backend.clear_session() "
                           "clears Keras state)",
    "train": "TF1 optimizers (tf.train.*Optimizer) are gone: use keras.optimizers.* with a "
             "tf.GradientTape loop or model.fit",
}
LOSS_SIGNATURES = {  # TF 0.x/1.x positional order -> TF 2 keyword-only meaning
    "softmax_cross_entropy_with_logits": "TF 0.x took (logits, labels) positionally, TF 1 made them "
    "keyword-only and TF 2 reads (labels, logits): name both, labels=<one-hot truth>, logits=<scores>",
    "sparse_softmax_cross_entropy_with_logits": "TF 0.x took (logits, labels) positionally, TF 2 reads "
    "(labels, logits): name both, labels=<class ids>, logits=<scores>",
    "sigmoid_cross_entropy_with_logits": "TF 0.x took (logits, targets) positionally, TF 2 reads "
    "(labels, logits): name both, labels=<truth>, logits=<scores>",
}
CONTRIB = {
    "layers.l2_regularizer": "keras.regularizers.L2(scale / 2): contrib's l2_regularizer(scale) is "
                             "scale * sum(w**2) / 2, Keras's L2(l) is l * sum(w**2)",
    "layers.l1_regularizer": "keras.regularizers.L1(scale)",
    "layers.fully_connected": "keras.layers.Dense(units, activation='relu') (contrib's default activation "
                              "is ReLU, Dense's is none)",
    "layers.flatten": "keras.layers.Flatten()",
    "layers.conv2d": "keras.layers.Conv2D(filters, kernel_size, padding='same', activation='relu') "
                     "(contrib's defaults: SAME padding, ReLU)",
    "layers.batch_norm": "keras.layers.BatchNormalization() (note contrib's decay=0.999 is Keras's momentum)",
    "rnn": "keras.layers.LSTM / GRU / SimpleRNN (or their *Cell classes with keras.layers.RNN)",
    "learn": "tf.contrib.learn is gone: load data with keras.datasets / tf.data, train with Keras",
    "slim": "tf.contrib.slim is gone: use Keras layers (or the separate tf-slim package)",
    "keras": "use keras directly",
    "layers.xavier_initializer": "keras.initializers.GlorotUniform() (the same for the default uniform=True)",
    "layers.variance_scaling_initializer": "keras.initializers.VarianceScaling (note the different defaults)",
}


@dataclass
class Finding:
    """A stale API at ``line`` (of the snippet); ``action`` is "rewrite" (the codemod changes it) or
    "human" (it cannot be rewritten without changing the meaning; ``message`` says why)."""

    line: int
    rule: str
    message: str
    action: str


@dataclass
class Result:
    code: str  # the rewritten snippet (== the input when nothing was rewritten)
    findings: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(f.action == "rewrite" for f in self.findings)


def _norm(name: str, fold: bool = True) -> str:
    """``tensorflow.keras.x`` / ``tensorflow.python.keras.x`` -> ``keras.x``; legacy layer modules folded."""
    for prefix in ("tensorflow.python.keras.", "tensorflow.keras.", "tf.keras."):
        if name.startswith(prefix):
            name = "keras." + name[len(prefix):]
    if not fold:
        return name
    m = re.match(r"keras\.layers\.(?:%s)\.(\w+)$" % "|".join(LEGACY_LAYER_MODULES), name)
    return f"keras.layers.{m.group(1)}" if m else name


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute) and (base := _dotted(node.value)):
        return f"{base}.{node.attr.value}"
    return None


def _expr(text: str) -> cst.BaseExpression:
    return cst.parse_expression(text)


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _number(node: cst.BaseExpression) -> float | None:
    try:
        value = float(_code(node).replace("_", ""))
    except ValueError:
        return None
    return value


def _kwarg(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def _fix_commas(args: list[cst.Arg], template: tuple[cst.Arg, ...]) -> list[cst.Arg]:
    """Keep the last argument's trailing comma style after removing/adding arguments."""
    if not args:
        return args
    last_comma = template[-1].comma if template else cst.MaybeSentinel.DEFAULT
    out = [a if a.comma is not cst.MaybeSentinel.DEFAULT else a.with_changes(comma=cst.Comma(
        whitespace_after=cst.SimpleWhitespace(" "))) for a in args[:-1]]
    return out + [args[-1].with_changes(comma=last_comma)]


class Facts(cst.CSTVisitor):
    """What the whole notebook/file says, gathered before rewriting: compile metrics, each Sequential
    model's last Dense units, names bound to keras / tensorflow / numpy modules."""

    METADATA_DEPENDENCIES = (QualifiedNameProvider,)

    def __init__(self) -> None:
        self.metrics: set[str] = set()
        self.units: dict[str, int | None] = {}  # model variable -> units of its last Dense (None: unknown)
        self.modules: dict[str, str] = {}  # bound name -> module ("keras", "tensorflow", "numpy", ...)
        self.input_name: str | None = None  # a name bound to keras.Input / keras.layers.Input
        self.first_layer: dict[str, str] = {}  # model variable -> code of the first layer added to it

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _dotted(alias.name) or ""
            bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) \
                else full.split(".")[0]
            self.modules[bound] = full if alias.asname else full.split(".")[0]

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = _dotted(node.module) if node.module and not node.relative else None
        if not module or isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = _dotted(alias.name) or ""
            bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            full = _norm(f"{module}.{name}")
            self.modules[bound] = full
            if full in ("keras.Input", "keras.layers.Input"):
                self.input_name = bound

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "compile":
            arg = _kwarg(node, "metrics")
            if arg is not None:
                self.metrics |= set(re.findall(r"""['"](\w+)['"]""", _code(arg.value)))

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) \
                and isinstance(node.value, cst.Call) and _last(node.value.func) == "Sequential":
            name = node.targets[0].target.value
            self.units[name] = None
            layers = node.value.args[0].value if node.value.args else None
            if isinstance(layers, cst.List):
                for el in layers.elements:
                    self._layer(name, el.value)

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "add" \
                and isinstance(call.func.value, cst.Name) and call.func.value.value in self.units and call.args:
            self._layer(call.func.value.value, call.args[0].value)

    def _layer(self, model: str, layer: cst.BaseExpression) -> None:
        self.first_layer.setdefault(model, _code(layer))
        if not isinstance(layer, cst.Call):
            self.units[model] = None
            return
        kind = _last(layer.func)
        if kind in ("Dense",):
            units = _kwarg(layer, "units") or _kwarg(layer, "output_dim") or \
                (layer.args[0] if layer.args and layer.args[0].keyword is None else None)
            value = _number(units.value) if units is not None else None
            self.units[model] = int(value) if value is not None and value == int(value) else None
        elif kind not in ("Activation", "Dropout", "Softmax"):  # these keep the last Dense's width
            self.units[model] = None

    def keras_ref(self, prefer: str = "keras") -> str | None:
        """An expression that names the keras package here (``keras``, ``tf.keras``), if any."""
        for bound, module in self.modules.items():
            if module in ("keras", "tensorflow.keras"):
                return bound
        for bound, module in self.modules.items():
            if module == "tensorflow":
                return f"{bound}.keras"
        return None


def _last(node: cst.BaseExpression) -> str:
    return node.value if isinstance(node, cst.Name) else node.attr.value if isinstance(node, cst.Attribute) else ""


class Upgrade(cst.CSTTransformer):
    """The rules.  ``apply`` says whether to rewrite (``--fix``) or only to find (static pass)."""

    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

    def __init__(self, facts: Facts, header_lines: int, stars: set[str]) -> None:
        super().__init__()
        self.facts, self.header_lines, self.stars = facts, header_lines, stars
        self.findings: list[Finding] = []
        self.pending_sequential: set[str] = set()  # Sequential() models with no layer added yet
        self.added: set[str] = set()  # models this snippet adds layers to
        self.inserts: dict[int, cst.BaseStatement] = {}  # id(original statement) -> statement to put before
        self.imports: dict[str, str] = {}  # name -> module to import it from (added at the top)
        self.contrib: dict[int, str] = {}  # line -> the longest tf.contrib.<rest> used on it
        self.contrib_fixed: set[int] = set()

    # ------------------------------------------------------------------ helpers
    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line - self.header_lines

    def _say(self, node: cst.CSTNode, rule: str, message: str, action: str = "rewrite") -> None:
        finding = Finding(self._line(node), rule, message, action)
        if finding not in self.findings:
            self.findings.append(finding)

    def _human(self, node: cst.CSTNode, rule: str, message: str) -> None:
        self._say(node, rule, message, "human")

    def _qnames(self, node: cst.CSTNode) -> set[str]:
        found = {_norm(q.name) for q in self.get_metadata(QualifiedNameProvider, node, set())}
        if not found and isinstance(node, cst.Name):  # from keras.optimizers import *
            for module in self.stars:
                if (module == "keras.optimizers" and node.value in OPTIMIZERS) or \
                        (module == "keras.layers" and node.value in LAYERS):
                    found.add(f"{module}.{node.value}")
        return found

    def _import(self, name: str, submodule: str, like: cst.CSTNode) -> str:
        """``name``, imported from keras (or tensorflow.keras, as ``like`` is) at the top of the snippet."""
        qn = next(iter(q.name for q in self.get_metadata(QualifiedNameProvider, like, set())), "keras.")
        self.imports[name] = ("tensorflow.keras" if qn.startswith("tensorflow.") else "keras") + submodule
        return name

    def _match(self, node: cst.CSTNode, pattern: str) -> re.Match[str] | None:
        return next((m for q in self._qnames(node) if (m := re.fullmatch(pattern, q))), None)

    # ------------------------------------------------------------------ imports
    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        module = _dotted(original.module) if original.module and not original.relative else None
        if not module:
            return updated
        norm = _norm(module + ".x", fold=False)[:-2]
        prefix = module[: len(module) - len(norm) + len("keras")] if norm.startswith("keras") else ""
        if norm.startswith("tensorflow.examples.tutorials"):
            self._human(original, "tf-examples-tutorials", "tensorflow.examples.tutorials is gone in TF 2: "
                        "load MNIST with keras.datasets.mnist.load_data() (NumPy arrays: reshape to (-1, 784), "
                        "divide by 255, one-hot with keras.utils.to_categorical; no DataSet.next_batch, "
                        "batch with model.fit(batch_size=...) or tf.data)")
        elif norm.startswith("tensorflow.contrib"):
            self._human(original, "tf-contrib", _contrib_message(norm[len("tensorflow.contrib."):]))
        if isinstance(updated.names, cst.ImportStar):
            return updated
        names = [(_dotted(a.name) or "") for a in updated.names]
        moved = {"keras.utils.vis_utils": {"plot_model", "model_to_dot"},
                 "keras.utils.data_utils": {"get_file", "Sequence"},
                 "keras.utils.layer_utils": {"count_params"}}
        if norm in moved:
            if set(names) <= moved[norm]:
                self._say(original, "keras-utils-submodule", f"{norm} is gone: import {', '.join(names)} from keras.utils")
                return updated.with_changes(module=_expr(f"{prefix}.utils"))
            self._human(original, "keras-utils-submodule", f"{norm} is gone in Keras 3: import what you need "
                        "from keras.utils (not everything it held exists there)")
            return updated
        if norm in ("keras.preprocessing.image", "keras.preprocessing") and "ImageDataGenerator" in names:
            self._human(original, "keras-image-data-generator", "ImageDataGenerator is gone in Keras 3: load images "
                        "with keras.utils.image_dataset_from_directory(...) and augment with layers "
                        "(keras.layers.Rescaling, RandomFlip, RandomRotation, RandomZoom)")
        if norm.startswith("keras.backend.tensorflow_backend") or (norm == "keras.backend" and any(
                n in ("set_session", "get_session") for n in names)):
            self._human(original, "keras-backend-session", "Keras 3 has no TensorFlow session to get or set: "
                        "drop it (TF 2 runs eagerly; keras.backend.clear_session() resets Keras state)")
        if norm == "keras.utils.np_utils":
            self._say(original, "keras-np-utils", "keras.utils.np_utils is gone: import from keras.utils")
            return updated.with_changes(module=_expr(f"{prefix}.utils"))
        if norm == "keras.utils" and "np_utils" in names:
            if len(names) > 1:
                self._human(original, "keras-np-utils", "keras.utils.np_utils is gone: import np_utils on its "
                            "own line, then `check --fix` turns it into `from keras import utils as np_utils`")
                return updated
            self._say(original, "keras-np-utils", "keras.utils.np_utils is gone: its functions "
                      "(to_categorical, normalize) are in keras.utils")
            return updated.with_changes(module=_expr(prefix), names=[cst.ImportAlias(
                name=cst.Name("utils"), asname=updated.names[0].asname or cst.AsName(name=cst.Name("np_utils")))])
        m = re.fullmatch(r"keras\.layers\.(%s)" % "|".join(LEGACY_LAYER_MODULES), norm)
        if m:
            bad = [n for n in names if n not in LAYERS]
            if bad:
                self._human(original, "keras-layers-submodule", f"keras.layers.{m.group(1)} is gone and "
                            f"{', '.join(bad)} has no Keras 3 equivalent of the same name (Keras 1 `merge`/"
                            "`Merge`: use keras.layers.Add/Concatenate/...)")
                return updated
            self._say(original, "keras-layers-submodule", f"keras.layers.{m.group(1)} is gone: import from "
                      "keras.layers")
            aliases = [a.with_changes(name=cst.Name(KERAS1_LAYERS[n])) if n in KERAS1_LAYERS and a.asname is None
                       else a for a, n in zip(updated.names, names)]
            return updated.with_changes(module=_expr(f"{prefix}.layers"), names=aliases)
        if norm == "keras.layers" and any(n in KERAS1_LAYERS for n in names):
            self._say(original, "keras1-layer-name", "Keras 1 layer names: Convolution2D is Conv2D")
            return updated.with_changes(names=[a.with_changes(name=cst.Name(KERAS1_LAYERS[n]))
                                               if n in KERAS1_LAYERS and a.asname is None else a
                                               for a, n in zip(updated.names, names)])
        return updated

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> cst.Import:
        for alias in original.names:
            name = _norm(_dotted(alias.name) or "")
            if name.startswith("tensorflow.contrib"):
                self._human(original, "tf-contrib", _contrib_message(name[len("tensorflow.contrib."):]))
            elif name.startswith("tensorflow.examples.tutorials"):
                self._human(original, "tf-examples-tutorials", "tensorflow.examples.tutorials is gone in TF 2: "
                            "use keras.datasets.mnist.load_data()")
            elif name.startswith("keras.utils.np_utils") or re.match(r"keras\.layers\.(%s)" % "|".join(
                    LEGACY_LAYER_MODULES), name):
                self._human(original, "keras-legacy-module", f"{name} is gone in Keras 3: import from "
                            "keras.utils / keras.layers and change the uses")
        return updated

    # ------------------------------------------------------------------ names and attributes
    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        m = self._match(original, r"keras\.layers\.(Convolution[123]D)")
        if m and original.value == m.group(1):
            return updated.with_changes(value=KERAS1_LAYERS[m.group(1)])
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        conv = self._match(original, r"keras\.layers\.(Convolution[123]D)")
        if conv and original.attr.value == conv.group(1):  # layers.Convolution2D -> layers.Conv2D
            return updated.with_changes(attr=cst.Name(KERAS1_LAYERS[conv.group(1)]))
        m = self._match(original, r"numpy\.(\w+)")
        if m and m.group(1) in NUMPY_ALIASES:
            builtin = NUMPY_ALIASES[m.group(1)]
            self._say(original, "numpy-builtin-alias", f"np.{m.group(1)} was an alias of the builtin "
                      f"`{builtin}` (removed in NumPy 1.24{'; NumPy 2 brought back np.bool as np.bool_' if builtin == 'bool' else ''}): write `{builtin}`")
            return cst.Name(builtin)
        if m and m.group(1) in NUMPY2_REMOVED:
            new = NUMPY2_REMOVED[m.group(1)]
            self._say(original, "numpy2-removed", f"np.{m.group(1)} was removed in NumPy 2.0: np.{new}")
            return updated.with_changes(attr=cst.Name(new))
        m = self._match(original, r"tensorflow\.contrib\.?(.*)")
        if m:
            line = self._line(original)
            if len(m.group(1)) >= len(self.contrib.get(line, "")):
                self.contrib[line] = m.group(1)
        m = self._match(original, r"tensorflow\.(\w+)")
        if (opt := self._match(original, r"tensorflow\.train\.(\w*Optimizer)")):
            self._human(original, "tf1-graph", f"tf.train.{opt.group(1)}: {TF1_GRAPH['train']}")
        if m and m.group(1) in TF1_GRAPH and m.group(1) != "train" and isinstance(original.value, cst.Name):
            self._human(original, "tf1-graph", f"tf.{m.group(1)}: {TF1_GRAPH[m.group(1)]}; no rewrite keeps "
                        "the meaning of graph code (tf.compat.v1 with disable_eager_execution() runs it "
                        "unchanged as a stopgap)")
        return updated

    # ------------------------------------------------------------------ calls
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if any(a.star == "**" for a in original.args):
            if self._match(original.func, r"keras\.(optimizers|layers)\.\w+") or \
                    _last(original.func) in ("fit", "fit_generator", "compile"):
                self._human(original, "kwargs-splat", f"{_code(original.func)}(**...): the keys inside the "
                            "dict are not visible here; rename lr= / nb_epoch= / Keras 1 arguments in it by hand")
            return updated
        if self._match(original.func, r"tensorflow\.contrib\.layers\.xavier_initializer") and not original.args \
                and (base := (_dotted(original.func) or "").split(".")[0]) and self.facts.modules.get(base) == "tensorflow":
            self._say(original, "tf-contrib-xavier", "tf.contrib.layers.xavier_initializer() is Glorot uniform: "
                      "tf.keras.initializers.GlorotUniform()")
            self.contrib_fixed.add(self._line(original))
            return _expr(f"{base}.keras.initializers.GlorotUniform()")
        m = self._match(original.func, r"keras\.optimizers\.(\w+)")
        if m and m.group(1) in OPTIMIZERS:
            return self._optimizer(original, updated, m.group(1))
        m = self._match(original.func, r"keras\.layers\.(\w+)")
        if m and m.group(1) in LAYERS:
            updated = self._layer_args(original, updated, m.group(1))
        if m and m.group(1) == "Sequential" or self._match(original.func, r"keras\.(?:models\.)?Sequential"):
            return self._sequential(original, updated)
        m = self._match(original.func, r"tensorflow\.(?:nn\.)?(\w+)")
        if m:
            return self._tensorflow(original, updated, m.group(1))
        method = original.func.attr.value if isinstance(original.func, cst.Attribute) else None
        if method in ("fit", "fit_generator", "evaluate_generator", "predict_generator"):
            updated = self._fit(original, updated, method)
        elif method in ("predict_classes", "predict_proba"):
            return self._predict_classes(original, updated, method)
        return updated

    def _optimizer(self, original: cst.Call, updated: cst.Call, name: str) -> cst.Call:
        args = list(updated.args)
        positional = [a for a in original.args if a.keyword is None]
        safe = SAFE_POSITIONAL.get(name, 1)
        if len(positional) > safe:
            self._human(original, "optimizer-positional", f"{name}(...) with {len(positional)} positional "
                        f"arguments: after the first {safe} the order changed in Keras 3 (Keras 2 took decay "
                        "positionally); name every argument")
            return updated
        names = {a.keyword.value for a in args if a.keyword}
        lr_arg = _kwarg(updated, "lr")
        decay = _kwarg(updated, "decay")
        out: list[cst.Arg] = []
        for arg in args:
            key = arg.keyword.value if arg.keyword else None
            if key == "lr":
                if "learning_rate" in names:
                    self._human(original, "optimizer-lr", "both lr= and learning_rate= given: keep one")
                    out.append(arg)
                    continue
                self._say(original, "optimizer-lr", "lr= is learning_rate= (Keras 3 removed the alias)")
                out.append(arg.with_changes(keyword=cst.Name("learning_rate")))
            elif key == "epsilon" and isinstance(arg.value, cst.Name) and arg.value.value == "None":
                self._say(original, "optimizer-epsilon-none", "epsilon=None meant the backend's epsilon, 1e-7, "
                          "which is Keras 3's default: argument removed")
            elif key == "decay":
                value = _number(arg.value)
                if value == 0:
                    self._say(original, "optimizer-decay", "decay=0 did nothing and Keras 3 no longer accepts "
                              "decay=: argument removed")
                    continue
                out.append(arg)
            else:
                out.append(arg)
        if decay is not None and _number(decay.value) != 0:
            keras = self.facts.keras_ref()
            rate = lr_arg.value if lr_arg is not None else (positional[0].value if positional else None)
            if rate is None or _number(decay.value) is None:
                self._human(original, "optimizer-decay", "decay= is gone in Keras 3 (it is ignored with a "
                            "warning): pass learning_rate=keras.optimizers.schedules.InverseTimeDecay(lr, "
                            "decay_steps=1, decay_rate=decay), the same formula lr / (1 + decay * step); "
                            "give the initial lr explicitly")
                return updated.with_changes(args=_fix_commas(out, updated.args))
            schedule_name = f"{keras}.optimizers.schedules.InverseTimeDecay" if keras else \
                self._import("InverseTimeDecay", ".optimizers.schedules", original.func)
            self._say(original, "optimizer-decay", "decay= is gone in Keras 3: the same formula, "
                      "lr / (1 + decay * iterations), is the InverseTimeDecay schedule")
            schedule = _expr(f"{schedule_name}({_code(rate)}, decay_steps=1, "
                             f"decay_rate={_code(decay.value)})")
            out = [a for a in out if not (a.keyword and a.keyword.value == "decay")]
            if lr_arg is not None:
                out = [a.with_changes(value=schedule) if a.keyword and a.keyword.value == "learning_rate" else a
                       for a in out]
            else:
                out = [a.with_changes(value=schedule) if a is updated.args[0] else a for a in out]
        return updated.with_changes(args=_fix_commas(out, updated.args))

    def _layer_args(self, original: cst.Call, updated: cst.Call, layer: str) -> cst.Call:
        # Embedding keeps input_dim/output_dim (vocabulary size and vector size) and has no kernel
        mapping = EMBEDDING_ARGS if layer == "Embedding" else KERAS1_LAYER_ARGS
        present = {a.keyword.value for a in updated.args if a.keyword}
        out = []
        for arg in updated.args:
            key = arg.keyword.value if arg.keyword else None
            if key in mapping and mapping[key] not in present and not (layer == "Dense" and key in (
                    "filter_length", "pool_length")):
                self._say(original, "layer-keras1-args", f"Keras 1 argument {key}= is {mapping[key]}=")
                arg = arg.with_changes(keyword=cst.Name(mapping[key]))
            out.append(arg)
        if layer in KERAS1_LAYERS:
            positional = [a for a in out if a.keyword is None]
            if len(positional) == 3 and layer == "Convolution2D":  # Keras 1: (nb_filter, nb_row, nb_col)
                self._say(original, "keras1-conv", "Keras 1 Convolution2D(filters, rows, cols) is "
                          "Conv2D(filters, (rows, cols))")
                kernel = cst.Arg(value=_expr(f"({_code(positional[1].value)}, {_code(positional[2].value)})"),
                                 comma=positional[2].comma)
                out = [out[0], kernel, *out[3:]]
            elif len(positional) > 2:
                self._human(original, "keras1-conv", f"{layer} with {len(positional)} positional arguments: "
                            "the Keras 1 and Keras 2 signatures differ; name them (filters=, kernel_size=)")
                return updated.with_changes(func=original.func)  # not even renamed: Conv2D would misread them
            else:
                self._say(original, "keras1-layer-name", f"{layer} is {KERAS1_LAYERS[layer]} in Keras 2 and 3")
        return updated.with_changes(args=out)

    def _input_for(self, layer: cst.Call, where: cst.CSTNode) -> tuple[cst.BaseExpression, cst.Call] | None:
        """keras.Input(shape=...) for a first layer's input_dim=/input_shape=, and the layer without it."""
        m = self._match(layer.func, r"keras\.layers\.(\w+)")
        dim, shape = _kwarg(layer, "input_dim"), _kwarg(layer, "input_shape")
        if (dim is None and shape is None) or not m:
            return None
        if m.group(1) not in INPUT_LAYERS or (dim is not None and shape is not None) or _kwarg(layer, "input_length"):
            self._human(where, "layer-input-shape", f"{m.group(1)}(input_dim=/input_shape=...): move the "
                        "model's input shape to a first keras.Input(shape=...) by hand")
            return None
        shape_code = f"({_code(dim.value)},)" if dim is not None else _code(shape.value)
        ref = self.facts.input_name or (f"{k}.Input" if (k := self.facts.keras_ref()) else None)
        if ref is None:
            ref = self._import("Input", "", layer.func)
        self._say(where, "layer-input-shape", "input_dim=/input_shape= on the first layer: start the model "
                  "with keras.Input(shape=...) (Keras 3 warns and will stop accepting it)")
        kept = [a for a in layer.args if a is not dim and a is not shape]
        return _expr(f"{ref}(shape={shape_code})"), layer.with_changes(args=_fix_commas(kept, layer.args))

    def _sequential(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        first = updated.args[0].value if updated.args else None
        if isinstance(first, cst.List) and first.elements and isinstance(first.elements[0].value, cst.Call):
            orig_first = original.args[0].value.elements[0].value  # type: ignore[attr-defined]
            found = self._input_for(orig_first, original)
            if found:
                new_input, _ = found
                layer = first.elements[0].value
                kept = [a for a in layer.args if not (a.keyword and a.keyword.value in ("input_dim", "input_shape"))]
                el0 = first.elements[0]
                ws = first.lbracket.whitespace_after
                after: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
                if isinstance(ws, cst.ParenthesizedWhitespace):  # one element per line: the same indent
                    after = cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), empty_lines=[],
                                                        indent=ws.indent, last_line=ws.last_line)
                elements = [el0.with_changes(value=new_input, comma=cst.Comma(whitespace_after=after)),
                            el0.with_changes(value=layer.with_changes(args=_fix_commas(kept, layer.args))),
                            *first.elements[1:]]
                return updated.with_changes(args=[updated.args[0].with_changes(
                    value=first.with_changes(elements=elements)), *updated.args[1:]])
        return updated

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) \
                and isinstance(node.value, cst.Call) and not node.value.args \
                and self._match(node.value.func, r"keras\.(?:models\.)?Sequential"):
            self.pending_sequential.add(node.targets[0].target.value)

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine) -> cst.BaseStatement | cst.FlattenSentinel:
        stmt = original.body[0] if len(original.body) == 1 else None
        call = stmt.value if isinstance(stmt, cst.Expr) else None
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "add"
                and isinstance(call.func.value, cst.Name) and call.args and isinstance(call.args[0].value, cst.Call)):
            return updated
        model = call.func.value.value
        layer = call.args[0].value
        if model not in self.pending_sequential and model not in self.added \
                and self.facts.first_layer.get(model) == _code(layer):  # Sequential() made in an earlier cell
            self.pending_sequential.add(model)
        self.added.add(model)
        if model not in self.pending_sequential:
            if _kwarg(layer, "input_dim") or _kwarg(layer, "input_shape"):
                if model in self.facts.units:
                    self._human(original, "layer-input-shape", "input_dim=/input_shape= on a layer that is not "
                                "the model's first: Keras 3 ignores it; remove it by hand")
            return updated
        self.pending_sequential.discard(model)
        found = self._input_for(layer, original)
        if not found:
            return updated
        new_input, _ = found
        new_call = updated.body[0].value  # type: ignore[attr-defined]
        new_layer = new_call.args[0].value
        kept = [a for a in new_layer.args if not (a.keyword and a.keyword.value in ("input_dim", "input_shape"))]
        line = updated.with_changes(body=[updated.body[0].with_changes(value=new_call.with_changes(
            args=[new_call.args[0].with_changes(value=new_layer.with_changes(args=_fix_commas(kept, new_layer.args)))]))])
        add_input = cst.SimpleStatementLine(body=[cst.Expr(_expr(f"{model}.add({_code(new_input)})"))],
                                            leading_lines=updated.leading_lines)
        return cst.FlattenSentinel([add_input, line.with_changes(leading_lines=[])])

    def _tensorflow(self, original: cst.Call, updated: cst.Call, name: str) -> cst.BaseExpression:
        func = _dotted(original.func) or ""
        if name in LOSS_SIGNATURES and func.split(".")[-2:-1] == ["nn"]:
            if any(a.keyword is None for a in original.args):
                self._human(original, "tf-loss-positional", f"tf.nn.{name} with positional arguments: "
                            f"{LOSS_SIGNATURES[name]}; a rewrite that guesses the order trains on swapped "
                            "labels and logits")
            elif name == "softmax_cross_entropy_with_logits":
                pass  # keyword arguments: the same call in TF 2
            return updated
        if name == "div" and func.split(".")[-2:-1] != ["math"]:
            self._human(original, "tf-div", "tf.div is gone: it divided like Python 2 (floor division for integers, "
                        "true division for floats); write tf.math.floordiv or tf.math.divide for what the code means")
            return updated
        if name == "dropout" and func.split(".")[-2:-1] == ["nn"]:
            if len([a for a in original.args if a.keyword is None]) > 1:
                self._human(original, "tf-dropout-keep-prob", "tf.nn.dropout(x, p): TF 1's second argument was "
                            "keep_prob, TF 2's is rate = 1 - keep_prob; name it (rate=1 - keep_prob)")
                return updated
            keep = _kwarg(updated, "keep_prob")
            if keep is not None:
                self._say(original, "tf-dropout-keep-prob", "tf.nn.dropout(keep_prob=p) is rate=1 - p in TF 2")
                value = _code(keep.value)
                value = value if re.fullmatch(r"[\w.]+", value) else f"({value})"
                return updated.with_changes(args=[a.with_changes(keyword=cst.Name("rate"), value=_expr(f"1 - {value}"))
                                                  if a is keep else a for a in updated.args])
            return updated
        if name in TF_RENAMES and isinstance(original.func, cst.Attribute) and isinstance(original.func.value, cst.Name):
            base = original.func.value.value
            new = TF_RENAMES[name]
            self._say(original, f"tf-rename-{name}", f"tf.{name} is tf.{new} in TF 2" + (
                " (the global seed; the same call with eager execution)" if name == "set_random_seed" else ""))
            return updated.with_changes(func=_expr(f"{base}.{new}"))
        if name == "to_float" and len(original.args) == 1 and isinstance(original.func, cst.Attribute) \
                and isinstance(original.func.value, cst.Name):
            base = original.func.value.value
            self._say(original, "tf-rename-to_float", "tf.to_float(x) is tf.cast(x, tf.float32)")
            return updated.with_changes(func=_expr(f"{base}.cast"), args=[
                updated.args[0].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                cst.Arg(_expr(f"{base}.float32"))])
        if name in TF_REDUCE:
            out = []
            for arg in updated.args:
                key = arg.keyword.value if arg.keyword else None
                if key in ("reduction_indices", "keep_dims", "dimension"):
                    new = {"reduction_indices": "axis", "keep_dims": "keepdims", "dimension": "axis"}[key]
                    self._say(original, "tf-reduce-args", f"tf.{name}({key}=) is {new}= in TF 2")
                    arg = arg.with_changes(keyword=cst.Name(new))
                out.append(arg)
            return updated.with_changes(args=out)
        return updated

    def _fit(self, original: cst.Call, updated: cst.Call, method: str) -> cst.Call:
        out = list(updated.args)
        keys = {a.keyword.value for a in out if a.keyword}
        if "nb_epoch" in keys:
            if "epochs" in keys:
                self._human(original, "fit-nb-epoch", "both nb_epoch= and epochs= given: keep epochs=")
            else:
                self._say(original, "fit-nb-epoch", "Keras 1 nb_epoch= is epochs=")
                out = [a.with_changes(keyword=cst.Name("epochs")) if a.keyword and a.keyword.value == "nb_epoch"
                       else a for a in out]
        for key, why in (("samples_per_epoch", "Keras 1 counted samples, Keras 2+ counts batches: "
                          "steps_per_epoch = samples_per_epoch // batch size"),
                         ("nb_val_samples", "Keras 1 counted samples: validation_steps = nb_val_samples // batch size"),
                         ("nb_worker", "Keras 3's fit has no worker options: use a keras.utils.PyDataset(workers=...)"),
                         ("workers", "Keras 3's fit has no worker options: use a keras.utils.PyDataset(workers=...)"),
                         ("use_multiprocessing", "Keras 3's fit has no worker options: use a keras.utils.PyDataset"),
                         ("max_queue_size", "Keras 3's fit has no queue option: use a keras.utils.PyDataset"),
                         ("pickle_safe", "Keras 1 option, gone")):
            if key in keys:
                self._human(original, "fit-generator-args", f"{method}({key}=): {why}")
        if method == "fit":
            return updated.with_changes(args=out)
        new = method.split("_")[0]
        if len([a for a in original.args if a.keyword is None]) > 1:
            self._human(original, "keras-generator-methods", f"{method}(generator, <positional>...): the second "
                        f"positional argument was a number of samples in Keras 1 and of steps in Keras 2, and is "
                        f"y in {new}(); name it (steps_per_epoch= / steps=) and then {method} becomes {new}")
            return updated.with_changes(args=out)
        if any(f.action == "human" and f.rule == "fit-generator-args" and f.line == self._line(original)
               for f in self.findings):
            return updated.with_changes(args=out)
        self._say(original, "keras-generator-methods", f"{method} is gone: {new}() takes generators, "
                  "tf.data.Dataset and keras.utils.PyDataset directly")
        return updated.with_changes(func=updated.func.with_changes(attr=cst.Name(new)), args=out)  # type: ignore[union-attr]

    def _predict_classes(self, original: cst.Call, updated: cst.Call, method: str) -> cst.BaseExpression:
        receiver = updated.func.value  # type: ignore[union-attr]
        predict = updated.with_changes(func=updated.func.with_changes(attr=cst.Name("predict")))  # type: ignore[union-attr]
        if method == "predict_proba":
            self._say(original, "keras-predict-classes", "predict_proba(x) was predict(x): renamed")
            return predict
        model = _dotted(original.func.value)  # type: ignore[union-attr]
        units = self.facts.units.get(model or "")
        if units is None:
            self._human(original, "keras-predict-classes", f"{_code(original.func)} is gone: it was "
                        "np.argmax(model.predict(x), axis=-1) for more than one output unit and "
                        "(model.predict(x) > 0.5).astype('int32') for one; the model's last layer is not "
                        "visible here, so pick by hand")
            return updated
        self._say(original, "keras-predict-classes", "predict_classes is gone: the same result is "
                  + ("predict(x).argmax(axis=-1)" if units > 1 else "(predict(x) > 0.5).astype('int32')")
                  + f" (the model's last layer has {units} unit{'s' if units > 1 else ''})")
        del receiver
        if units > 1:
            return _expr(f"{_code(predict)}.argmax(axis=-1)")
        return _expr(f"({_code(predict)} > 0.5).astype('int32')")

    # ------------------------------------------------------------------ history keys
    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        if len(original.slice) != 1 or not isinstance(original.slice[0].slice, cst.Index):
            return updated
        key = original.slice[0].slice.value
        if not (isinstance(key, cst.SimpleString) and key.evaluated_value in ("acc", "val_acc")):
            return updated
        if not (isinstance(original.value, cst.Attribute) and original.value.attr.value == "history"
                or "hist" in _code(original.value).lower()):
            return updated
        old = key.evaluated_value
        if "accuracy" in self.facts.metrics and "acc" not in self.facts.metrics:
            new = old.replace("acc", "accuracy")
            self._say(original, "history-acc-key", f"history key '{old}' is '{new}' (Keras 2.3+ names the key after "
                      "compile's metrics=['accuracy'])")
            quote = key.value[0] if key.value[0] in "'\"" else "'"
            return updated.with_changes(slice=[updated.slice[0].with_changes(
                slice=cst.Index(cst.SimpleString(f"{quote}{new}{quote}")))])
        if "acc" not in self.facts.metrics:
            self._human(original, "history-acc-key", f"history key '{old}': the key is named after compile's "
                        "metrics= ('accuracy' -> 'accuracy'/'val_accuracy'), and no compile(metrics=...) is visible")
        return updated

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        for line, rest in self.contrib.items():
            if line not in self.contrib_fixed:
                self.findings.append(Finding(line, "tf-contrib", _contrib_message(rest), "human"))
        if self.imports:
            body = list(updated.body)
            last = max((i for i, s in enumerate(body) if isinstance(s, cst.SimpleStatementLine)
                        and isinstance(s.body[0], (cst.Import, cst.ImportFrom))), default=-1)
            for name, module in sorted(self.imports.items(), reverse=True):
                body.insert(last + 1, cst.parse_statement(f"from {module} import {name}\n"))
            return updated.with_changes(body=body)
        return updated


def _contrib_message(rest: str) -> str:
    for key, text in CONTRIB.items():
        if rest == key or rest.startswith(key + "."):
            return f"tf.contrib.{rest} is gone in TF 2: {text}"
    return (f"tf.contrib{'.' + rest if rest else ''} is gone in TF 2 (no module of that name): find its "
            "replacement in keras.* or tf.* (e.g. layers.xavier_initializer -> keras.initializers.GlorotUniform, "
            "layers.l2_regularizer(s) -> keras.regularizers.L2(s / 2))")


IMPORT_LINE = re.compile(r"^(?:import|from)\s")


def context_header(codes: list[str]) -> str:
    """The top-level import statements of earlier cells/blocks (their names are in scope)."""
    lines = []
    for code in codes:
        try:
            module = cst.parse_module(code)
        except cst.ParserSyntaxError:
            continue
        for stmt in module.body:
            if isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(s, (cst.Import, cst.ImportFrom))
                                                                 for s in stmt.body):
                lines.append(_code(stmt.with_changes(leading_lines=[])).rstrip("\n"))
    return "".join(line + "\n" for line in lines)


def _facts(codes: list[str]) -> Facts:
    facts = Facts()
    for code in codes:
        try:
            MetadataWrapper(cst.parse_module(code)).visit(facts)
        except cst.ParserSyntaxError:
            continue
    return facts


def _stars(header: str, code: str) -> set[str]:
    return {_norm(m + ".x")[:-2] for m in re.findall(r"^from\s+([\w.]+)\s+import\s+\*", header + code, re.M)}


def upgrade(code: str, context: list[str] | None = None, all_code: list[str] | None = None) -> Result:
    """Rewrite ``code``; ``context``: earlier snippets of the same notebook/file (their imports are in
    scope); ``all_code``: every snippet of it (for facts such as compile metrics and model layers)."""
    context = context or []
    header = context_header(context)
    try:
        module = cst.parse_module(header + code)
    except cst.ParserSyntaxError:
        return Result(code)
    n_header = header.count("\n")
    transformer = Upgrade(_facts(all_code if all_code is not None else [*context, code]), n_header,
                          _stars(header, code))
    new = MetadataWrapper(module).visit(transformer)
    if n_header:
        new = new.with_changes(body=new.body[len(cst.parse_module(header).body):])
    text = new.code
    findings = sorted(transformer.findings, key=lambda f: (f.line, f.rule))
    return Result(text if any(f.action == "rewrite" for f in findings) else code, findings)


INLINE_HEADER = "import numpy as np\nimport tensorflow as tf\nimport keras\nfrom keras import layers, optimizers\n" \
                "from keras.optimizers import *\nfrom keras.layers import *\n"


def inline_candidate(text: str) -> bool:
    """Inline code worth checking: a call or an import that a rule has something to say about.  A bare
    name in prose (`` `dtype=np.int` ``, `` `keras.layers.core` ``) mentions an old API; it is not code
    to run, and rewriting it would change what the sentence says."""
    if "(" not in text and "import" not in text:
        return False
    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, ValueError, RecursionError):
        return False
    if not any(isinstance(s, cst.SimpleStatementLine) and any(
            isinstance(b, (cst.Import, cst.ImportFrom)) or (isinstance(b, (cst.Expr, cst.Assign)) and isinstance(
                b.value, cst.Call)) for b in s.body) for s in module.body):
        return False
    return bool(upgrade(text, [INLINE_HEADER]).findings)
