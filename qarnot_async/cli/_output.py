"""How the ``qarnot-async`` commands print: tables (with a header row), key/value
blocks, JSON, and a progress bar on stderr."""

from __future__ import annotations

import argparse
import enum
import json
import sys
from collections.abc import Sequence
from typing import Any

from .._converter import unstructure

__all__ = ["Bar", "cell", "console", "emit", "emit_json", "emit_one", "say", "wire"]


def console(stderr: bool = False) -> Any:
    """A rich console, or ``None`` when the ``cli`` extra is not installed."""
    try:
        from rich.console import Console
    except ImportError:  # the `cli` extra is not installed: plain output still works
        return None
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def wire(value: Any) -> Any:
    """An entity as wire JSON (states as their names)."""
    return unstructure(value)


def emit_json(value: Any) -> None:
    """Print ``value`` as indented JSON."""
    print(json.dumps(value, indent=2, default=str))


def say(args: argparse.Namespace, text: str, **data: Any) -> None:
    """One line of confirmation: ``text``, or ``data`` as JSON with ``--format json``."""
    if args.format == "json":
        emit_json(data)
    else:
        print(text)


def emit(args: argparse.Namespace, rows: Sequence[Any], columns: Sequence[str]) -> None:
    """Print entities as a table (the chosen columns, a header row first) or as wire JSON.

    The rich table is for a terminal only: a pipe gets tab-separated lines, which
    ``cut``, ``awk`` and ``head`` read.
    """
    if args.format == "json":
        emit_json([wire(r) for r in rows])
        return
    rich = console() if sys.stdout.isatty() else None
    if rich is None:
        print("\t".join(columns))
        for row in rows:
            print("\t".join(cell(row, c) for c in columns))
        return
    from rich.table import Table

    table = Table(*columns, show_lines=False)
    for row in rows:
        table.add_row(*(cell(row, c) for c in columns))
    rich.print(table)


def emit_one(args: argparse.Namespace, entity: Any) -> None:
    """Print one entity as ``key  value`` lines, or as wire JSON."""
    data = wire(entity)
    if args.format == "json":
        emit_json(data)
        return
    if not isinstance(data, dict):
        print(data)
        return
    width = max((len(k) for k in data), default=0)
    for key, value in data.items():
        shown = value if isinstance(value, str | int | float) else json.dumps(value, default=str)
        print(f"{key:<{width}}  {shown}")


def cell(row: Any, column: str) -> str:
    """One table cell: enums by their names, floats short, ``None`` empty."""
    value = getattr(row, column, None)
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class Bar:
    """A progress bar on stderr while a long command runs (silent when not a terminal)."""

    def __init__(self, label: str, total: int | None) -> None:
        self._progress: Any = None
        # total=None: not known yet (a transfer learns it once it has listed).
        if (total is None or total > 1) and sys.stderr.isatty():
            try:
                from rich.progress import Progress
            except ImportError:  # the `cli` extra is not installed
                return
            self._progress = Progress(console=console(stderr=True), transient=True)
            self._task = self._progress.add_task(label, total=total)

    def __enter__(self) -> Bar:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, done: int, total: int | None = None) -> None:
        """Move the bar to ``done`` (of ``total`` when it is learnt)."""
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=total)
