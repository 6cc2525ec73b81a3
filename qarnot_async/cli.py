"""The ``qarnot-async`` command: the SDK from a shell.

Configuration comes, strongest first, from the flags (``--token``, ``--url``...), the
official SDKs' environment variables (``QARNOT_CLIENT_TOKEN``...) and a ``qarnot.conf``
given with ``--config``. A user mistake (bad token, unknown uuid, malformed file) is
one line on stderr and exit status 1 (2 for a malformed command line or file), never
a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from ._client import Client
from ._config import settings_from_env, settings_from_file
from ._converter import structure, unstructure
from .errors import QarnotError
from .filters import F

__all__ = ["main"]

EXIT_USAGE = 2


class UsageError(Exception):
    """A malformed command line or input file (exit status 2)."""


def _console(stderr: bool = False) -> Any:
    try:
        from rich.console import Console
    except ImportError:  # the `cli` extra is not installed: plain output still works
        return None
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _wire(value: Any) -> Any:
    return unstructure(value)


def _emit(args: argparse.Namespace, rows: Sequence[Any], columns: Sequence[str]) -> None:
    """Print entities as a table (the chosen columns) or as wire JSON."""
    if args.format == "json":
        print(json.dumps([_wire(r) for r in rows], indent=2, default=str))
        return
    console = _console()
    if console is None:
        for row in rows:
            print("\t".join(_cell(row, c) for c in columns))
        return
    from rich.table import Table

    table = Table(*columns, show_lines=False)
    for row in rows:
        table.add_row(*(_cell(row, c) for c in columns))
    console.print(table)


def _emit_one(args: argparse.Namespace, entity: Any) -> None:
    if args.format == "json":
        print(json.dumps(_wire(entity), indent=2, default=str))
        return
    data = _wire(entity)
    width = max((len(k) for k in data), default=0)
    for key, value in data.items():
        shown = value if isinstance(value, str | int | float) else json.dumps(value, default=str)
        print(f"{key:<{width}}  {shown}")


def _cell(row: Any, column: str) -> str:
    value = getattr(row, column, None)
    if value is None:
        return ""
    if hasattr(value, "value"):  # an enum
        return str(value.value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# -- client from flags, environment and qarnot.conf --------------------------------------


def _client(args: argparse.Namespace) -> Client:
    overrides: dict[str, Any] = {}
    if args.token:
        overrides["token"] = args.token
    if args.url:
        overrides["cluster_url"] = args.url
    if args.storage_url:
        overrides["storage_url"] = args.storage_url
    if args.insecure:
        overrides["verify_ssl"] = False
    if args.timeout is not None:
        overrides["timeout"] = args.timeout
    if args.config:
        # Weakest first: the file, then the environment, then the flags.
        settings = {**settings_from_file(args.config), **settings_from_env(), **overrides}
        return Client(**settings)
    return Client.from_env(**overrides)


# -- commands ------------------------------------------------------------------------------

TASK_COLUMNS = ("uuid", "name", "state", "progress", "instance_count", "creation_date")
POOL_COLUMNS = ("uuid", "name", "state", "instance_count", "creation_date")
JOB_COLUMNS = ("uuid", "name", "state", "pool_uuid", "creation_date")


def _resource(client: Client, kind: str) -> Any:
    return {"tasks": client.tasks, "pools": client.pools, "jobs": client.jobs}[kind]


async def _cmd_list(client: Client, args: argparse.Namespace) -> int:
    resource = _resource(client, args.kind)
    flt = None
    if args.state:
        flt = F.state == args.state
    if args.tag:
        tag_filter = F.tags.any_of(args.tag)
        flt = tag_filter if flt is None else flt & tag_filter
    rows = await resource.paginate(flt, limit=args.limit).collect(limit=args.limit)
    columns = {"tasks": TASK_COLUMNS, "pools": POOL_COLUMNS, "jobs": JOB_COLUMNS}[args.kind]
    _emit(args, rows, columns)
    return 0


async def _cmd_get(client: Client, args: argparse.Namespace) -> int:
    _emit_one(args, await _resource(client, args.kind).get(args.uuid))
    return 0


class _Bar:
    """A progress bar on stderr while a long command runs (silent when not a terminal)."""

    def __init__(self, label: str, total: int | None) -> None:
        self._progress: Any = None
        # total=None: not known yet (a transfer learns it once it has listed).
        if (total is None or total > 1) and sys.stderr.isatty():
            try:
                from rich.progress import Progress
            except ImportError:  # the `cli` extra is not installed
                return
            self._progress = Progress(console=_console(stderr=True), transient=True)
            self._task = self._progress.add_task(label, total=total)

    def __enter__(self) -> _Bar:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, done: int, total: int | None = None) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=total)


async def _cmd_wait(client: Client, args: argparse.Namespace) -> int:
    resource = _resource(client, args.kind)
    finished = 0

    async def wait_one(uuid: str, bar: _Bar) -> Any:
        nonlocal finished
        entity = await resource.wait(uuid, timeout=args.wait_timeout)
        finished += 1
        bar.update(finished)
        return entity

    with _Bar(f"waiting on {args.kind}", len(args.uuid)) as bar:
        results = await asyncio.gather(*(wait_one(u, bar) for u in args.uuid))
    columns = {"tasks": TASK_COLUMNS, "pools": POOL_COLUMNS, "jobs": JOB_COLUMNS}[args.kind]
    _emit(args, results, columns)
    failed = [r for r in results if getattr(getattr(r, "state", None), "value", "") == "Failure"]
    return 1 if failed else 0


async def _cmd_abort(client: Client, args: argparse.Namespace) -> int:
    resource = _resource(client, args.kind)
    action = {"tasks": "abort", "pools": "close", "jobs": "terminate"}[args.kind]
    for uuid in args.uuid:
        await getattr(resource, action)(uuid)
        print(f"{action}: {uuid}")
    return 0


async def _cmd_delete(client: Client, args: argparse.Namespace) -> int:
    resource = _resource(client, args.kind)
    for uuid in args.uuid:
        if args.kind == "jobs":
            await resource.delete(uuid, force=args.force)
        else:
            await resource.delete(uuid)
        print(f"deleted: {uuid}")
    return 0


async def _cmd_stdout(client: Client, args: argparse.Namespace) -> int:
    resource = _resource(client, args.kind)
    reader = resource.stderr if args.stderr else resource.stdout
    text = await reader(args.uuid, args.instance, fresh=args.fresh)
    sys.stdout.write(text)
    return 0


async def _cmd_submit(client: Client, args: argparse.Namespace) -> int:
    from .models import TaskCreate

    path = Path(args.file)
    try:
        data = json.loads(await asyncio.to_thread(path.read_text, encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"{path} is not valid JSON: {exc}") from None
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(i, dict) for i in items):
        raise UsageError(f"{path} must hold a task object or a list of task objects")
    try:
        tasks = [structure(item, TaskCreate) for item in items]
    except QarnotError as exc:
        raise UsageError(f"{path}: {exc}") from None
    if len(tasks) == 1:
        print(await client.tasks.create(tasks[0]))
        return 0
    with _Bar("submitting", len(tasks)) as bar:
        results = await client.tasks.create_many(tasks, on_progress=bar.update)
    for result in results:
        if result.ok:
            print(result.uuid)
        else:
            print(f"#{result.index}: {result.status} {result.message}", file=sys.stderr)
    return 1 if results.failures else 0


async def _cmd_hardware(client: Client, args: argparse.Namespace) -> int:
    if args.cpu:
        rows: list[Any] = await client.hardware.search_cpu(args.cpu)
    else:
        rows = await client.hardware.list()
    if args.format == "json":
        print(json.dumps([_wire(r) for r in rows], indent=2, default=str))
    else:
        for row in rows:
            data = _wire(row)
            kind = data.pop("discriminator", type(row).__name__)
            print(kind, " ".join(f"{k}={v}" for k, v in data.items()))
    return 0


async def _cmd_profiles(client: Client, args: argparse.Namespace) -> int:
    if args.name:
        _emit_one(args, await client.profiles.get(args.name))
        return 0
    names = await client.profiles.list()
    if args.format == "json":
        print(json.dumps(names))
    else:
        print("\n".join(names))
    return 0


async def _cmd_account(client: Client, args: argparse.Namespace) -> int:
    _emit_one(args, await client.account.info())
    return 0


async def _cmd_buckets(client: Client, args: argparse.Namespace) -> int:
    buckets = client.buckets
    if args.action == "list":
        names = await buckets.list()
        print(json.dumps(names) if args.format == "json" else "\n".join(names))
    elif args.action == "create":
        await buckets.create(args.name)
        print(f"created: {args.name}")
    elif args.action == "delete":
        await buckets.delete(args.name, purge=not args.keep_objects)
        print(f"deleted: {args.name}")
    elif args.action == "ls":
        rows = [o async for o in buckets.objects(args.name, args.prefix)]
        _emit(args, rows, ("key", "size", "etag", "last_modified"))
    else:
        return await _transfer(buckets, args)
    return 0


async def _transfer(buckets: Any, args: argparse.Namespace) -> int:
    """``buckets upload`` and ``buckets download``: a progress bar in bytes on stderr,
    then one summary line."""
    verb = "uploaded" if args.action == "upload" else "downloaded"
    move = buckets.upload if args.action == "upload" else buckets.download
    with _Bar(args.action + "ing", None) as bar:
        summary = await move(
            args.name,
            args.path,
            prefix=args.prefix,
            on_progress=lambda p: bar.update(p.bytes_done, p.bytes_total),
        )
    print(
        f"{verb} {summary.files} files ({summary.bytes:,} bytes), {summary.skipped} unchanged, "
        f"in {summary.seconds:.2f}s ({summary.throughput / 1e6:.1f} MB/s)"
    )
    return 0


def _buckets_parser(sub: Any) -> None:
    bp = sub.add_parser("buckets", help="storage buckets: list, create, delete, ls, up/download")
    bs = bp.add_subparsers(dest="action", required=True)
    bs.add_parser("list", help="the account's buckets")
    p = bs.add_parser("create", help="create a bucket")
    p.add_argument("name")
    p = bs.add_parser("delete", help="delete a bucket and its objects")
    p.add_argument("name")
    p.add_argument("--keep-objects", action="store_true", help="refuse if not empty")
    p = bs.add_parser("ls", help="a bucket's objects")
    p.add_argument("name")
    p.add_argument("--prefix", default="", help="only keys starting with this")
    for action, place in (("upload", "a file or directory"), ("download", "the destination")):
        p = bs.add_parser(action, help=f"{action} files (unchanged ones are skipped)")
        p.add_argument("name")
        p.add_argument("path", help=place)
        p.add_argument("--prefix", default="", help="the keys' prefix in the bucket")
    bp.set_defaults(handler=_cmd_buckets)


Command = Callable[[Client, argparse.Namespace], Coroutine[Any, Any, int]]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qarnot-async",
        description="The Qarnot Compute API from a shell (async SDK inside).",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--token", help="API token (default: QARNOT_CLIENT_TOKEN)")
    parser.add_argument("--url", help="API URL (default: QARNOT_CLUSTER_URL or Qarnot's)")
    parser.add_argument(
        "--storage-url",
        help="storage URL (default: QARNOT_STORAGE_URL, else the one the API names)",
    )
    parser.add_argument("--config", help="an official-SDK qarnot.conf file")
    parser.add_argument("--timeout", type=float, help="seconds per request")
    parser.add_argument("--insecure", action="store_true", help="do not verify the TLS certificate")
    sub = parser.add_subparsers(dest="command", required=True)

    for kind in ("tasks", "pools", "jobs"):
        kp = sub.add_parser(kind, help=f"{kind}: list, get, wait, abort, delete...")
        ks = kp.add_subparsers(dest="action", required=True)
        p = ks.add_parser("list", help=f"list {kind}")
        p.add_argument("--state", help="only this state (e.g. Success)")
        p.add_argument("--tag", action="append", help="only with this tag (repeatable)")
        p.add_argument("--limit", type=int, default=100, help="at most this many")
        p.set_defaults(handler=_cmd_list, kind=kind)
        p = ks.add_parser("get", help=f"one of the {kind}")
        p.add_argument("uuid")
        p.set_defaults(handler=_cmd_get, kind=kind)
        p = ks.add_parser("wait", help="wait until final")
        p.add_argument("uuid", nargs="+")
        p.add_argument("--wait-timeout", type=float, default=None, help="seconds")
        p.set_defaults(handler=_cmd_wait, kind=kind)
        action = {"tasks": "abort", "pools": "close", "jobs": "terminate"}[kind]
        p = ks.add_parser("abort", aliases=[action] if action != "abort" else [])
        p.add_argument("uuid", nargs="+")
        p.set_defaults(handler=_cmd_abort, kind=kind)
        p = ks.add_parser("delete")
        p.add_argument("uuid", nargs="+")
        if kind == "jobs":
            p.add_argument("--force", action="store_true", help="delete with its tasks")
        p.set_defaults(handler=_cmd_delete, kind=kind)
        if kind != "jobs":
            p = ks.add_parser("stdout", help="print the output")
            p.add_argument("uuid")
            p.add_argument("--instance", type=int, default=None)
            p.add_argument("--fresh", action="store_true", help="only what is new")
            p.add_argument("--stderr", action="store_true", help="stderr instead")
            p.set_defaults(handler=_cmd_stdout, kind=kind)
        if kind == "tasks":
            p = ks.add_parser("submit", help="create tasks from a JSON file")
            p.add_argument("--file", required=True, help="a task object or a list of them")
            p.set_defaults(handler=_cmd_submit, kind=kind)

    p = sub.add_parser("hardware", help="hardware constraints on offer")
    p.add_argument("--cpu", help="search CPU models")
    p.set_defaults(handler=_cmd_hardware)
    p = sub.add_parser("profiles", help="profiles, or one profile's details")
    p.add_argument("name", nargs="?")
    p.set_defaults(handler=_cmd_profiles)
    p = sub.add_parser("account", help="the account and its quotas")
    p.set_defaults(handler=_cmd_account)
    _buckets_parser(sub)
    sub.add_parser("emulator", help="run the local emulator (see `emulator --help`)")
    p = sub.add_parser("demo", help="run the demo batch (emulator unless a token is set)")
    p.add_argument("--tasks", type=int, default=1000, help="tasks to submit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``qarnot-async``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # The emulator has its own options: hand it the rest of the line untouched.
    if argv and argv[0] == "emulator":
        from .emulator import main as emulator_main

        return emulator_main(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from ._demo import run_demo

        return asyncio.run(run_demo(tasks=args.tasks))
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    try:
        async with _client(args) as client:
            status: int = await args.handler(client, args)
            return status
    except UsageError as exc:
        print(f"qarnot-async: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except QarnotError as exc:
        print(f"qarnot-async: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
