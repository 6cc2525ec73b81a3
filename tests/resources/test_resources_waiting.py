"""Waits through the poller (qarnot_async/resources/_waiting.py and the collections'
wait / as_completed): a uuid, an entity or a summary of that kind."""

from __future__ import annotations

from typing import Any

import pytest
from fake_requester import FakeRequester

from qarnot_async import (
    InvalidInputError,
    Job,
    JobState,
    Pool,
    PoolState,
    PoolSummary,
    Task,
    TaskFailedError,
    TaskState,
    TaskSummary,
)
from qarnot_async.resources import Jobs, Pools, Tasks
from qarnot_async.resources._waiting import is_final, stop_condition, target_uuid, wait_for

TASKISH = (Task, TaskSummary)


def test_a_target_is_a_uuid_an_entity_or_a_summary_of_the_kind() -> None:
    assert target_uuid("u1", TASKISH) == "u1"
    assert target_uuid(Task(uuid="u2"), TASKISH) == "u2"
    assert target_uuid(TaskSummary(uuid="u3"), TASKISH) == "u3"
    with pytest.raises(InvalidInputError, match="a uuid, Task, TaskSummary; got Pool"):
        target_uuid(Pool(uuid="p"), TASKISH)
    with pytest.raises(InvalidInputError, match="uuid"):
        target_uuid(Task(uuid=None), TASKISH)
    with pytest.raises(InvalidInputError, match="uuid"):
        target_uuid("", TASKISH)


def test_stop_condition_also_stops_on_a_final_state() -> None:
    assert stop_condition(None) is None
    running = stop_condition({TaskState.FULLY_EXECUTING})
    assert running is not None
    assert running(TaskState.FULLY_EXECUTING)
    assert running(TaskState.FAILURE)  # can never run now: the wait ends
    assert not running(TaskState.SUBMITTED)
    custom = stop_condition(lambda s: s is TaskState.SUBMITTED)
    assert custom is not None
    assert custom(TaskState.SUBMITTED)
    assert custom(TaskState.CANCELLED)
    assert not custom(TaskState.FULLY_DISPATCHED)
    with pytest.raises(InvalidInputError, match="until"):
        stop_condition([])
    assert is_final(JobState.COMPLETED)
    assert not is_final(None)


async def test_wait_for_refuses_a_negative_timeout() -> None:
    fake = FakeRequester()
    with pytest.raises(InvalidInputError, match="timeout"):
        await wait_for(fake.poller, "task", "u", until=None, timeout=-1, max_interval=None)  # type: ignore[arg-type]
    assert fake.poller.waits == []


def final(cls: type, uuid: str, state: Any) -> Any:
    return cls(uuid=uuid, state=state)


async def test_every_collection_waits_on_uuids_entities_and_summaries() -> None:
    fake = FakeRequester()
    fake.poller.results.update(
        t1=final(Task, "t1", TaskState.SUCCESS),
        p1=final(Pool, "p1", PoolState.FULLY_EXECUTING),
        j1=final(Job, "j1", JobState.COMPLETED),
    )
    tasks, pools, jobs = Tasks(fake), Pools(fake), Jobs(fake)
    assert (await tasks.wait(TaskSummary(uuid="t1"), timeout=3, max_interval=1)).uuid == "t1"
    assert (await tasks.wait(Task(uuid="t1"))).uuid == "t1"
    assert (await pools.wait(PoolSummary(uuid="p1"))).uuid == "p1"
    assert (await pools.wait(Pool(uuid="p1"))).uuid == "p1"
    assert (await jobs.wait("j1")).uuid == "j1"
    assert (await jobs.wait(Job(uuid="j1"), until={JobState.TERMINATING})).uuid == "j1"
    waits = fake.poller.waits
    assert [(w["kind"], w["uuid"]) for w in waits] == [
        ("task", "t1"),
        ("task", "t1"),
        ("pool", "p1"),
        ("pool", "p1"),
        ("job", "j1"),
        ("job", "j1"),
    ]
    assert (waits[0]["timeout"], waits[0]["max_interval"]) == (3, 1)
    assert waits[1]["until"] is None  # a task wait stops at a final state
    # A pool wait stops as soon as the pool runs.
    assert waits[2]["until"](PoolState.FULLY_EXECUTING)
    assert not waits[2]["until"](PoolState.SUBMITTED)
    assert waits[5]["until"](JobState.TERMINATING)
    with pytest.raises(InvalidInputError, match="got Task"):
        await pools.wait(Task(uuid="t1"))  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="a uuid, Job; got TaskSummary"):
        await jobs.wait(TaskSummary(uuid="t1"))  # type: ignore[arg-type]
    assert len(fake.poller.waits) == 6


async def test_raise_on_failure() -> None:
    fake = FakeRequester()
    fake.poller.results["bad"] = Task(uuid="bad", state=TaskState.FAILURE)
    tasks = Tasks(fake)
    assert (await tasks.wait("bad")).state is TaskState.FAILURE
    with pytest.raises(TaskFailedError, match="task bad failed"):
        await tasks.wait("bad", raise_on_failure=True)


async def test_as_completed_on_every_waitable_collection() -> None:
    fake = FakeRequester()
    fake.poller.results.update(
        t1=Task(uuid="t1"), t2=Task(uuid="t2"), p1=Pool(uuid="p1"), j1=Job(uuid="j1")
    )
    tasks, pools, jobs = Tasks(fake), Pools(fake), Jobs(fake)
    done = [t.uuid async for t in tasks.as_completed(["t1", TaskSummary(uuid="t2")])]
    assert done == ["t1", "t2"]
    assert [p.uuid async for p in pools.as_completed([PoolSummary(uuid="p1")])] == ["p1"]
    assert [j.uuid async for j in jobs.as_completed([Job(uuid="j1")])] == ["j1"]
    assert fake.poller.completed == [("task", ["t1", "t2"]), ("pool", ["p1"]), ("job", ["j1"])]
    with pytest.raises(InvalidInputError):
        tasks.as_completed(["t1", Pool(uuid="p1")])  # type: ignore[list-item]
    assert len(fake.poller.completed) == 3  # checked before the poller saw any
