"""Checked claims: the lecture's statements about its own results, re-evaluated by every build.

A chapter declares its claims next to its experiments, one line each::

    claim("relu-beats-sigmoid", "relu.test_accuracy > sigmoid.test_accuracy",
          ko="ReLU + 소프트맥스 모델이 시그모이드 모델보다 정확하다",
          en="The ReLU + softmax network is more accurate than the sigmoid network")

The check is a tiny expression over the experiments' results (names are experiment names;
fields are those of :class:`~lecturegen.core.results.RunResult`, e.g. ``test_accuracy``, ``test_loss``,
``params``, ``epochs``, ``wall_time_s``, ``history.loss[-1]``), or a Python callable taking the runs
(``check=lambda runs: runs.adam.test_loss < runs.sgd.test_loss``). Every value the check reads is
recorded, so a failure can show the numbers behind it. With ``--seeds N`` the runs hold the means,
so a claim holds only if it holds on the mean; the spread is recorded next to each value.
No TensorFlow here: claims are evaluated on results, cached or fresh.
"""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from lecturegen.core.formats import NBSP, PLUS_MINUS  # a value never breaks across lines on a page
from lecturegen.core.results import RunResult, spread

log = logging.getLogger(__name__)

Check = str | Callable[[Any], bool]

_NODES = (
    ast.Expression, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.Name, ast.Attribute, ast.Subscript,
    ast.Constant, ast.Load, ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd, ast.Add, ast.Sub, ast.Mult, ast.Div,
    ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq, ast.Call,
)
_FUNCTIONS = {"abs": abs, "min": min, "max": max, "mean": lambda values: sum(values) / len(values)}


@dataclass(frozen=True)
class Claim:
    id: str
    check: Check
    text: dict[str, str]  # per language
    data: str | None = None  # "mnist", "fashion_mnist": the data set the statement is about (None: any)

    @property
    def key(self) -> str:
        """The name content files use: ``claims.relu_beats_sigmoid.holds``."""
        return self.id.replace("-", "_")

    @property
    def expression(self) -> str:
        return self.check if isinstance(self.check, str) else getattr(self.check, "__name__", "check")


def claim(id: str, check: Check, *, data: str | None = None, **text: str) -> Claim:
    """Declare a claim in one line (see the module docstring); its sentence in every language of
    the chapter, by language code: ``ko="..."``, ``en="..."``. ``data="mnist"``: a statement about
    that data set only; on another one it is reported as not applicable, never as false."""
    if not id or not all(c.isalnum() or c in "-_" for c in id):
        raise ValueError(f"claim id {id!r}: use letters, digits, '-' and '_'")
    if isinstance(check, str):
        _parse(check, id)
    elif not callable(check):
        raise ValueError(f"claim {id!r}: check must be an expression string or a callable, not {type(check).__name__}")
    if not text or not all(isinstance(t, str) for t in text.values()):
        raise ValueError(f"claim {id!r}: give its sentence per language, e.g. en=\"The CNN is more accurate\"")
    return Claim(id, check, dict(text), data)


def _parse(expression: str, claim_id: str) -> ast.Expression:
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"claim {claim_id!r}: cannot parse {expression!r} ({exc.msg})") from None
    for node in ast.walk(tree):
        if not isinstance(node, _NODES):
            raise ValueError(f"claim {claim_id!r}: {type(node).__name__} is not allowed in {expression!r}")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS):
            raise ValueError(f"claim {claim_id!r}: only {', '.join(_FUNCTIONS)} may be called in {expression!r}")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ValueError(f"claim {claim_id!r}: private attribute {node.attr!r} in {expression!r}")
    return tree


def names_used(check: Check) -> set[str]:
    """Experiment names an expression refers to (empty for a callable)."""
    if not isinstance(check, str):
        return set()
    tree = _parse(check, "?")
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in _FUNCTIONS}


# ---------------------------------------------------------------- recording proxies


class _Recorder:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}


class _Series:
    def __init__(self, path: str, values: list[float], rec: _Recorder) -> None:
        self._path, self._values, self._rec = path, values, rec

    def __getitem__(self, index: int) -> float:
        value = self._values[index]
        self._rec.values[f"{self._path}[{index}]"] = value
        return value

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self):
        return iter(self._values)


class _History:
    def __init__(self, path: str, history: dict[str, list[float]], rec: _Recorder) -> None:
        self._path, self._history, self._rec = path, history, rec

    def __getattr__(self, metric: str) -> _Series:
        if metric.startswith("_") or metric not in self._history:
            raise AttributeError(f"{self._path} has no metric {metric!r}; known: {', '.join(self._history)}")
        return _Series(f"{self._path}.{metric}", self._history[metric], self._rec)


class _Run:
    def __init__(self, name: str, run: RunResult, rec: _Recorder) -> None:
        self._name, self._run, self._rec = name, run, rec

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        if attr == "history":
            return _History(f"{self._name}.history", self._run.history, self._rec)
        value = getattr(self._run, attr)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self._rec.values[f"{self._name}.{attr}"] = value
        return value


class _Runs(dict):
    """``runs.relu`` and ``runs["relu"]`` for callable checks."""

    def __getattr__(self, name: str) -> _Run:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


# ---------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class ClaimResult:
    id: str
    key: str
    text: dict[str, str]
    expression: str
    holds: bool
    values: dict[str, float] = field(default_factory=dict)
    spread: dict[str, float] = field(default_factory=dict)  # sd per value, with --seeds N > 1
    error: str = ""  # the check could not be evaluated (counts as not holding)
    previously: bool | None = None  # whether it held in the build this one replaces
    applicable: bool = True  # False: the claim is about another data set (``claim(data=...)``)

    @property
    def failed(self) -> bool:
        """Does not hold on the data it is about (a claim that does not apply never fails)."""
        return self.applicable and not self.holds

    @property
    def verb(self) -> str:
        return "no longer holds" if self.previously else "does not hold"

    def describe_values(self) -> str:
        """``relu.test_accuracy 11.60 % vs sigmoid.test_accuracy 13.20 %``."""
        return " vs ".join(f"{name} {format_value(name, v, self.spread.get(name))}" for name, v in self.values.items())

    def failure_message(self) -> str:
        detail = self.error or self.describe_values()
        return f"claim '{self.id}' {self.verb}: {detail} (checked: {self.expression})"

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "id": self.id, "text": self.text.get(lang, self.id), "expression": self.expression, "holds": self.holds,
            "values": self.values, "spread": self.spread, "error": self.error or None, "previously": self.previously,
            "applicable": self.applicable,
        }


def format_value(name: str, value: float, sd: float | None = None) -> str:
    """Accuracies as percentages, losses with four decimals, counts with separators."""
    if "accuracy" in name:
        text = f"{value * 100:.2f}{NBSP}%"
        return text + (f"{PLUS_MINUS}{sd * 100:.2f}" if sd else "")
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{value:.4f}"
    return text + (f"{PLUS_MINUS}{sd:.4f}" if sd else "")


def evaluate(c: Claim, runs: dict[str, RunResult], previously: bool | None = None,
             data: str | None = None) -> ClaimResult:
    rec = _Recorder()
    proxies = _Runs({name: _Run(name, run, rec) for name, run in runs.items()})
    error = ""
    try:
        if isinstance(c.check, str):
            code = compile(_parse(c.check, c.id), f"<claim {c.id}>", "eval")
            holds = bool(eval(code, {"__builtins__": {}, **_FUNCTIONS}, dict(proxies)))  # noqa: S307 (validated AST)
        else:
            holds = bool(c.check(proxies))
    except (AttributeError, IndexError, KeyError, NameError, TypeError, ValueError, ZeroDivisionError) as exc:
        holds, error = False, f"cannot be checked: {type(exc).__name__}: {exc}"
    values = {name: (float(v) if isinstance(v, float) else v) for name, v in rec.values.items()}
    spreads = {name: sd for name, v in rec.values.items() if (sd := spread(v)) is not None}
    applicable = c.data is None or data is None or c.data == data
    return ClaimResult(c.id, c.key, dict(c.text), c.expression, holds, values, spreads, error, previously, applicable)


def evaluate_all(claims: tuple[Claim, ...], runs: dict[str, RunResult],
                 previous: dict[str, bool] | None = None, data: str | None = None) -> list[ClaimResult]:
    """Every claim of a chapter against this build's runs (the means when several seeds ran);
    ``data`` (``mnist``, ``fashion_mnist``) marks claims about another data set as not applicable."""
    previous = previous or {}
    return [evaluate(c, runs, previous.get(c.id), data) for c in claims]


def previous_outcomes(report: dict[str, Any] | None) -> dict[str, bool]:
    """``{claim id: holds}`` from an earlier report.json, for 'no longer holds'."""
    claims = report.get("claims") if isinstance(report, dict) else None  # a damaged report counts as none
    if not isinstance(claims, list):
        return {}
    return {c["id"]: bool(c.get("holds")) for c in claims if isinstance(c, dict) and isinstance(c.get("id"), str)}


class ClaimView:
    """What a content file sees as ``claims.<key>``: ``.holds``, ``.text``, ``.values``."""

    def __init__(self, result: ClaimResult, lang: str) -> None:
        self.result = result
        self.holds = result.holds
        self.applicable = result.applicable
        self.text = result.text.get(lang, result.id)
        self.values = result.values
        self.id = result.id

    def __bool__(self) -> bool:
        return self.holds


def content_namespace(results: list[ClaimResult], lang: str) -> dict[str, ClaimView]:
    return {r.key: ClaimView(r, lang) for r in results}
