"""report.json: what ran, on what, with which results."""

from __future__ import annotations

import json
from typing import Any

from lecturegen.build.context import RenderContext

REPORT_SCHEMA = 1


def build_report(ctx: RenderContext, status: dict[str, dict[str, Any]], outputs: list[str]) -> dict[str, Any]:
    runs = {}
    for exp in ctx.chapter.experiments:
        result = ctx.runs[exp.name].to_dict()
        result["title"] = exp.title[ctx.lang]
        result["label"] = exp.display(ctx.lang)  # the name students see
        result["group"] = exp.group
        result["hyper_parameters"] = exp.hyper_parameters()
        result["reference"] = {
            "test_accuracy": exp.reference.test_accuracy,
            "test_loss": exp.reference.test_loss,
            "params": exp.reference.params,
            "train_accuracy": list(exp.reference.train_accuracy),
        }
        result["cache"] = status.get(exp.name, {})
        runs[exp.name] = result
    return {
        "schema": REPORT_SCHEMA,
        "chapter": {"id": ctx.chapter.id, "title": ctx.title, "lang": ctx.lang},
        "provenance": ctx.provenance,
        "dataset": ctx.dataset.to_dict(),
        "sample_data": ctx.dataset.is_sample,
        "profile": ctx.profile.name,
        "runs": runs,
        "claims": [c.to_dict(ctx.lang) for c in ctx.claims],
        "figures": [fig.path for fig in ctx.figures.values()],
        "outputs": outputs,
    }


def dumps(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
