"""Pagination streams over HTTP against the emulator: every family, resume, bounds."""

from __future__ import annotations

import asyncio
import gc
import socket
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from qarnot_async import Client, PaginationError
from qarnot_async.emulator import Emulator
from qarnot_async.filters import F

N = 10_000
BASE = datetime(2026, 1, 1, tzinfo=UTC)


def seed(emu: Emulator, n: int = N) -> list[str]:
    """n finished tasks, one second apart, every third one failed, tags by residue."""
    return emu.seed_tasks(
        n,
        name=lambda i: f"task-{i:06d}",
        state=lambda i: "Failure" if i % 3 == 0 else "Success",
        tags=lambda i: [f"mod{i % 5}"],
        creation_date=lambda i: BASE + timedelta(seconds=i),
    )


@pytest.mark.parametrize("descending", [False, True])
async def test_tasks_stream_exactly_once_in_order(
    qarnot_emulator: Emulator, descending: bool
) -> None:
    uuids = seed(qarnot_emulator)
    async with qarnot_emulator.client() as c:
        names = [
            t.name
            async for t in c.tasks.summaries.paginate(
                order_by="creationDate", descending=descending, page_size=500
            )
        ]
        expected = [f"task-{i:06d}" for i in range(N)]
        assert names == (expected[::-1] if descending else expected)
        full = [t.uuid async for t in c.tasks.paginate(order_by="creationDate", page_size=1000)]
        assert full == uuids


async def test_filters_stream_exactly_the_matches(qarnot_emulator: Emulator) -> None:
    seed(qarnot_emulator)
    async with qarnot_emulator.client() as c:
        failed = [
            t.name
            async for t in c.tasks.summaries.paginate(
                (F.state == "Failure") & F.tags.any_of(["mod1", "mod2"]),
                order_by="name",
                page_size=300,
            )
        ]
    expected = [f"task-{i:06d}" for i in range(N) if i % 3 == 0 and i % 5 in (1, 2)]
    assert failed == expected


async def test_resume_mid_stream_yields_exactly_the_rest(qarnot_emulator: Emulator) -> None:
    seed(qarnot_emulator)
    async with qarnot_emulator.client() as c:
        query: dict[str, Any] = {"order_by": "name", "page_size": 250}
        first = c.tasks.summaries.paginate(F.state == "Success", **query)
        head: list[str] = []
        async for t in first:
            head.append(t.name or "")
            if len(head) == 1234:
                break
        token = first.resume_token
        assert token is not None
        rest = [
            t.name
            async for t in c.tasks.summaries.paginate(
                F.state == "Success", start_token=token, **query
            )
        ]
        expected = [f"task-{i:06d}" for i in range(N) if i % 3 != 0]
        assert head + rest == expected
        with pytest.raises(PaginationError, match="another query"):
            c.tasks.summaries.paginate(F.state == "Failure", start_token=token, **query)


@pytest.mark.parametrize("prefetch", [0, 1, 3])
async def test_break_after_five_fetches_at_most_prefetch_plus_one(
    qarnot_emulator: Emulator, prefetch: int
) -> None:
    seed(qarnot_emulator)
    qarnot_emulator.reset_stats()
    async with qarnot_emulator.client() as c:
        seen = 0
        async for _ in c.tasks.summaries.paginate(page_size=100, prefetch=prefetch):
            seen += 1
            if seen == 5:
                break
        await asyncio.sleep(0.05)  # a late prefetch would show up in the counters
    assert qarnot_emulator.stats.requests["POST /tasks/summaries/paginate"] <= prefetch + 1


async def test_limit_fetches_only_what_it_needs(qarnot_emulator: Emulator) -> None:
    seed(qarnot_emulator)
    qarnot_emulator.reset_stats()
    async with qarnot_emulator.client() as c:
        got = await c.tasks.summaries.paginate(page_size=100, limit=250, prefetch=2).collect(
            limit=1000
        )
    assert len(got) == 250
    assert qarnot_emulator.stats.requests["POST /tasks/summaries/paginate"] == 3


def _open_connections(c: Client) -> int:
    session = c._transport.session
    assert session is not None
    connector: Any = session.connector
    return len(connector._acquired)


async def test_cancellations_return_their_connections(qarnot_emulator: Emulator) -> None:
    seed(qarnot_emulator)
    qarnot_emulator.set_faults(latency=0.05, routes={"POST /tasks/summaries/paginate"})
    async with qarnot_emulator.client() as c:
        await c.account.info()
        before = _open_connections(c)

        async def consume(prefetch: int) -> None:
            async for _ in c.tasks.summaries.paginate(page_size=100, prefetch=prefetch):
                await asyncio.sleep(0.01)

        for prefetch in (0, 1, 4):
            task = asyncio.create_task(consume(prefetch))
            await asyncio.sleep(0.12)  # mid-request, with prefetches in flight
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        for _ in range(5):
            await asyncio.sleep(0)
        gc.collect()
        await asyncio.sleep(0.01)
        assert _open_connections(c) == before


async def test_other_families(qarnot_emulator: Emulator) -> None:
    emu = qarnot_emulator
    pools = emu.seed_pools(230, name=lambda i: f"pool-{i:04d}")
    jobs = emu.seed_jobs(170, name=lambda i: f"job-{i:04d}")
    async with emu.client() as c:
        assert [p.name async for p in c.pools.paginate(order_by="name", page_size=50)] == [
            f"pool-{i:04d}" for i in range(230)
        ]
        got = {p.uuid async for p in c.pools.summaries.paginate(page_size=40, descending=True)}
        assert got == set(pools)
        assert [j.name async for j in c.jobs.paginate(order_by="name", page_size=30)] == [
            f"job-{i:04d}" for i in range(170)
        ]
        assert {j.uuid async for j in c.jobs.paginate(F.name.like("job-01%"))} == set(jobs[100:])
        hardware = [h async for h in c.hardware.paginate(page_size=7)]
        assert len(hardware) == (await c.hardware.page(page_size=1)).total
        assert hardware == await c.hardware.list()


@pytest.fixture
def emulator_process() -> Iterator[tuple[str, str]]:
    """An emulator in its own process with 100,000 finished tasks.

    tracemalloc counts every allocation of this process: serving pages from here
    would both blur the client's figure and slow the run tenfold.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = "memory-test-token"
    command = [sys.executable, "-m", "qarnot_async.emulator", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--token", token, "--preload-tasks", "100000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/__emulator/stats", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the emulator process did not start") from None
                time.sleep(0.1)
        yield url, token
    finally:
        proc.terminate()
        proc.wait(10)


async def _peak(url: str, token: str, n: int) -> int:
    gc.collect()
    async with Client(token, cluster_url=url) as c:
        tracemalloc.start()
        try:
            count = 0
            async for _ in c.tasks.summaries.paginate(page_size=1000, prefetch=1, limit=n):
                count += 1
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert count == n
    return peak


async def test_memory_stays_flat(emulator_process: tuple[str, str]) -> None:
    small = await _peak(*emulator_process, 10_000)
    large = await _peak(*emulator_process, 100_000)
    assert large < 2 * small, (small, large)
