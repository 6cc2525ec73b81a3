"""Waits, watches and log following through the shared poller, on the emulator."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from qarnot_async import (
    Client,
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    TaskFailedError,
    WaitTimeoutError,
)
from qarnot_async.emulator import Emulator
from qarnot_async.filters import F
from qarnot_async.models import JobCreate, PoolCreate, PoolState, TaskCreate, TaskState
from qarnot_async.polling import PollPolicy, StateChange

FAST = PollPolicy(initial=0.005, max_interval=0.02, chunk_size=200)


class Ticks:
    """A subscriber of the client's poller that counts the polls of one uuid.

    Every full tick polls every uuid: counting the polls of one counts the ticks,
    and :meth:`wait` wakes on them instead of looking at a counter now and then.
    """

    def __init__(self) -> None:
        self.count = 0
        self._told = asyncio.Event()

    def on_state(
        self, kind: str, uuid: str, state: Any, seen_at: datetime, *, summary: Any, final: bool
    ) -> None:
        self.count += 1
        self._told.set()

    def on_gone(self, kind: str, uuid: str, seen_at: datetime, *, error: NotFoundError) -> None:
        self._told.set()

    def on_error(self, error: BaseException) -> None:
        self._told.set()

    async def wait(self, polls: int) -> None:
        """Until ``polls`` more polls of the uuid were answered."""
        target = self.count + polls
        while self.count < target:
            self._told.clear()
            await self._told.wait()


@contextlib.asynccontextmanager
async def clock(
    emu: Emulator, step: float = 5.0, *, locked_to: tuple[Client, str] | None = None
) -> AsyncIterator[None]:
    """Move the emulator's clock forward in the background while the test waits.

    ``locked_to=(client, task_uuid)``: advance only after the client's poller polled
    that task twice since the last step (a whole tick after it), so every state lasting
    one step is held for at least one poll.
    """
    ticks = Ticks()
    if locked_to is not None:
        locked_to[0].poller.subscribe(ticks, "task", locked_to[1])

    async def tick() -> None:
        while True:
            if locked_to is not None:
                await ticks.wait(2)
            await emu.advance(step)
            await asyncio.sleep(0.002)

    task = asyncio.create_task(tick())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if locked_to is not None:
            locked_to[0].poller.unsubscribe(ticks, "task", locked_to[1])


def task(name: str, **kwargs: object) -> TaskCreate:
    kwargs.setdefault("profile", "docker-batch")
    kwargs.setdefault("instance_count", 2)
    return TaskCreate(name=name, **kwargs)  # type: ignore[arg-type]


async def test_thousand_waits_are_coalesced(qarnot_emulator: Emulator) -> None:
    emu = qarnot_emulator
    async with emu.client(poll=FAST) as c:
        inputs = [
            task(
                f"t{i}",
                constants={"EMULATOR_FAIL_INSTANCES": "1"} if i % 10 == 0 else None,
            )
            for i in range(1000)
        ]
        results = await c.tasks.create_many(inputs, chunk_size=200)
        uuids = results.uuids
        emu.reset_stats()
        async with clock(emu):
            finals = await asyncio.gather(*(c.tasks.wait(u) for u in uuids))
        poller = c.poller
        ticks = poller.stats.ticks
    assert [t.uuid for t in finals] == uuids
    assert [t.state for t in finals] == [
        TaskState.FAILURE if i % 10 == 0 else TaskState.SUCCESS for i in range(1000)
    ]
    assert all(t.errors for t in finals[::10])
    requests = emu.stats.requests
    # States come from searches selecting three fields, one per chunk of uuids per tick.
    searches = requests.get("POST /tasks/search", 0)
    assert 0 < searches <= ticks * math.ceil(1000 / FAST.chunk_size)
    assert requests.get("POST /tasks/summaries/paginate", 0) == 0
    # Final entities are fetched in chunks: far fewer requests than tasks.
    assert 0 < requests.get("POST /tasks/paginate", 0) <= 1000 // 20
    assert requests.get("GET /tasks/{uuid}", 0) == 0


async def test_wait_raise_on_failure_timeout_and_until(qarnot_emulator: Emulator) -> None:
    emu = qarnot_emulator
    async with emu.client(poll=FAST) as c:
        bad = await c.tasks.create(task("bad", constants={"EMULATOR_FAIL_INSTANCES": "0"}))
        slow = await c.tasks.create(task("slow"))
        async with clock(emu):
            with pytest.raises(TaskFailedError) as info:
                await c.tasks.wait(bad, raise_on_failure=True)
            assert info.value.errors
            running = await c.tasks.wait(slow, until={TaskState.FULLY_EXECUTING})
            # Reached, or jumped past between two polls to its end (which ends the wait).
            assert running.state in {TaskState.FULLY_EXECUTING, TaskState.SUCCESS}
        # The clock stands still now: this task cannot end.
        frozen = await c.tasks.create(task("frozen"))
        with pytest.raises(WaitTimeoutError) as timeout:
            await c.tasks.wait(frozen, timeout=0.05)
        assert timeout.value.last_seen is not None
        assert timeout.value.last_seen.uuid == frozen
        with pytest.raises(NotFoundError) as missing:
            await c.tasks.wait("00000000-0000-0000-0000-000000000000", timeout=5)
        # It names the request whose answer left the uuid out: no made-up path.
        assert (missing.value.method, missing.value.path) == (
            "POST",
            "/tasks/summaries/paginate",
        )
        assert "is not known to the service" in str(missing.value)


async def test_pool_and_job_waits(qarnot_emulator: Emulator) -> None:
    emu = qarnot_emulator
    async with emu.client(poll=FAST) as c:
        pool = await c.pools.create(PoolCreate(name="p", profile="docker-batch", instance_count=2))
        job = await c.jobs.create(JobCreate(name="j", pool_uuid=pool))
        t = await c.tasks.create(task("in-job", job_uuid=job, instance_count=1))
        async with clock(emu):
            ready = await c.pools.wait(pool)
            assert ready.state is PoolState.FULLY_EXECUTING
            assert (await c.tasks.wait(t, max_interval=0.01)).is_final
            await c.jobs.terminate(job)
            done = await c.jobs.wait(job, max_interval=0.01)
            assert done.is_final
            await c.pools.close(pool)
            closed = await c.pools.wait(pool, until={PoolState.CLOSED})
            assert closed.state is PoolState.CLOSED


async def test_watch_reports_transitions_in_order(qarnot_emulator: Emulator) -> None:
    emu = qarnot_emulator
    async with emu.client(poll=FAST) as c:
        uuids = (await c.tasks.create_many([task(f"w{i}") for i in range(5)])).uuids
        changes: list[StateChange] = []
        # Every state lasts at least one step, and each step waits for a poll.
        watch = c.watch(tasks=uuids)
        async with watch, clock(emu, step=1.0, locked_to=(c, uuids[0])):
            async for change in watch:
                changes.append(change)
    for uuid in uuids:
        mine = [ch for ch in changes if ch.uuid == uuid]
        states = [ch.current for ch in mine]
        assert states == [
            TaskState.SUBMITTED,
            TaskState.FULLY_DISPATCHED,
            TaskState.FULLY_EXECUTING,
            TaskState.UPLOADING_RESULTS,
            TaskState.SUCCESS,
        ]
        assert [ch.previous for ch in mine] == [None, *states[:-1]]


async def test_as_completed_and_follow_stdout(qarnot_emulator: Emulator) -> None:
    emu = qarnot_emulator
    async with emu.client(poll=FAST) as c:
        quick = await c.tasks.create(task("quick", constants={"EMULATOR_DURATION": "5"}))
        long = await c.tasks.create(task("long", constants={"EMULATOR_DURATION": "60"}))
        async with clock(emu, step=2.0):
            order = [t.name async for t in c.tasks.as_completed([long, quick])]
            assert order == ["quick", "long"]
            follower = await c.tasks.create(task("talk", constants={"EMULATOR_DURATION": "20"}))
            chunks = [chunk async for chunk in c.tasks.follow_stdout(follower, interval=0.01)]
        text = "".join(chunks)
        assert len(chunks) > 1  # it streamed, not one read at the end
        assert text.count("done") == 2
        assert text == await c.tasks.stdout(follower)


@pytest.mark.qarnot_emulator(refuse_filter_fields={"Uuid"})
async def test_fallback_when_uuid_filter_is_refused(
    qarnot_emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    emu = qarnot_emulator
    caplog.set_level(logging.WARNING, logger="qarnot_async")
    async with emu.client(poll=FAST) as c:
        uuids = (await c.tasks.create_many([task(f"f{i}") for i in range(20)])).uuids
        async with clock(emu):
            finals = await asyncio.gather(*(c.tasks.wait(u) for u in uuids))
    assert all(t.state is TaskState.SUCCESS for t in finals)
    assert emu.stats.requests.get("GET /tasks/{uuid}", 0) >= 20
    warnings = [r for r in caplog.records if "refused a Uuid filter" in r.getMessage()]
    assert len(warnings) == 1  # said once, not per request


async def test_cancelling_the_last_wait_stops_the_poller(qarnot_client: Client) -> None:
    uuid = await qarnot_client.tasks.create(task("x"))
    poller = qarnot_client.poller
    ticks = Ticks()
    poller.subscribe(ticks, "task", uuid)
    waiter = asyncio.create_task(qarnot_client.tasks.wait(uuid))
    await ticks.wait(1)  # the poller answered a poll of the task: the wait is pending
    poller.unsubscribe(ticks, "task", uuid)
    assert poller.running
    assert poller.watched("task") == {uuid}
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not poller.running
    assert poller.watched("task") == frozenset()


async def test_closing_the_client_fails_pending_waits(qarnot_emulator: Emulator) -> None:
    async with qarnot_emulator.client(poll=FAST) as c:
        uuid = await c.tasks.create(task("y"))
        ticks = Ticks()
        c.poller.subscribe(ticks, "task", uuid)
        waiter = asyncio.create_task(c.tasks.wait(uuid))
        await ticks.wait(1)
        poller = c.poller
    # Leaving `async with` closed the client, and its poller with it.
    with pytest.raises(ConfigurationError, match="closed"):
        await waiter
    assert poller.closed
    assert not poller.running


async def test_follow_stderr_reads_to_the_end(qarnot_emulator: Emulator) -> None:
    emu = qarnot_emulator
    async with emu.client(poll=FAST) as c:
        uuid = await c.tasks.create(task("errs", constants={"EMULATOR_DURATION": "10"}))
        async with clock(emu, step=2.0):
            chunks = [chunk async for chunk in c.tasks.follow_stderr(uuid, interval=0.01)]
        assert "".join(chunks) == await c.tasks.stderr(uuid)
        with pytest.raises(InvalidInputError, match="interval"):
            [chunk async for chunk in c.tasks.follow_stderr(uuid, interval=0)]


async def test_waits_take_entities_and_summaries_on_every_collection(
    qarnot_emulator: Emulator,
) -> None:
    emu = qarnot_emulator
    async with emu.client(poll=FAST) as c:
        pool = await c.pools.create(PoolCreate(name="p", profile="docker-batch", instance_count=1))
        inputs = [JobCreate(name=f"j{i}", pool_uuid=pool) for i in range(2)]
        jobs = (await c.jobs.create_many(inputs)).uuids
        uuid = await c.tasks.create(task("t", job_uuid=jobs[0], instance_count=1))
        [summary] = (await c.tasks.summaries.page(F.uuid == uuid)).items
        async with clock(emu):
            assert (await c.pools.wait(await c.pools.get(pool))).state is PoolState.FULLY_EXECUTING
            assert (await c.tasks.wait(summary)).state is TaskState.SUCCESS
            for job in jobs:
                await c.jobs.terminate(job)
            finished = [j.uuid async for j in c.jobs.as_completed(await c.jobs.search())]
            assert sorted(finished) == sorted(jobs)
            await c.pools.close(pool)
            [closed] = [p async for p in c.pools.as_completed(await c.pools.summaries.list())]
            assert closed.state is PoolState.CLOSED
