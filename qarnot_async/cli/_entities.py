"""``qarnot-async tasks|pools|jobs ...``: list, get, wait, abort, delete, stdout, carbon."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from .._client import Client
from ..errors import NotFoundError, QarnotError, WaitTimeoutError
from ..filters import F
from ..models import JobState, PoolState, TaskState
from ._output import Bar, emit, emit_json, emit_one, say
from ._submit import add_submit_parser

__all__ = ["add_entity_parsers", "non_negative"]

COLUMNS = {
    "tasks": ("uuid", "name", "state", "progress", "instance_count", "creation_date"),
    "pools": ("uuid", "name", "state", "instance_count", "creation_date"),
    "jobs": ("uuid", "name", "state", "pool_uuid", "creation_date"),
}
STATES: dict[str, Any] = {"tasks": TaskState, "pools": PoolState, "jobs": JobState}
DEFAULT_LIMIT = 100


def non_negative(text: str) -> int:
    """An argparse type: an integer >= 0 (a malformed one exits 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _resource(client: Client, kind: str) -> Any:
    return {"tasks": client.tasks, "pools": client.pools, "jobs": client.jobs}[kind]


def _state_name(entity: Any) -> str:
    state = getattr(entity, "state", None)
    return str(getattr(state, "value", state))


async def _cmd_list(client: Client, args: argparse.Namespace) -> int:
    resource = _resource(client, args.kind)
    flt = None
    if args.state:
        flt = F.state == args.state
    if args.tag:
        tag_filter = F.tags.any_of(args.tag)
        flt = tag_filter if flt is None else flt & tag_filter
    limit = args.limit or None
    # One row more than asked: tells "stopped at the limit" from "that was all".
    rows = []
    async for row in resource.paginate(flt):
        rows.append(row)
        if limit is not None and len(rows) > limit:
            break
    more = limit is not None and len(rows) > limit
    emit(args, rows[:limit], COLUMNS[args.kind])
    if more:
        print(
            f"qarnot-async: showing the first {limit} {args.kind}; --limit 0 lists them all",
            file=sys.stderr,
        )
    return 0


async def _cmd_get(client: Client, args: argparse.Namespace) -> int:
    emit_one(args, await _resource(client, args.kind).get(args.uuid))
    return 0


def _wait_failure(kind: str, uuid: str, exc: QarnotError) -> str:
    """One line for a uuid the wait could not settle, in the CLI's words."""
    noun = kind[:-1]
    if isinstance(exc, NotFoundError):
        return f"{noun} {uuid}: not found"
    if isinstance(exc, WaitTimeoutError):
        last = exc.last_seen
        seen = "" if last is None else f" (still {_state_name(last)})"
        return f"{noun} {uuid}: not final within --wait-timeout{seen}"
    return f"{noun} {uuid}: {exc}"


async def _cmd_wait(client: Client, args: argparse.Namespace) -> int:
    resource = _resource(client, args.kind)
    finished = 0

    async def wait_one(uuid: str, bar: Bar) -> Any:
        nonlocal finished
        try:
            return await resource.wait(uuid, timeout=args.wait_timeout)
        except QarnotError as exc:
            return exc
        finally:
            finished += 1
            bar.update(finished)

    with Bar(f"waiting on {args.kind}", len(args.uuid)) as bar:
        results = await asyncio.gather(*(wait_one(u, bar) for u in args.uuid))
    settled = [r for r in results if not isinstance(r, QarnotError)]
    emit(args, settled, COLUMNS[args.kind])
    problems = [
        _wait_failure(args.kind, uuid, r)
        for uuid, r in zip(args.uuid, results, strict=True)
        if isinstance(r, QarnotError)
    ]
    problems += [
        f"{args.kind[:-1]} {r.uuid} ({r.name}) ended in Failure"
        for r in settled
        if _state_name(r) == "Failure"
    ]
    for line in problems:
        print(f"qarnot-async: {line}", file=sys.stderr)
    return 1 if problems else 0


async def _cmd_stop(client: Client, args: argparse.Namespace) -> int:
    """``abort`` (tasks), ``close`` (pools), ``terminate`` (jobs)."""
    resource = _resource(client, args.kind)
    verb = {"tasks": "abort", "pools": "close", "jobs": "terminate"}[args.kind]
    for uuid in args.uuid:
        await getattr(resource, verb)(uuid)
    say(args, "\n".join(f"{args.verb}: {u}" for u in args.uuid), **{args.verb: args.uuid})
    return 0


async def _cmd_delete(client: Client, args: argparse.Namespace) -> int:
    resource = _resource(client, args.kind)
    for uuid in args.uuid:
        if args.kind == "jobs":
            await resource.delete(uuid, force=args.force)
        else:
            await resource.delete(uuid)
    say(args, "\n".join(f"deleted: {u}" for u in args.uuid), deleted=args.uuid)
    return 0


async def _cmd_stdout(client: Client, args: argparse.Namespace) -> int:
    resource = _resource(client, args.kind)
    reader = resource.stderr if args.stderr else resource.stdout
    text = await reader(args.uuid, args.instance, fresh=args.fresh)
    if args.format == "json":
        emit_json({"uuid": args.uuid, "stderr" if args.stderr else "stdout": text})
    else:
        sys.stdout.write(text)
    return 0


async def _cmd_carbon(client: Client, args: argparse.Namespace) -> int:
    resource = _resource(client, args.kind)
    facts = await resource.carbon_facts(args.uuid, comparison_datacenter=args.compare_with)
    emit_one(args, facts)
    return 0


def _stop_parsers(ks: Any, kind: str) -> None:
    """The verbs that stop an entity, each with its own usage and help line."""
    noun = kind[:-1]
    verbs = {
        "tasks": [("abort", "abort running tasks (their instances are cancelled)")],
        "pools": [
            ("close", "close pools (their tasks end, their nodes are released)"),
            ("abort", "same as close"),
        ],
        "jobs": [
            ("terminate", "terminate jobs (their remaining tasks are cancelled)"),
            ("abort", "same as terminate"),
        ],
    }[kind]
    for verb, text in verbs:
        p = ks.add_parser(verb, help=text, description=text)
        p.add_argument("uuid", nargs="+", help=f"{noun} uuid")
        p.set_defaults(handler=_cmd_stop, kind=kind, verb=verb)


def add_entity_parsers(sub: Any) -> None:
    """``tasks``, ``pools`` and ``jobs`` and their subcommands."""
    for kind in ("tasks", "pools", "jobs"):
        noun = kind[:-1]
        kp = sub.add_parser(kind, help=f"{kind}: list, get, wait, stop, delete...")
        ks = kp.add_subparsers(dest="action", required=True, metavar="ACTION")
        p = ks.add_parser("list", help=f"list {kind} (a header row, then one per line)")
        p.add_argument("--state", choices=[s.value for s in STATES[kind]], help="only this state")
        p.add_argument("--tag", action="append", help="only with this tag (repeatable)")
        p.add_argument(
            "--limit",
            type=non_negative,
            default=DEFAULT_LIMIT,
            help=f"at most this many (default {DEFAULT_LIMIT}; 0: all)",
        )
        p.set_defaults(handler=_cmd_list, kind=kind)
        p = ks.add_parser("get", help=f"one {noun}'s details")
        p.add_argument("uuid", help=f"{noun} uuid or shortname")
        p.set_defaults(handler=_cmd_get, kind=kind)
        p = ks.add_parser("wait", help="wait until final; exit 1 if any failed or is unknown")
        p.add_argument("uuid", nargs="+", help=f"{noun} uuid")
        p.add_argument("--wait-timeout", type=float, default=None, help="seconds")
        p.set_defaults(handler=_cmd_wait, kind=kind)
        _stop_parsers(ks, kind)
        p = ks.add_parser("delete", help=f"delete {kind}")
        p.add_argument("uuid", nargs="+", help=f"{noun} uuid")
        if kind == "jobs":
            p.add_argument("--force", action="store_true", help="delete with its tasks")
        p.set_defaults(handler=_cmd_delete, kind=kind)
        if kind == "jobs":
            continue
        p = ks.add_parser("stdout", help="print the output")
        p.add_argument("uuid", help=f"{noun} uuid")
        p.add_argument("--instance", type=int, default=None)
        p.add_argument("--fresh", action="store_true", help="only what is new")
        p.add_argument("--stderr", action="store_true", help="stderr instead")
        p.set_defaults(handler=_cmd_stdout, kind=kind)
        p = ks.add_parser("carbon", help=f"the {noun}'s energy and carbon figures")
        p.add_argument("uuid", help=f"{noun} uuid")
        p.add_argument("--compare-with", default=None, help="a datacenter to compare with")
        p.set_defaults(handler=_cmd_carbon, kind=kind)
        if kind == "tasks":
            add_submit_parser(ks)
