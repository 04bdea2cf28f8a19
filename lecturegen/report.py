"""report.json: what ran, on what, with which results; the one record build, diff and publish share.

:class:`Report` is loaded and dumped only through this module, and checked against
:data:`SCHEMA` both ways: a build never writes a report that does not match, and ``diff`` and
``publish`` reject a file that does not (missing fields, wrong types, JSON nested too deeply) with
one line naming the first problem, never a traceback. Run status and provenance are dataclasses.
The check is structural: the numbers of each run are judged by their users (``diff`` fails its
gate on a missing or NaN accuracy, a different error than an unreadable file).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lecturegen.core.metrics import report_metrics
from lecturegen.errors import LecturegenError
from lecturegen.safefs import loads
from lecturegen.messages import say

REPORT_SCHEMA = 2
"""1: every run a classifier's, judged by its test accuracy. 2: adds ``task`` and ``metrics`` (the
chapter's metrics, each with its direction) and, for a table's runs, ``runs.<name>.metrics``. A
schema-1 report still loads: it reads as a multi-class report whose one metric is accuracy."""
LEGACY_METRICS = [{"name": "accuracy", "higher_is_better": True, "percent": True}]

# the schema, as data: a type, {"field": schema} for an object (a "?" suffix marks optional fields),
# [schema] for a list of items, ("map", schema) for an object with any keys
STR, INT, BOOL, NUM, ANY = "str", "int", "bool", "number", "any"
PROVENANCE_SCHEMA = {
    "lecturegen": STR, "tensorflow": STR, "keras": STR, "numpy": STR, "python": STR, "device": STR,
    "dataset": STR, "dataset_sha256": STR, "sample_data": BOOL, "seed": INT, "profile": STR, "build_date": STR,
    "seeds?": [INT],
}
SCHEMA = {
    "schema": INT,
    "chapter": {"id": STR, "title": STR, "lang": STR},
    "provenance": PROVENANCE_SCHEMA,
    "dataset": ("map", ANY),
    "sample_data": BOOL,
    "profile": STR,
    "runs": ("map", ANY),  # per experiment; its numbers are checked where they are used
    "claims": [{"id": STR, "holds": BOOL}],
    "task?": STR,
    "metrics?": [{"name": STR, "higher_is_better": BOOL, "percent": BOOL}],
    "figures": [STR],
    "outputs": [STR],
}


class ReportError(LecturegenError):
    """A report.json that is not a lecturegen report (or a path with none)."""

    exit_code = 2


def _type_ok(kind: str, value: Any) -> bool:
    if kind == ANY:
        return True
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == NUM:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, str)


def _name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a text", bool: "true/false", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


def problems(value: Any, schema: Any = None, where: str = "") -> list[str]:
    """Every way ``value`` differs from the schema (the report's by default), as 'where: what'."""
    schema = SCHEMA if schema is None else schema
    here = where or "the report"
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            return [f"{here} must be an object, not {_name(value)}"]
        found = []
        for key, sub in schema.items():
            name = key.rstrip("?")
            if name in value:
                found += problems(value[name], sub, f"{where}.{name}" if where else name)
            elif not key.endswith("?"):
                found.append(f"{where + '.' if where else ''}{name} is missing")
        return found
    if isinstance(schema, list):
        if not isinstance(value, list):
            return [f"{here} must be a list, not {_name(value)}"]
        return [p for i, item in enumerate(value) for p in problems(item, schema[0], f"{here}[{i}]")]
    if isinstance(schema, tuple):
        if not isinstance(value, dict):
            return [f"{here} must be an object, not {_name(value)}"]
        return [p for key, item in value.items() for p in problems(item, schema[1], f"{here}.{key}")]
    return [] if _type_ok(schema, value) else [f"{here} must be {schema}, not {_name(value)}"]


@dataclass(frozen=True)
class Provenance:
    """What a build ran on: versions, device, data, seed(s), profile, date."""

    lecturegen: str
    tensorflow: str
    keras: str
    numpy: str
    python: str
    device: str
    dataset: str
    dataset_sha256: str
    sample_data: bool
    seed: int
    profile: str
    build_date: str
    seeds: tuple[int, ...] | None = None  # with --seeds N > 1

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in PROVENANCE_SCHEMA if not k.endswith("?")}
        return {**data, **({"seeds": list(self.seeds)} if self.seeds else {})}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Provenance":
        fields = {k.rstrip("?"): data.get(k.rstrip("?")) for k in PROVENANCE_SCHEMA}
        fields["seeds"] = tuple(fields["seeds"]) if fields["seeds"] else None
        return cls(**fields)


@dataclass(frozen=True)
class RunStatus:
    """Where an experiment's result came from in this build, and why it trained."""

    status: str  # "cached" or "trained"
    reasons: tuple[str, ...] = ()
    per_seed: tuple[dict[str, Any], ...] | None = None  # with --seeds N > 1: {seed, status, reasons[, trained_on]}
    where: dict[str, Any] | None = None  # trained on a cluster (--executor dask): worker, host, scheduler

    @property
    def trained(self) -> bool:
        return self.status == "trained"

    def trained_on(self) -> list[dict[str, Any]]:
        """Where this build trained it (each seed's run), when a cluster did."""
        found = [st["trained_on"] for st in self.per_seed or () if "trained_on" in st]
        return found + ([self.where] if self.where else [])

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "reasons": list(self.reasons)}
        if self.where:
            data["trained_on"] = self.where
        return {**data, "per_seed": list(self.per_seed)} if self.per_seed is not None else data


@dataclass(frozen=True)
class Report:
    """A loaded or freshly built report.json; ``data`` is the JSON object, checked against SCHEMA."""

    label: str  # where it came from, for messages and headings
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Any, label: str = "report.json") -> "Report":
        found = problems(data)
        if found:
            more = say("report.and_more", n=len(found) - 1) if len(found) > 1 else ""
            raise ReportError(say("report.not_a_report", label=label, found=found[0], more=more))
        return cls(label, data)

    @classmethod
    def load(cls, path: Path, label: str | None = None) -> "Report":
        """Read and check a report.json (any malformed file is one ReportError)."""
        try:
            data = loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ReportError(say("report.bad_value", path=path, kind=type(exc).__name__, value=str(exc).splitlines()[0][:120] if str(exc) else '')) from None
        return cls.from_data(data, label or str(path))

    def dumps(self) -> str:
        return json.dumps(self.data, indent=2, ensure_ascii=False) + "\n"

    @property
    def chapter_id(self) -> str:
        return self.data["chapter"]["id"]

    @property
    def lang(self) -> str:
        return self.data["chapter"]["lang"]

    @property
    def title(self) -> str:
        return self.data["chapter"]["title"]

    @property
    def provenance(self) -> Provenance:
        return Provenance.from_dict(self.data["provenance"])

    @property
    def runs(self) -> dict[str, Any]:
        return self.data["runs"]

    @property
    def outputs(self) -> list[str]:
        return self.data["outputs"]

    @property
    def task(self) -> str:
        """``multiclass``, ``binary`` or ``regression`` (a schema-1 report: ``multiclass``)."""
        return self.data.get("task", "multiclass")

    @property
    def metrics(self) -> list[dict[str, Any]]:
        """The chapter's metrics, first the headline one: ``{"name", "higher_is_better", "percent"}``."""
        return self.data.get("metrics") or LEGACY_METRICS


def run_metric(run: dict[str, Any], name: str) -> Any:
    """A run's value of a metric from a report (``accuracy`` of a schema-1 run: its test accuracy)."""
    metrics = run.get("metrics")
    if isinstance(metrics, dict) and name in metrics:
        return metrics[name]
    return run.get("test_accuracy") if name == "accuracy" else None


def build_report(ctx, status: dict[str, RunStatus], outputs: list[str]) -> Report:
    """The report of a build (``ctx``: its RenderContext); checked before it is written."""
    runs = {}
    for exp in ctx.chapter.experiments:
        result = ctx.runs[exp.name].to_dict()
        result["title"] = exp.title[ctx.lang]
        result["label"] = exp.display(ctx.lang)  # the name students see
        result["group"] = exp.group
        result["hyper_parameters"] = exp.hyper_parameters()
        result["code_sha256"] = hashlib.sha256(exp.code_for_key.encode("utf-8")).hexdigest()  # diff: "code changed"
        result["reference"] = {
            "test_accuracy": exp.reference.test_accuracy,
            "test_loss": exp.reference.test_loss,
            "params": exp.reference.params,
            "train_accuracy": list(exp.reference.train_accuracy),
        }
        result["cache"] = status[exp.name].to_dict() if exp.name in status else {}
        if result.get("predictions"):  # the per-image lists and pixels stay in the cache; the report keeps the numbers
            kept = result["predictions"]
            result["predictions"] = {
                "initial_test_loss": kept["initial_test_loss"], "initial_test_accuracy": kept["initial_test_accuracy"],
                "test_images": len(kept["predicted"]),
                "wrong": sum(p != t for p, t in zip(kept["predicted"], kept["true"])),
            }
        elif "predictions" in result:
            del result["predictions"]
        runs[exp.name] = result
    data = {
        "schema": REPORT_SCHEMA,
        "chapter": {"id": ctx.chapter.id, "title": ctx.title, "lang": ctx.lang},
        "provenance": ctx.provenance,
        "dataset": ctx.dataset.to_dict(),
        "sample_data": ctx.dataset.is_sample,
        "profile": ctx.profile.name,
        "runs": runs,
        "claims": [c.to_dict(ctx.lang) for c in ctx.claims],
        "task": ctx.chapter.task,
        "metrics": report_metrics(ctx.chapter.metric_names),
        "figures": [fig.path for fig in ctx.figures.values()],
        "outputs": outputs,
    }
    return Report.from_data(data, f"the report of {ctx.chapter.id}")


def dumps(report: Report | dict[str, Any]) -> str:
    return report.dumps() if isinstance(report, Report) else json.dumps(report, indent=2, ensure_ascii=False) + "\n"
