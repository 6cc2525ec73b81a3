"""Emulator throughput: the server CPU each kind of request costs.

The emulator runs in its own process (manual clock), so it has a core of its own; the
load comes from plain aiohttp in this process, on loopback only, with a bounded number
of requests in flight. Figures are per second of *server CPU* (the child's
``process_time``), so they hold on a busy machine: the targets are 5,000
``GET /tasks/{uuid}`` per second per core, 1 ms per page of 100 summaries and 30 µs per
created task, so that no benchmark of the SDK is bound by the emulator.

Run: ``python -m benchmarks.bench_emulator``; ``QA_BENCH_SCALE=0.1`` for a quick run.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable

import aiohttp

from ._report import record
from ._server import EmulatorProcess, scaled

GET_REQUESTS = scaled(4000, 400)
PAGE_REQUESTS = scaled(600, 60)
# 5,000 tasks: within the account's quota of instances, so each one is dispatched at once.
CREATE_REQUESTS = scaled(50, 10)
SEEDED_TASKS = scaled(5000, 500)
CONCURRENCY = 16
PAGE_SIZE = 100
CREATE_CHUNK = 100

Call = Callable[[aiohttp.ClientSession, int], Awaitable[None]]


async def _load(
    session: aiohttp.ClientSession, count: int, call: Call
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    indexes = iter(range(count))

    async def worker() -> None:
        for index in indexes:
            started = time.perf_counter()
            await call(session, index)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - started, latencies


async def _measure(
    emu: EmulatorProcess, uuids: list[str]
) -> list[tuple[str, int, float, list[float], float]]:
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    headers = {"Authorization": emu.token, "Content-Type": "application/json"}
    url = emu.url
    page_body = json.dumps({"maximumResults": PAGE_SIZE}).encode()
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def get_task(s: aiohttp.ClientSession, index: int) -> None:
            async with s.get(f"{url}/v1/tasks/{uuids[index % len(uuids)]}") as response:
                assert response.status == 200, response.status
                await response.read()

        async def paginate(s: aiohttp.ClientSession, index: int) -> None:
            async with s.post(f"{url}/v1/tasks/summaries/paginate", data=page_body) as response:
                assert response.status == 200, response.status
                await response.read()

        async def create(s: aiohttp.ClientSession, index: int) -> None:
            body = [
                {"name": f"bench-{index}-{i}", "profile": "docker-batch", "instanceCount": 1}
                for i in range(CREATE_CHUNK)
            ]
            async with s.post(f"{url}/v1/tasks", data=json.dumps(body).encode()) as response:
                assert response.status == 200, response.status
                await response.read()

        await _load(session, 200, get_task)  # warm-up: connections, caches
        await _load(session, 20, paginate)
        results = []
        for route, count, call, units in (
            ("GET /tasks/{uuid}", GET_REQUESTS, get_task, 1),
            (f"POST /tasks/summaries/paginate ({PAGE_SIZE}/page)", PAGE_REQUESTS, paginate, 1),
            (f"POST /tasks ({CREATE_CHUNK} per request)", CREATE_REQUESTS, create, CREATE_CHUNK),
        ):
            before = emu.cpu()
            elapsed, latencies = await _load(session, count, call)
            cpu = emu.cpu() - before
            results.append((route, count, elapsed, latencies, cpu / (count * units)))
        return results


def run() -> str:
    """Measure and return a markdown section."""
    with EmulatorProcess() as emu:
        uuids, _ = emu.seed_tasks(SEEDED_TASKS, tags=["bench"])
        results = asyncio.run(_measure(emu, uuids))
    rows = []
    for route, count, elapsed, latencies, per_unit in results:
        ordered = sorted(latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        rows.append(
            f"| `{route}` | {count:,} | {count / elapsed:,.0f} | {p50:.2f} | {p99:.2f} "
            f"| {per_unit * 1e6:,.1f} µs |"
        )
    get, page, create = (r[4] for r in results)
    record(
        "emulator.get_per_core",
        "emulator: `GET /tasks/{uuid}` per second of server CPU",
        1 / get,
        "req/s",
        5000.0,
        ">=",
    )
    record(
        "emulator.cpu_per_page", "emulator: server CPU per 100-summary page", page * 1000, "ms", 1.0
    )
    record(
        "emulator.cpu_per_created_task",
        "emulator: server CPU per created task (bulk `POST /tasks`)",
        create * 1e6,
        "µs",
        30.0,
    )
    return "\n".join(
        [
            "## Emulator throughput",
            "",
            f"{SEEDED_TASKS:,} seeded tasks, plain aiohttp over loopback, {CONCURRENCY} "
            "requests in flight, the emulator in its own process (manual clock). The last "
            "column is the server's CPU per request (per created task for the bulk "
            "creation): one core serves the inverse of it per second, whatever else runs "
            "on the machine.",
            "",
            "| route | requests | req/s | p50 ms | p99 ms | server CPU per unit |",
            "|---|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(run())
