"""Pool operations over plain HTTP, scaling and its sanity check."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from _emulator_api import Api

from qarnot_async.emulator import Emulator

POOL_SUMMARY_KEYS = {
    "uuid",
    "name",
    "shortname",
    "profile",
    "state",
    "previousState",
    "instanceCount",
    "targetRunningInstanceCount",
    "stateTransitionTime",
    "previousStateTransitionTime",
    "creationDate",
    "lastModified",
    "endDate",
    "runningInstanceCount",
    "runningCoreCount",
    "queuedOrRunningTaskInstancesCount",
    "executionTime",
    "wallTime",
    "taskDefaultWaitForPoolResourcesSynchronization",
}
POOL_OUTPUT_KEYS = POOL_SUMMARY_KEYS | {
    "errors",
    "elasticProperty",
    "scaling",
    "preparationTask",
    "constants",
    "secretsAccessRights",
    "tags",
    "resourceBuckets",
    "advancedResourceBuckets",
    "status",
    "totalSlotCapacity",
    "poolUsage",
    "hardwareConstraints",
    "schedulingType",
    "targetedReservedMachineKey",
    "autoDeleteOnCompletion",
    "completionTimeToLive",
    "labels",
    "privileges",
    "defaultRetrySettings",
    "credits",  # not in openapi.json: the official SDK's fixtures have it
}

SCALING: dict[str, Any] = {
    "policies": [
        {
            "type": "ManagedTasksQueue",
            "minTotalSlots": 0,
            "maxTotalSlots": 10,
            "minIdleSlots": 1,
            "minIdleTimeSeconds": 90,
            "scalingFactor": 0.5,
            "name": "the-active-policy",
            "enabledPeriods": [
                {
                    "type": "Weekly",
                    "days": ["thursday"],
                    "startTimeUtc": "19:30:00",
                    "endTimeUtc": "23:59:59.9999999",
                    "name": "thu",
                }
            ],
        },
        {
            "type": "Fixed",
            "slotsCount": 3,
            "name": "default-policy",
            "enabledPeriods": [{"type": "Always", "name": None}],
        },
    ]
}


async def test_create_get_and_lifecycle(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_pool(
        shortname="p1",
        tags=["x"],
        labels={"a": "b"},
        constants=[{"key": "QARNOT_SECRET__K", "value": "v"}],
        preparationTask={"commandLine": "echo hi"},
        taskDefaultWaitForPoolResourcesSynchronization=True,
    )
    pool = await api.ok("GET", "/pools/p1")
    assert set(pool) == POOL_OUTPUT_KEYS
    assert pool["uuid"] == uuid
    assert pool["state"] == "Submitted"
    assert pool["instanceCount"] == 2
    assert pool["constants"] == [{"key": "QARNOT_SECRET__K", "value": "[SECRET]"}]
    assert pool["preparationTask"] == {"commandLine": "echo hi"}
    assert pool["taskDefaultWaitForPoolResourcesSynchronization"] is True
    assert pool["elasticProperty"]["isElastic"] is False
    assert pool["scaling"]["activePolicyName"] == "default"
    await qarnot_emulator.advance(2)
    pool = await api.ok("GET", f"/pools/{uuid}")
    assert (pool["state"], pool["previousState"]) == ("FullyExecuting", "FullyDispatched")
    assert pool["runningInstanceCount"] == 2
    assert pool["totalSlotCapacity"] == 2
    await qarnot_emulator.advance(10)
    pool = await api.ok("GET", f"/pools/{uuid}")
    assert pool["executionTime"] == "00:00:20"  # two instances for ten seconds
    assert len(pool["status"]["runningInstancesInfo"]["perRunningInstanceInfo"]) == 2


async def test_lists_summaries_and_tags(api: Api) -> None:
    a = await api.create_pool(tags=["t1"])
    await api.create_pool(tags=["t2"])
    assert len(await api.ok("GET", "/pools")) == 2
    tagged = await api.ok("GET", "/pools", params={"tag": "t1"})
    assert [p["uuid"] for p in tagged] == [a]
    assert set(tagged[0]) == POOL_OUTPUT_KEYS
    summaries = await api.ok("GET", "/pools/summaries", params={"tag": "t1"})
    assert [p["uuid"] for p in summaries] == [a]
    assert set(summaries[0]) == POOL_SUMMARY_KEYS


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"profile": "docker-batch", "instanceCount": 1}, {"name"}),
        ({"name": "p", "instanceCount": 1}, {"profile"}),
        ({"name": "p", "profile": "docker-batch", "instanceCount": -1}, {"instanceCount"}),
        ({"name": "p", "profile": "docker-batch", "instanceCount": 0}, {"instanceCount"}),
        (
            {"name": "p", "profile": "docker-batch", "completionTimeToLive": "x"},
            {"completionTimeToLive"},
        ),
        (
            {
                "name": "p",
                "profile": "docker-batch",
                "elasticProperty": {"isElastic": True, "minTotalSlots": 5, "maxTotalSlots": 2},
            },
            {"elasticProperty.maxTotalSlots"},
        ),
        (
            {"name": "p", "profile": "docker-batch", "scaling": {"policies": []}},
            {"scaling.policies"},
        ),
    ],
)
async def test_invalid_pools(api: Api, body: dict[str, Any], fields: set[str]) -> None:
    status, answer = await api.call("POST", "/pools", json=body)
    assert status == 400, answer
    assert set(answer["errors"]) == fields


async def test_unknown_profile_conflict_and_array(api: Api) -> None:
    status, body = await api.call("POST", "/pools", json={"name": "p", "profile": "nope"})
    assert (status, body) == (404, {"message": "No such profile: nope"})
    await api.create_pool(shortname="taken")
    status, body = await api.call(
        "POST", "/pools", json={"name": "p", "profile": "docker-batch", "shortname": "taken"}
    )
    assert (status, body) == (409, {"message": "a pool with shortname taken already exists"})
    status, body = await api.call("POST", "/pools", json=[{"name": "p", "profile": "docker-batch"}])
    assert status == 400


@pytest.mark.qarnot_emulator(quotas={"maxPool": 1})
async def test_pool_quota(api: Api) -> None:
    await api.create_pool()
    status, body = await api.call("POST", "/pools", json={"name": "p", "profile": "docker-batch"})
    assert (status, body) == (403, {"message": "maximum number of pools reached"})


@pytest.mark.qarnot_emulator(quotas={"maxRunningPool": 1})
async def test_running_pool_quota(api: Api, qarnot_emulator: Emulator) -> None:
    first = await api.create_pool()
    status, body = await api.call("POST", "/pools", json={"name": "p", "profile": "docker-batch"})
    assert (status, body) == (403, {"message": "maximum number of running pools reached"})
    await api.ok("POST", f"/pools/{first}/close")
    await qarnot_emulator.advance(1)
    await api.create_pool()


async def test_elastic_pool(api: Api) -> None:
    uuid = await api.create_pool(
        instanceCount=None,
        elasticProperty={
            "isElastic": True,
            "minTotalSlots": 1,
            "maxTotalSlots": 4,
            "minIdleSlots": 1,
        },
    )
    pool = await api.ok("GET", f"/pools/{uuid}")
    assert pool["elasticProperty"]["isElastic"] is True
    assert pool["elasticProperty"]["maxTotalSlots"] == 4
    assert pool["totalSlotCapacity"] == 4


async def test_clone_close_delete(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_pool(shortname="orig", tags=["t"])
    clone = await api.ok("POST", f"/pools/{uuid}/clone", json={"name": "copy", "instanceCount": 3})
    cloned = await api.ok("GET", f"/pools/{clone['uuid']}")
    assert (cloned["name"], cloned["instanceCount"], cloned["tags"]) == ("copy", 3, ["t"])
    assert cloned["shortname"] == clone["uuid"]
    status, _ = await api.call("POST", f"/pools/{uuid}/clone", json={"shortname": "orig"})
    assert status == 409
    await qarnot_emulator.advance(3)
    assert (await api.call("POST", f"/pools/{uuid}/close"))[0] == 200
    status, body = await api.call("POST", f"/pools/{uuid}/close")
    assert status == 403
    assert "Closing" in body["message"]
    await qarnot_emulator.advance(1)
    closed = await api.ok("GET", f"/pools/{uuid}")
    assert closed["state"] == "Closed"
    assert closed["endDate"] != "0001-01-01T00:00:00Z"
    assert (await api.call("DELETE", f"/pools/{uuid}"))[0] == 200
    assert (await api.call("GET", f"/pools/{uuid}"))[0] == 404
    # Deleting an open pool closes it and cancels its tasks.
    task = await api.create_task(poolUuid=clone["uuid"])
    assert (await api.call("DELETE", f"/pools/{clone['uuid']}"))[0] == 200
    assert (await api.task(task))["state"] == "Cancelled"


async def test_update_and_patch(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_pool()
    await api.ok(
        "PUT",
        f"/pools/{uuid}",
        json={
            "tags": ["new"],
            "constants": [{"key": "A", "value": "1"}],
            "elasticProperty": {"isElastic": True, "minTotalSlots": 0, "maxTotalSlots": 3},
        },
    )
    pool = await api.ok("GET", f"/pools/{uuid}")
    assert pool["tags"] == ["new"]
    assert pool["constants"] == [{"key": "A", "value": "1"}]
    assert pool["elasticProperty"]["maxTotalSlots"] == 3
    status, body = await api.call(
        "PUT", f"/pools/{uuid}", json={"scaling": {"policies": [{"type": "Fixed", "name": "f"}]}}
    )
    assert status == 400
    assert set(body["errors"]) == {"scaling.policies[0].slotsCount"}
    assert (await api.call("PATCH", f"/pools/{uuid}"))[0] == 200
    await api.ok("POST", f"/pools/{uuid}/close")
    status, _ = await api.call("PATCH", f"/pools/{uuid}")
    assert status == 400


async def test_jobs_and_tasks_of_a_pool(api: Api) -> None:
    uuid = await api.create_pool()
    job = await api.create_job(poolUuid=uuid)
    task = await api.create_task(jobUuid=job)  # runs in the job's pool
    other = await api.create_task()
    assert [j["uuid"] for j in await api.ok("GET", f"/pools/{uuid}/jobs")] == [job]
    tasks = await api.ok("GET", f"/pools/{uuid}/tasks")
    assert [t["uuid"] for t in tasks] == [task]
    assert other != task
    assert tasks[0]["poolUuid"] == uuid
    assert (await api.call("GET", "/pools/nope/tasks"))[0] == 404


async def test_pool_output(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_pool(instanceCount=2)
    assert await api.ok("GET", f"/pools/{uuid}/stdout") == ""
    await qarnot_emulator.advance(2)
    text = await api.ok("GET", f"/pools/{uuid}/stdout")
    assert text.splitlines() == [
        "[0] pool instance ready (docker-batch)",
        "[1] pool instance ready (docker-batch)",
    ]
    assert (
        await api.ok("GET", f"/pools/{uuid}/stdout/1") == "[1] pool instance ready (docker-batch)\n"
    )
    assert await api.ok("POST", f"/pools/{uuid}/stdout") == text
    assert await api.ok("POST", f"/pools/{uuid}/stdout") == ""
    await api.ok("POST", f"/pools/{uuid}/close")
    assert "shutting down" in await api.ok("POST", f"/pools/{uuid}/stdout/0")
    assert "emulator" in await api.ok("GET", f"/pools/{uuid}/stderr")
    assert "emulator" in await api.ok("POST", f"/pools/{uuid}/stderr/1")
    assert await api.ok("POST", f"/pools/{uuid}/stderr") != ""
    assert (await api.call("GET", f"/pools/{uuid}/stderr/2"))[0] == 404


# 2024-05-02 was a Thursday: 20:00 UTC is inside the weekly period of SCALING.
@pytest.mark.qarnot_emulator(start_time=datetime(2024, 5, 2, 20, 0, tzinfo=UTC))
async def test_scaling(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_pool(instanceCount=2)
    default = await api.ok("GET", f"/pools/{uuid}/scaling")
    assert default["activePolicyName"] == "default"
    assert default["policies"][0]["type"] == "Fixed"
    assert default["policies"][0]["slotsCount"] == 2
    assert await api.ok("PUT", f"/pools/{uuid}/scaling", json=SCALING) == {}
    scaling = await api.ok("GET", f"/pools/{uuid}/scaling")
    assert [p["name"] for p in scaling["policies"]] == ["the-active-policy", "default-policy"]
    assert scaling["activePolicyName"] == "the-active-policy"
    pool = await api.ok("GET", f"/pools/{uuid}")
    assert pool["scaling"] == scaling
    assert pool["totalSlotCapacity"] == 10  # the managed policy's maxTotalSlots
    await qarnot_emulator.advance(4 * 3600)  # Friday: only the fixed policy is enabled
    assert (await api.ok("GET", f"/pools/{uuid}/scaling"))["activePolicyName"] == "default-policy"
    await api.ok("PUT", f"/pools/{uuid}/scaling", json=SCALING)
    assert (await api.ok("GET", f"/pools/{uuid}"))["totalSlotCapacity"] == 3
    status, body = await api.call(
        "PUT",
        f"/pools/{uuid}/scaling",
        json={"policies": [{"type": "Fixed", "slotsCount": -1, "name": "x"}]},
    )
    assert status == 400
    assert set(body["errors"]) == {"policies[0].slotsCount"}
    assert (await api.call("GET", "/pools/nope/scaling"))[0] == 404


async def test_a_scaled_pool_can_be_created(api: Api) -> None:
    uuid = await api.create_pool(instanceCount=None, scaling={"policies": [SCALING["policies"][1]]})
    assert (await api.ok("GET", f"/pools/{uuid}"))["instanceCount"] == 3


@pytest.mark.parametrize(
    ("spec", "fields"),
    [
        (
            {
                "policies": [
                    {"type": "Fixed", "name": "a", "slotsCount": 1},
                    {"type": "Fixed", "name": "a", "slotsCount": 2},
                ]
            },
            {"policies[1].name"},
        ),
        ({"policies": [{"type": "Elastic", "name": "a"}]}, {"policies[0].type"}),
        (
            {
                "policies": [
                    {
                        "type": "ManagedTasksQueue",
                        "name": "a",
                        "minTotalSlots": 5,
                        "maxTotalSlots": 1,
                    }
                ]
            },
            {"policies[0].maxTotalSlots"},
        ),
        (
            {
                "policies": [
                    {
                        "type": "ManagedTasksQueue",
                        "name": "a",
                        "maxTotalSlots": 1,
                        "scalingFactor": 2,
                    }
                ]
            },
            {"policies[0].scalingFactor"},
        ),
        (
            {
                "policies": [
                    {
                        "type": "Fixed",
                        "name": "a",
                        "slotsCount": 1,
                        "enabledPeriods": [
                            {
                                "type": "Weekly",
                                "days": ["funday"],
                                "startTimeUtc": "10:00:00",
                                "endTimeUtc": "09:00:00",
                            }
                        ],
                    }
                ]
            },
            {"policies[0].enabledPeriods[0].days", "policies[0].enabledPeriods[0].endTimeUtc"},
        ),
        ({"policies": None}, {"policies"}),
    ],
)
async def test_sanity_check(api: Api, spec: dict[str, Any], fields: set[str]) -> None:
    assert await api.ok("POST", "/sanity-checks/pools/scaling", json=SCALING) == {}
    status, body = await api.call("POST", "/sanity-checks/pools/scaling", json=spec)
    assert status == 400
    assert api.last.headers["Content-Type"].startswith("application/problem+json")
    assert set(body["errors"]) == fields
