"""``qarnot-async tasks submit --file F``: tasks from a JSON file, one or in bulk."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from .._client import Client
from .._converter import structure, wire_attributes, wire_name
from ..errors import QarnotError
from ..models import TaskCreate
from ._output import Bar, emit_json

__all__ = ["UsageError", "add_submit_parser", "task_inputs"]

# Members the Python API takes as a mapping; the wire wants a list of {key, value}.
_MAPPINGS = ("constants", "constraints")


class UsageError(Exception):
    """A malformed command line or input file (exit status 2)."""


def _known_fields() -> frozenset[str]:
    return frozenset(wire_name(a) for a in wire_attributes(TaskCreate))


def _normalised(item: dict[str, Any], where: str) -> dict[str, Any]:
    """One task object as the wire has it: unknown members refused, mappings as lists."""
    known = _known_fields()
    unknown = sorted(k for k in item if k not in known)
    if unknown:
        names = ", ".join(sorted(known))
        raise UsageError(f"{where}: unknown field {unknown[0]!r} (known: {names})")
    item = dict(item)
    for name in _MAPPINGS:
        value = item.get(name)
        if isinstance(value, dict):
            item[name] = [{"key": k, "value": v} for k, v in value.items()]
    return item


def task_inputs(data: Any, source: str) -> list[TaskCreate]:
    """The tasks a submit file describes: a task object or a list of them, in the same
    shapes as :class:`TaskCreate` takes (``constants`` as an object or a list)."""
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(i, dict) for i in items):
        raise UsageError(f"{source} must hold a task object or a list of task objects")
    many = isinstance(data, list)
    tasks = []
    for index, item in enumerate(items):
        where = f"{source} #{index}" if many else source
        try:
            tasks.append(structure(_normalised(item, where), TaskCreate))
        except QarnotError as exc:
            raise UsageError(f"{where}: {exc}") from None
    return tasks


async def _cmd_submit(client: Client, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        data = json.loads(await asyncio.to_thread(path.read_text, encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"{path} is not valid JSON: {exc}") from None
    tasks = task_inputs(data, str(path))
    if len(tasks) == 1 and not isinstance(data, list):
        uuid = await client.tasks.create(tasks[0])
        if args.format == "json":
            emit_json({"uuids": [uuid]})
        else:
            print(uuid)
        return 0
    with Bar("submitting", len(tasks)) as bar:
        results = await client.tasks.create_many(tasks, on_progress=bar.update)
    if args.format == "json":
        if results.failures:
            emit_json(
                {
                    "results": [
                        {"index": r.index, "uuid": r.uuid}
                        if r.ok
                        else {"index": r.index, "status": r.status, "error": r.message}
                        for r in results
                    ]
                }
            )
        else:
            emit_json({"uuids": [r.uuid for r in results]})
    else:
        for result in results:
            if result.ok:
                print(result.uuid if not results.failures else f"#{result.index}\t{result.uuid}")
            else:
                print(
                    f"qarnot-async: #{result.index}: {result.status} {result.message}",
                    file=sys.stderr,
                )
    return 1 if results.failures else 0


def add_submit_parser(ks: Any) -> None:
    """``tasks submit``."""
    p = ks.add_parser("submit", help="create tasks from a JSON file")
    p.add_argument(
        "--file",
        required=True,
        help="a task object or a list of them (wire names; constants as an object or a list)",
    )
    p.set_defaults(handler=_cmd_submit, kind="tasks")
