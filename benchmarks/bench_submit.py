"""Submitting tasks: ``create_many`` and ``create`` against the official SDK and the wire.

Two workloads, each against an emulator in its own process (manual clock):

* 10,000 tasks, no latency: client CPU per task of ``create_many`` (at its default
  concurrency and a few others), next to a hand-written aiohttp loop that builds the
  same JSON and posts the same chunks (the floor), and how soon the first request
  leaves;
* 1,000 tasks, 20 ms of latency per request: ``create_many`` and ``create`` gathered
  against the official bulk ``conn.submit_tasks(tasks)`` and ``task.submit()`` one by
  one (measured on fewer tasks and scaled per task: they read every task back with
  one GET each). The limit is one round trip plus the server's CPU time for the lot.

Run: ``python -m benchmarks.bench_submit``; ``QA_BENCH_SCALE=0.1`` for a quick run.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
import uuid
from typing import Any

import aiohttp

from qarnot_async.models import TaskCreate

from ._report import fmt_seconds, record
from ._server import EmulatorProcess, Timer, scaled

CPU_TASKS = scaled(10_000, 500)
LATENCY_TASKS = scaled(1000, 50)
OFFICIAL_ONE_TASKS = scaled(50, 10)
OFFICIAL_BULK_TASKS = scaled(100, 10)
LATENCY = 0.02
PROFILE = "docker-batch"
CHUNK = 100
SWEEP = (4, 16, 64)
SWEEP_LATENCY = (4, 8, 16, 32, 64)
TARGET_CPU_US = 20.0
TARGET_VS_BULK = 200.0


def _creates(count: int, prefix: str) -> list[TaskCreate]:
    return [
        TaskCreate(name=f"{prefix}-{i}", profile=PROFILE, instance_count=1) for i in range(count)
    ]


def _default_concurrency() -> int | None:
    """The SDK's default ``concurrency`` of ``create_many`` (``None``: sized by the client)."""
    from qarnot_async.resources import Tasks

    default = inspect.signature(Tasks.create_many).parameters["concurrency"].default
    return default if isinstance(default, int) else None


async def _ours(
    emu: EmulatorProcess, count: int, prefix: str, concurrency: int | None
) -> dict[str, Any]:
    creates = _creates(count, prefix)
    first: list[float] = []

    def on_request(request: Any) -> None:
        if not first:
            first.append(time.perf_counter())

    async with emu.client(on_request=[on_request]) as client:
        await client.account.info()  # the connection is open before the timed part
        first.clear()
        options = {} if concurrency is None else {"concurrency": concurrency}
        server = emu.cpu()
        with Timer() as timer:
            started = time.perf_counter()
            results = await client.tasks.create_many(creates, **options)
        server = emu.cpu() - server
        results.raise_for_errors()
    return {
        "timer": timer,
        "first": first[0] - started,
        "server": server,
        "requests": (count + CHUNK - 1) // CHUNK,
    }


async def _raw(emu: EmulatorProcess, count: int, concurrency: int) -> Timer:
    """The floor: the same JSON built by hand, the same chunks, plain aiohttp."""
    url = f"{emu.url}/v1/tasks"
    headers = {"Authorization": emu.token, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{emu.url}/v1/info", headers=headers) as response:
            await response.read()
        starts = iter(range(0, count, CHUNK))
        created = 0

        async def worker() -> None:
            nonlocal created
            for start in starts:
                body = [
                    {
                        "name": f"raw-{i}",
                        "profile": PROFILE,
                        "instanceCount": 1,
                        "shortname": f"qa-{uuid.uuid4().hex}",
                    }
                    for i in range(start, min(count, start + CHUNK))
                ]
                data = json.dumps(body, separators=(",", ":")).encode()
                async with session.post(url, data=data, headers=headers) as response:
                    answers = json.loads(await response.read())
                created += sum(1 for a in answers if a.get("uuid"))

        with Timer() as timer:
            await asyncio.gather(*(worker() for _ in range(concurrency)))
    if created != count:
        raise RuntimeError(f"the raw loop created {created} tasks, not {count}")
    return timer


def _cpu_rows(emu: EmulatorProcess) -> list[str]:
    emu.set_latency(0.0)
    default = _default_concurrency()
    rows = []
    # Warm-up, untimed: the first creation in this process builds the converter's
    # writers and readers; every measured run then sees the steady state.
    asyncio.run(_ours(emu, 200, "warm-up", None))
    emu.reset()
    raw = asyncio.run(_raw(emu, CPU_TASKS, 16))
    per_task = raw.cpu / CPU_TASKS * 1e6
    rows.append(
        f"| raw aiohttp, 16 chunks in flight (floor) | {fmt_seconds(raw.wall)} "
        f"| {per_task:.1f} µs | | |"
    )
    measured: dict[str, dict[str, Any]] = {}
    for concurrency in (None, *SWEEP):
        if concurrency is None and default is not None and default in SWEEP:
            continue
        emu.reset()
        run = asyncio.run(_ours(emu, CPU_TASKS, "cpu", concurrency))
        if emu.task_count() != CPU_TASKS:
            raise RuntimeError("create_many lost tasks")
        if concurrency is None:
            label = "default (half the client's `max_concurrency`)"
        else:
            label = str(concurrency) + (" (the default)" if concurrency == default else "")
        measured[label] = run
        timer = run["timer"]
        rows.append(
            f"| `create_many`, concurrency {label} | {fmt_seconds(timer.wall)} "
            f"| {timer.cpu / CPU_TASKS * 1e6:.1f} µs | {run['first'] * 1000:.1f} ms "
            f"| {run['server'] / CPU_TASKS * 1e6:.1f} µs |"
        )
    chosen = next(v for k, v in measured.items() if "default" in k)
    cpu_us = chosen["timer"].cpu / CPU_TASKS * 1e6
    record(
        "submit.cpu_per_task",
        f"`create_many` {CPU_TASKS:,} tasks, no latency: client CPU per task",
        cpu_us,
        "µs",
        TARGET_CPU_US,
    )
    record(
        "submit.cpu_vs_raw",
        f"`create_many` {CPU_TASKS:,} tasks: client CPU / raw aiohttp loop",
        chosen["timer"].cpu / raw.cpu,
        "x",
    )
    record(
        "submit.first_request_ms",
        f"`create_many` {CPU_TASKS:,} tasks: first request after",
        chosen["first"] * 1000,
        "ms",
    )
    return rows


def _sweep_rows(emu: EmulatorProcess) -> list[str]:
    """``create_many`` of CPU_TASKS at 20 ms for several concurrencies: how the default
    was picked (more chunks in flight stop helping once the server is busy)."""
    emu.set_latency(LATENCY)
    rows = []
    for concurrency in SWEEP_LATENCY:
        emu.reset()
        run = asyncio.run(_ours(emu, CPU_TASKS, "sweep", concurrency))
        timer = run["timer"]
        limit = max(LATENCY, run["server"]) + LATENCY
        rows.append(
            f"| {concurrency} | {fmt_seconds(timer.wall)} | {timer.wall / limit:.2f}x "
            f"| {timer.cpu / CPU_TASKS * 1e6:.1f} µs |"
        )
    return rows


def _official(emu: EmulatorProcess, conn: Any, bulk: bool, count: int) -> tuple[Timer, int]:
    emu.reset()
    tasks = [conn.create_task(f"official-{i}", PROFILE, 1) for i in range(count)]
    emu.reset_stats()
    with Timer() as timer:
        if bulk:
            conn.submit_tasks(tasks)
        else:
            for task in tasks:
                task.submit()
    if emu.task_count() != count:
        raise RuntimeError("the official SDK lost tasks")
    return timer, emu.requests()[0]


async def _gathered(emu: EmulatorProcess, count: int) -> tuple[Timer, float]:
    creates = _creates(count, "gathered")
    async with emu.client() as client:
        await client.account.info()
        server = emu.cpu()
        with Timer() as timer:
            uuids = await asyncio.gather(*(client.tasks.create(c) for c in creates))
        server = emu.cpu() - server
    if len(set(uuids)) != count:
        raise RuntimeError("create returned duplicate uuids")
    return timer, server


def _latency_rows(emu: EmulatorProcess) -> list[str]:
    emu.set_latency(LATENCY)
    conn = emu.official()
    one, one_requests = _official(emu, conn, False, OFFICIAL_ONE_TASKS)
    bulk, bulk_requests = _official(emu, conn, True, OFFICIAL_BULK_TASKS)
    scale_one = LATENCY_TASKS / OFFICIAL_ONE_TASKS
    scale_bulk = LATENCY_TASKS / OFFICIAL_BULK_TASKS
    one_whole = one.wall * scale_one
    bulk_whole = bulk.wall * scale_bulk

    emu.reset()
    many = asyncio.run(_ours(emu, LATENCY_TASKS, "many", None))
    many_timer: Timer = many["timer"]
    emu.reset()
    gathered, gathered_server = asyncio.run(_gathered(emu, LATENCY_TASKS))
    # The limit: every chunk in flight at once costs one round trip; the server
    # handles them one after another.
    many_limit = LATENCY + many["server"]
    # One request per task: at most max_concurrency (64) of them in flight.
    gathered_limit = max(-(-LATENCY_TASKS // 64) * LATENCY, gathered_server) + LATENCY

    vs_bulk = bulk_whole / many_timer.wall
    record(
        "submit.vs_official_bulk",
        f"`create_many` {LATENCY_TASKS:,} tasks at 20 ms: speed-up over official "
        "bulk `submit_tasks`",
        vs_bulk,
        "x",
        TARGET_VS_BULK,
        ">=",
    )
    record(
        "submit.many_vs_limit",
        f"`create_many` {LATENCY_TASKS:,} tasks at 20 ms: time / limit",
        many_timer.wall / many_limit,
        "x",
    )
    per_one = (one_requests / OFFICIAL_ONE_TASKS) * LATENCY_TASKS
    per_bulk = 1 + (bulk_requests - 1) / OFFICIAL_BULK_TASKS * LATENCY_TASKS
    return [
        f"| official `task.submit()` one by one | ≈ {fmt_seconds(one_whole)} "
        f"| ≈ {per_one:,.0f} | {fmt_seconds(one.cpu * scale_one)} | | "
        f"{one_whole / bulk_whole:.2f}x |",
        f"| official bulk `conn.submit_tasks(tasks)` | ≈ {fmt_seconds(bulk_whole)} "
        f"| ≈ {per_bulk:,.0f} | {fmt_seconds(bulk.cpu * scale_bulk)} | | baseline |",
        f"| ours: `create` gathered | {fmt_seconds(gathered.wall)} | {LATENCY_TASKS:,} "
        f"| {fmt_seconds(gathered.cpu)} | {gathered.wall / gathered_limit:.2f}x "
        f"| **{bulk_whole / gathered.wall:,.0f}x faster** |",
        f"| ours: `create_many` | {fmt_seconds(many_timer.wall)} | {many['requests']:,} "
        f"| {fmt_seconds(many_timer.cpu)} | {many_timer.wall / many_limit:.2f}x "
        f"| **{vs_bulk:,.0f}x faster** |",
    ]


def run() -> str:
    """Measure and return a markdown section."""
    with EmulatorProcess() as emu:
        cpu_rows = _cpu_rows(emu)
        sweep_rows = _sweep_rows(emu)
        latency_rows = _latency_rows(emu)
    return "\n".join(
        [
            "## Submitting tasks",
            "",
            f"The emulator runs in its own process (manual clock). {CPU_TASKS:,} tasks with "
            "no latency: client CPU (this process's `process_time`) per task, the time "
            "until the first request leaves, and the emulator's CPU per created task. "
            "The raw loop builds the same JSON (shortnames included) and posts the same "
            f"chunks of {CHUNK}.",
            "",
            "| approach | time | client CPU per task | first request after | server CPU per task |",
            "|---|---:|---:|---:|---:|",
            *cpu_rows,
            "",
            f"`create_many` of {CPU_TASKS:,} tasks with {LATENCY * 1000:.0f} ms of latency, by "
            "chunks in flight: the default is half the client's `max_concurrency` (32 of "
            "64). Limit: the emulator's CPU for every creation (it handles chunks in turn) "
            "plus one round trip.",
            "",
            "| concurrency | time | time / limit | client CPU per task |",
            "|---:|---:|---:|---:|",
            *sweep_rows,
            "",
            f"{LATENCY_TASKS:,} tasks, {LATENCY * 1000:.0f} ms of latency per request. The "
            f"official SDK runs on {OFFICIAL_ONE_TASKS} (one by one) and "
            f"{OFFICIAL_BULK_TASKS} (bulk) tasks, scaled per task to the whole workload "
            '("≈"). Limit: one round trip plus the emulator\'s CPU time for every '
            "creation (the chunks overlap on the wire, the server handles them in turn).",
            "",
            "| approach | time | requests | client CPU | time / limit | vs. official bulk |",
            "|---|---:|---:|---:|---:|---:|",
            *latency_rows,
        ]
    )


if __name__ == "__main__":
    print(run())
