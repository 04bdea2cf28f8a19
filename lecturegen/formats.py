"""How numbers are written in pages and tables: the content files' filters (``pct``, ``num``,
``fixed``, ``seconds``, ``mean``), also used by chapter tables and the CLI."""

from __future__ import annotations

from typing import Any

from lecturegen.build.results import spread


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


def mean(values: list[float] | tuple[float, ...]) -> float:
    return sum(values) / len(values)


def short(value: Any) -> str:
    """A setting as it reads best: floats without trailing zeros (0.001, 1e-06), the rest as str."""
    return f"{value:g}" if isinstance(value, float) else str(value)


FILTERS = {"pct": pct, "num": num, "fixed": fixed, "seconds": seconds, "mean": mean}
