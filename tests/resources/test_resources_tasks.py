"""``client.tasks`` (qarnot_async/resources/tasks.py): each operation's request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from fake_requester import FakeRequester, FakeResponse

from qarnot_async import Client, InvalidInputError, Task, TaskState, WaitTimeoutError
from qarnot_async.emulator import Emulator
from qarnot_async.models import (
    AdvancedDependency,
    DependencyCondition,
    DependencyState,
    JobCreate,
    TaskClone,
    TaskCreate,
    TaskRecover,
    TaskResume,
    TaskRetry,
)
from qarnot_async.resources import Tasks

Op = Callable[[Tasks], Awaitable[Any]]

OPERATIONS: list[tuple[str, Op, str, dict[str, Any] | None]] = [
    ("abort", lambda t: t.abort("u"), "POST /tasks/u/abort", None),
    ("delete", lambda t: t.delete("u"), "DELETE /tasks/u", None),
    ("snapshot", lambda t: t.snapshot("u", whitelist=".*"), "POST /tasks/u/snapshot",
     {"whitelist": ".*"}),
    ("periodic", lambda t: t.periodic_snapshot("u", timedelta(minutes=1), bucket="b"),
     "POST /tasks/u/snapshot/periodic", {"interval": 60, "bucket": "b"}),
    ("stop periodic", lambda t: t.stop_periodic_snapshot("u"),
     "POST /tasks/u/snapshot/periodic", {"interval": 0}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "op", "route", "body"), OPERATIONS, ids=[o[0] for o in OPERATIONS]
)
async def test_operation_sends_its_request(
    name: str, op: Op, route: str, body: dict[str, Any] | None
) -> None:
    fake = FakeRequester()
    method, path = route.split(" ")
    fake.answer(method, path, None)
    await op(Tasks(fake))
    assert fake.routes() == [route]
    assert fake.calls[0].body == body


@pytest.mark.parametrize(
    ("action", "cls"),
    [("clone", TaskClone), ("retry", TaskRetry), ("recover", TaskRecover), ("resume", TaskResume)],
)
async def test_new_tasks_from_old_ones(action: str, cls: type) -> None:
    fake = FakeRequester()
    fake.answer("POST", f"/tasks/u/{action}", {"uuid": "new"})
    assert await getattr(Tasks(fake), action)("u", cls(name="again")) == "new"
    assert fake.calls[0].body["name"] == "again"


async def test_periodic_snapshot_needs_whole_seconds() -> None:
    fake = FakeRequester()
    for bad in (0, 0.5, 1.5, timedelta(0)):
        with pytest.raises(InvalidInputError, match="interval"):
            await Tasks(fake).periodic_snapshot("u", bad)  # type: ignore[arg-type]
    assert fake.calls == []


async def test_follow_stdout_reads_until_final_then_drains() -> None:
    fake = FakeRequester()
    fake.answer(
        "POST",
        "/tasks/u/stdout",
        FakeResponse(raw_text="one\n"),
        FakeResponse(raw_text=""),
        FakeResponse(raw_text="two\n"),
    )
    fake.poller.results["u"] = [
        WaitTimeoutError("task u not final", last_seen=None),
        Task(uuid="u", state=TaskState.SUCCESS),
    ]
    chunks = [c async for c in Tasks(fake).follow_stdout("u", interval=0.5)]
    assert chunks == ["one\n", "two\n"]  # the empty read between is not yielded
    assert [w["timeout"] for w in fake.poller.waits] == [0.5, 0.5]
    with pytest.raises(InvalidInputError, match="interval"):
        [c async for c in Tasks(fake).follow_stderr("u", interval=0)]


async def test_an_advanced_dependency_over_http(
    qarnot_emulator: Emulator, qarnot_client: Client
) -> None:
    """A task waiting for another to fail runs once it has, and says so."""
    job = await qarnot_client.jobs.create(JobCreate(name="j", use_dependencies=True))
    failing = TaskCreate(
        name="parent",
        profile="docker-batch",
        instance_count=1,
        job_uuid=job,
        constants={"EMULATOR_FAIL_INSTANCES": "0"},
    )
    parent = await qarnot_client.tasks.create(failing)
    child = await qarnot_client.tasks.create(
        TaskCreate(
            name="child",
            profile="docker-batch",
            instance_count=1,
            job_uuid=job,
            dependencies=[
                AdvancedDependency(
                    task_uuid=parent, task_final_state_condition=[DependencyCondition.FAILURE]
                )
            ],
        )
    )
    waiting = await qarnot_client.tasks.get(child)
    assert waiting.dependencies is not None
    assert waiting.dependencies.state is DependencyState.WAITING
    await qarnot_emulator.advance(600)
    done = await qarnot_client.tasks.get(child)
    assert done.state is TaskState.SUCCESS
    assert done.dependencies is not None
    assert done.dependencies.state is DependencyState.FULFILLED
    (item,) = done.dependencies.advanced_depends_on or ()
    assert item.actual_final_state is DependencyCondition.FAILURE
    assert item.state is DependencyState.FULFILLED
