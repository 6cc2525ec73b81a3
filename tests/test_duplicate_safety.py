"""A batch submitter never pays twice: creations survive lost answers without duplicates."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from qarnot_async import RetryPolicy
from qarnot_async.emulator import Emulator
from qarnot_async.models import TaskCreate

N = 2000


pytestmark = pytest.mark.usefixtures("no_backoff")  # tests/conftest.py


def inputs(prefix: str) -> list[TaskCreate]:
    return [
        TaskCreate(name=f"{prefix}-{i}", profile="docker-batch", instance_count=1) for i in range(N)
    ]


async def check_exactly_once(emu: Emulator, prefix: str, uuids: list[str | None]) -> None:
    assert emu.task_count() == N
    assert all(uuids)
    async with emu.client() as c:
        tasks = await c.tasks.paginate(page_size=1000).collect(limit=N + 1)
    assert len(tasks) == N
    by_uuid = {t.uuid: t for t in tasks}
    # Every caller holds the uuid of the task made from its own input.
    assert [by_uuid[u].name for u in uuids if u] == [f"{prefix}-{i}" for i in range(N)]
    assert Counter(t.name for t in tasks).most_common(1)[0][1] == 1


@pytest.mark.qarnot_emulator(seed=7)
async def test_create_survives_dropped_answers(qarnot_emulator: Emulator) -> None:
    emu = qarnot_emulator
    emu.set_faults(drop_rate=0.3, routes={"POST /tasks"})
    # Ten attempts: with 30% of answers lost, five would leave ~0.2% of calls failing.
    async with emu.client(retry=RetryPolicy(max_attempts=10), max_concurrency=32) as c:
        uuids = await asyncio.gather(*(c.tasks.create(t) for t in inputs("one")))
        assert c.stats.retries > 0
    assert emu.stats.faults["drop"] > 300  # the faults really happened
    await check_exactly_once(emu, "one", list(uuids))


@pytest.mark.qarnot_emulator(seed=11)
async def test_create_many_survives_dropped_answers(qarnot_emulator: Emulator) -> None:
    emu = qarnot_emulator
    emu.set_faults(drop_rate=0.3, routes={"POST /tasks"})
    async with emu.client(retry=RetryPolicy(max_attempts=10)) as c:
        results = await c.tasks.create_many(inputs("bulk"), chunk_size=50, concurrency=4)
    assert emu.stats.faults["drop"] > 5
    assert not results.failures
    await check_exactly_once(emu, "bulk", [r.uuid for r in results])
