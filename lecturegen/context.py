"""The typed context every template sees, and the helpers content files call.

Content files are Markdown with Jinja expressions. Autoescaping is on, so any text that comes
from results or from the user (a dataset folder name, a layer name) is escaped; the helpers
below return :class:`markupsafe.Markup` only for what they built and escaped themselves.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from lecturegen import prep, train
from lecturegen.chapter import Chapter, Profile
from lecturegen.data import Fingerprint
from lecturegen.errors import ChapterError
from lecturegen.figures import RenderedFigure
from lecturegen.claims import ClaimResult, content_namespace
from lecturegen.results import RunResult, spread


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

    @property
    def failing_claims(self) -> list[ClaimResult]:
        return [c for c in self.claims if not c.holds]

    @property
    def is_sample(self) -> bool:
        return self.dataset.is_sample

    @property
    def title(self) -> str:
        return self.chapter.title[self.lang]


def pct(value: float | None, digits: int = 2) -> str:
    """0.95193 -> '95.19 %'; a mean over seeds -> '95.19 % ± 0.21' (the sd in points)."""
    if value is None:
        return "–"
    sd = spread(value)
    return f"{value * 100:.{digits}f} %" + ("" if sd is None else f" ± {sd * 100:.{digits}f}")


def num(value: float | int | None) -> str:
    """167818 -> '167,818'."""
    return "–" if value is None else f"{value:,}"


def fixed(value: float | None, digits: int = 4) -> str:
    """0.18021 -> '0.1802'; a mean over seeds -> '0.1802 ± 0.0031'."""
    if value is None:
        return "–"
    sd = spread(value)
    return f"{value:.{digits}f}" + ("" if sd is None else f" ± {sd:.{digits}f}")


def seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} s"


def fenced(code: str, language: str = "python") -> Markup:
    """A fenced Markdown code block; markdown-it escapes its content."""
    fence = "````" if "```" in code else "```"
    return Markup(f"{fence}{language}\n{code.rstrip()}\n{fence}\n")


class Helpers:
    """Functions available in content files: {{ code("relu") }}, {{ summary("relu") }}..."""

    def __init__(self, ctx: RenderContext) -> None:
        self.ctx = ctx

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
        head = {"ko": ("층 (종류)", "출력 모양", "파라미터 수"), "en": ("Layer (type)", "Output shape", "Params")}[self.ctx.lang]
        total = {"ko": "전체 파라미터", "en": "Total params"}[self.ctx.lang]
        rows = [f"| {escape(r.name)} ({escape(r.type)}) | `{escape(r.output_shape)}` | {r.params:,} |" for r in s.layers]
        lines = [f"| {head[0]} | {head[1]} | {head[2]} |", "|---|---|---:|", *rows, f"| **{total}** | | **{s.total_params:,}** |"]
        return Markup("\n".join(lines) + "\n")

    def results_table(self) -> Markup:
        """This run's test accuracy and loss next to the original lecture's, per experiment."""
        head = {
            "ko": ("실험", "파라미터 수", "이번 실행 정확도", "이번 실행 손실", "원래 강의 정확도 (참고)"),
            "en": ("run", "params", "accuracy (this run)", "loss (this run)", "accuracy (original lecture)"),
        }[self.ctx.lang]
        lines = ["| " + " | ".join(head) + " |", "|---|---:|---:|---:|---:|"]
        for exp in self.ctx.chapter.experiments:
            run = self.ctx.runs[exp.name]
            lines.append(
                f"| `{exp.name}` | {run.params:,} | **{pct(run.test_accuracy)}** | {fixed(run.test_loss)} "
                f"| {pct(exp.reference.test_accuracy)} |"
            )
        return Markup("\n".join(lines) + "\n")

    def figure(self, name: str, width: str = "") -> Markup:
        fig = self.ctx.figures.get(name)
        if fig is None:
            raise ChapterError(f"no figure '{name}'; known figures: {', '.join(sorted(self.ctx.figures))}")
        style = f' style="width:{escape(width)}"' if width else ""
        return Markup(f'<img class="figure" src="{escape(fig.path)}" alt="{escape(fig.alt)}"{style}>')

    def namespace(self) -> dict[str, Any]:
        ctx = self.ctx
        return {
            "chapter": ctx.chapter,
            "lang": ctx.lang,
            "runs": ctx.runs,
            "exp": {e.name: e for e in ctx.chapter.experiments},
            "ref": {e.name: e.reference for e in ctx.chapter.experiments},
            "dataset": ctx.dataset,
            "profile": ctx.profile,
            "is_sample": ctx.is_sample,
            "provenance": ctx.provenance,
            "claims": content_namespace(list(ctx.claims), ctx.lang),
            "code": self.code,
            "fit_code": self.fit_code,
            "prep_code": self.prep_code,
            "summary": self.summary,
            "figure": self.figure,
            "results_table": self.results_table,
            **ctx.extra,
        }


FILTERS = {"pct": pct, "num": num, "fixed": fixed, "seconds": seconds}
