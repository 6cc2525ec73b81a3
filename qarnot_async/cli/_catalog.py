"""``qarnot-async hardware|profiles|account|secrets``: the catalogue, the account and
the secrets manager."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from .._client import Client
from ..errors import ConflictError
from ._output import emit_json, emit_one, say, wire

__all__ = ["add_catalog_parsers"]


async def _cmd_hardware(client: Client, args: argparse.Namespace) -> int:
    if args.cpu:
        rows: list[Any] = await client.hardware.search_cpu(args.cpu)
    else:
        rows = await client.hardware.list()
    if args.format == "json":
        emit_json([wire(r) for r in rows])
        return 0
    for row in rows:
        data = wire(row)
        kind = data.pop("discriminator", type(row).__name__)
        print(kind, " ".join(f"{k}={v}" for k, v in data.items()))
    return 0


async def _cmd_profiles(client: Client, args: argparse.Namespace) -> int:
    if args.name:
        emit_one(args, await client.profiles.get(args.name))
        return 0
    names = await client.profiles.list()
    if args.format == "json":
        emit_json(names)
    else:
        print("\n".join(names))
    return 0


async def _cmd_account(client: Client, args: argparse.Namespace) -> int:
    if args.what == "quotas":
        emit_one(args, await client.account.quotas())
    elif args.what == "credits":
        credits = await client.account.credits()
        say(args, "" if credits is None else f"{credits:g}", credits=credits)
    else:
        emit_one(args, await client.account.info())
    return 0


async def _secret_value(args: argparse.Namespace) -> str:
    """``secrets set``'s value: the argument, else stdin (one trailing newline dropped,
    as ``echo`` adds it)."""
    if args.value is not None:
        return str(args.value)
    text: str = await asyncio.to_thread(sys.stdin.read)
    return text[:-1] if text.endswith("\n") else text


async def _cmd_secrets(client: Client, args: argparse.Namespace) -> int:
    secrets = client.secrets
    if args.action == "get":
        value = await secrets.get(args.key)
        if args.format == "json":
            emit_json({"key": args.key, "value": value})
        else:
            sys.stdout.write(value + "\n")
    elif args.action == "set":
        value = await _secret_value(args)
        try:
            await secrets.create(args.key, value)
        except ConflictError:  # it exists: set means "whatever it was"
            await secrets.update(args.key, value)
        say(args, f"set: {args.key}", set=args.key)
    elif args.action == "delete":
        await secrets.delete(args.key)
        say(args, f"deleted: {args.key}", deleted=args.key)
    else:
        keys = await secrets.list(args.prefix, recursive=args.recursive)
        if args.format == "json":
            emit_json(keys)
        elif keys:
            print("\n".join(keys))
    return 0


def _secrets_parser(sub: Any) -> None:
    sp = sub.add_parser("secrets", help="the secrets manager: get, set, delete, list")
    ss = sp.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = ss.add_parser("get", help="print a secret's value (and nothing else)")
    p.add_argument("key")
    p = ss.add_parser("set", help="create or update a secret")
    p.add_argument("key")
    p.add_argument("value", nargs="?", help="the value (default: read from stdin)")
    p = ss.add_parser("delete", help="delete a secret")
    p.add_argument("key")
    p = ss.add_parser("list", help="the keys under a prefix (folders end in /)")
    p.add_argument("prefix", nargs="?", default="", help="a folder (default: the top)")
    p.add_argument("--recursive", "-r", action="store_true", help="every key below")
    sp.set_defaults(handler=_cmd_secrets)


def add_catalog_parsers(sub: Any) -> None:
    """``hardware``, ``profiles``, ``account`` and ``secrets``."""
    p = sub.add_parser("hardware", help="hardware constraints on offer")
    p.add_argument("--cpu", help="search CPU models")
    p.set_defaults(handler=_cmd_hardware)
    p = sub.add_parser("profiles", help="profiles, or one profile's details")
    p.add_argument("name", nargs="?")
    p.set_defaults(handler=_cmd_profiles)
    p = sub.add_parser("account", help="the account, its quotas or its credits")
    p.add_argument(
        "what",
        nargs="?",
        choices=("info", "quotas", "credits"),
        default="info",
        help="info (default), quotas, or credits (euros left)",
    )
    p.set_defaults(handler=_cmd_account)
    _secrets_parser(sub)
