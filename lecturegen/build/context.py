"""The typed context every template sees, and the helpers content files call.

Content files are Markdown with Jinja expressions. Autoescaping is on, so any text that comes
from results or from the user (a dataset folder name, a layer name) is escaped; the helpers
below return :class:`markupsafe.Markup` only for what they built and escaped themselves.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from lecturegen import messages
from lecturegen.build import maths, prep, train
from lecturegen.chapter import MAIN_GROUP, Chapter, Experiment, Profile, function_source
from lecturegen.build.data import Fingerprint
from lecturegen.errors import ChapterError
from lecturegen.build.figures import RenderedFigure
from lecturegen.claims import ClaimResult, content_namespace
from lecturegen.build.results import RunResult
from lecturegen.formats import FILTERS, fixed, mean, num, pct, seconds  # noqa: F401  (the content filters)
from lecturegen.plugins import Table, plugin_name


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

    @property
    def failing_claims(self) -> list[ClaimResult]:
        return [c for c in self.claims if not c.holds]

    @property
    def is_sample(self) -> bool:
        return self.dataset.is_sample

    @property
    def title(self) -> str:
        return self.chapter.title[self.lang]


def fenced(code: str, language: str = "python") -> Markup:
    """A fenced Markdown code block; markdown-it escapes its content."""
    fence = "````" if "```" in code else "```"
    return Markup(f"{fence}{language}\n{code.rstrip()}\n{fence}\n")


class Named(dict):
    """A name -> value table seen by content files (``runs``, ``exp``, ``ref``): an unknown name is
    an error in the author's terms, listing the known names, instead of Jinja's ``'dict object'
    has no attribute``."""

    def __init__(self, items: dict[str, Any], what: str, chapter_id: str) -> None:
        super().__init__(items)
        self._what, self._chapter = what, chapter_id

    def _unknown(self, name: object) -> ChapterError:
        known = ", ".join(self) or "none"
        return ChapterError(f"no {self._what} '{name}' in chapter {self._chapter}; known: {known}")

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
    (:class:`lecturegen.plugins.Page`): ``chapter``, ``lang``, ``runs``, ``is_sample``,
    ``experiments(group)`` and every built-in helper."""

    def __init__(self, ctx: RenderContext) -> None:
        self.ctx = ctx
        self.formulas_used: list[str] = []  # every formula the content asked for, in order
        self.chapter, self.lang, self.runs, self.is_sample = ctx.chapter, ctx.lang, ctx.runs, ctx.is_sample

    def _experiment(self, name: str):
        try:
            return self.ctx.chapter.experiment(name)
        except KeyError:
            known = ", ".join(e.name for e in self.ctx.chapter.experiments)
            raise ChapterError(f"no experiment '{name}' in chapter {self.ctx.chapter.id}; known: {known}") from None

    def code(self, name: str) -> Markup:
        return fenced(self._experiment(name).source)

    def fit_code(self) -> Markup:
        return fenced(inspect.getsource(train.fit_and_evaluate))

    def prep_code(self) -> Markup:
        return fenced(inspect.getsource(prep.prepare))

    def summary(self, name: str) -> Markup:
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
                return fenced(function_source(fn))
        raise ChapterError(f"no helper function '{name}' used by the experiments of chapter {self.ctx.chapter.id}")

    def experiments(self, group: str = MAIN_GROUP) -> tuple[Experiment, ...]:
        exps = self.ctx.chapter.group(group)
        if not exps:
            raise ChapterError(f"chapter {self.ctx.chapter.id} has no experiments in group '{group}'")
        return exps

    def math(self, tex: str, alt: str = "") -> Markup:
        """A formula typeset offline as an SVG image: {{ math("\\sigma(x) = \\frac{1}{1+e^{-x}}") }}."""
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
        """This run's test accuracy and loss next to the original lecture's, per experiment of a group."""
        heads = {self.ctx.lang: tuple(messages.section(self.ctx.lang, "tables")["results"])}
        return self._table(heads, "lrrrr", group, lambda exp, run: (
            escape(exp.display(self.ctx.lang)), f"{run.params:,}", f"**{pct(run.test_accuracy)}**", fixed(run.test_loss),
            pct(exp.reference.test_accuracy)))

    def chapter_table(self, table: Table, group: str | None = None) -> Markup:
        """One of the chapter's own tables (``chapter(tables=...)``); plain-text cells are escaped."""
        if self.ctx.lang not in table.heads:
            raise ChapterError(f"table {table.name} of chapter {self.ctx.chapter.id} has no '{self.ctx.lang}' heads")
        return self._table(table.heads, table.align, group or table.group,
                           lambda exp, run: tuple(self._cell(cell) for cell in table.row(exp, run)))

    def _cell(self, cell: Any) -> str:
        """A table cell: an experiment shows as its display name in the page's language, text is escaped."""
        return escape(cell.display(self.ctx.lang) if isinstance(cell, Experiment) else cell)

    def figure(self, name: str, width: str = "") -> Markup:
        fig = self.ctx.figures.get(name)
        if fig is None:
            raise ChapterError(f"no figure '{name}'; known figures: {', '.join(sorted(self.ctx.figures))}")
        style = f' style="width:{escape(width)}"' if width else ""
        size = f' data-min-font-pt="{fig.min_font_pt:g}"' if fig.min_font_pt else ""
        return Markup(f'<img class="figure" src="{escape(fig.path)}" alt="{escape(fig.alt)}"{size}{style}>')

    def namespace(self) -> dict[str, Any]:
        base = self._builtins()
        own = self.chapter_functions()
        clash = sorted(set(own) & set(base))
        if clash:
            raise ChapterError(f"chapter {self.ctx.chapter.id}: table or helper {', '.join(clash)} hides a built-in "
                               "name of the content files; rename it")
        return {**base, **own}

    def _builtins(self) -> dict[str, Any]:
        ctx = self.ctx
        return {
            "chapter": ctx.chapter,
            "lang": ctx.lang,
            "runs": Named(ctx.runs, "run", ctx.chapter.id),
            "exp": Named({e.name: e for e in ctx.chapter.experiments}, "experiment", ctx.chapter.id),
            "ref": Named({e.name: e.reference for e in ctx.chapter.experiments}, "experiment", ctx.chapter.id),
            "dataset": ctx.dataset,
            "profile": ctx.profile,
            "is_sample": ctx.is_sample,
            "provenance": ctx.provenance,
            "claims": Named(content_namespace(list(ctx.claims), ctx.lang), "claim", ctx.chapter.id),
            "code": self.code,
            "fit_code": self.fit_code,
            "prep_code": self.prep_code,
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
