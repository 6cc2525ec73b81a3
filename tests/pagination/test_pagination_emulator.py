"""Pagination streams over HTTP against the emulator: every family, resume, bounds."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from qarnot_async import AsyncPaginator, Client, PaginationError
from qarnot_async.emulator import Emulator
from qarnot_async.filters import F

N = 10_000
BASE = datetime(2026, 1, 1, tzinfo=UTC)


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``condition()`` holds (what a test expects to happen), at most
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.001)


async def settle(turns: int = 50) -> None:
    """Give every runnable task ``turns`` turns of the event loop: a bound in loop
    turns, not in time, to show that something does *not* happen."""
    for _ in range(turns):
        await asyncio.sleep(0)


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
        stream = c.tasks.summaries.paginate(page_size=100, prefetch=prefetch)
        seen = 0
        async for _ in stream:
            seen += 1
            if seen == 5:
                # The prefetch reaches its bound while the consumer holds page 1...
                await eventually(
                    lambda: c.stats.requests == prefetch + 1 and c.stats.in_flight == 0
                )
                await settle()  # ...and goes no further, given every chance to
                break
        await stream.aclose()  # cancel and await whatever the stream still runs
        assert c.stats.requests == prefetch + 1
    assert qarnot_emulator.stats.requests["POST /tasks/summaries/paginate"] == prefetch + 1


async def test_limit_fetches_only_what_it_needs(qarnot_emulator: Emulator) -> None:
    seed(qarnot_emulator)
    qarnot_emulator.reset_stats()
    async with qarnot_emulator.client() as c:
        got = await c.tasks.summaries.paginate(page_size=100, limit=250, prefetch=2).collect(
            limit=1000
        )
    assert len(got) == 250
    assert qarnot_emulator.stats.requests["POST /tasks/summaries/paginate"] == 3


async def test_cancellations_return_their_connections(qarnot_emulator: Emulator) -> None:
    seed(qarnot_emulator)
    qarnot_emulator.set_faults(latency=0.05, routes={"POST /tasks/summaries/paginate"})
    async with qarnot_emulator.client() as c:

        async def drain(stream: AsyncPaginator[Any]) -> None:
            async for _ in stream:
                pass

        for prefetch in (0, 1, 4):
            stream = c.tasks.summaries.paginate(page_size=100, prefetch=prefetch)
            task = asyncio.create_task(drain(stream))
            # Mid-stream: a page handed out and requests in flight.
            await eventually(
                lambda s=stream: s.pages_fetched >= 1 and c.stats.in_flight >= 1  # type: ignore[misc]
            )
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # Every request left its connection (its slot is freed when it does).
            await eventually(lambda: c.stats.in_flight == 0)
        assert (await c.account.info()).email  # and the client goes on as before


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


PAGE_SERVER = Path(__file__).parent / "page_server.py"


@pytest.fixture
def page_server() -> Iterator[str]:
    """A summaries server in its own process (tests/page_server.py) with 100,000 items.

    tracemalloc counts every allocation of this process: serving pages from here would
    blur the client's figure, and the emulator's full entities would slow the run.
    """
    with subprocess.Popen(
        [sys.executable, str(PAGE_SERVER), "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            port = proc.stdout.readline().strip()  # printed once it listens
            assert port.isdigit(), "the page server did not start"
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()


async def _peak(url: str, n: int) -> int:
    gc.collect()
    async with Client("memory-test-token", cluster_url=url) as c:
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


async def test_memory_stays_flat(page_server: str) -> None:
    """Streaming 100,000 summaries holds no more than streaming 10,000: a few pages."""
    small = await _peak(page_server, 10_000)
    large = await _peak(page_server, 100_000)
    assert large < 2 * small, (small, large)


@pytest.mark.parametrize(("cursors", "page_size"), [(2, 100), (8, 50), (8, 1000)])
async def test_parallel_streams_every_item_exactly_once(
    qarnot_emulator: Emulator, cursors: int, page_size: int
) -> None:
    uuids = seed(qarnot_emulator, 3000)
    qarnot_emulator.reset_stats()
    async with qarnot_emulator.client() as c:
        stream = c.tasks.summaries.paginate(
            F.state == "Success", page_size=page_size, parallel=cursors
        )
        got = [t.uuid async for t in stream]
    expected = {u for i, u in enumerate(uuids) if i % 3 != 0}
    assert len(got) == len(expected)
    assert set(got) == expected
    # Two requests find the first and last items; then one per page of each range
    # (creation dates one second apart: the ranges hold equal shares).
    pages = -(-len(expected) // cursors // page_size) * cursors
    requests = qarnot_emulator.stats.requests["POST /tasks/summaries/paginate"]
    assert 2 + cursors <= requests <= 2 + pages + cursors
    assert stream.pages_fetched == requests - 2


async def test_parallel_resumes_every_cursor(qarnot_emulator: Emulator) -> None:
    uuids = seed(qarnot_emulator, 2000)
    async with qarnot_emulator.client() as c:
        head: list[str] = []
        stream = c.tasks.paginate(page_size=100, parallel=8)
        async for task in stream:
            head.append(task.uuid)
            if len(head) == 777:
                break
        await stream.aclose()
        token = stream.resume_token
        assert token is not None
        qarnot_emulator.reset_stats()
        rest = [
            t.uuid async for t in c.tasks.paginate(page_size=100, parallel=8, start_token=token)
        ]
        with pytest.raises(PaginationError, match="another query"):
            c.tasks.paginate(page_size=100, start_token=token)  # not parallel: refused
    assert not set(head) & set(rest)
    assert set(head) | set(rest) == set(uuids)
    # The bounds came with the token: no request to find them again.
    assert qarnot_emulator.stats.requests["POST /tasks/paginate"] <= 2000 // 100 + 8


async def test_parallel_over_an_empty_or_tiny_query(qarnot_emulator: Emulator) -> None:
    async with qarnot_emulator.client() as c:
        assert [t async for t in c.tasks.summaries.paginate(parallel=4)] == []
        one = seed(qarnot_emulator, 1)
        assert [t.uuid async for t in c.tasks.summaries.paginate(parallel=4)] == one
