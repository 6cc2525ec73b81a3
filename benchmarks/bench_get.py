"""One request's cost: ``client.tasks.get(uuid)`` against a raw aiohttp GET + ``json.loads``.

The emulator runs in its own process, with no latency. Sequential
``GET /tasks/{uuid}`` of one seeded task, in rounds that alternate the raw loop and
ours (the official ``conn.retrieve_task`` after them); each figure is the median
round. Client CPU is this process's ``process_time``: the emulator's is not in it.

Run: ``python -m benchmarks.bench_get``; ``QA_BENCH_SCALE=0.1`` for a quick run.
"""

from __future__ import annotations

import asyncio
import json
import statistics
from typing import Any

import aiohttp

from ._report import record
from ._server import EmulatorProcess, Timer, scaled

CALLS = scaled(1000, 100)
ROUNDS = 5
OFFICIAL_ROUNDS = 2
TARGET_CPU = 1.3


async def _rounds(emu: EmulatorProcess, uuid: str) -> tuple[list[Timer], list[Timer]]:
    url = f"{emu.url}/v1/tasks/{uuid}"
    raw_timers: list[Timer] = []
    ours_timers: list[Timer] = []
    async with (
        emu.client() as client,
        aiohttp.ClientSession(headers={"Authorization": emu.token}) as session,
    ):

        async def raw_get() -> Any:
            async with session.get(url) as response:
                response.raise_for_status()
                return json.loads(await response.read())

        for _ in range(50):  # warm-up: connections, caches
            await raw_get()
            await client.tasks.get(uuid)
        for _ in range(ROUNDS):
            with Timer() as timer:
                for _ in range(CALLS):
                    await raw_get()
            raw_timers.append(timer)
            with Timer() as timer:
                for _ in range(CALLS):
                    await client.tasks.get(uuid)
            ours_timers.append(timer)
    return raw_timers, ours_timers


def _median(timers: list[Timer]) -> tuple[float, float]:
    return (
        statistics.median(t.wall for t in timers) / CALLS,
        statistics.median(t.cpu for t in timers) / CALLS,
    )


def run() -> str:
    """Measure and return a markdown section."""
    with EmulatorProcess() as emu:
        uuid = emu.seed_tasks(1, name="get-me")[0][0]
        server = emu.cpu()
        raw_timers, ours_timers = asyncio.run(_rounds(emu, uuid))
        server = (emu.cpu() - server) / (CALLS * ROUNDS * 2 + 100)
        conn = emu.official()
        conn.retrieve_task(uuid)
        official_timers = []
        for _ in range(OFFICIAL_ROUNDS):
            with Timer() as timer:
                for _ in range(CALLS):
                    conn.retrieve_task(uuid)
            official_timers.append(timer)
    raw_wall, raw_cpu = _median(raw_timers)
    rows = []
    for label, timers in (
        ("raw aiohttp GET + `json.loads`", raw_timers),
        ("ours: `client.tasks.get(uuid)`", ours_timers),
        ("official `conn.retrieve_task(uuid)`", official_timers),
    ):
        wall, cpu = _median(timers)
        rows.append(
            f"| {label} | {wall * 1e6:,.0f} µs | {cpu * 1e6:,.0f} µs "
            f"| {wall / raw_wall:.2f}x | {cpu / raw_cpu:.2f}x |"
        )
    ours_wall, ours_cpu = _median(ours_timers)
    record(
        "get.cpu_vs_raw",
        "one GET: client CPU / raw aiohttp + `json.loads`",
        ours_cpu / raw_cpu,
        "x",
        TARGET_CPU,
    )
    record(
        "get.wall_vs_raw", "one GET: time / raw aiohttp + `json.loads`", ours_wall / raw_wall, "x"
    )
    return "\n".join(
        [
            "## One GET",
            "",
            f"{CALLS:,} sequential `GET /tasks/{{uuid}}` per round, no latency, the emulator "
            f"in its own process; median of {ROUNDS} alternating rounds (official: "
            f"{OFFICIAL_ROUNDS}). Server CPU per request: {server * 1e6:,.0f} µs "
            f"({1 / server:,.0f} requests per second of server CPU).",
            "",
            "| approach | time per call | client CPU per call | time / raw | CPU / raw |",
            "|---|---:|---:|---:|---:|",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(run())
