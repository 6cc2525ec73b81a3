"""The ``qarnot-async`` command line: global flags, the client they make, and how the
process ends (exit statuses, Ctrl-C, a closed pipe, errors in the CLI's words)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import Any

from .._client import Client
from .._config import settings_from_env, settings_from_file
from ..errors import ConfigurationError, QarnotError
from ._buckets import add_buckets_parser
from ._catalog import add_catalog_parsers
from ._entities import add_entity_parsers
from ._submit import UsageError

__all__ = ["EXIT_INTERRUPTED", "EXIT_PIPE", "EXIT_USAGE", "main"]

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it
EXIT_PIPE = 141  # 128 + SIGPIPE

# The SDK's messages name its Python arguments; a shell user has flags instead.
_IN_CLI_WORDS = (
    (
        "pass Client(token=...), or set QARNOT_CLIENT_TOKEN and use Client.from_env()",
        "pass --token, set QARNOT_CLIENT_TOKEN, or give --config",
    ),
    ("pass allow_insecure_http=True", "pass --insecure-http"),
    ("cluster_url must be", "--url must be"),
    ("timeout must be a positive number", "--timeout must be a positive number"),
)


def cli_message(exc: BaseException) -> str:
    """An error as one line in the CLI's words (its flags, not the SDK's arguments)."""
    text = str(exc)
    if isinstance(exc, ConfigurationError):
        for sdk, cli in _IN_CLI_WORDS:
            text = text.replace(sdk, cli)
        if "is not a valid INI file" in text:
            # configparser's message spans lines (the file, the line, its text): the
            # first says what is wrong, and the file is named already.
            text = text.splitlines()[0]
    return " ".join(text.split("\n"))


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The global flags given, as Client keyword arguments."""
    overrides: dict[str, Any] = {}
    for flag, key in (("token", "token"), ("url", "cluster_url"), ("storage_url", "storage_url")):
        if getattr(args, flag):
            overrides[key] = getattr(args, flag)
    if args.insecure:
        overrides["verify_ssl"] = False
    if args.insecure_http:
        overrides["allow_insecure_http"] = True
    if args.timeout is not None:
        overrides["timeout"] = args.timeout
    return overrides


def _client(args: argparse.Namespace) -> Client:
    return Client(**_settings(args, _overrides(args)))


def _settings(args: argparse.Namespace, overrides: dict[str, Any]) -> dict[str, Any]:
    """Client keyword arguments: weakest first, the file, the environment, the flags."""
    file = settings_from_file(args.config) if args.config else {}
    return {**file, **settings_from_env(), **overrides}


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qarnot-async",
        description="The Qarnot Compute API from a shell (async SDK inside). Exit status: "
        "0 done, 1 an error, 2 a malformed command line or file, 130 interrupted.",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--token", help="API token (default: QARNOT_CLIENT_TOKEN)")
    parser.add_argument("--url", help="API URL (default: QARNOT_CLUSTER_URL or Qarnot's)")
    parser.add_argument(
        "--storage-url",
        help="storage URL (default: QARNOT_STORAGE_URL, else the one the API names)",
    )
    parser.add_argument("--config", help="an official-SDK qarnot.conf file")
    parser.add_argument("--timeout", type=_positive, help="seconds per request")
    parser.add_argument("--insecure", action="store_true", help="do not verify the TLS certificate")
    parser.add_argument(
        "--insecure-http",
        action="store_true",
        help="allow plain http:// to a host that is not loopback (the token is sent in clear)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_entity_parsers(sub)
    add_catalog_parsers(sub)
    add_buckets_parser(sub)
    # Both take their own options: the rest of the line is handed to them untouched.
    sub.add_parser(
        "emulator", add_help=False, help="run the local emulator (`emulator --help`)"
    ).set_defaults(forward=True)
    sub.add_parser(
        "demo",
        add_help=False,
        help="run the demo batch on the embedded emulator (`demo --help`; --cluster)",
    ).set_defaults(forward=True)
    return parser


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    if rest and not getattr(args, "forward", False):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return args, rest


def _emulator(args: argparse.Namespace, rest: list[str]) -> int:
    from ..emulator import main as emulator_main

    if args.token and "--token" not in rest:
        # `qarnot-async --token T emulator`: the emulator accepts that token.
        rest = ["--token", args.token, *rest]
    return emulator_main(rest, prog="qarnot-async emulator")


def _demo(args: argparse.Namespace, rest: list[str]) -> int:
    from .._demo import main as demo_main

    return demo_main(rest, settings=_settings(args, _overrides(args)))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``qarnot-async``; returns the exit status."""
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        print("qarnot-async: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader left (`| head`): nothing more to say. Point stdout at /dev/null so
        # the interpreter's last flush does not fail again on the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE


def _main(argv: list[str]) -> int:
    args, rest = _parse(argv)
    try:
        if args.command == "emulator":
            return _emulator(args, rest)
        if args.command == "demo":
            return _demo(args, rest)
        return asyncio.run(_run(args))
    except UsageError as exc:
        print(f"qarnot-async: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except QarnotError as exc:
        print(f"qarnot-async: error: {cli_message(exc)}", file=sys.stderr)
        return 1


async def _run(args: argparse.Namespace) -> int:
    async with _client(args) as client:
        status: int = await args.handler(client, args)
        # Written while the client closes: a closed pipe shows here, not at exit.
        sys.stdout.flush()
        return status
