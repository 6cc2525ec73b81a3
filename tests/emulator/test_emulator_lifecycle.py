"""Lifecycles on the manual clock: tasks, pools, jobs, dependencies, TTLs."""

from __future__ import annotations

from typing import Any

import pytest
from _emulator_api import Api

from qarnot_async.emulator import Emulator, _clock

FAIL_1_3 = [{"key": "EMULATOR_FAIL_INSTANCES", "value": "1,3"}]


async def test_a_task_goes_through_every_state(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_task(instanceCount=2)
    seen = []
    for step in (0, 1, 1, 15, 15, 1):
        await qarnot_emulator.advance(step)
        task = await api.task(uuid)
        seen.append((task["state"], task["progress"], task["runningInstanceCount"]))
    assert seen == [
        ("Submitted", 0.0, 0),
        ("FullyDispatched", 0.0, 2),
        ("FullyExecuting", 0.0, 2),
        ("FullyExecuting", 50.0, 2),
        ("UploadingResults", 100.0, 0),
        ("Success", 100.0, 0),
    ]
    assert task["previousState"] == "UploadingResults"
    assert task["endDate"] == task["stateTransitionTime"] != "0001-01-01T00:00:00Z"
    assert task["executionTime"] == "00:01:00"  # two instances of 30 s
    assert task["wallTime"] == "00:00:33"
    status = task["status"]
    assert (status["succeededRange"], status["executedRange"], status["startedOnceRange"]) == (
        "0-1",
        "0-1",
        "0-1",
    )
    assert status["failedRange"] is None
    assert status["cancelledRange"] is None
    assert status["executionTimeSec"] == 60.0
    assert status["uploadProgress"] == 100.0
    assert [i["instanceId"] for i in task["completedInstances"]] == [0, 1]
    instance = task["completedInstances"][0]
    assert instance["state"] == "Success"
    assert instance["execTimeSec"] == 30.0
    assert instance["error"] is None
    assert instance["executionAttemptCount"] == 1
    assert instance["results"]
    assert task["resultsCount"] == 2


async def test_running_instances_info(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_task(instanceCount=3)
    await qarnot_emulator.advance(1)
    info = (await api.task(uuid))["status"]["runningInstancesInfo"]["perRunningInstanceInfo"]
    assert [i["phase"] for i in info] == ["environment"] * 3
    await qarnot_emulator.advance(1 + 6)
    task = await api.task(uuid)
    info = task["status"]["runningInstancesInfo"]["perRunningInstanceInfo"]
    assert [i["instanceId"] for i in info] == [0, 1, 2]
    assert all(
        i["phase"] == "execution" and i["progress"] == 20.0 and i["executionTimeSec"] == 6.0
        for i in info
    )
    assert task["runningCoreCount"] == 3 * info[0]["coreCount"]
    assert task["status"]["startedOnceRange"] == "0-2"
    assert task["status"]["executedRange"] is None


async def test_failing_instances_end_the_task_in_failure(
    api: Api, qarnot_emulator: Emulator
) -> None:
    uuid = await api.create_task(instanceCount=4, constants=FAIL_1_3)
    await qarnot_emulator.advance(2 + 15)  # failing instances crash half way
    task = await api.task(uuid)
    assert task["state"] == "FullyExecuting"
    assert task["status"]["failedOnlyRange"] == "1,3"
    assert task["runningInstanceCount"] == 2
    await qarnot_emulator.advance(16)
    task = await api.task(uuid)
    assert task["state"] == "Failure"
    status = task["status"]
    assert (status["succeededRange"], status["failedRange"], status["failedOnlyRange"]) == (
        "0,2",
        "1,3",
        "1,3",
    )
    assert [e.keys() for e in task["errors"]] == [{"code", "message", "debug"}]
    assert "1,3" in task["errors"][0]["message"]
    failed = [i for i in task["completedInstances"] if i["state"] == "Failure"]
    assert [i["instanceId"] for i in failed] == [1, 3]
    assert set(failed[0]["error"]) == {"code", "message", "debug"}


async def test_retries_per_instance_and_duration_constant(
    api: Api, qarnot_emulator: Emulator
) -> None:
    uuid = await api.create_task(
        maxRetriesPerInstance=2,
        constants=[
            {"key": "EMULATOR_FAIL_INSTANCES", "value": "0"},
            {"key": "EMULATOR_DURATION", "value": "00:00:10"},
        ],
    )
    await qarnot_emulator.advance(2 + 14)  # three attempts of 5 s: still in the third
    task = await api.task(uuid)
    assert task["state"] == "FullyExecuting"
    assert (
        task["status"]["runningInstancesInfo"]["perRunningInstanceInfo"][0]["executionAttemptCount"]
        == 3
    )
    await qarnot_emulator.advance(3)
    task = await api.task(uuid)
    assert task["state"] == "Failure"
    assert task["completedInstances"][0]["executionAttemptCount"] == 3
    assert "retrying, attempt 3" in await api.ok("GET", f"/tasks/{uuid}/stdout")


async def test_tasks_in_a_pool_wait_for_it_and_share_its_slots(
    api: Api, qarnot_emulator: Emulator
) -> None:
    pool = await api.create_pool(instanceCount=1)
    first = await api.create_task(poolUuid=pool, profile=None)
    second = await api.create_task(poolUuid=pool, profile=None)
    assert (await api.task(first))["profile"] == "docker-batch"
    await qarnot_emulator.advance(1)
    assert (await api.ok("GET", f"/pools/{pool}"))["state"] == "FullyDispatched"
    assert (await api.task(first))["state"] == "Submitted"
    await qarnot_emulator.advance(1)
    assert (await api.ok("GET", f"/pools/{pool}"))["state"] == "FullyExecuting"
    await qarnot_emulator.advance(2)
    assert (await api.task(first))["state"] == "FullyExecuting"
    assert (await api.task(second))["state"] == "Submitted"  # one slot only
    pool_view = await api.ok("GET", f"/pools/{pool}")
    assert pool_view["queuedOrRunningTaskInstancesCount"] == 2
    assert pool_view["poolUsage"] == 1.0
    await qarnot_emulator.advance(30)  # t=34: the first uploads and frees the slot
    assert (await api.task(first))["state"] == "UploadingResults"
    await qarnot_emulator.advance(1)
    assert (await api.task(first))["state"] == "Success"
    assert (await api.task(second))["state"] == "FullyDispatched"
    await qarnot_emulator.advance(1)
    assert (await api.task(second))["state"] == "FullyExecuting"


async def test_closing_a_pool_cancels_its_tasks(api: Api, qarnot_emulator: Emulator) -> None:
    pool = await api.create_pool(instanceCount=2)
    task = await api.create_task(poolUuid=pool)
    await qarnot_emulator.advance(10)
    await api.ok("POST", f"/pools/{pool}/close")
    assert (await api.ok("GET", f"/pools/{pool}"))["state"] == "Closing"
    assert (await api.task(task))["state"] == "Cancelled"
    await qarnot_emulator.advance(1)
    closed = await api.ok("GET", f"/pools/{pool}")
    assert closed["state"] == "Closed"
    assert closed["runningInstanceCount"] == 0
    status, body = await api.call(
        "POST", "/tasks", json={"name": "late", "poolUuid": pool, "instanceCount": 1}
    )
    assert status == 403
    assert "Closed" in body["message"]


async def test_dependencies_hold_a_task_until_its_parents_succeed(
    api: Api, qarnot_emulator: Emulator
) -> None:
    job = await api.create_job(useDependencies=True)
    parent = await api.create_task(jobUuid=job)
    child = await api.create_task(jobUuid=job, dependencies={"dependsOn": [parent]})
    assert (await api.task(child))["dependencies"] == {"dependsOn": [parent]}
    await qarnot_emulator.advance(20)
    assert (await api.task(parent))["state"] == "FullyExecuting"
    assert (await api.task(child))["state"] == "Submitted"
    await qarnot_emulator.advance(13)
    assert (await api.task(parent))["state"] == "Success"
    assert (await api.task(child))["state"] == "Submitted"  # dispatched now, visible in 1 s
    await qarnot_emulator.advance(1)
    assert (await api.task(child))["state"] == "FullyDispatched"
    await qarnot_emulator.advance(40)
    assert (await api.task(child))["state"] == "Success"


async def test_a_failed_dependency_cancels_the_dependent(
    api: Api, qarnot_emulator: Emulator
) -> None:
    job = await api.create_job(useDependencies=True)
    parent = await api.create_task(
        jobUuid=job, constants=[{"key": "EMULATOR_FAIL_INSTANCES", "value": "0"}]
    )
    child = await api.create_task(jobUuid=job, dependencies={"dependsOn": [parent]})
    await qarnot_emulator.advance(60)
    task = await api.task(child)
    assert task["state"] == "Cancelled"
    assert task["errors"][0]["code"] == "DEPENDENCY_FAILED"


def _advanced(parent: str, *conditions: str) -> dict[str, Any]:
    item: dict[str, Any] = {"taskUuid": parent}
    if conditions:
        item["taskFinalStateCondition"] = list(conditions)
    return {"advancedDependsOn": [item]}


@pytest.mark.parametrize(
    ("fail", "conditions", "runs"),
    [
        (False, ("success",), True),
        (True, ("failure", "cancelled"), True),  # waits for the parent to fail
        (True, (), True),  # no condition: any final state
        (True, ("success",), False),
        (False, ("failure",), False),
    ],
)
async def test_an_advanced_dependency_runs_the_dependent_on_the_states_it_accepts(
    api: Api, qarnot_emulator: Emulator, fail: bool, conditions: tuple[str, ...], runs: bool
) -> None:
    job = await api.create_job(useDependencies=True)
    constants = [{"key": "EMULATOR_FAIL_INSTANCES", "value": "0"}] if fail else []
    parent = await api.create_task(jobUuid=job, constants=constants)
    child = await api.create_task(jobUuid=job, dependencies=_advanced(parent, *conditions))
    await qarnot_emulator.advance(5)
    waiting = (await api.task(child))["dependencies"]
    assert (waiting["state"], waiting["advancedDependsOn"][0]["state"]) == ("waiting", "waiting")
    assert waiting["advancedDependsOn"][0]["actualFinalState"] is None
    await qarnot_emulator.advance(120)
    ended = (await api.task(parent))["state"]
    assert ended == ("Failure" if fail else "Success")
    task = await api.task(child)
    item = task["dependencies"]["advancedDependsOn"][0]
    assert item["actualFinalState"] == ended.lower()
    if runs:
        assert task["state"] == "Success"
        assert item["state"] == task["dependencies"]["state"] == "dependencyConditionsFulfilled"
    else:
        assert task["state"] == "Cancelled"
        assert task["errors"][0]["code"] == "DEPENDENCY_CONDITIONS_NOT_FULFILLED"
        assert item["state"] == task["dependencies"]["state"] == "dependencyConditionsNotFulfilled"


@pytest.mark.parametrize("advanced", [False, True])
async def test_dependencies_need_a_job_using_them(api: Api, advanced: bool) -> None:
    job = await api.create_job()
    parent = await api.create_task(jobUuid=job)
    dependencies = _advanced(parent, "success") if advanced else {"dependsOn": [parent]}
    status, body = await api.call(
        "POST",
        "/tasks",
        json={
            "name": "c",
            "profile": "docker-batch",
            "instanceCount": 1,
            "jobUuid": job,
            "dependencies": dependencies,
        },
    )
    assert status == 400
    assert set(body["errors"]) == {"dependencies"}


async def test_completion_time_to_live_deletes_finished_tasks(
    api: Api, qarnot_emulator: Emulator
) -> None:
    uuid = await api.create_task(completionTimeToLive="00:01:00")
    await qarnot_emulator.advance(33)
    assert (await api.task(uuid))["state"] == "Success"
    await qarnot_emulator.advance(59)
    assert (await api.call("GET", f"/tasks/{uuid}"))[0] == 200
    await qarnot_emulator.advance(1)
    assert (await api.call("GET", f"/tasks/{uuid}"))[0] == 404


async def test_job_max_wall_time_terminates_it(api: Api, qarnot_emulator: Emulator) -> None:
    job = await api.create_job(maxWallTime="00:00:20")
    task = await api.create_task(jobUuid=job)
    assert (await api.ok("GET", f"/jobs/{job}"))["maxWallTime"] == "00:00:20"
    await qarnot_emulator.advance(20)
    assert (await api.ok("GET", f"/jobs/{job}"))["state"] == "Terminating"
    assert (await api.task(task))["state"] == "Cancelled"
    await qarnot_emulator.advance(1)
    assert (await api.ok("GET", f"/jobs/{job}"))["state"] == "Completed"


async def test_job_completion_ttl(api: Api, qarnot_emulator: Emulator) -> None:
    job = await api.create_job(completionTimeToLive="00:00:30")
    await api.ok("POST", f"/jobs/{job}/terminate")
    await qarnot_emulator.advance(30)
    assert (await api.call("GET", f"/jobs/{job}"))[0] == 200
    await qarnot_emulator.advance(1)
    assert (await api.call("GET", f"/jobs/{job}"))[0] == 404


@pytest.mark.qarnot_emulator(quotas={"maxFlexInstances": 3, "maxFlexCores": 1000})
async def test_instance_quota_queues_tasks(api: Api, qarnot_emulator: Emulator) -> None:
    first = await api.create_task(instanceCount=2)
    second = await api.create_task(instanceCount=2)
    await qarnot_emulator.advance(5)
    assert (await api.task(first))["state"] == "FullyExecuting"
    assert (await api.task(second))["state"] == "Submitted"
    info = await api.ok("GET", "/info")
    assert info["runningInstanceCount"] == 2
    assert info["runningTaskCount"] == 2
    await qarnot_emulator.advance(27)  # the first uploads at 32 s and frees its instances
    assert (await api.task(first))["state"] == "UploadingResults"
    assert (await api.task(second))["state"] == "Submitted"
    await qarnot_emulator.advance(2)
    assert (await api.task(second))["state"] == "FullyExecuting"


async def test_two_hundred_tasks_on_the_fake_clock_in_under_five_seconds(
    api: Api, qarnot_emulator: Emulator
) -> None:
    items = [
        {
            "name": f"t{i}",
            "profile": "docker-batch",
            "instanceCount": 4,
            "constants": FAIL_1_3
            if i % 5 == 0
            else [{"key": "EMULATOR_DURATION", "value": str(10 + i % 7)}],
        }
        for i in range(200)
    ]
    body = await api.ok("POST", "/tasks", json=items)
    uuids = [item["uuid"] for item in body]
    assert len(set(uuids)) == 200
    await qarnot_emulator.advance(10)
    running = await api.ok("POST", "/tasks/summaries/paginate", json={"maximumResults": 1000})
    assert {t["state"] for t in running["data"]} == {"FullyExecuting"}
    for _ in range(6):
        await qarnot_emulator.advance(5)
    done = await api.ok("POST", "/tasks/summaries/paginate", json={"maximumResults": 1000})
    states = {t["uuid"]: t["state"] for t in done["data"]}
    assert done["total"] == 200
    assert [states[u] for u in uuids] == [
        "Failure" if i % 5 == 0 else "Success" for i in range(200)
    ]
    failed = await api.task(uuids[0])
    assert failed["status"]["failedRange"] == "1,3"


def test_speed_scales_real_time(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = [1000.0]
    monkeypatch.setattr(_clock, "_monotonic", lambda: fake[0])
    clock = _clock.Clock(speed=10.0, start=50.0)
    fake[0] += 2.5
    assert clock.now() == 75.0
    assert clock.advance(5) == 80.0
    manual = _clock.Clock(start=50.0)
    fake[0] += 100
    assert manual.now() == 50.0
    with pytest.raises(ValueError, match="backwards"):
        manual.advance(-1)
    with pytest.raises(ValueError, match="positive"):
        _clock.Clock(speed=0)


async def test_emulator_speed_drives_the_lifecycle(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = [0.0]
    monkeypatch.setattr(_clock, "_monotonic", lambda: fake[0])
    async with Emulator(speed=10.0) as emu:
        uuid = emu.seed_tasks(1, state="Submitted", run=True)[0]
        fake[0] += 3.5  # 35 emulated seconds
        await emu.advance(0)
        assert emu.now.timestamp() % 1 == pytest.approx(0.0)
        assert emu._state.store.tasks[uuid].state == "Success"
