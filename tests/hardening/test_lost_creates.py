"""No orphan tasks: creations whose answers are lost, checked against the emulator's truth.

The emulator applies a share of the creations and then drops their answers (the
connection is reset instead). Every task it holds must be known to its caller: as a
uuid returned, or as a failure that names its shortname with ``created`` not False.
Backoff sleeps are instant (the policy's waits are replaced), the attempts are not.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import attrs
import pytest

from qarnot_async import Client, QarnotError, RetryPolicy
from qarnot_async.emulator import Emulator
from qarnot_async.models import TaskCreate

N = 2000


pytestmark = pytest.mark.usefixtures("no_backoff")  # tests/conftest.py


def inputs(prefix: str, count: int) -> list[TaskCreate]:
    return [
        TaskCreate(name=f"{prefix}-{i}", profile="docker-batch", instance_count=1)
        for i in range(count)
    ]


@attrs.define
class Outcome:
    """What the callers learnt, per input name: a uuid, or (shortname, created)."""

    uuids: dict[str, str] = attrs.Factory(dict)
    failures: dict[str, tuple[str | None, bool | None]] = attrs.Factory(dict)


async def create_one_by_one(client: Client, items: list[TaskCreate], into: Outcome) -> None:
    async def one(item: TaskCreate) -> None:
        try:
            into.uuids[item.name or ""] = await client.tasks.create(item)
        except QarnotError as exc:
            into.failures[item.name or ""] = (exc.shortname, exc.created)

    await asyncio.gather(*(one(item) for item in items))


async def create_in_bulk(client: Client, items: list[TaskCreate], into: Outcome, **kw: Any) -> None:
    results = await client.tasks.create_many(items, **kw)
    for item, result in zip(items, results, strict=True):
        if result.uuid is not None:
            assert result.created is True  # no adoption asked for
            into.uuids[item.name or ""] = result.uuid
        else:
            into.failures[item.name or ""] = (result.shortname, result.created)


async def truth(emu: Emulator) -> list[Any]:
    emu.set_faults(drop_rate=0.0, rate_500=0.0, routes=None)
    async with emu.client() as c:
        return await c.tasks.paginate(page_size=1000).collect(limit=100_000)


def check_no_orphan(tasks: list[Any], outcome: Outcome) -> Counter[bool | None]:
    """Each task is its caller's (by uuid, or by the shortname of a failure that did not
    say False); each failure's ``created`` matches the emulator; no duplicates."""
    assert Counter(t.name for t in tasks).most_common(1)[0][1] == 1
    by_name = {t.name: t for t in tasks}
    for name, uuid in outcome.uuids.items():
        assert by_name[name].uuid == uuid
    created: Counter[bool | None] = Counter()
    for name, (shortname, was_created) in outcome.failures.items():
        assert shortname is not None
        assert shortname.startswith("qa-")
        created[was_created] += 1
        if was_created is False:
            assert name not in by_name, f"{name} exists though its failure says not created"
        elif name in by_name:
            assert by_name[name].shortname == shortname  # findable by what it carries
    unknown = (
        set(by_name)
        - set(outcome.uuids)
        - {n for n, (_, c) in outcome.failures.items() if c is not False}
    )
    assert not unknown, f"{len(unknown)} tasks unknown to their callers"
    return created


@pytest.mark.qarnot_emulator(seed=13)
async def test_a_third_of_answers_lost_leaves_exactly_one_task_per_input(
    qarnot_emulator: Emulator,
) -> None:
    emu = qarnot_emulator
    emu.set_faults(drop_rate=0.3, routes={"POST /tasks"})
    outcome = Outcome()
    async with emu.client(max_concurrency=32) as c:  # the default RetryPolicy
        await create_one_by_one(c, inputs("one", N), outcome)
        phase = emu.stats
        one_by_one_lookups = phase.requests.get("POST /tasks/search", 0)
        # A lookup follows a 409 on a retry, or retries spent on lost answers.
        after_spent = one_by_one_lookups - phase.responses["POST /tasks"].get("409", 0)
        raised = len(outcome.failures)
        await create_in_bulk(c, inputs("bulk", N), outcome)
    stats = emu.stats
    assert stats.faults["drop"] > 300  # the faults really happened
    tasks = await truth(emu)
    assert len(tasks) == emu.task_count() == 2 * N
    created = check_no_orphan(tasks, outcome)
    # The lookups answered: every input was found, none is left to its caller to find.
    assert len(outcome.uuids) == 2 * N
    assert one_by_one_lookups > 0
    print(
        f"\n30% dropped: {stats.faults['drop']} answers lost; create(): {raised} raised, "
        f"{one_by_one_lookups - raised} returned after a lookup ({after_spent} of them "
        f"after spent retries); failures by created: {dict(created)}; "
        f"lookups in all: {stats.requests.get('POST /tasks/search', 0)}"
    )


@pytest.mark.qarnot_emulator(seed=5)
async def test_failures_say_rightly_whether_they_created_anything(
    qarnot_emulator: Emulator,
) -> None:
    emu = qarnot_emulator
    # Lost answers of applied creations, refusals that created nothing (500), and half
    # of the lookups lost too, with two attempts only: every kind of failure shows up.
    emu.set_faults(drop_rate=0.3, rate_500=0.3, routes={"POST /tasks", "POST /tasks/search"})
    outcome = Outcome()
    async with emu.client(retry=RetryPolicy(max_attempts=2), max_concurrency=32) as c:
        await create_one_by_one(c, inputs("one", 400), outcome)
        await create_in_bulk(c, inputs("bulk", 400), outcome, chunk_size=10)
    tasks = await truth(emu)
    created = check_no_orphan(tasks, outcome)
    assert created[False] > 0, created
    assert created[None] > 0, created
    print(f"\nmixed faults: {len(outcome.uuids)} uuids, failures by created: {dict(created)}")
    assert len(outcome.uuids) + len(outcome.failures) == 800
    # Without a lookup that answered, some tasks exist that only a shortname can find.
    assert len(tasks) > len(outcome.uuids)


@pytest.mark.qarnot_emulator
async def test_a_rerun_adopts_what_exists_and_creates_the_rest(
    qarnot_emulator: Emulator,
) -> None:
    def manifest(count: int) -> list[TaskCreate]:
        return [
            TaskCreate(name=f"m-{i}", shortname=f"m-{i}", profile="docker-batch", instance_count=1)
            for i in range(count)
        ]

    async with qarnot_emulator.client() as c:
        first = await c.tasks.create_many(manifest(60), chunk_size=25)
        plain = await c.tasks.create_many(manifest(60), chunk_size=25)
        rerun = await c.tasks.create_many(manifest(100), chunk_size=25, adopt_existing=True)
    assert [r.created for r in first] == [True] * 60
    # By default a taken shortname is a failure that created nothing.
    assert [(r.status, r.created) for r in plain] == [(409, False)] * 60
    assert [r.uuid for r in rerun[:60]] == first.uuids
    assert all(r.adopted and r.created is False for r in rerun[:60])
    assert all(r.created and not r.adopted for r in rerun[60:])
    assert qarnot_emulator.task_count() == 100
