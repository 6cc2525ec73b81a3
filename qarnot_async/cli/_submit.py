"""``qarnot-async tasks submit --file F``: tasks from a JSON file, one or in bulk, or
from a JSON Lines manifest, each line exactly once across crashes and reruns."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from .._client import Client
from .._converter import structure
from ..errors import QarnotError
from ..models import TaskCreate
from ._manifest import (
    BATCH_LINES,
    PREFIX,
    Summary,
    is_manifest,
    known_fields,
    submit_manifest,
    unknown_field,
    wire_task,
)
from ._output import Bar, emit_json

__all__ = ["UsageError", "add_submit_parser", "task_inputs"]


class UsageError(Exception):
    """A malformed command line or input file (exit status 2)."""


def _normalised(item: dict[str, Any], where: str) -> dict[str, Any]:
    """One task object as the wire has it: unknown members refused, mappings as lists."""
    unknown = unknown_field(item)
    if unknown is not None:
        names = ", ".join(sorted(known_fields()))
        raise UsageError(f"{where}: unknown field {unknown!r} (known: {names})")
    return wire_task(item)


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
    if is_manifest(args.file, args.jsonl):
        return await _submit_lines(client, args)
    for flag, given in (("--key-field", args.key_field), ("--prefix", args.prefix)):
        if given is not None:
            raise UsageError(f"{flag} is for JSON Lines files (a .jsonl name, or --jsonl)")
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


async def _submit_lines(client: Client, args: argparse.Namespace) -> int:
    """A JSON Lines manifest: progress on stderr after each batch, the summary on
    stdout; exit status 1 when a line failed."""
    path = Path(args.file)
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {args.batch_size}")

    def progress(summary: Summary) -> None:
        print(f"qarnot-async: {summary.progress()}", file=sys.stderr, flush=True)

    try:
        stream = await asyncio.to_thread(path.open, "rb")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    with stream:
        summary = await submit_manifest(
            client,
            stream,
            key_field=args.key_field,
            prefix=PREFIX if args.prefix is None else args.prefix,
            batch_lines=args.batch_size,
            on_batch=progress,
        )
    if args.format == "json":
        emit_json(summary.to_json())
    else:
        print(summary.text())
    return 1 if summary.failed else 0


def add_submit_parser(ks: Any) -> None:
    """``tasks submit``."""
    p = ks.add_parser(
        "submit",
        help="create tasks from a JSON file, or exactly once from a JSON Lines manifest",
        description=(
            "Create tasks from a JSON file (a task object or a list of them), or from a "
            "JSON Lines manifest (a .jsonl or .ndjson name, or --jsonl): one task object "
            "per line, streamed in batches (any size, constant memory). Each line gets a "
            "stable shortname: its shortname member, else <prefix>k-<key> from "
            "--key-field (jl-k-frame-7), else <prefix>h-<hash of the line's JSON>. A "
            "rerun (after a crash, kill -9 included) adopts the tasks that exist already: "
            "exactly one task per line. Bad lines fail with their line number; the others "
            "go on. Progress goes to stderr, the summary (created, adopted, failed by "
            "line) to stdout; exit status 1 when a line failed."
        ),
    )
    p.add_argument(
        "--file",
        required=True,
        help="a task object or a list of them (wire names; constants as an object or a "
        "list), or a JSON Lines manifest",
    )
    p.add_argument(
        "--jsonl", action="store_true", help="read --file as JSON Lines whatever its name"
    )
    p.add_argument(
        "--key-field",
        metavar="NAME",
        help="JSON Lines: the member whose value names each line (its shortname); removed "
        "from the task unless it is a task field (default: a hash of the line)",
    )
    p.add_argument(
        "--prefix",
        help=f"JSON Lines: the start of the shortnames given to lines (default: {PREFIX}); "
        "one per manifest keeps manifests that reuse keys apart",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=BATCH_LINES,
        metavar="N",
        help=f"JSON Lines: lines read and submitted at a time (default: {BATCH_LINES})",
    )
    p.set_defaults(handler=_cmd_submit, kind="tasks")
