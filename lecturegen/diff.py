"""`lecturegen diff OLD NEW`: what changed between two builds, per experiment, and whether it matters.

Reads two report.json files (or build folders holding one). Per experiment: test accuracy and
loss (with the spread when a build used several seeds), parameter count, epochs and training
time; experiments added or removed; the versions and settings that changed; claims that
changed their verdict. ``exceeded`` is true when a test accuracy moved by more than the
tolerance (in percentage points), so the command can gate publishing in CI.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lecturegen.errors import LecturegenError

log = logging.getLogger(__name__)

PROVENANCE_KEYS = ("lecturegen", "tensorflow", "keras", "numpy", "python", "device", "dataset", "dataset_sha256",
                   "sample_data", "profile", "seeds")


class ReportError(LecturegenError):
    """A path given to `lecturegen diff` that is not a build or a report."""

    exit_code = 2


@dataclass(frozen=True)
class Report:
    label: str  # the path as given, for headings
    data: dict[str, Any]


def load_report(path: Path) -> Report:
    file = path / "report.json" if path.is_dir() else path
    if not file.is_file():
        where = f"{path} has no report.json" if path.is_dir() else f"{path} does not exist"
        raise ReportError(f"{where}; give a build folder (e.g. output/ch4) or its report.json")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReportError(f"{file} is not a lecturegen report.json ({type(exc).__name__}); give a build folder") from None
    if not isinstance(data, dict) or not isinstance(data.get("runs"), dict) or "provenance" not in data:
        raise ReportError(f"{file} is not a lecturegen report.json (no 'runs' / 'provenance'); give a build folder")
    return Report(str(path), data)


@dataclass(frozen=True)
class Side:
    """One experiment in one build."""

    test_accuracy: float
    test_loss: float
    params: int | None
    epochs: int | None
    wall_time_s: float | None
    test_accuracy_sd: float | None = None
    test_loss_sd: float | None = None

    @classmethod
    def from_run(cls, run: dict[str, Any]) -> "Side":
        return cls(
            float(run["test_accuracy"]), float(run["test_loss"]), (run.get("summary") or {}).get("total_params"),
            run.get("epochs"), run.get("wall_time_s"), run.get("test_accuracy_sd"), run.get("test_loss_sd"),
        )


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
        return None if not (self.old and self.new) else (self.new.test_accuracy - self.old.test_accuracy) * 100

    @property
    def loss_change(self) -> float | None:
        return None if not (self.old and self.new) else self.new.test_loss - self.old.test_loss


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

    @property
    def exceeded(self) -> bool:
        return any(e.exceeds for e in self.experiments)

    def to_dict(self) -> dict[str, Any]:
        experiments = []
        for e in self.experiments:
            item = {"name": e.name, "status": e.status, "old": asdict(e.old) if e.old else None,
                    "new": asdict(e.new) if e.new else None, "accuracy_change_points": e.accuracy_points,
                    "loss_change": e.loss_change, "exceeds_tolerance": e.exceeds}
            experiments.append(item)
        return {
            "old": self.old, "new": self.new, "tolerance_points": self.tolerance, "exceeded": self.exceeded,
            "experiments": experiments,
            "changed": [asdict(c) for c in self.settings],
            "claims": [asdict(c) for c in self.claims],
        }


def same_lecture(old: Report, new: Report) -> None:
    """Two builds of different chapters or languages cannot be compared: say so (exit 2)."""
    a, b = old.data.get("chapter") or {}, new.data.get("chapter") or {}
    for key, what in (("id", "chapters"), ("lang", "languages")):
        if a.get(key) and b.get(key) and a[key] != b[key]:
            raise ReportError(f"{old.label} and {new.label} are builds of different {what} ({a[key]} vs {b[key]}); "
                              "compare two builds of the same chapter and language")


def compare(old: Report, new: Report, tolerance: float = 1.0) -> DiffResult:
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
    return DiffResult(old.label, new.label, tolerance, experiments, settings, claims)


def _settings(provenance: dict[str, Any]) -> dict[str, Any]:
    """Provenance with the seeds as a list in both cases (one seed: ``[seed]``)."""
    seeds = provenance.get("seeds") or ([provenance["seed"]] if "seed" in provenance else None)
    return {**provenance, "seeds": seeds}


# ---------------------------------------------------------------- terminal table


def _acc(side: Side | None) -> str:
    if side is None:
        return "–"
    sd = f" ± {side.test_accuracy_sd * 100:.2f}" if side.test_accuracy_sd else ""
    return f"{side.test_accuracy * 100:.2f} %{sd}"


def _loss(side: Side | None) -> str:
    if side is None:
        return "–"
    sd = f" ± {side.test_loss_sd:.4f}" if side.test_loss_sd else ""
    return f"{side.test_loss:.4f}{sd}"


def _pair(old: Any, new: Any, fmt=str) -> str:
    a = "–" if old is None else fmt(old)
    b = "–" if new is None else fmt(new)
    return a if a == b else f"{a} → {b}"


def _claim_word(holds: Any) -> str:
    return {True: "holds", False: "fails", None: "absent"}.get(holds, str(holds))


def print_table(result: DiffResult, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False, width=None if Console().is_terminal else 120)
    table = Table(title=f"{result.old} → {result.new}", title_justify="left")
    for col, justify in (("experiment", "left"), ("test accuracy", "right"), ("Δ points", "right"),
                         ("test loss", "right"), ("Δ loss", "right"), ("params", "right"), ("epochs", "right"),
                         ("time (s)", "right")):
        table.add_column(col, justify=justify)
    for e in result.experiments:
        old, new = e.old, e.new
        points = e.accuracy_points
        delta = "–" if points is None else f"{points:+.2f}"
        if e.exceeds:
            delta = f"[bold red]{delta} ![/]"
        name = e.name + ("" if e.status == "both" else f" ({e.status})")
        table.add_row(
            name,
            _pair(old and _acc(old), new and _acc(new)),
            delta,
            _pair(old and _loss(old), new and _loss(new)),
            "–" if e.loss_change is None else f"{e.loss_change:+.4f}",
            _pair(old and old.params, new and new.params, lambda v: f"{v:,}"),
            _pair(old and old.epochs, new and new.epochs),
            _pair(old and old.wall_time_s, new and new.wall_time_s, lambda v: f"{v:.1f}"),
        )
    console.print(table)
    if result.settings:
        console.print("changed: " + "; ".join(f"{c.name} {_fmt_setting(c.old)} -> {_fmt_setting(c.new)}"
                                               for c in result.settings), markup=False)
    else:
        console.print("changed: no versions or settings")
    for c in result.claims:
        console.print(f"claim '{c.name}': {_claim_word(c.old)} -> {_claim_word(c.new)}", markup=False)
    over = [e.name for e in result.experiments if e.exceeds]
    if over:
        console.print(f"[bold red]test accuracy moved by more than {result.tolerance:g} points:[/] {', '.join(over)}")
    else:
        console.print(f"every test accuracy within {result.tolerance:g} points")


def _fmt_setting(value: Any) -> str:
    if isinstance(value, str) and len(value) == 64:  # a sha256
        return value[:12] + "…"
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)
