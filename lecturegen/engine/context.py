"""The typed context every template sees, and the helpers content files call.

Content files are Markdown with Jinja expressions. Autoescaping is on, so any text that comes
from results or from the user (a dataset folder name, a layer name) is escaped; the helpers
below return :class:`markupsafe.Markup` only for what they built and escaped themselves.
"""

from __future__ import annotations

import functools
import inspect
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from lecturegen import messages
from lecturegen.engine import apiprobe, maths, prep, train
from lecturegen.core.plugins import MAIN_GROUP
from lecturegen.core.chapter import Chapter, Experiment, Profile, function_body, function_source
from lecturegen.engine.data import MNIST, MNIST_CLASS_NAMES, DataSource, Fingerprint, MnistFamily, source_for
from lecturegen.core.metrics import metric
from lecturegen.errors import ChapterError
from lecturegen.engine.figures import RenderedFigure
from lecturegen.core.claims import ClaimResult, content_namespace
from lecturegen.core.results import RunResult
from lecturegen.core.formats import FILTERS, Seconds, fixed, mean, num, pct, seconds  # noqa: F401  (the content filters)
from lecturegen.core.plugins import Table, plugin_name
from lecturegen.messages import say


@dataclass(frozen=True)
class RenderContext:
    chapter: Chapter
    lang: str
    runs: dict[str, RunResult]
    figures: dict[str, RenderedFigure]
    dataset: Fingerprint
    profile: Profile
    provenance: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    claims: tuple[ClaimResult, ...] = ()  # evaluated on this build's runs (the means with --seeds N)
    formulas: dict[str, maths.Formula] = field(default_factory=dict)  # typeset before rendering, by TeX
    repository: str | None = None  # the course's repository ([course] repository): the notebook's Colab link
    bibliography: Any = None  # the chapter's references.bib (engine.myst.Bibliography), read before rendering

    @property
    def failing_claims(self) -> list[ClaimResult]:
        return [c for c in self.claims if c.failed]

    @property
    def is_sample(self) -> bool:
        return self.dataset.is_sample

    @property
    def title(self) -> str:
        return self.chapter.title[self.lang]


def fenced(code: str, language: str = "python", options: str = "") -> Markup:
    """A fenced Markdown code block; markdown-it escapes its content. ``options`` go on the info
    string after the language (``hl=3,5 steps=3|5-7``, read by :func:`lecturegen.engine.render._highlight`)."""
    fence = "````" if "```" in code else "```"
    info = f"{language} {options}".strip()
    return Markup(f"{fence}{info}\n{code.rstrip()}\n{fence}\n")


DATA_NAMES = MnistFamily.NAMES


def data_name(exp: Experiment, source: DataSource = MNIST) -> str:
    """The variable the data code prepares for an experiment's inputs and labels."""
    return source.data_name(exp.inputs, exp.labels)


def fit_call(exp: Experiment, run: RunResult, source: DataSource = MNIST) -> str:
    """The training lines under an experiment's code: the plain Keras calls with the values the
    build trained with. The build runs the same calls (:func:`lecturegen.engine.train.fit_and_evaluate`;
    a table's task: :func:`~lecturegen.engine.train.fit_and_predict`), only quiet and with its progress
    callback; its speed setting is not student code."""
    data = data_name(exp, source)
    batch = f"len({data}.x_train)" if exp.batch_size is None else str(run.batch_size)
    if source.task != "multiclass":
        return (f"model = {exp.name}()\n"
                f"history = model.fit({data}.x_train, {data}.y_train,\n"
                f"                    batch_size={batch}, epochs={run.epochs},\n"
                f"                    validation_data=({data}.x_test, {data}.y_test))\n"
                f"test_loss = model.evaluate({data}.x_test, {data}.y_test)\n"
                f"predicted = model.predict({data}.x_test)\n")
    return (f"model = {exp.name}()\n"
            f"history = model.fit({data}.x_train, {data}.y_train,\n"
            f"                    batch_size={batch}, epochs={run.epochs},\n"
            f"                    validation_data=({data}.x_test, {data}.y_test))\n"
            f"test_loss, test_accuracy = model.evaluate({data}.x_test, {data}.y_test)\n")


def differing_lines(code: str, other: str) -> list[int]:
    """1-based numbers of the lines of ``code`` that ``other`` does not have (to highlight)."""
    import difflib

    a, b = code.splitlines(), other.splitlines()
    same = {i for block in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks()
            for i in range(block.a, block.a + block.size)}
    return [i + 1 for i, line in enumerate(a) if i not in same and line.strip()]


def _step_lines(code: str, group: str) -> str:
    """A step of ``code(steps=...)``: line numbers as given, or the lines containing a text."""
    if re.fullmatch(r"[\d,-]+", group):
        return group
    found = [str(i) for i, line in enumerate(code.splitlines(), 1) if group in line]
    if not found:
        raise ChapterError(say("content.helper.no_step_line", group=group))
    return ",".join(found)


DATA_SETS = MNIST_CLASS_NAMES  # the MNIST family's class names per language


class Named(dict):
    """A name -> value table seen by content files (``runs``, ``exp``, ``ref``): an unknown name is
    an error in the author's terms, listing the known names, instead of Jinja's ``'dict object'
    has no attribute``."""

    def __init__(self, items: dict[str, Any], what: str, chapter_id: str) -> None:
        super().__init__(items)
        self._what, self._chapter = what, chapter_id

    def _unknown(self, name: object) -> ChapterError:
        known = ", ".join(self) or say("content.helper.known_none")
        return ChapterError(say("content.helper.unknown_name", what=self._what, name=name, chapter=self._chapter, known=known))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self:
            return self[name]
        raise self._unknown(name)

    def __missing__(self, key: object) -> Any:
        raise self._unknown(key)


class Helpers:
    """Functions available in content files: {{ code("relu") }}, {{ summary("relu") }}...

    Also the page a chapter's own content helper gets as first argument
    (:class:`lecturegen.core.plugins.Page`): ``chapter``, ``lang``, ``runs``, ``is_sample``,
    ``experiments(group)`` and every built-in helper."""

    def __init__(self, ctx: RenderContext, notebook: bool = False) -> None:
        self.ctx = ctx
        self.notebook = notebook  # render for the notebook: formulas as LaTeX, code blocks become cells
        self.shown: set[str] = set()
        self.formulas_used: list[str] = []  # every formula the content asked for, in order
        self.api_used: list[tuple[str, dict[str, Any]]] = []  # optimizer calls api_changes() asked about
        self.chapter, self.lang, self.runs, self.is_sample = ctx.chapter, ctx.lang, ctx.runs, ctx.is_sample
        self.trained: str | None = None  # the experiment whose code (and fit call) was shown last: `model`

    def _experiment(self, name: str):
        try:
            return self.ctx.chapter.experiment(name)
        except KeyError:
            known = ", ".join(e.name for e in self.ctx.chapter.experiments)
            raise ChapterError(say("content.helper.unknown_experiment", name=name, id=self.ctx.chapter.id, known=known)) from None

    def experiment_code(self, name: str) -> str:
        """An experiment's whole code as a student runs it: its function, then the fit call that ran."""
        exp = self._experiment(name)
        return exp.source + "\n\n" + fit_call(exp, self.ctx.runs[name], self.source)

    def code(self, name: str, against: str | None = None, steps: str = "", hl: str = "") -> Markup:
        """``code("full_batch", against="mini_batch")`` highlights the lines that differ from another
        experiment's; ``steps="optimizer=|batch_size="`` steps through the lines holding each text
        (or line numbers, ``"6|14"``) on the slide, one group per click."""
        text = self.experiment_code(name)
        self.trained = name
        lines = differing_lines(text, self.experiment_code(against)) if against else []
        hl = hl or ",".join(map(str, lines))
        steps = "|".join(_step_lines(text, group) for group in steps.split("|")) if steps else ""
        options = " ".join(filter(None, [f"run={name}", f"hl={hl}" if hl else "", f"steps={steps}" if steps else ""]))
        return fenced(text, options=options)

    @property
    def source(self) -> DataSource:
        """The chapter's data source (the MNIST family unless it declares its own)."""
        return source_for(self.ctx.chapter)

    def fit_function(self):
        """The training function every run of this chapter goes through (by the task of its data)."""
        return train.fit_and_evaluate if self.ctx.chapter.task == "multiclass" else train.fit_and_predict

    def fit_code(self) -> Markup:
        return fenced(inspect.getsource(self.fit_function()), options="setup=fit")

    def load_code(self) -> str:
        """The data loading lines students run: the data source's (for the MNIST family, this build's
        data set through ``keras.datasets``)."""
        return self.source.load_code(self.ctx.dataset, self.ctx.profile)

    def prepare_calls(self) -> str:
        kinds = dict.fromkeys((e.inputs, e.labels) for e in self.ctx.chapter.experiments)
        return "".join(self.source.prepare_call(*k) for k in kinds)

    def prepare_source(self) -> str:
        """The data source's preparation function with the ``Data`` tuple it returns, from prep's source."""
        data = next(line for line in inspect.getsource(prep).splitlines() if line.startswith("Data = namedtuple("))
        function = self.source.prepare_function()
        return f"from collections import namedtuple\n\n{data}\n\n\n" + inspect.getsource(function)

    def load_data_code(self) -> Markup:
        """The data slide's loading lines (this build's data set through Keras)."""
        return fenced(self.load_code(), options="setup=load")

    def prep_code(self) -> Markup:
        """The preparation every run of the build goes through, and its calls."""
        return fenced(self.prepare_source() + "\n\n" + self.prepare_calls(), options="setup=prep")

    def snippet(self, name: str, hl: str = "") -> Markup:
        """A chapter snippet's body (``chapter(snippets=...)``), e.g. the code drawing an activation function;
        ``hl="def |lr"`` highlights the lines holding any of those texts (or line numbers, ``"2,5-7"``)."""
        for fn in self.ctx.chapter.snippets:
            if fn.__name__ == name:
                self.shown.add(name)
                body = function_body(fn)
                lines = ",".join(filter(None, (_step_lines(body, group) for group in hl.split("|")))) if hl else ""
                return fenced(body, options=f"snippet={name}" + (f" hl={lines}" if lines else ""))
        raise ChapterError(say("content.helper.unknown_snippet", name=name, id=self.ctx.chapter.id, snippets=', '.join(fn.__name__ for fn in self.ctx.chapter.snippets)))

    def class_names(self) -> list[str]:
        """The data set's class names in the page's language (digits for MNIST; none for a regression)."""
        return self.source.class_names(self.ctx.dataset, self.ctx.lang)

    def api_changes(self, optimizer: str, **arguments: Any) -> dict[str, dict[str, Any]]:
        """How the installed Keras treats each argument of an old ``keras.optimizers.<optimizer>(...)`` call:
        probed by the build before rendering (``extra["api_probes"]``, see :func:`lecturegen.engine.apiprobe.probe_all`);
        a render without them probes now, in a child process."""
        self.api_used.append((optimizer, arguments))
        probes = self.ctx.extra.get("api_probes")
        if probes is not None:
            return probes.get(apiprobe.request_key(optimizer, arguments), {})
        return apiprobe.probe(optimizer, arguments)

    def _model(self, name: str) -> str:
        """How the code below an experiment's names its model: ``model`` right after its code was
        shown (the variable its fit call trained), else a new one."""
        return "model" if self.trained == name else f"{name}()"

    def summary(self, name: str, call: bool = True) -> Markup:
        """The model's ``model.summary()``: the call (``call=False``: not shown) and its table."""
        self._experiment(name)
        code = fenced(f"{self._model(name)}.summary()\n", options=f"summary={name}") if call else ""
        return Markup(code) + self.summary_table(name)

    def summary_table(self, name: str) -> Markup:
        self._experiment(name)
        s = self.ctx.runs[name].summary
        words = messages.section(self.ctx.lang, "tables")
        head, total = words["summary"], words["summary_total"]
        rows = [f"| {escape(r.name)} ({escape(r.type)}) | `{escape(r.output_shape)}` | {r.params:,} |" for r in s.layers]
        lines = [f"| {head[0]} | {head[1]} | {head[2]} |", "|---|---|---:|", *rows, f"| **{total}** | | **{s.total_params:,}** |"]
        return Markup("\n".join(lines) + "\n")

    def helper_code(self, name: str) -> Markup:
        """The source of a chapter function experiments use (e.g. the shared network)."""
        for fn in self.ctx.chapter.helpers():
            if fn.__name__ == name:
                return fenced(function_source(fn), options="setup=helpers")
        raise ChapterError(say("content.helper.unknown_function", name=name, id=self.ctx.chapter.id))

    def experiments(self, group: str = MAIN_GROUP) -> tuple[Experiment, ...]:
        exps = self.ctx.chapter.group(group)
        if not exps:
            raise ChapterError(say("content.helper.empty_group", id=self.ctx.chapter.id, group=group))
        return exps

    def math(self, tex: str, alt: str = "") -> Markup:
        """A formula typeset offline as an SVG image: {{ math("\\sigma(x) = \\frac{1}{1+e^{-x}}") }}."""
        if self.notebook:
            return Markup(f"\n$${tex}$$\n")  # the chapter's own LaTeX, not user input
        self.formulas_used.append(tex)
        formula = self.ctx.formulas.get(tex)  # typeset before rendering; rendering reads and writes no file
        path = formula.path if formula else f"{maths.MATH_DIR}/{maths.math_key(tex)}.svg"
        height = formula.height if formula else None
        style = f' style="height:{height * maths.DISPLAY_SCALE:.3f}em"' if height else ""
        return Markup(f'<img class="math" src="{escape(path)}" alt="{escape(alt or tex)}"{style}>')

    def _table(self, heads: dict[str, tuple[str, ...]], align: str, group: str, row) -> Markup:
        """A Markdown table: one row per experiment of ``group``, ``row(exp, run)`` giving its cells;
        ``align`` has one letter per column, ``l`` or ``r``."""
        rule = "|" + "|".join("---" if a == "l" else "---:" for a in align) + "|"
        lines = ["| " + " | ".join(heads[self.ctx.lang]) + " |", rule]
        lines += ["| " + " | ".join(row(exp, self.ctx.runs[exp.name])) + " |" for exp in self.experiments(group)]
        return Markup("\n".join(lines) + "\n")

    def results_table(self, group: str = MAIN_GROUP) -> Markup:
        """This run's test accuracy and loss next to the original lecture's, per experiment of a group;
        a chapter reporting other metrics (``chapter(metrics=...)``): each of them, then the loss."""
        names = self.ctx.chapter.metric_names
        if names != ("accuracy",):
            words = messages.section(self.ctx.lang, "tables")
            labels = messages.section(self.ctx.lang, "metrics")
            heads = {self.ctx.lang: (words["results"][0], words["results"][1], *(labels[n] for n in names),
                                     words["results_loss"])}
            shown = [metric(n) for n in names]
            return self._table(heads, "lr" + "r" * len(names) + "r", group, lambda exp, run: (
                escape(exp.display(self.ctx.lang)), f"{run.params:,}",
                *(f"**{m.show(run.metric(m.name))}**" if i == 0 else m.show(run.metric(m.name))
                  for i, m in enumerate(shown)), fixed(run.test_loss)))
        heads = {self.ctx.lang: tuple(messages.section(self.ctx.lang, "tables")["results"])}
        return self._table(heads, "lrrrr", group, lambda exp, run: (
            escape(exp.display(self.ctx.lang)), f"{run.params:,}", f"**{pct(run.test_accuracy)}**", fixed(run.test_loss),
            pct(exp.reference.test_accuracy)))

    def chapter_table(self, table: Table, group: str | None = None) -> Markup:
        """One of the chapter's own tables (``chapter(tables=...)``); plain-text cells are escaped."""
        if self.ctx.lang not in table.heads:
            raise ChapterError(say("content.helper.table_without_language", name=table.name, id=self.ctx.chapter.id, lang=self.ctx.lang))
        return self._table(table.heads, table.align, group or table.group,
                           lambda exp, run: tuple(self._cell(cell) for cell in table.row(exp, run)))

    def _cell(self, cell: Any) -> str:
        """A table cell: an experiment shows as its display name in the page's language, text is escaped."""
        if isinstance(cell, Seconds):
            return cell.show(self.ctx.lang)
        return escape(cell.display(self.ctx.lang) if isinstance(cell, Experiment) else cell)

    def figure(self, name: str, width: str = "") -> Markup:
        fig = self.ctx.figures.get(name)
        if fig is None:
            raise ChapterError(say("content.helper.unknown_figure", name=name, figures=', '.join(sorted(self.ctx.figures))))
        if self.notebook:  # a figure drawn by a snippet shown above is that code cell's output; others are attachments
            if fig.snippet and fig.snippet in self.shown:
                return Markup("")
            run = name.removeprefix("curves_")
            if name.startswith("curves_") and self.trained == run:  # the student's own curves, from `history`
                return fenced("plot_history(history)\n", options=f"curves={name}")
            return Markup(f"![{escape(fig.alt)}](attachment:{escape(name)}.svg)")
        style = f' style="width:{escape(width)}"' if width else ""
        size = f' data-min-font-pt="{fig.min_font_pt:g}"' if fig.min_font_pt else ""
        return Markup(f'<img class="figure" src="{escape(fig.path)}" alt="{escape(fig.alt)}"{size}{style}>')

    def namespace(self) -> dict[str, Any]:
        base = self._builtins()
        own = self.chapter_functions()
        clash = sorted(set(own) & set(base))
        if clash:
            raise ChapterError(say("content.helper.hides_builtin", id=self.ctx.chapter.id, clash=', '.join(clash)))
        return {**base, **own}

    def _builtins(self) -> dict[str, Any]:
        ctx = self.ctx
        return {
            "chapter": ctx.chapter,
            "lang": ctx.lang,
            "runs": Named(ctx.runs, say("content.helper.what_run"), ctx.chapter.id),
            "exp": Named({e.name: e for e in ctx.chapter.experiments}, say("content.helper.what_experiment"), ctx.chapter.id),
            "ref": Named({e.name: e.reference for e in ctx.chapter.experiments}, say("content.helper.what_experiment"), ctx.chapter.id),
            "dataset": ctx.dataset,
            "profile": ctx.profile,
            "is_sample": ctx.is_sample,
            "provenance": ctx.provenance,
            "claims": Named(content_namespace(list(ctx.claims), ctx.lang), say("content.helper.what_claim"), ctx.chapter.id),
            "code": self.code,
            "snippet": self.snippet,
            "class_names": self.class_names(),
            "data_set": ctx.dataset.loader,
            "metrics": ctx.chapter.metric_names,
            "task": ctx.chapter.task,
            "api_changes": self.api_changes,
            "notebook": self.notebook,
            "fit_code": self.fit_code,
            "prep_code": self.prep_code,
            "load_data_code": self.load_data_code,
            "summary": self.summary,
            "figure": self.figure,
            "results_table": self.results_table,
            "experiments": self.experiments,
            "helper_code": self.helper_code,
            "math": self.math,
            **ctx.extra,
        }

    def chapter_functions(self) -> dict[str, Any]:
        """The chapter's own tables and content helpers, by name, bound to this page."""
        found: dict[str, Any] = {}
        for table in self.ctx.chapter.tables:
            found[table.name] = functools.partial(self.chapter_table, table)
        for helper in self.ctx.chapter.template_helpers:
            found[plugin_name(helper)] = functools.partial(helper, self)
        return found
