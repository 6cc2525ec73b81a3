"""Streaming task summaries: ours, the official ``all_tasks()`` and a raw aiohttp loop.

The emulator runs in its own process (manual clock). Two workloads:

* 20,000 summaries with 20 ms of latency per request: the official ``all_tasks()`` at
  its own page size (50, not settable) and at ours (100, through ``tasks_page``),
  against ``summaries.paginate`` at 50 and 100 per page, the opt-in parallel stream
  (``parallel=8``) and a raw aiohttp token loop. A token chain sends one request per
  round trip, so its limit is pages x (RTT + the server's time per page); a parallel
  stream's is the larger of that over K cursors and the server's CPU for every page.
* 100,000 summaries with no latency: client CPU per item, against the raw loop
  (aiohttp + ``json.loads``, 100 per page); and the memory a stream holds, traced at
  two lengths (it must not grow with the length).

Every run checks it saw every item exactly once.

Run: ``python -m benchmarks.bench_stream``; ``QA_BENCH_SCALE=0.1`` for a quick run.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from ._cost import attrs_init_floor, decode_and_read
from ._report import fmt_seconds, record
from ._server import EmulatorProcess, Timer, scaled

LATENCY_ITEMS = scaled(20_000, 500)
OFFICIAL_ITEMS = scaled(10_000, 200)
CPU_ITEMS = scaled(100_000, 2000)
MEMORY_ITEMS = (scaled(5_000, 500), scaled(20_000, 2000))
LATENCY = 0.02
PARALLEL = 8
CPU_ROUNDS = 3
TARGET_CPU = 1.5
TARGET_SEQUENTIAL = 1.1
TARGET_PARALLEL = 4.0


@dataclass
class Run:
    """What one streaming loop saw and cost."""

    label: str
    items: int
    pages: int
    timer: Timer
    server: float
    estimated_from: int = 0

    @property
    def whole(self) -> float:
        """Seconds for the whole workload (scaled per item when measured on fewer)."""
        if not self.estimated_from:
            return self.timer.wall
        return self.timer.wall * self.items / self.estimated_from


def _parallel_supported() -> bool:
    from qarnot_async.resources import Listing

    return "parallel" in inspect.signature(Listing.paginate).parameters


def _check(uuids: list[str], count: int, what: str) -> None:
    if len(uuids) != count or len(set(uuids)) != count:
        raise RuntimeError(f"{what}: {len(uuids)} items, {len(set(uuids))} distinct, not {count}")


def _official(emu: EmulatorProcess, page_size: int | None, count: int) -> Run:
    conn = emu.official()
    emu.reset_stats()
    server = emu.cpu()
    with Timer() as timer:
        if page_size is None:
            uuids = [t.uuid for t in itertools.islice(conn.all_tasks(), count)]
        else:
            uuids = []
            token = None
            while len(uuids) < count:
                page = conn.tasks_page(token=token, maximum=page_size)
                uuids.extend(t.uuid for t in page.page_data)
                token = page.next_token
                if not page.is_truncated or token is None:
                    break
            del uuids[count:]
    server = emu.cpu() - server
    _check(uuids, count, "official")
    label = (
        "official `conn.all_tasks()` (50 per page, fixed)"
        if page_size is None
        else f"official `conn.tasks_page(maximum={page_size})` loop"
    )
    return Run(label, LATENCY_ITEMS, emu.requests()[0], timer, server, estimated_from=count)


async def _timed(
    emu: EmulatorProcess, label: str, body: Callable[[Any], Awaitable[list[str]]], count: int
) -> Run:
    async with emu.client() as client:
        await client.account.info()  # the connection is open before the timed part
        emu.reset_stats()
        server = emu.cpu()
        with Timer() as timer:
            uuids = await body(client)
        server = emu.cpu() - server
    _check(uuids, count, label)
    return Run(label, count, emu.requests()[0], timer, server)


def _ours(page_size: int, count: int, parallel: int = 0) -> Callable[[Any], Awaitable[list[str]]]:
    async def body(client: Any) -> list[str]:
        options: dict[str, Any] = {"page_size": page_size}
        if parallel:
            options["parallel"] = parallel
        return [s.uuid async for s in client.tasks.summaries.paginate(**options)][:count]

    return body


async def _raw(emu: EmulatorProcess, page_size: int, count: int) -> Run:
    url = f"{emu.url}/v1/tasks/summaries/paginate"
    headers = {"Authorization": emu.token, "Content-Type": "application/json"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(url, data=b'{"maximumResults":1}') as response:
            await response.read()
        emu.reset_stats()
        server = emu.cpu()
        uuids: list[str] = []
        with Timer() as timer:
            token: str | None = None
            while True:
                body: dict[str, Any] = {"maximumResults": page_size}
                if token is not None:
                    body["token"] = token
                async with session.post(url, data=json.dumps(body).encode()) as response:
                    response.raise_for_status()
                    data = json.loads(await response.read())
                uuids.extend(item["uuid"] for item in data["data"])
                token = data.get("nextToken")
                if not data.get("isTruncated") or not token:
                    break
        server = emu.cpu() - server
    _check(uuids, count, "raw")
    return Run(
        f"raw aiohttp + `json.loads`, {page_size} per page", count, emu.requests()[0], timer, server
    )


async def _rtt(emu: EmulatorProcess) -> float:
    """The round trip of a request that costs the server nothing: the median of 30
    sequential ``GET /settings`` (the injected latency, loopback and HTTP included)."""
    async with aiohttp.ClientSession() as session:
        times = []
        for _ in range(31):
            started = time.perf_counter()
            async with session.get(f"{emu.url}/v1/settings") as response:
                await response.read()
            times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


def _limit(run: Run, rtt: float, cursors: int = 1) -> float:
    """pages x (RTT + server time per page), over ``cursors`` chains on one server core."""
    per_page = run.server / max(1, run.pages)
    chain = -(-run.pages // cursors) * (rtt + per_page)
    return max(chain, run.server)


def _latency_section(emu: EmulatorProcess, rtt: float) -> list[str]:
    runs = [_official(emu, None, OFFICIAL_ITEMS), _official(emu, 100, OFFICIAL_ITEMS)]
    for size in (50, 100):
        label = f"ours: `summaries.paginate(page_size={size})`"
        runs.append(asyncio.run(_timed(emu, label, _ours(size, LATENCY_ITEMS), LATENCY_ITEMS)))
    parallel: Run | None = None
    if _parallel_supported():
        label = f"ours: `summaries.paginate(page_size=100, parallel={PARALLEL})`"
        parallel = asyncio.run(
            _timed(emu, label, _ours(100, LATENCY_ITEMS, PARALLEL), LATENCY_ITEMS)
        )
        runs.append(parallel)
    runs.append(asyncio.run(_raw(emu, 100, LATENCY_ITEMS)))
    official = runs[0]
    rows = []
    for run in runs:
        cursors = PARALLEL if run is parallel else 1
        approx = "≈ " if run.estimated_from else ""
        pages = run.pages * (run.items / run.estimated_from) if run.estimated_from else run.pages
        limit = _limit(run, rtt, cursors)
        versus = "baseline" if run is official else f"{official.whole / run.whole:.2f}x faster"
        rows.append(
            f"| {run.label} | {approx}{fmt_seconds(run.whole)} | {approx}{pages:,.0f} "
            f"| {run.server / max(1, run.pages) * 1000:.2f} ms "
            f"| {run.timer.wall / limit:.2f}x | {versus} |"
        )
    sequential = next(r for r in runs if r.label.endswith("page_size=100)`"))
    record(
        "stream.sequential_vs_limit",
        f"stream {LATENCY_ITEMS:,} at 20 ms, sequential: time / pages x (RTT + server time)",
        sequential.timer.wall / _limit(sequential, rtt),
        "x",
        TARGET_SEQUENTIAL,
    )
    record(
        "stream.sequential_vs_official",
        f"stream {LATENCY_ITEMS:,} at 20 ms, sequential: speed-up over official `all_tasks()`",
        official.whole / sequential.whole,
        "x",
    )
    if parallel is not None:
        record(
            "stream.parallel_vs_official",
            f"stream {LATENCY_ITEMS:,} at 20 ms, `parallel={PARALLEL}`: speed-up over official "
            "`all_tasks()`",
            official.whole / parallel.whole,
            "x",
            TARGET_PARALLEL,
            ">=",
        )
    return rows


def _cpu_section(emu: EmulatorProcess) -> list[str]:
    emu.set_latency(0.0)
    raws: list[Run] = []
    ours: list[Run] = []
    label = "ours: `summaries.paginate(page_size=100)`"
    for _ in range(CPU_ROUNDS):  # alternating, so both see the same machine load
        raws.append(asyncio.run(_raw(emu, 100, CPU_ITEMS)))
        ours.append(asyncio.run(_timed(emu, label, _ours(100, CPU_ITEMS), CPU_ITEMS)))
    raw, mine = _median(raws), _median(ours)
    rows = []
    for run in (raw, mine):
        rows.append(
            f"| {run.label} | {fmt_seconds(run.timer.wall)} "
            f"| {run.timer.cpu / run.items * 1e6:.1f} µs "
            f"| {run.server / run.items * 1e6:.1f} µs | {run.timer.cpu / raw.timer.cpu:.2f}x |"
        )
    record(
        "stream.cpu_vs_raw",
        f"stream {CPU_ITEMS:,}, no latency: client CPU per item / raw aiohttp + `json.loads`",
        mine.timer.cpu / raw.timer.cpu,
        "x",
        TARGET_CPU,
    )
    record(
        "stream.cpu_per_item",
        f"stream {CPU_ITEMS:,}, no latency: client CPU per item",
        mine.timer.cpu / mine.items * 1e6,
        "µs",
    )
    loads, reading, floor = asyncio.run(_converter_cost(emu))
    ours_item = mine.timer.cpu / mine.items
    raw_item = raw.timer.cpu / raw.items
    rows.append(
        f"| of ours: the converter reading each page (`TokenPage[TaskSummary]`), alone "
        f"| | {reading * 1e6:.1f} µs ({reading / ours_item:.0%} of ours; `json.loads`: "
        f"{loads * 1e6:.1f} µs) | | {(ours_item - reading) / (raw.timer.cpu / raw.items):.2f}x "
        "without it |"
    )
    rows.append(
        f"| floor of typed items: the raw loop + attrs `__init__` of the same members, "
        f"unchecked and unparsed | | {raw_item * 1e6 + floor * 1e6:.1f} µs (`__init__`: "
        f"{floor * 1e6:.1f} µs) | | {(raw_item + floor) / raw_item:.2f}x |"
    )
    record(
        "stream.typed_floor_vs_raw",
        "stream, no latency: the floor of typed items (raw + attrs `__init__` alone) / raw",
        (raw_item + floor) / raw_item,
        "x",
    )
    record(
        "stream.converter_share",
        "stream, no latency: the converter's share of our client CPU per item",
        reading / ours_item * 100,
        "%",
    )
    record(
        "stream.cpu_vs_raw_without_converter",
        "stream, no latency: client CPU per item without the converter / raw",
        (ours_item - reading) / (raw.timer.cpu / raw.items),
        "x",
    )
    return rows


async def _converter_cost(emu: EmulatorProcess, pages: int = 100) -> tuple[float, float, float]:
    """CPU per item of ``json.loads``, of the converter reading the decoded page, and of
    attrs ``__init__`` alone building the same summaries (the floor of typed items), on
    the pages the stream reads (``json.loads`` and the converter interleaved page by
    page, so both see the same load)."""
    from qarnot_async.models import TaskSummary, TokenPage

    url = f"{emu.url}/v1/tasks/summaries/paginate"
    headers = {"Authorization": emu.token, "Content-Type": "application/json"}
    bodies: list[bytes] = []
    async with aiohttp.ClientSession(headers=headers) as session:
        token: str | None = None
        while len(bodies) < pages:
            body: dict[str, Any] = {"maximumResults": 100}
            if token is not None:
                body["token"] = token
            async with session.post(url, data=json.dumps(body).encode()) as response:
                bodies.append(await response.read())
            token = json.loads(bodies[-1]).get("nextToken")
            if token is None:
                break
    loads, reading = decode_and_read(bodies, TokenPage[TaskSummary])
    floor = attrs_init_floor(bodies, TaskSummary)
    items = 3 * sum(len(json.loads(raw)["data"]) for raw in bodies)
    return loads / items, reading / items, floor / items


def _median(runs: list[Run]) -> Run:
    """The run of median client CPU."""
    return sorted(runs, key=lambda r: r.timer.cpu)[len(runs) // 2]


async def _traced_peak(emu: EmulatorProcess, count: int) -> float:
    async with emu.client() as client:
        # Warm-up: the connection and the readers are built before tracing.
        await client.tasks.summaries.page(page_size=100)
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            seen = 0
            async for _ in client.tasks.summaries.paginate(page_size=100, limit=count):
                seen += 1
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
    if seen != count:
        raise RuntimeError(f"the traced stream saw {seen} items, not {count}")
    return peak / 1024


def _memory_section(emu: EmulatorProcess) -> list[str]:
    peaks = [asyncio.run(_traced_peak(emu, count)) for count in MEMORY_ITEMS]
    record(
        "stream.memory_growth",
        f"stream: traced peak at {MEMORY_ITEMS[1]:,} items / at {MEMORY_ITEMS[0]:,}",
        peaks[1] / peaks[0],
        "x",
        1.5,
    )
    return [
        f"| {count:,} | {peak:,.0f} KB |" for count, peak in zip(MEMORY_ITEMS, peaks, strict=True)
    ]


def run() -> str:
    """Measure and return a markdown section."""
    with EmulatorProcess() as emu:
        emu.seed_tasks(LATENCY_ITEMS)
        emu.set_latency(LATENCY)
        rtt = asyncio.run(_rtt(emu))
        latency_rows = _latency_section(emu, rtt)
        emu.seed_tasks(CPU_ITEMS - LATENCY_ITEMS)
        cpu_rows = _cpu_section(emu)
        memory_rows = _memory_section(emu)
    return "\n".join(
        [
            "## Streaming task summaries",
            "",
            f"{LATENCY_ITEMS:,} seeded summaries, {LATENCY * 1000:.0f} ms of latency per "
            f"request; the emulator runs in its own process. The official SDK streams "
            f'{OFFICIAL_ITEMS:,} of them, scaled per item ("≈"). Limit of a token chain: '
            f"pages x (RTT + the server's CPU per page), the RTT measured: {rtt * 1000:.2f} ms "
            "(the median `GET /settings`, latency included); of the parallel stream: the "
            f"larger of that over {PARALLEL} chains and the server's CPU for every page.",
            "",
            "| approach | time | requests | server per page | time / limit | vs. official |",
            "|---|---:|---:|---:|---:|---:|",
            *latency_rows,
            "",
            f"{CPU_ITEMS:,} summaries, no latency: client CPU (`process_time`) per item; the "
            f"median of {CPU_ROUNDS} rounds alternating the two loops.",
            "",
            "| approach | time | client CPU per item | server CPU per item | CPU / raw |",
            "|---|---:|---:|---:|---:|",
            *cpu_rows,
            "",
            "Memory a stream holds (`tracemalloc` peak while streaming, 100 per page): it "
            "must not grow with the length.",
            "",
            "| items | traced peak |",
            "|---:|---:|",
            *memory_rows,
        ]
    )


if __name__ == "__main__":
    print(run())
