"""`lecturegen diff OLD NEW`: what changed between two builds, per experiment, and whether it matters.

Reads two report.json files (or build folders holding one). Per experiment: test accuracy and
loss (with the spread when a build used several seeds), parameter count, epochs and training
time; experiments added or removed; the versions and settings that changed; claims that
changed their verdict. Each experiment says why it moved: what differs between the two builds
(its code, each setting before -> after, the library versions, the data, the profile, the seeds)
together with the reasons the new build's cache recorded when it retrained it. Given two build
folders, the result also holds a text diff of what students read and the figures that changed
(:mod:`lecturegen.diffpages`). ``exceeded`` is true when a test accuracy moved by more than the
tolerance (in percentage points), so the command can gate publishing in CI. The gate also
fails (``problems``) when a build has no runs, an experiment of the old build is missing from
the new one, or a test accuracy or loss is missing, not a number, NaN or infinite: a broken
build must never pass as "within tolerance".
"""

from __future__ import annotations

import json
import logging
import math
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lecturegen.diffpages import FigureChange, PageDiff, compare_figures, compare_pages
from lecturegen.errors import UsageError
from lecturegen.core.metrics import METRICS
from lecturegen.report import Report, ReportError, run_metric  # noqa: F401  (ReportError: raised for bad input)
from lecturegen.terminal import plain
from lecturegen.messages import Phrase, said, say

log = logging.getLogger(__name__)

PROVENANCE_KEYS = ("lecturegen", "tensorflow", "keras", "numpy", "python", "device", "dataset", "dataset_sha256",
                   "sample_data", "profile", "seeds")


def load_report(path: Path) -> Report:
    file = path / "report.json" if path.is_dir() else path
    if not file.is_file():
        where = (say("diff.where_no_report", path=path) if path.is_dir() else
                 say("diff.where_not_regular", file=file) if file.exists() else
                 say("diff.where_does_not_exist", path=path))
        raise ReportError(say("diff.not_a_build", where=where))
    return Report.load(file, str(path))  # checked against the report schema: one line when malformed


def _number(value: Any) -> float | None:
    """A finite number from a report, or None (missing, text, NaN, infinite, true/false)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:  # an integer of hundreds of digits is no float either
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Side:
    """One experiment in one build; a value the report lacks or spoils is None."""

    test_accuracy: float | None
    test_loss: float | None
    params: int | None
    epochs: int | None
    wall_time_s: float | None
    test_accuracy_sd: float | None = None
    test_loss_sd: float | None = None
    metrics: dict[str, float | None] = field(default_factory=dict)  # a report of schema 2: the chapter's metrics

    @classmethod
    def from_run(cls, run: Any) -> "Side":
        run = run if isinstance(run, dict) else {}
        summary = run.get("summary") if isinstance(run.get("summary"), dict) else {}
        return cls(
            _number(run.get("test_accuracy")), _number(run.get("test_loss")), _count(summary.get("total_params")),
            _count(run.get("epochs")), _number(run.get("wall_time_s")), _number(run.get("test_accuracy_sd")),
            _number(run.get("test_loss_sd")),
            {name: _number(run_metric(run, name)) for name in (run.get("metrics") or {})},
        )

    @property
    def broken(self) -> list[str]:
        """The results this side lacks: a missing, non-numeric, NaN or infinite accuracy (a classifier's),
        metric or loss."""
        wanted = ("test_loss",) if self.metrics else ("test_accuracy", "test_loss")
        return ([name for name in wanted if getattr(self, name) is None]
                + [f"test_{name}" for name, value in self.metrics.items() if value is None])


@dataclass(frozen=True)
class ExperimentDiff:
    name: str
    status: str  # "both", "added", "removed"
    old: Side | None
    new: Side | None
    exceeds: bool = False
    reasons: tuple[str, ...] = ()  # why it moved: what differs between the builds, then the cache's reasons
    retrained: bool | None = None  # did the new build train it (None: the report does not say)
    metric_changes: tuple["MetricChange", ...] = ()  # a report with other metrics than accuracy: each one

    @property
    def accuracy_points(self) -> float | None:
        """Change of test accuracy in percentage points (new - old)."""
        if not (self.old and self.new) or self.old.test_accuracy is None or self.new.test_accuracy is None:
            return None
        return (self.new.test_accuracy - self.old.test_accuracy) * 100

    @property
    def loss_change(self) -> float | None:
        if not (self.old and self.new) or self.old.test_loss is None or self.new.test_loss is None:
            return None
        return self.new.test_loss - self.old.test_loss

    @property
    def problems(self) -> list[str]:
        """Why this experiment fails the gate whatever the tolerance."""
        found = [f"{self.name} was removed"] if self.status == "removed" else []
        for label, side in (("old", self.old), ("new", self.new)):
            if side is not None and side.broken:
                found.append(f"{self.name} has no valid {' or '.join(side.broken)} in the {label} build")
        return found


@dataclass(frozen=True)
class MetricChange:
    """One metric of one experiment: the change in its tolerance's unit (points for a percentage,
    else relative), which way is better, and whether it moved past its tolerance."""

    metric: str
    old: float
    new: float
    change: float
    worse: bool
    exceeds: bool


def metric_changes(a: "Side", b: "Side", names: list[str], tolerances: dict[str, float]) -> tuple[MetricChange, ...]:
    found = []
    for name in names:
        m = METRICS.get(name)
        old, new = a.metrics.get(name), b.metrics.get(name)
        if m is None or old is None or new is None:
            continue
        change = m.change(old, new)
        found.append(MetricChange(name, old, new, change, m.worse(old, new),
                                  abs(change) > tolerances.get(name, m.tolerance) + 1e-9))
    return tuple(found)


@dataclass(frozen=True)
class Change:
    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ClaimChange(Change):
    text: str = ""  # the claim's statement in the build's language


@dataclass(frozen=True)
class DiffResult:
    old: str
    new: str
    tolerance: float
    experiments: list[ExperimentDiff]
    settings: list[Change] = field(default_factory=list)  # versions, device, dataset, seed, profile
    claims: list[Change] = field(default_factory=list)  # holds: old -> new, only those that changed

    no_runs: tuple[str, ...] = ()  # labels of the builds that have no runs at all
    pages: list[PageDiff] = field(default_factory=list)  # the text students read, where it changed
    figures: list[FigureChange] = field(default_factory=list)

    @property
    def exceeded(self) -> bool:
        return any(e.exceeds for e in self.experiments)

    @property
    def problems(self) -> list[str]:
        """Why the gate fails whatever the tolerance: no runs, removed runs, missing or invalid results."""
        empty = [f"{label} has no runs" for label in self.no_runs]
        return empty + [p for e in self.experiments for p in e.problems]

    @property
    def failed(self) -> bool:
        """The CI gate: an accuracy moved past the tolerance, or a problem above."""
        return self.exceeded or bool(self.problems)

    def to_dict(self) -> dict[str, Any]:
        experiments = []
        for e in self.experiments:
            item = {"name": e.name, "status": e.status, "old": asdict(e.old) if e.old else None,
                    "new": asdict(e.new) if e.new else None, "accuracy_change_points": e.accuracy_points,
                    "loss_change": e.loss_change, "exceeds_tolerance": e.exceeds,
                    "reasons": [str(r) for r in e.reasons], "retrained": e.retrained}
            if e.metric_changes:
                item["metrics"] = [asdict(m) for m in e.metric_changes]
            experiments.append(item)
        return {
            "old": self.old, "new": self.new, "tolerance_points": self.tolerance, "exceeded": self.exceeded,
            "problems": self.problems, "failed": self.failed,
            "experiments": experiments,
            "changed": [asdict(c) for c in self.settings],
            "claims": [asdict(c) for c in self.claims],
            "pages": [{"page": p.page, "added": p.added, "removed": p.removed, "diff": list(p.lines)} for p in self.pages],
            "figures": [asdict(f) for f in self.figures],
        }


def same_lecture(old: Report, new: Report) -> None:
    """Two builds of different chapters or languages cannot be compared: say so (exit 2)."""
    a, b = old.data.get("chapter") or {}, new.data.get("chapter") or {}
    for key, what in (("id", say("diff.what_chapters")), ("lang", say("diff.what_languages"))):
        if a.get(key) and b.get(key) and a[key] != b[key]:
            raise ReportError(say("diff.different_builds", label=old.label, other=new.label, what=what,
                                  a=a[key], b=b[key]))


def compare(old: Report, new: Report, tolerance: float = 1.0, old_dir: Path | None = None,
            new_dir: Path | None = None, tolerances: dict[str, float] | None = None) -> DiffResult:
    """Compare two reports; with both build folders, also the students' pages and the figures.
    A report whose metrics are not accuracy alone (schema 2) is judged per metric: ``tolerances``
    by metric name, else each metric's own (:data:`lecturegen.core.metrics.METRICS`)."""
    metric_names = [m["name"] for m in new.metrics if isinstance(m, dict)]
    by_metric = metric_names != ["accuracy"]
    if not math.isfinite(tolerance) or tolerance < 0:
        raise UsageError(say("diff.bad_tolerance", tolerance=tolerance))
    same_lecture(old, new)
    old_runs, new_runs = old.data["runs"], new.data["runs"]
    old_prov, new_prov = _settings(old.data.get("provenance", {})), _settings(new.data.get("provenance", {}))
    names = list(old_runs) + [n for n in new_runs if n not in old_runs]
    experiments = []
    for name in names:
        a = Side.from_run(old_runs[name]) if name in old_runs else None
        b = Side.from_run(new_runs[name]) if name in new_runs else None
        status = "both" if a and b else ("removed" if a else "added")
        points = ExperimentDiff(name, status, a, b).accuracy_points
        reasons, retrained = (), None
        if status == "both":
            reasons, retrained = why_moved(name, old_runs[name], new_runs[name], old_prov, new_prov)
        if by_metric:
            changes = metric_changes(a, b, metric_names, {"accuracy": tolerance, **(tolerances or {})}) if a and b else ()
            experiments.append(ExperimentDiff(name, status, a, b, any(c.exceeds for c in changes), reasons, retrained,
                                              changes))
            continue
        experiments.append(ExperimentDiff(name, status, a, b, points is not None and abs(points) > tolerance + 1e-9,
                                          reasons, retrained))
    settings = [Change(k, old_prov.get(k), new_prov.get(k)) for k in PROVENANCE_KEYS if old_prov.get(k) != new_prov.get(k)]
    old_claims, new_claims = _claims(old), _claims(new)
    claims = [ClaimChange(cid, old_claims.get(cid, {}).get("holds"), new_claims.get(cid, {}).get("holds"),
                          str((new_claims.get(cid) or old_claims.get(cid) or {}).get("text") or ""))
              for cid in list(old_claims) + [c for c in new_claims if c not in old_claims]
              if old_claims.get(cid, {}).get("holds") != new_claims.get(cid, {}).get("holds")]
    no_runs = tuple(r.label for r in (old, new) if not r.data["runs"])
    pages, figures = [], []
    if old_dir is not None and new_dir is not None:
        pages = compare_pages(old_dir, new_dir)
        figures = compare_figures(old_dir, new_dir, _strings(old.data.get("figures")), _strings(new.data.get("figures")))
    return DiffResult(old.label, new.label, tolerance, experiments, settings, claims, no_runs, pages, figures)


def _claims(report: Report) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in report.data.get("claims", []) if isinstance(c, dict) and "id" in c}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def build_folder(path: Path) -> Path:
    """The build folder of a path given to ``diff``: the folder itself, or the one a report.json is in."""
    return path if path.is_dir() else path.parent


VERSION_KEYS = ("tensorflow", "keras", "numpy")


def why_moved(name: str, old_run: Any, new_run: Any, old_prov: dict[str, Any],
              new_prov: dict[str, Any]) -> tuple[tuple[str, ...], bool | None]:
    """Why an experiment's numbers may differ between two builds, as the cache words it: what differs
    between them (versions, data, the experiment's code, each hyper-parameter before -> after, the
    profile, the seeds); the reasons the new build's cache recorded when it retrained the run fill in
    for a report without a code fingerprint, or when nothing differs. And whether it retrained."""
    old_run = old_run if isinstance(old_run, dict) else {}
    new_run = new_run if isinstance(new_run, dict) else {}
    reasons: list[str] = [f"{lib} {old_prov.get(lib)} -> {new_prov.get(lib)}" for lib in VERSION_KEYS
                          if old_prov.get(lib) != new_prov.get(lib)]
    if old_prov.get("dataset_sha256") != new_prov.get("dataset_sha256"):
        reasons.append(Phrase("cache.reason_dataset_changed", before=old_prov.get("dataset"), after=new_prov.get("dataset")))
    a, b = old_run.get("code_sha256"), new_run.get("code_sha256")
    if a and b and a != b:
        reasons.append(Phrase("cache.reason_code_changed", experiment=name))
    old_hp, new_hp = (r.get("hyper_parameters") if isinstance(r.get("hyper_parameters"), dict) else {}
                      for r in (old_run, new_run))
    for key in list(old_hp) + [k for k in new_hp if k not in old_hp]:
        if old_hp.get(key) != new_hp.get(key):
            reasons.append(f"{key} {old_hp.get(key)} -> {new_hp.get(key)}")
    if old_prov.get("profile") != new_prov.get("profile"):
        reasons.append(Phrase("cache.reason_profile", before=old_prov.get("profile"), after=new_prov.get("profile")))
    if old_prov.get("seeds") != new_prov.get("seeds"):
        reasons.append(Phrase("cache.reason_seed", before=_fmt_setting(old_prov.get("seeds")),
                              after=_fmt_setting(new_prov.get("seeds"))))
    cache = new_run.get("cache") if isinstance(new_run.get("cache"), dict) else {}
    status = cache.get("status")
    retrained = True if status == "trained" else False if status == "cached" else None
    if retrained and (not (a and b) or not reasons):
        # the cache's reasons compare with the result it last trained, which need not be the old build's:
        # they fill in what an older report without a code fingerprint cannot show, or a retraining
        # nothing between the builds explains (--force, a damaged entry)
        recorded = cache.get("reasons") if isinstance(cache.get("reasons"), list) else []
        known = {str(r) for r in reasons}
        reasons += [r for r in recorded if isinstance(r, str) and r not in known]
    return tuple(reasons), retrained


def _settings(provenance: dict[str, Any]) -> dict[str, Any]:
    """Provenance with the seeds as a list in both cases (one seed: ``[seed]``)."""
    seeds = provenance.get("seeds") or ([provenance["seed"]] if "seed" in provenance else None)
    return {**provenance, "seeds": seeds}


# ---------------------------------------------------------------- terminal table


def _acc(side: Side | None) -> str:
    if side is None:
        return "–"
    if side.test_accuracy is None:
        return "–" if side.metrics and "accuracy" not in side.metrics else "invalid"  # a regression has none
    sd = f" ± {side.test_accuracy_sd * 100:.2f}" if side.test_accuracy_sd else ""
    return f"{side.test_accuracy * 100:.2f} %{sd}"


def _loss(side: Side | None) -> str:
    if side is None:
        return "–"
    if side.test_loss is None:
        return "invalid"
    sd = f" ± {side.test_loss_sd:.4f}" if side.test_loss_sd else ""
    return f"{side.test_loss:.4f}{sd}"


def _pair(old: Any, new: Any, fmt=str) -> str:
    a = "–" if old is None else fmt(old)
    b = "–" if new is None else fmt(new)
    return a if a == b else f"{a} → {b}"


def _claim_word(holds: Any) -> str:
    word = {True: "holds", False: "fails", None: "absent"}.get(holds)
    return say(f"diff.claim_{word}") if word else str(holds)


def print_table(result: DiffResult, console=None) -> None:
    """The comparison as a terminal table. Text from the reports (experiment names, paths, versions)
    is never read as rich markup and never carries control characters: every cell is a plain
    ``Text`` of :func:`plain` text, every other line is printed with ``markup=False``."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console(highlight=False, width=None if Console().is_terminal else 120)
    table = Table(title=Text(plain(f"{result.old} → {result.new}")), title_justify="left")
    for col, justify in (("experiment", "left"), ("test_accuracy", "right"), ("points", "right"),
                         ("test_loss", "right"), ("loss", "right"), ("params", "right"), ("epochs", "right"),
                         ("time", "right")):
        table.add_column(say(f"diff.column_{col}"), justify=justify)
    for e in result.experiments:
        old, new = e.old, e.new
        points = e.accuracy_points
        delta = Text("–" if points is None else f"{points:+.2f}")
        if e.exceeds or e.problems:
            delta = Text(f"{delta} !", style="bold red")
        name = e.name + ("" if e.status == "both" else f" ({e.status})")
        cells = [
            name,
            _pair(old and _acc(old), new and _acc(new)),
            _pair(old and _loss(old), new and _loss(new)),
            "–" if e.loss_change is None else f"{e.loss_change:+.4f}",
            _pair(old and old.params, new and new.params, lambda v: f"{v:,}"),
            _pair(old and old.epochs, new and new.epochs),
            _pair(old and old.wall_time_s, new and new.wall_time_s, lambda v: f"{v:.1f}"),
        ]
        table.add_row(*(Text(plain(c)) for c in cells[:2]), delta, *(Text(plain(c)) for c in cells[2:]))
    console.print(table)
    for line in summary_lines(result):
        console.print(plain(line), markup=False)
    for page in result.pages:
        console.print(plain(say("diff.page_changed", page=page.page, added=page.added, removed=page.removed)),
                      markup=False)
        for line in page.lines:
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim" if line.startswith("@@") else ""
            console.print(Text("    " + plain(line), style=style))
    for e in result.experiments:
        for m in e.metric_changes:
            console.print(plain(metric_line(e.name, m)), markup=False)
    over = [e.name for e in result.experiments if e.exceeds]
    if over and any(e.metric_changes for e in result.experiments):
        console.print(Text(plain(say("diff.metric_moved", names=", ".join(over))), style="bold red"))
    elif over:
        console.print(Text(plain(say("diff.accuracy_moved", tolerance=result.tolerance, names=", ".join(over))),
                           style="bold red"))
    for problem in result.problems:
        console.print(Text(plain(say("diff.gate_fails", problem=problem)), style="bold red"))
    if not result.failed and any(e.metric_changes for e in result.experiments):
        console.print(say("diff.every_metric_within"))
    elif not result.failed:
        console.print(say("diff.accuracy_within", tolerance=result.tolerance))


def metric_line(name: str, m: MetricChange) -> str:
    """``linear: mae 43.2100 -> 45.1000 (+4.4 %, worse)``: a metric that lower or higher is better for."""
    metric = METRICS[m.metric]
    change = (say("diff.metric_change_points", change=m.change) if metric.percent
              else say("diff.metric_change_relative", change=m.change * 100))
    word = say("diff.metric_worse") if m.worse else say("diff.metric_better") if m.old != m.new else ""
    return say("diff.metric_line", name=name, metric=m.metric, old=metric.show(m.old), new=metric.show(m.new),
               change=change, word=word, flag=" !" if m.exceeds else "")


def moved(e: ExperimentDiff) -> bool:
    """Did any number of this experiment change (or does it have a reason to)?"""
    return e.status == "both" and bool(e.reasons or (e.accuracy_points or 0) or (e.loss_change or 0))


def _same_numbers(e: ExperimentDiff) -> bool:
    return not (e.accuracy_points or 0) and not (e.loss_change or 0)


def why_line(e: ExperimentDiff, names: str | None = None) -> str:
    """``dropout (retrained): code of dropout changed; epochs 3 -> 1``, in the interface language;
    ``names``: several experiments with the same reasons on one line."""
    parts = {True: [say("diff.how_retrained")], False: [say("diff.how_cached")], None: []}[e.retrained]
    if _same_numbers(e):
        parts.append(say("diff.same_numbers"))
    how = f" ({', '.join(parts)})" if parts else ""
    reasons = "; ".join(said(r) for r in e.reasons) or say("diff.no_reason")
    return say("diff.why", name=names or e.name, how=how, reasons=reasons)


def why_lines(experiments: list[ExperimentDiff]) -> list[str]:
    """One line per group of experiments with the same reasons, the same origin and whether their
    numbers changed (an upgrade that retrains thirteen runs for one reason is one line)."""
    groups: dict[tuple, list[ExperimentDiff]] = {}
    for e in experiments:
        groups.setdefault((tuple(str(r) for r in e.reasons), e.retrained, _same_numbers(e)), []).append(e)
    return [why_line(group[0], ", ".join(e.name for e in group)) for group in groups.values()]


def claim_line(c: ClaimChange) -> str:
    """A claim whose verdict changed, its statement, and the wording students now read."""
    line = say("diff.claim", name=c.name, old=_claim_word(c.old), new=_claim_word(c.new))
    if c.text:
        line += say("diff.claim_text", text=c.text)
    if isinstance(c.new, bool):
        line += say("diff.claim_branch", branch=_claim_word(c.new))
    return line


FIGURE_STATUS = {"added": lambda: say("diff.figure_added"), "removed": lambda: say("diff.figure_removed")}


def summary_lines(result: DiffResult, why: bool = True) -> list[str]:
    """The explanation under the numbers: settings, why each experiment moved (``why``), claims, figures."""
    lines = [say("diff.settings_changed", changes="; ".join(
        f"{c.name} {_fmt_setting(c.old)} -> {_fmt_setting(c.new)}" for c in result.settings))
        if result.settings else say("diff.same_settings")]
    explained = [e for e in result.experiments if moved(e)] if why else []
    if explained:
        lines.append(say("diff.why_heading"))
        lines += ["  " + line for line in why_lines(explained)]
    lines += [claim_line(c) for c in result.claims]
    if result.figures:
        lines.append(say("diff.figures_changed", figures=", ".join(
            f.path + ("" if f.status == "changed" else f" ({FIGURE_STATUS[f.status]()})")
            for f in result.figures)))
    return lines


def markdown(result: DiffResult) -> str:
    """The comparison as GitHub-flavoured Markdown, for a pull-request comment."""
    def cell(value: Any) -> str:
        return plain(value).replace("|", "\\|")

    out = [say("diff.markdown_title", old=cell(result.old), new=cell(result.new)), ""]
    verdict = (say("diff.markdown_gate_fails") if result.failed else
               say("diff.accuracy_within", tolerance=result.tolerance))
    out += [verdict, ""]
    heads = [say(f"diff.column_{c}") for c in ("experiment", "test_accuracy", "points", "test_loss", "epochs")]
    heads.append(say("diff.column_why"))
    out += ["| " + " | ".join(heads) + " |", "|---|---:|---:|---:|---:|---|"]
    for e in result.experiments:
        points = e.accuracy_points
        delta = "–" if points is None else f"{points:+.2f}" + (" ⚠️" if e.exceeds or e.problems else "")
        name = e.name + ("" if e.status == "both" else f" ({e.status})")
        why = "; ".join(said(r) for r in e.reasons) if moved(e) else ""
        out.append("| " + " | ".join(cell(v) for v in (
            name, _pair(e.old and _acc(e.old), e.new and _acc(e.new)), delta,
            _pair(e.old and _loss(e.old), e.new and _loss(e.new)), _pair(e.old and e.old.epochs, e.new and e.new.epochs),
            why)) + " |")
    out.append("")
    out += ["- " + cell(line) for line in summary_lines(result, why=False)]
    out += ["- " + cell(p) for p in result.problems]
    for page in result.pages:
        out += ["", "<details><summary>" + cell(say("diff.page_changed", page=page.page, added=page.added,
                                                    removed=page.removed)).rstrip(":") + "</summary>", "",
                "```diff", *(plain(line).replace("```", "`\u200b``") for line in page.lines), "```", "", "</details>"]
    return "\n".join(out) + "\n"


def _fmt_setting(value: Any) -> str:
    if isinstance(value, str) and len(value) == 64:  # a sha256
        return value[:12] + "…"
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


def explained_diff(old: Path, new: Path, tolerance: float = 1.0, tolerances: dict[str, float] | None = None) -> DiffResult:
    """``lecturegen diff OLD NEW``: two reports compared, with their build folders' pages and figures."""
    return compare(load_report(old), load_report(new), tolerance, build_folder(old), build_folder(new), tolerances)


def show(result: DiffResult, output_format: str = "text") -> None:
    """Print a comparison as a terminal table (``text``), Markdown or JSON on standard output."""
    if output_format == "json":
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        sys.stdout.write(markdown(result))
    else:
        print_table(result)
