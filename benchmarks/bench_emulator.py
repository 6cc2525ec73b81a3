"""Emulator throughput: how many requests per second the local Qarnot emulator serves.

The emulator runs in its own process (``python -m qarnot_async.emulator``), so it has a
core of its own; the load comes from plain aiohttp in this process, on loopback only,
with a bounded number of requests. A second run serves from this very process, the way
tests use the emulator (client and server then share one core).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

GET_REQUESTS = 4000
PAGE_REQUESTS = 600
SEEDED_TASKS = 5000
CONCURRENCY = 16
PAGE_SIZE = 100

Call = Callable[[aiohttp.ClientSession, int], Awaitable[None]]
CpuClock = Callable[[], float | None]


def _process_cpu(pid: int) -> CpuClock:
    """CPU seconds used so far by process ``pid`` (Linux ``/proc``; ``None`` elsewhere)."""

    def read() -> float | None:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return read


async def _load(
    session: aiohttp.ClientSession, count: int, call: Call
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < count:
            index = next_index
            next_index += 1
            started = time.perf_counter()
            await call(session, index)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - started, latencies


def _row(route: str, count: int, elapsed: float, latencies: list[float], cpu: float | None) -> str:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    # Server CPU per request gives the rate one dedicated core sustains, whatever else
    # runs on the machine.
    per_core = f"{count / cpu:,.0f}" if cpu else "n/a"
    return (
        f"| `{route}` | {count} | {CONCURRENCY} | {count / elapsed:,.0f} | {p50:.2f} "
        f"| {p99:.2f} | {per_core} |"
    )


async def _measure(url: str, token: str, uuids: list[str], cpu_clock: CpuClock) -> list[str]:
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    headers = {"Authorization": token}
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def get_task(s: aiohttp.ClientSession, index: int) -> None:
            async with s.get(f"{url}/v1/tasks/{uuids[index % len(uuids)]}") as response:
                assert response.status == 200, response.status
                await response.read()

        async def paginate(s: aiohttp.ClientSession, index: int) -> None:
            body: dict[str, Any] = {"maximumResults": PAGE_SIZE}
            async with s.post(f"{url}/v1/tasks/summaries/paginate", json=body) as response:
                assert response.status == 200, response.status
                await response.read()

        async def timed(route: str, count: int, call: Call) -> str:
            before = cpu_clock()
            elapsed, latencies = await _load(session, count, call)
            after = cpu_clock()
            cpu = after - before if before is not None and after is not None else None
            return _row(route, count, elapsed, latencies, cpu)

        await _load(session, 200, get_task)  # warm-up: connections, caches
        return [
            await timed("GET /tasks/{uuid}", GET_REQUESTS, get_task),
            await timed(
                f"POST /tasks/summaries/paginate ({PAGE_SIZE}/page)", PAGE_REQUESTS, paginate
            ),
        ]


async def _separate_process() -> list[str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "qarnot_async.emulator",
        "--port",
        "0",
        "--speed",
        "manual",
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        url = line.split("listening on ")[1].split()[0]
        token = line.split("token=")[1].split()[0]
        async with aiohttp.ClientSession() as session:
            seed = {"count": SEEDED_TASKS, "fields": {"tags": ["bench"]}}
            async with session.post(f"{url}/__emulator/seed/tasks", json=seed) as response:
                uuids = (await response.json())["uuids"]
        return await _measure(url, token, uuids, _process_cpu(process.pid))
    finally:
        process.terminate()
        await process.wait()


async def _same_process() -> list[str]:
    from qarnot_async.emulator import Emulator

    async with Emulator() as emu:
        uuids = emu.seed_tasks(SEEDED_TASKS, tags=["bench"])
        # Client and server share this process: its CPU is not the server's alone.
        return await _measure(emu.url, emu.token, uuids, lambda: None)


def run() -> str:
    """Measure and return a markdown section."""
    header = [
        "| route | requests | concurrency | req/s | p50 ms | p99 ms | req/s per server core |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    apart = asyncio.run(_separate_process())
    together = asyncio.run(_same_process())
    return "\n".join(
        [
            "## Emulator throughput",
            "",
            f"{SEEDED_TASKS} seeded tasks, plain aiohttp over loopback, {CONCURRENCY} requests in "
            "flight, manual clock. Target: 1,500 simple requests/s or more on one core. "
            "*req/s per server core* divides the requests by the CPU seconds the server "
            "process used, so it holds even on a busy machine.",
            "",
            "Emulator in its own process (one core for the server):",
            "",
            *header,
            *apart,
            "",
            "Emulator in the benchmark's process (server and client share one core, as in tests):",
            "",
            *header,
            *together,
        ]
    )


if __name__ == "__main__":
    print(run())
