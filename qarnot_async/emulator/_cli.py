"""``python -m qarnot_async.emulator``: run the emulator from a shell.

``main(argv)`` parses the arguments and serves until SIGINT / SIGTERM, so the SDK's
``qarnot-async emulator ...`` command can delegate to it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import signal
import sys
from collections.abc import Sequence

from ._emulator import DEFAULT_TOKEN, Emulator
from ._faults import Faults
from ._storage import StorageUnavailableError
from ._store import DEFAULT_QUOTAS

__all__ = ["build_parser", "main", "parse_seconds"]

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m)?\s*$")


def parse_seconds(text: str) -> float:
    """``"20ms"`` -> 0.02, ``"1.5s"`` / ``"1.5"`` -> 1.5, ``"2m"`` -> 120."""
    match = _DURATION_RE.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 20ms, 1.5s or 2m")
    value = float(match.group(1))
    unit = match.group(2) or "s"
    return value / 1000 if unit == "ms" else value * 60 if unit == "m" else value


def _speed(text: str) -> float | None:
    if text.strip().lower() in ("manual", "0", "none"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give a positive number or 'manual'") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the speed must be positive (or 'manual')")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a probability") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("a rate is between 0 and 1")
    return value


def _quota(text: str) -> tuple[str, int]:
    key, _, value = text.partition("=")
    if key not in DEFAULT_QUOTAS or not value.isdigit():
        known = ", ".join(DEFAULT_QUOTAS)
        raise argparse.ArgumentTypeError(f"use KEY=NUMBER with KEY among: {known}")
    return key, int(value)


def build_parser(prog: str = "python -m qarnot_async.emulator") -> argparse.ArgumentParser:
    """The command line parser (``prog``: the command's name in its usage line)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve a local emulation of the Qarnot Compute API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8080, help="TCP port, 0 for any (default: 8080)"
    )
    parser.add_argument(
        "--token", default=DEFAULT_TOKEN, help=f"accepted token (default: {DEFAULT_TOKEN})"
    )
    parser.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        help="emulated seconds per real second, or 'manual' (POST /__emulator/advance); default 1",
    )
    parser.add_argument(
        "--latency", type=parse_seconds, default=0.0, help="added latency, e.g. 20ms"
    )
    parser.add_argument(
        "--jitter", type=parse_seconds, default=0.0, help="random extra latency, e.g. 10ms"
    )
    parser.add_argument(
        "--fault-rate",
        type=_rate,
        default=0.0,
        help="probability of a fault, split over 429, 503, 500 and connection resets",
    )
    parser.add_argument("--rate-429", type=_rate, help="probability of 429 Too Many Requests")
    parser.add_argument("--rate-503", type=_rate, help="probability of 503 Service Unavailable")
    parser.add_argument("--rate-500", type=_rate, help="probability of 500 Internal Server Error")
    parser.add_argument(
        "--reset-rate", type=_rate, help="probability of a connection reset (not applied)"
    )
    parser.add_argument(
        "--drop-rate", type=_rate, help="probability of applying then dropping the answer"
    )
    parser.add_argument(
        "--retry-after", type=int, default=1, help="Retry-After of 429/503, in seconds"
    )
    parser.add_argument(
        "--retry-after-date", action="store_true", help="write Retry-After as an HTTP date"
    )
    parser.add_argument(
        "--fault-route",
        action="append",
        default=None,
        metavar="'METHOD /path'",
        help="limit faults to matching routes, e.g. 'POST /tasks' (repeatable; shell patterns)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the fault RNG")
    parser.add_argument(
        "--quota",
        type=_quota,
        action="append",
        default=[],
        metavar="KEY=N",
        help="override a quota (repeatable)",
    )
    parser.add_argument(
        "--task-duration", type=parse_seconds, default=30.0, help="instance duration (default 30s)"
    )
    parser.add_argument(
        "--refuse-filter-field",
        action="append",
        default=[],
        metavar="FIELD",
        help="filter field answered 400",
    )
    parser.add_argument(
        "--preload-tasks", type=int, default=0, metavar="N", help="seed N finished tasks"
    )
    parser.add_argument(
        "--email", default="emulator@qarnot.local", help="account e-mail in GET /info"
    )
    parser.add_argument(
        "--storage-url", default=None, help="storage URL in GET /settings (default: none)"
    )
    parser.add_argument(
        "--storage",
        action="store_true",
        help="serve a local S3 storage (moto) for buckets and task results",
    )
    return parser


def _faults(args: argparse.Namespace) -> Faults:
    faults = Faults.spread(
        args.fault_rate,
        latency=args.latency,
        jitter=args.jitter,
        retry_after=args.retry_after,
        retry_after_as_date=args.retry_after_date,
    )
    changes = {
        name: getattr(args, name)
        for name in ("rate_429", "rate_503", "rate_500", "reset_rate", "drop_rate")
        if getattr(args, name) is not None
    }
    if args.fault_route:
        changes["routes"] = frozenset(args.fault_route)
    return Faults.from_json(changes, faults) if changes else faults


async def _serve(emulator: Emulator, preload: int) -> None:
    async with emulator:
        if preload:
            emulator.seed_tasks(preload)
        speed = "manual" if emulator.speed is None else f"x{emulator.speed:g}"
        storage = f"  storage={emulator.storage_url}" if emulator.storage_url else ""
        print(
            f"Qarnot emulator listening on {emulator.url}  token={emulator.token}  "
            f"clock={speed}{storage}",
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            # Not every platform (or thread) can install signal handlers.
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
        await stop.wait()


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    """Run the emulator until interrupted; return the process exit code (``prog``: the
    command's name in the usage line, ``qarnot-async emulator`` from the CLI)."""
    parser = build_parser() if prog is None else build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        emulator = Emulator(
            host=args.host,
            port=args.port,
            token=args.token,
            speed=args.speed,
            faults=_faults(args),
            seed=args.seed,
            quotas=dict(args.quota),
            task_duration=args.task_duration,
            refuse_filter_fields=args.refuse_filter_field,
            email=args.email,
            storage_url=args.storage_url,
            storage=args.storage,
        )
    except (ValueError, StorageUnavailableError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(emulator, args.preload_tasks))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
