"""``qarnot-async buckets ...``: storage buckets, their objects, uploads and downloads."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .._client import Client
from ._output import Bar, emit, say

__all__ = ["add_buckets_parser"]


async def _cmd_buckets(client: Client, args: argparse.Namespace) -> int:
    buckets = client.buckets
    if args.action == "list":
        names = await buckets.list()
        print(json.dumps(names) if args.format == "json" else "\n".join(names))
    elif args.action == "create":
        await buckets.create(args.name)
        say(args, f"created: {args.name}", created=args.name)
    elif args.action == "delete":
        await buckets.delete(args.name, purge=not args.keep_objects)
        say(args, f"deleted: {args.name}", deleted=args.name)
    elif args.action == "ls":
        rows = [o async for o in buckets.objects(args.name, args.prefix)]
        emit(args, rows, ("key", "size", "etag", "last_modified"))
    else:
        return await _transfer(buckets, args)
    return 0


async def _transfer(buckets: Any, args: argparse.Namespace) -> int:
    """``buckets upload`` and ``buckets download``: a progress bar in bytes on stderr,
    then one summary line."""
    verb = "uploaded" if args.action == "upload" else "downloaded"
    move = buckets.upload if args.action == "upload" else buckets.download
    with Bar(args.action + "ing", None) as bar:
        summary = await move(
            args.name,
            args.path,
            prefix=args.prefix,
            on_progress=lambda p: bar.update(p.bytes_done, p.bytes_total),
        )
    say(
        args,
        f"{verb} {summary.files} files ({summary.bytes:,} bytes), {summary.skipped} unchanged, "
        f"in {summary.seconds:.2f}s ({summary.throughput / 1e6:.1f} MB/s)",
        files=summary.files,
        bytes=summary.bytes,
        skipped=summary.skipped,
        seconds=summary.seconds,
    )
    return 0


def add_buckets_parser(sub: Any) -> None:
    """``buckets`` and its subcommands."""
    bp = sub.add_parser("buckets", help="storage buckets: list, create, delete, ls, up/download")
    bs = bp.add_subparsers(dest="action", required=True, metavar="ACTION")
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
