"""The chapter model: what a chapter declares (experiments, plain functions that build Keras
models, claims, figure sets, tables) and the build profiles.

Part of the core: it imports nothing of lecturegen outside :mod:`lecturegen.core`. Chapter
authors do not import it directly; they use the author API, :mod:`lecturegen.chapter`, which
re-exports what they need. Nothing here imports TensorFlow: the experiment functions import it
themselves, inside their bodies, when they are called to train. See docs/authoring.md.
"""

from __future__ import annotations

import functools
import inspect
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from lecturegen.core.claims import Claim, names_used
from lecturegen.core.datasource import TableData
from lecturegen.core.metrics import TASK_METRICS, check_metrics
from lecturegen.core.plugins import MAIN_GROUP, FigureSet, Table, plugin_name

CHAPTER_ID = re.compile(r"\A[a-z][a-z0-9_]*\Z")
"""The one chapter-id rule (chapter(), the registry, ``lecturegen new``): an id is also a file, folder
and Python module name, so a lowercase letter, then lowercase letters, digits and ``_``."""

FIGURE_SETS = ("curves", "comparison", "params")
"""The library's figure sets, by name in ``chapter(figures=...)``, drawn by :mod:`lecturegen.engine.figures`:
``curves`` one training-curve figure per experiment of the main group (``curves_<name>``),
``comparison`` test accuracy per experiment next to the references (``accuracy_comparison``),
``params`` test accuracy against parameter count (``accuracy_vs_params``). A chapter adds its own sets as functions in the same list
(:data:`lecturegen.core.plugins.FigureSet`)."""
DEFAULT_FIGURES = ("curves", "comparison")
INPUT_KINDS = ("flat", "image", "table")  # MNIST family: (N, 784), (N, 28, 28); a table: (N, features)
LABEL_KINDS = ("onehot", "int", "value", "binary")  # MNIST family: one-hot, integers; a table: numbers, 0/1
TABLE_KINDS = {"regression": ("table", "value"), "binary": ("table", "binary")}  # a table's inputs, labels


@dataclass(frozen=True)
class Reference:
    """Numbers of the original lecture, shown next to this run's, never instead of them."""

    test_accuracy: float | None = None
    test_loss: float | None = None
    train_accuracy: tuple[float, ...] = ()
    params: int | None = None



@functools.lru_cache(maxsize=4096)
def source_of(obj: Any) -> str:
    """``inspect.getsource(obj)``, read once per object in a process: a cache key of a run or a
    figure asks for the same few functions hundreds of times, and each lookup re-reads and
    re-tokenizes the file (an edited chapter is imported anew: new objects, read afresh)."""
    return inspect.getsource(obj)


def function_source(fn: Callable[..., Any]) -> str:
    """A function's own code, without decorators."""
    lines = textwrap.dedent(source_of(fn)).splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("def "))
    return "\n".join(lines[start:]) + "\n"


def function_body(fn: Callable[..., Any]) -> str:
    """A function's body as top-level code (its ``def`` line and indentation removed): a snippet
    the prose shows and the build runs by calling the function."""
    lines = function_source(fn).splitlines()
    end = next(i for i, line in enumerate(lines) if line.rstrip().endswith(":"))
    return textwrap.dedent("\n".join(lines[end + 1:])).strip("\n") + "\n"


@dataclass(frozen=True)
class Experiment:
    name: str
    build: Callable[[], Any]  # returns a compiled keras.Model
    title: dict[str, str]
    epochs: int
    batch_size: int | None  # None: the whole training set in one batch (batch gradient descent)
    inputs: str  # "flat": (N, 784) floats; "image": (N, 28, 28) floats
    labels: str  # "onehot" for categorical_crossentropy, "int" for sparse
    reference: Reference = Reference()
    settings: dict[str, Any] = field(default_factory=dict)  # hyper-parameters shown in tables
    group: str = MAIN_GROUP  # "main": the chapter's headline comparison; other groups are side studies
    uses: tuple[Callable[..., Any], ...] = ()  # chapter functions the build function calls (hashed, shown)
    label: dict[str, str] = field(default_factory=dict)  # short display name per language (tables, legends)
    seeds: int = 1  # at least this many seeds (SEED .. SEED+n-1), whatever --seeds says; mean ± sd
    resources: tuple[tuple[str, float], ...] = ()  # e.g. (("GPU", 1),): what a cluster worker must offer
    max_train: int | None = None  # train on the first N training images only (a cheap side study)
    max_test: int | None = None  # validate and test on the first N test images only
    predictions: bool = False  # keep the test predictions, the untrained model's loss and a few examples
    data_given: bool = True  # inputs/labels were given; else the chapter's data chooses them

    def display(self, lang: str) -> str:
        """The name students see: the short ``label`` in ``lang``, else the title; never the identifier."""
        return self.label.get(lang) or self.title.get(lang) or next(iter(self.title.values()), self.name)

    @property
    def source(self) -> str:
        """The experiment function's own code, without its decorator: the code that runs."""
        return function_source(self.build)

    @property
    def code_for_key(self) -> str:
        """Everything of the chapter's code that decides this run: its function and the helpers it uses."""
        return self.source + "".join(function_source(fn) for fn in self.uses)

    def batch_size_for(self, train_size: int) -> int:
        return train_size if self.batch_size is None else self.batch_size

    def limits(self, profile: "Profile") -> tuple[int | None, int | None]:
        """How many training and test images this run takes: the smaller of the experiment's and the profile's."""
        least = lambda a, b: b if a is None else a if b is None else min(a, b)  # noqa: E731
        return least(self.max_train, profile.max_train), least(self.max_test, profile.max_test)

    def hyper_parameters(self) -> dict[str, Any]:
        return {
            "epochs": self.epochs,
            "batch_size": "all" if self.batch_size is None else self.batch_size,
            "inputs": self.inputs,
            "labels": self.labels,
            **{k: v for k, v in (("max_train", self.max_train), ("max_test", self.max_test),
                                 ("predictions", self.predictions)) if v},
            **self.settings,
        }


def experiment(
    *,
    title: dict[str, str],
    epochs: int,
    batch_size: int | None = 32,
    inputs: str | None = None,
    labels: str | None = None,
    reference: Reference = Reference(),
    group: str = MAIN_GROUP,
    uses: tuple[Callable[..., Any], ...] = (),
    label: dict[str, str] | None = None,
    seeds: int = 1,
    resources: dict[str, float] | None = None,
    max_train: int | None = None,
    max_test: int | None = None,
    predictions: bool = False,
    **settings: Any,
) -> Callable[[Callable[[], Any]], Experiment]:
    """Decorator turning a model-building function into an :class:`Experiment`.

    ``batch_size=None`` trains on the whole training set per update (batch gradient descent).
    ``group`` keeps side studies out of the chapter's main comparison (``results_table`` and the main figures).
    ``uses`` names chapter functions the build function calls, so their code is hashed and shown.
    ``label`` is the short name students see in tables, legends and plot titles, per language
    (``{"ko": "시그모이드 모델", "en": "sigmoid model"}``); without it they see the title.
    ``seeds`` trains at least that many seeds where the chapter states a difference (``--seeds`` can ask for more).
    ``resources`` (e.g. ``{"GPU": 1}``) is what a Dask worker must offer to train it with
    ``--executor dask`` (workers started with ``--resources GPU=1``); it does not change the
    results, so it is not part of the cache key, and a local build ignores it.
    ``max_train``/``max_test`` train and test on the first N images only (a cheap side study, e.g. a
    grid of learning rates); the quick profile's smaller limits still apply.
    ``predictions=True`` keeps, with the run's result, what looking inside the model needs: the
    untrained model's test loss and accuracy, each test image's predicted class, and a few correct
    and wrong examples with their pixels (``run.predictions``, see :mod:`lecturegen.core.results`).
    """
    for name, limit in (("max_train", max_train), ("max_test", max_test)):
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ValueError(f"{name} must be a positive number of images, not {limit!r}")
    given = inputs is not None or labels is not None
    inputs, labels = inputs or "flat", labels or "onehot"  # the MNIST family's; a table chapter sets its own
    if inputs not in INPUT_KINDS:
        raise ValueError(f"inputs must be one of {', '.join(INPUT_KINDS)}, not {inputs!r}")
    if labels not in LABEL_KINDS:
        raise ValueError(f"labels must be one of {', '.join(LABEL_KINDS)}, not {labels!r}")
    if seeds < 1:
        raise ValueError(f"seeds must be at least 1, not {seeds!r}")
    needs = tuple(sorted((resources or {}).items()))
    if not all(isinstance(k, str) and isinstance(v, (int, float)) and v > 0 for k, v in needs):
        raise ValueError(f"resources must map names to positive amounts, e.g. {{'GPU': 1}}, not {resources!r}")

    def wrap(build: Callable[[], Any]) -> Experiment:
        return Experiment(build.__name__, build, dict(title), epochs, batch_size, inputs, labels, reference, settings,
                          group, tuple(uses), dict(label or {}), seeds, needs, max_train, max_test,
                          bool(predictions), data_given=given)

    return wrap


@dataclass(frozen=True)
class Chapter:
    id: str
    title: dict[str, str]
    experiments: tuple[Experiment, ...]
    content_dir: Path | None = None  # None: found by the registry (see docs/authoring.md)
    origin: str = ""  # where it was found, for messages
    figures: tuple[str | FigureSet, ...] = DEFAULT_FIGURES  # names from FIGURE_SETS or the chapter's own sets
    claims: tuple[Claim, ...] = ()  # the prose's statements about the results, checked by every build
    snippets: tuple[Callable[..., Any], ...] = ()  # code the prose shows and runs: {{ snippet("plot_relu") }}
    tables: tuple[Table, ...] = ()  # the chapter's own tables, {{ name() }} in content
    template_helpers: tuple[Callable[..., Any], ...] = ()  # the chapter's own content helpers, {{ name(...) }}
    data: Any = None  # what it trains on: a TableData, an engine DataSource; None: the MNIST family (--data)
    metrics: tuple[str, ...] = ()  # what its runs report (lecturegen.core.metrics); (): its task's defaults

    @property
    def task(self) -> str:
        """``multiclass`` (the MNIST family), ``binary`` or ``regression``: from the chapter's data."""
        return getattr(self.data, "task", "multiclass") if self.data is not None else "multiclass"

    @property
    def metric_names(self) -> tuple[str, ...]:
        return self.metrics or TASK_METRICS[self.task]

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the chapter is written in: those of its title, the first one the default."""
        return tuple(self.title)

    def experiment(self, name: str) -> Experiment:
        for exp in self.experiments:
            if exp.name == name:
                return exp
        raise KeyError(name)

    def group(self, name: str = MAIN_GROUP) -> tuple[Experiment, ...]:
        return tuple(exp for exp in self.experiments if exp.group == name)

    def helpers(self) -> tuple[Callable[..., Any], ...]:
        """Chapter functions experiments use, each once, in order of first use."""
        seen: dict[str, Callable[..., Any]] = {}
        for exp in self.experiments:
            for fn in exp.uses:
                seen.setdefault(fn.__name__, fn)
        return tuple(seen.values())


def chapter(
    *,
    id: str,
    title: dict[str, str],
    experiments: list[Experiment],
    content_dir: str | Path | None = None,
    figures: tuple[str | FigureSet, ...] | list[str | FigureSet] = DEFAULT_FIGURES,
    claims: list[Claim] | tuple[Claim, ...] = (),
    snippets: list[Callable[..., Any]] | tuple[Callable[..., Any], ...] = (),
    tables: list[Table] | tuple[Table, ...] = (),
    helpers: list[Callable[..., Any]] | tuple[Callable[..., Any], ...] = (),
    data: Any = None,
    metrics: list[str] | tuple[str, ...] = (),
) -> Chapter:
    """Declare a chapter. ``content_dir`` holds ``ko.md``/``en.md``; a relative path is taken
    relative to the chapter module's folder. Without it, the registry looks next to the module.
    ``figures`` names library figure sets or gives the chapter's own (functions), ``tables`` and
    ``helpers`` add content functions (see :mod:`lecturegen.core.plugins`)."""
    if not CHAPTER_ID.match(id):
        raise ValueError(f"chapter id {id!r} must be lowercase letters, digits and _, starting with a letter")
    names = [e.name for e in experiments]
    if len(set(names)) != len(names):
        raise ValueError(f"chapter {id}: experiment names repeat: {names}")
    if not experiments or not all(isinstance(e, Experiment) for e in experiments):
        raise ValueError(f"chapter {id}: experiments must be a non-empty list of @experiment functions")
    _check_languages(id, title, experiments, claims)
    unknown = [f for f in figures if not callable(f) and f not in FIGURE_SETS]
    if unknown:
        raise ValueError(f"chapter {id}: unknown figure set(s) {unknown}; choose from {list(FIGURE_SETS)} "
                         "or give a function returning FigureSpecs")
    _check_plugins(id, tables, helpers)
    experiments = _fit_data(id, data, experiments)
    task = getattr(data, "task", "multiclass") if data is not None else "multiclass"
    try:
        metrics = check_metrics(task, metrics) if metrics else ()
    except ValueError as exc:
        raise ValueError(f"chapter {id}: {exc}") from None
    folder = Path(content_dir) if content_dir is not None else None
    ids = [c.id for c in claims]
    if len(set(ids)) != len(ids):
        raise ValueError(f"chapter {id}: claim ids repeat: {ids}")
    for c in claims:
        unknown = names_used(c.check) - set(names)
        if unknown:
            raise ValueError(f"chapter {id}: claim {c.id!r} names unknown experiments {sorted(unknown)}; known: {names}")
    return Chapter(id, dict(title), tuple(experiments), folder, figures=tuple(figures), claims=tuple(claims),
                   snippets=tuple(snippets), tables=tuple(tables), template_helpers=tuple(helpers),
                   data=data, metrics=tuple(metrics))


def _fit_data(id: str, data: Any, experiments) -> list[Experiment]:
    """Each experiment's inputs and labels, checked against the chapter's table; an experiment that
    left them unset takes the table's (``table``; ``value`` for a regression, ``binary`` for 0/1)."""
    if data is None:
        return list(experiments)
    if not isinstance(data, TableData) and not hasattr(data, "task"):
        raise ValueError(f"chapter {id}: data must be sklearn_data(...), csv_data(...) or a data source, not {data!r}")
    kinds = TABLE_KINDS.get(data.task) if isinstance(data, TableData) else None
    if kinds is None:
        inputs_ok, labels_ok = getattr(data, "inputs", ()), getattr(data, "labels", ())
    else:
        inputs_ok, labels_ok = (kinds[0],), (kinds[1],)
    fitted = []
    for exp in experiments:
        if not exp.data_given and inputs_ok and labels_ok:
            from dataclasses import replace

            exp = replace(exp, inputs=inputs_ok[0], labels=labels_ok[0])
        if exp.inputs not in inputs_ok or exp.labels not in labels_ok:
            raise ValueError(f"chapter {id}: experiment {exp.name!r} asks for inputs={exp.inputs!r}, labels={exp.labels!r};"
                             f" its data gives inputs {list(inputs_ok)}, labels {list(labels_ok)}")
        fitted.append(exp)
    return fitted


def _check_languages(id: str, title: dict[str, str], experiments, claims) -> None:
    """Any set of languages, but the same one everywhere: the title's languages are the chapter's."""
    if not isinstance(title, dict) or not title or not all(isinstance(t, str) for t in title.values()):
        raise ValueError(f"chapter {id}: title must map each language to a text, e.g. {{'en': 'Chapter 7: ...'}}")
    for kind, items in (("experiment", [(e.name, e.title) for e in experiments]), ("claim", [(c.id, c.text) for c in claims])):
        for name, text in items:
            missing = [lang for lang in title if lang not in text]
            if missing:
                raise ValueError(f"chapter {id}: {kind} {name!r} has no {', '.join(missing)} text; the chapter's "
                                 f"title is in {', '.join(title)}")


def _check_plugins(id: str, tables, helpers) -> None:
    if not all(isinstance(t, Table) for t in tables):
        raise ValueError(f"chapter {id}: tables must be @table row functions")
    if not all(callable(h) and not isinstance(h, Table) for h in helpers):
        raise ValueError(f"chapter {id}: helpers must be functions (tables go in tables=)")
    names = [plugin_name(p) for p in (*tables, *helpers)]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"chapter {id}: table or helper name(s) {twice} given twice")


@dataclass(frozen=True)
class Profile:
    """How much of the chapter's settings a build uses. ``full`` is the lecture as taught."""

    name: str
    max_train: int | None  # None: the whole training set
    max_test: int | None
    max_epochs: int | None

    def epochs(self, exp: Experiment) -> int:
        return exp.epochs if self.max_epochs is None else min(exp.epochs, self.max_epochs)


PROFILES = {
    "full": Profile("full", None, None, None),
    "quick": Profile("quick", 2000, 500, 2),
}
