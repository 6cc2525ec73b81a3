"""Task objects as submit files give them, and JSON Lines manifests submitted exactly
once across crashes and reruns (``qarnot-async tasks submit --file tasks.jsonl``).

Each line of a manifest is one task object (the wire names) and gets a stable
shortname, so a rerun after a crash (``kill -9`` included) finds the tasks the first run
created and adopts them instead of creating them twice. The file is read and submitted
in batches of lines: memory stays bounded whatever its size.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Final

import attrs

from .._client import Client
from .._converter import structure, wire_attributes, wire_name
from ..errors import QarnotError
from ..models import TaskCreate

__all__ = [
    "BATCH_LINES",
    "MAX_LINE_BYTES",
    "PREFIX",
    "Line",
    "Summary",
    "is_manifest",
    "parse_line",
    "known_fields",
    "read_batches",
    "shortname_of",
    "submit_manifest",
    "unknown_field",
    "wire_task",
]

PREFIX: Final = "jl-"
"""The default start of the shortnames given to a manifest's lines."""
BATCH_LINES: Final = 1000
"""Lines read, checked and submitted at a time: the memory bound of a submission."""
MAX_LINE_BYTES: Final = 1024 * 1024
"""A longer line is a failure (no task is that large), never read whole."""
MAX_LISTED: Final = 1000
"""Failures listed in the summary; more are counted (memory stays bounded)."""

# Members the Python API takes as a mapping; the wire wants a list of {key, value}.
_MAPPINGS = ("constants", "constraints")


@functools.cache
def known_fields() -> frozenset[str]:
    """The wire names of a task object's members."""
    return frozenset(wire_name(a) for a in wire_attributes(TaskCreate))


def unknown_field(item: dict[str, Any]) -> str | None:
    """The first member of a task object that is no task field, if any."""
    known = known_fields()
    return next((k for k in sorted(item) if k not in known), None)


def wire_task(item: dict[str, Any]) -> dict[str, Any]:
    """A task object as the wire has it: ``constants`` and ``constraints`` given as an
    object become lists of ``{key, value}`` (a copy; ``item`` is left alone)."""
    item = dict(item)
    for name in _MAPPINGS:
        value = item.get(name)
        if isinstance(value, dict):
            item[name] = [{"key": k, "value": v} for k, v in value.items()]
    return item


# A key that is safe in a URL path stays readable in the shortname; others are hashed.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9._~-]{1,100}")


def is_manifest(path: str, flag: bool) -> bool:
    """Whether ``path`` is read as JSON Lines: ``--jsonl``, or a ``.jsonl``/``.ndjson`` name."""
    return flag or Path(path).suffix.lower() in (".jsonl", ".ndjson")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def shortname_of(item: dict[str, Any], key_field: str | None, prefix: str = PREFIX) -> str:
    """The stable shortname of a line's task object.

    A ``shortname`` member is used as it is. With ``key_field``, the key's value:
    ``<prefix>k-<key>`` when it is a plain word (letters, digits, ``._~-``), else
    ``<prefix>kh-`` and a hash of it. Without, ``<prefix>h-`` and a hash of the
    object's canonical JSON (keys sorted, no spaces): the same task always gets the
    same shortname, whatever the order of its members or the spacing of its line.

    Raises:
        ValueError: the key field is missing, or not a string or a whole number; the
            ``shortname`` member is not a non-empty string.
    """
    if "shortname" in item:
        own = item["shortname"]
        if not isinstance(own, str) or not own:
            raise ValueError("'shortname' must be a non-empty string")
        return own
    if key_field is None:
        canonical = json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return f"{prefix}h-{_digest(canonical)}"
    if key_field not in item:
        raise ValueError(f"no {key_field!r} member (the --key-field)")
    key = item[key_field]
    if isinstance(key, bool) or not isinstance(key, str | int) or key == "":
        raise ValueError(f"{key_field!r} must be a non-empty string or a whole number")
    text = str(key)
    if _PLAIN_KEY.fullmatch(text):
        return f"{prefix}k-{text}"
    return f"{prefix}kh-{_digest(text)}"


@attrs.frozen(slots=True)
class Line:
    """One line of a manifest: its task and shortname, or why it cannot be sent."""

    number: int
    task: TaskCreate | None = None
    shortname: str | None = None
    error: str | None = None


def parse_line(number: int, raw: bytes | None, key_field: str | None, prefix: str = PREFIX) -> Line:
    """Read line ``number`` (``raw`` ``None``: it was longer than :data:`MAX_LINE_BYTES`).

    Never raises: a bad line is a :class:`Line` with its ``error``. The key field is
    removed from the task when it is no task field.
    """
    if raw is None:
        return Line(number, error=f"longer than {MAX_LINE_BYTES:,} bytes")
    try:
        item = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        return Line(number, error=f"invalid JSON: {exc}")
    if not isinstance(item, dict):
        return Line(number, error=f"not a task object (a JSON {type(item).__name__})")
    try:
        shortname = shortname_of(item, key_field, prefix)
    except ValueError as exc:
        return Line(number, error=str(exc))
    if key_field is not None and key_field not in known_fields():
        item = {k: v for k, v in item.items() if k != key_field}
    unknown = unknown_field(item)
    if unknown is not None:
        return Line(number, shortname=shortname, error=f"unknown field {unknown!r}")
    try:
        task = structure({**wire_task(item), "shortname": shortname}, TaskCreate)
    except QarnotError as exc:
        return Line(number, shortname=shortname, error=str(exc))
    return Line(number, task, shortname)


def read_batches(stream: IO[bytes], size: int) -> Iterator[list[tuple[int, bytes | None]]]:
    """``(line number, bytes)`` of the non-blank lines of ``stream``, ``size`` at a time
    (bytes ``None``: the line was too long; it is skipped over, never held whole)."""
    batch: list[tuple[int, bytes | None]] = []
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            break
        number += 1
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(MAX_LINE_BYTES)
            batch.append((number, None))
        elif raw.strip():
            batch.append((number, raw))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@attrs.define
class Summary:
    """The counts of a submission, and its failures by line (the first
    :data:`MAX_LISTED` listed: ``(line, shortname, reason)``)."""

    lines: int = 0
    created: int = 0
    adopted: int = 0
    failed: int = 0
    failures: list[tuple[int, str | None, str]] = attrs.Factory(list)

    def fail(self, line: int, shortname: str | None, reason: str) -> None:
        """Count one failed line."""
        self.failed += 1
        if len(self.failures) < MAX_LISTED:
            self.failures.append((line, shortname, reason))

    def progress(self) -> str:
        """One line of progress."""
        return (
            f"{self.lines:,} lines: {self.created:,} created, {self.adopted:,} adopted, "
            f"{self.failed:,} failed"
        )

    def to_json(self) -> dict[str, Any]:
        """The summary as ``--format json`` prints it."""
        return {
            "lines": self.lines,
            "created": self.created,
            "adopted": self.adopted,
            "failed": self.failed,
            "failures": [
                {"line": line, "shortname": shortname, "error": reason}
                for line, shortname, reason in self.failures
            ],
            "unlisted": self.failed - len(self.failures),
        }

    def text(self) -> str:
        """The summary as text: the counts, then a line per failure."""
        rows = [f"{k}\t{getattr(self, k)}" for k in ("lines", "created", "adopted", "failed")]
        rows += [f"line {line}: {reason}" for line, _, reason in self.failures]
        if self.failed > len(self.failures):
            rows.append(f"... and {self.failed - len(self.failures)} more failed lines")
        return "\n".join(rows)


def _reason(status: int, message: str | None, created: bool | None) -> str:
    told = "" if created is not None else " (it may exist: rerun to adopt it)"
    return f"{status or 'no answer'}: {message or 'failed'}{told}"


async def _submit_batch(client: Client, lines: list[Line], summary: Summary) -> None:
    """Create the valid lines of one batch; count every line."""
    firsts: dict[str, int] = {}  # shortname -> index in `sent`
    sent: list[Line] = []
    tasks: list[TaskCreate] = []
    repeats: list[tuple[Line, int]] = []
    for line in lines:
        summary.lines += 1
        if line.task is None or line.shortname is None:
            summary.fail(line.number, line.shortname, line.error or "invalid")
        elif line.shortname in firsts:
            # Same shortname, same task: the first line creates it, this one adopts it.
            repeats.append((line, firsts[line.shortname]))
        else:
            firsts[line.shortname] = len(sent)
            sent.append(line)
            tasks.append(line.task)
    if not sent:
        return
    results = await client.tasks.create_many(tasks, adopt_existing=True)
    for line, result in zip(sent, results, strict=True):
        if result.adopted:
            summary.adopted += 1
        elif result.ok:
            summary.created += 1
        else:
            reason = _reason(result.status, result.message, result.created)
            summary.fail(line.number, result.shortname, reason)
    for line, first in repeats:
        if results[first].ok:
            summary.adopted += 1
        else:
            reason = f"same shortname as line {sent[first].number}, which failed"
            summary.fail(line.number, line.shortname, reason)


async def submit_manifest(
    client: Client,
    stream: IO[bytes],
    *,
    key_field: str | None = None,
    prefix: str = PREFIX,
    batch_lines: int = BATCH_LINES,
    on_batch: Callable[[Summary], None] | None = None,
) -> Summary:
    """Submit every line of a JSON Lines ``stream``, ``batch_lines`` at a time.

    Each batch is read and checked (a bad line is a failure with its number, the others
    go on), then created with ``adopt_existing=True``: a line whose shortname exists
    already (a previous run's) is adopted, not created twice. ``on_batch`` sees the
    summary after each batch.
    """
    summary = Summary()

    def next_batch(batches: Iterator[list[tuple[int, bytes | None]]]) -> list[Line] | None:
        raw = next(batches, None)
        return None if raw is None else [parse_line(n, b, key_field, prefix) for n, b in raw]

    batches = read_batches(stream, batch_lines)
    while True:
        # Reading and parsing block: in a thread, so the event loop stays free.
        lines = await asyncio.to_thread(next_batch, batches)
        if lines is None:
            return summary
        await _submit_batch(client, lines, summary)
        if on_batch is not None:
            on_batch(summary)
