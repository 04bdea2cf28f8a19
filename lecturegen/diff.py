"""`lecturegen diff OLD NEW`: what changed between two builds, per experiment, and whether it matters.

Reads two report.json files (or build folders holding one). Per experiment: test accuracy and
loss (with the spread when a build used several seeds), parameter count, epochs and training
time; experiments added or removed; the versions and settings that changed; claims that
changed their verdict. ``exceeded`` is true when a test accuracy moved by more than the
tolerance (in percentage points), so the command can gate publishing in CI. The gate also
fails (``problems``) when a build has no runs, an experiment of the old build is missing from
the new one, or a test accuracy or loss is missing, not a number, NaN or infinite: a broken
build must never pass as "within tolerance".
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lecturegen.errors import UsageError
from lecturegen.report import Report, ReportError  # noqa: F401  (ReportError: raised for bad input)
from lecturegen.terminal import plain
from lecturegen.messages import say

log = logging.getLogger(__name__)

PROVENANCE_KEYS = ("lecturegen", "tensorflow", "keras", "numpy", "python", "device", "dataset", "dataset_sha256",
                   "sample_data", "profile", "seeds")


def load_report(path: Path) -> Report:
    file = path / "report.json" if path.is_dir() else path
    if not file.is_file():
        where = (say("cli.diff.where_no_report", path=path) if path.is_dir() else
                 say("cli.diff.where_not_regular", file=file) if file.exists() else
                 say("cli.diff.where_does_not_exist", path=path))
        raise ReportError(say("errors.diff.give_build_folder_e", where=where))
    return Report.load(file, str(path))  # checked against the report schema: one line when malformed


def _number(value: Any) -> float | None:
    """A finite number from a report, or None (missing, text, NaN, infinite, true/false)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


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

    @classmethod
    def from_run(cls, run: Any) -> "Side":
        run = run if isinstance(run, dict) else {}
        summary = run.get("summary") if isinstance(run.get("summary"), dict) else {}
        return cls(
            _number(run.get("test_accuracy")), _number(run.get("test_loss")), _count(summary.get("total_params")),
            _count(run.get("epochs")), _number(run.get("wall_time_s")), _number(run.get("test_accuracy_sd")),
            _number(run.get("test_loss_sd")),
        )

    @property
    def broken(self) -> list[str]:
        """The results this side lacks: a missing, non-numeric, NaN or infinite accuracy or loss."""
        return [name for name in ("test_accuracy", "test_loss") if getattr(self, name) is None]


@dataclass(frozen=True)
class ExperimentDiff:
    name: str
    status: str  # "both", "added", "removed"
    old: Side | None
    new: Side | None
    exceeds: bool = False

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
class Change:
    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class DiffResult:
    old: str
    new: str
    tolerance: float
    experiments: list[ExperimentDiff]
    settings: list[Change] = field(default_factory=list)  # versions, device, dataset, seed, profile
    claims: list[Change] = field(default_factory=list)  # holds: old -> new, only those that changed

    no_runs: tuple[str, ...] = ()  # labels of the builds that have no runs at all

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
                    "loss_change": e.loss_change, "exceeds_tolerance": e.exceeds}
            experiments.append(item)
        return {
            "old": self.old, "new": self.new, "tolerance_points": self.tolerance, "exceeded": self.exceeded,
            "problems": self.problems, "failed": self.failed,
            "experiments": experiments,
            "changed": [asdict(c) for c in self.settings],
            "claims": [asdict(c) for c in self.claims],
        }


def same_lecture(old: Report, new: Report) -> None:
    """Two builds of different chapters or languages cannot be compared: say so (exit 2)."""
    a, b = old.data.get("chapter") or {}, new.data.get("chapter") or {}
    for key, what in (("id", say("cli.diff.what_chapters")), ("lang", say("cli.diff.what_languages"))):
        if a.get(key) and b.get(key) and a[key] != b[key]:
            raise ReportError(say("errors.diff.and_are_builds_different", label=old.label, other=new.label, what=what,
                                  a=a[key], b=b[key]))


def compare(old: Report, new: Report, tolerance: float = 1.0) -> DiffResult:
    if not math.isfinite(tolerance) or tolerance < 0:
        raise UsageError(say("errors.diff.tolerance_give_finite_number", tolerance=tolerance))
    same_lecture(old, new)
    old_runs, new_runs = old.data["runs"], new.data["runs"]
    names = list(old_runs) + [n for n in new_runs if n not in old_runs]
    experiments = []
    for name in names:
        a = Side.from_run(old_runs[name]) if name in old_runs else None
        b = Side.from_run(new_runs[name]) if name in new_runs else None
        status = "both" if a and b else ("removed" if a else "added")
        diff = ExperimentDiff(name, status, a, b)
        points = diff.accuracy_points
        experiments.append(ExperimentDiff(name, status, a, b, points is not None and abs(points) > tolerance + 1e-9))
    old_prov, new_prov = _settings(old.data.get("provenance", {})), _settings(new.data.get("provenance", {}))
    settings = [Change(k, old_prov.get(k), new_prov.get(k)) for k in PROVENANCE_KEYS if old_prov.get(k) != new_prov.get(k)]
    old_claims = {c["id"]: c.get("holds") for c in old.data.get("claims", []) if isinstance(c, dict) and "id" in c}
    new_claims = {c["id"]: c.get("holds") for c in new.data.get("claims", []) if isinstance(c, dict) and "id" in c}
    claims = [Change(cid, old_claims.get(cid), new_claims.get(cid))
              for cid in list(old_claims) + [c for c in new_claims if c not in old_claims]
              if old_claims.get(cid) != new_claims.get(cid)]
    no_runs = tuple(r.label for r in (old, new) if not r.data["runs"])
    return DiffResult(old.label, new.label, tolerance, experiments, settings, claims, no_runs)


def _settings(provenance: dict[str, Any]) -> dict[str, Any]:
    """Provenance with the seeds as a list in both cases (one seed: ``[seed]``)."""
    seeds = provenance.get("seeds") or ([provenance["seed"]] if "seed" in provenance else None)
    return {**provenance, "seeds": seeds}


# ---------------------------------------------------------------- terminal table


def _acc(side: Side | None) -> str:
    if side is None:
        return "–"
    if side.test_accuracy is None:
        return "invalid"
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
    return say(f"cli.diff.claim_{word}") if word else str(holds)


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
        table.add_column(say(f"cli.diff.column_{col}"), justify=justify)
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
    if result.settings:
        console.print(plain(say("cli.diff.changed", changes="; ".join(
            f"{c.name} {_fmt_setting(c.old)} -> {_fmt_setting(c.new)}" for c in result.settings))), markup=False)
    else:
        console.print(say("cli.diff.changed_no_versions_or"))
    for c in result.claims:
        console.print(plain(say("cli.diff.claim", name=c.name, old=_claim_word(c.old), new=_claim_word(c.new))), markup=False)
    over = [e.name for e in result.experiments if e.exceeds]
    if over:
        console.print(Text(plain(say("cli.diff.moved_more_than", tolerance=result.tolerance, names=", ".join(over))),
                           style="bold red"))
    for problem in result.problems:
        console.print(Text(plain(say("cli.diff.gate_fails", problem=problem)), style="bold red"))
    if not result.failed:
        console.print(say("cli.diff.every_test_accuracy_within", tolerance=result.tolerance))


def _fmt_setting(value: Any) -> str:
    if isinstance(value, str) and len(value) == 64:  # a sha256
        return value[:12] + "…"
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)
