"""The figures the benchmarks check against the targets of issue 12, and their report.

Each benchmark module records its headline figures with :func:`record`; ``make bench``
prints them at the end in one table (figure, target, met or not) and, when
``QA_BENCH_JSON`` names a file, writes them there too (to take medians over runs).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

__all__ = ["Figure", "figures", "fmt_seconds", "record", "targets_section", "write_json"]


@dataclass(frozen=True)
class Figure:
    """One measured figure, with the target it is held to (if any)."""

    key: str
    label: str
    value: float
    unit: str
    target: float | None = None
    #: "<=": the value must not exceed the target; ">=": it must reach it.
    sense: str = "<="

    @property
    def met(self) -> bool | None:
        """Whether the target is met (``None``: no target)."""
        if self.target is None:
            return None
        return self.value <= self.target if self.sense == "<=" else self.value >= self.target


_FIGURES: dict[str, Figure] = {}


def record(
    key: str,
    label: str,
    value: float,
    unit: str,
    target: float | None = None,
    sense: str = "<=",
) -> Figure:
    """Keep a figure for the final table (a later one with the same key replaces it)."""
    figure = Figure(key, label, value, unit, target, sense)
    _FIGURES[key] = figure
    return figure


def figures() -> list[Figure]:
    """Every figure recorded so far, in recording order."""
    return list(_FIGURES.values())


def _value(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "µs":
        return f"{value:,.1f} µs"
    if unit == "ms":
        return f"{value:,.2f} ms"
    if unit == "%":
        return f"{value:.0f}%"
    if unit == "KB":
        return f"{value:,.2f} KB"
    return f"{value:,.3g} {unit}".strip()


def fmt_seconds(seconds: float) -> str:
    """``0.123`` -> ``123 ms``; ``12.3`` -> ``12.30 s``."""
    if seconds < 1:
        return f"{seconds * 1000:,.0f} ms"
    return f"{seconds:,.2f} s"


def targets_section() -> str:
    """The markdown table of every recorded figure against its target."""
    rows = []
    for figure in figures():
        if figure.target is None:
            target, verdict = "", ""
        else:
            target = f"{figure.sense} {_value(figure.target, figure.unit)}"
            verdict = "met" if figure.met else "**MISSED**"
        rows.append(
            f"| {figure.label} | {_value(figure.value, figure.unit)} | {target} | {verdict} |"
        )
    return "\n".join(
        [
            "## Targets of issue 12",
            "",
            "| figure | measured | target | |",
            "|---|---:|---:|---|",
            *rows,
        ]
    )


def write_json(path: str | None = None) -> None:
    """Write the figures to ``path`` (default: ``$QA_BENCH_JSON``; nothing if unset)."""
    path = path or os.environ.get("QA_BENCH_JSON")
    if not path:
        return
    with open(path, "w", encoding="utf-8") as out:
        json.dump([asdict(f) for f in figures()], out, indent=1)
