"""Task operations over plain HTTP: shapes, rules and error answers."""

from __future__ import annotations

import re

import pytest
from _emulator_api import Api

from qarnot_async.emulator import Emulator

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
SPAN = re.compile(r"^(\d+\.)?\d{2}:\d{2}:\d{2}(\.\d{7})?$")

# Property names of TaskOutput and TaskSummaryOutput in the contract's openapi.json.
TASK_OUTPUT_KEYS = {
    "errors",
    "resourceBuckets",
    "advancedResourceBuckets",
    "resultBucket",
    "resultsCacheTTLSec",
    "completedInstances",
    "status",
    "snapshotInterval",
    "resultsCount",
    "constants",
    "secretsAccessRights",
    "tags",
    "snapshotWhitelist",
    "snapshotBlacklist",
    "snapshotBucket",
    "snapshotBucketPrefix",
    "resultsWhitelist",
    "resultsBlacklist",
    "resultsBucket",
    "resultsBucketPrefix",
    "uploadResultsOnCancellation",
    "dependencies",
    "autoDeleteOnCompletion",
    "completionTimeToLive",
    "hardwareConstraints",
    "labels",
    "schedulingType",
    "targetedReservedMachineKey",
    "privileges",
    "retrySettings",
    "uuid",
    "name",
    "shortname",
    "profile",
    "poolUuid",
    "jobUuid",
    "progress",
    "runningInstanceCount",
    "runningCoreCount",
    "clusterInfo",
    "executionTime",
    "wallTime",
    "state",
    "previousState",
    "totalInstanceCount",
    "instanceCount",
    "maxRetriesPerInstance",
    "advancedRanges",
    "stateTransitionTime",
    "previousStateTransitionTime",
    "lastModified",
    "creationDate",
    "endDate",
    "waitForPoolResourcesSynchronization",
}
TASK_SUMMARY_KEYS = {
    "uuid",
    "name",
    "shortname",
    "profile",
    "poolUuid",
    "jobUuid",
    "progress",
    "runningInstanceCount",
    "runningCoreCount",
    "clusterInfo",
    "executionTime",
    "wallTime",
    "state",
    "previousState",
    "totalInstanceCount",
    "instanceCount",
    "maxRetriesPerInstance",
    "advancedRanges",
    "stateTransitionTime",
    "previousStateTransitionTime",
    "lastModified",
    "creationDate",
    "endDate",
    "waitForPoolResourcesSynchronization",
}
STATUS_KEYS = {
    "timestamp",
    "lastUpdateTimestamp",
    "downloadProgress",
    "executionProgress",
    "uploadProgress",
    "instanceCount",
    "downloadTime",
    "downloadTimeSec",
    "environmentTime",
    "environmentTimeSec",
    "executionTime",
    "executionTimeSec",
    "executionTimeByCpuModel",
    "executionTimeByMachineSpecification",
    "executionTimeBySiteAndMachine",
    "executionTimeByInstanceId",
    "executionTimeGhzByCpuModel",
    "uploadTime",
    "uploadTimeSec",
    "wallTime",
    "wallTimeSec",
    "succeededRange",
    "executedRange",
    "failedRange",
    "cancelledRange",
    "failedOnlyRange",
    "startedOnceRange",
    "runningInstancesInfo",
}


async def test_create_and_get_a_task(api: Api) -> None:
    status, body = await api.call(
        "POST",
        "/tasks",
        json={
            "name": "render",
            "profile": "blender",
            "instanceCount": 3,
            "tags": ["a", "b"],
            "labels": {"team": "x"},
            "constants": [
                {"key": "BLEND_FILE", "value": "f.blend"},
                {"key": "QARNOT_SECRET__PW", "value": "s3"},
            ],
            "resultBucket": "out",
            "snapshotWhitelist": ".*",
        },
    )
    assert status == 200
    assert set(body) == {"uuid"}
    assert api.last.headers["Location"].endswith(body["uuid"])
    task = await api.task(body["uuid"])
    assert set(task) == TASK_OUTPUT_KEYS
    assert set(task["status"]) == STATUS_KEYS
    assert task["uuid"] == task["shortname"] == body["uuid"]
    assert task["state"] == "Submitted"
    assert task["name"] == "render"
    assert task["profile"] == "blender"
    assert task["instanceCount"] == task["totalInstanceCount"] == 3
    assert task["tags"] == ["a", "b"]
    assert task["labels"] == {"team": "x"}
    assert task["constants"] == [
        {"key": "BLEND_FILE", "value": "f.blend"},
        {"key": "QARNOT_SECRET__PW", "value": "[SECRET]"},
    ]
    assert task["resultBucket"] == "out"
    assert task["snapshotWhitelist"] == ".*"
    for key in ("creationDate", "lastModified", "stateTransitionTime", "endDate"):
        assert DATE.match(task[key]), key
    assert task["endDate"] == "0001-01-01T00:00:00Z"
    assert SPAN.match(task["completionTimeToLive"])
    # Lists are lists, never null: the official SDK iterates them.
    for key in ("errors", "completedInstances", "hardwareConstraints", "resourceBuckets"):
        assert task[key] == []
    assert task["status"]["executionTimeByCpuModel"] == []
    assert task["poolUuid"] is None
    assert task["jobUuid"] is None


async def test_both_prefixes_see_the_same_task(api: Api) -> None:
    uuid = await api.create_task()
    status, body = await api.call("GET", f"/tasks/{uuid}", prefix="")
    assert status == 200
    assert body["uuid"] == uuid


async def test_get_by_shortname_and_unknown(api: Api) -> None:
    uuid = await api.create_task(shortname="my-task")
    assert (await api.task("my-task"))["uuid"] == uuid
    assert (await api.task(uuid.upper()))["uuid"] == uuid
    status, body = await api.call("GET", "/tasks/no-such-task")
    assert status == 404
    assert body == {"message": "No such task: no-such-task"}


async def test_duplicate_shortname_is_a_conflict(api: Api) -> None:
    await api.create_task(shortname="dup")
    status, body = await api.call(
        "POST",
        "/tasks",
        json={"name": "t", "profile": "docker-batch", "instanceCount": 1, "shortname": "dup"},
    )
    assert status == 409
    assert body == {"message": "a task with shortname dup already exists"}


async def test_bulk_creation_keeps_order_and_isolates_bad_items(api: Api) -> None:
    items = [
        {"name": "a", "profile": "docker-batch", "instanceCount": 1},
        {"profile": "docker-batch", "instanceCount": 1},  # no name
        {"name": "c", "profile": "no-such-profile", "instanceCount": 1},
        {"name": "d", "profile": "docker-batch", "instanceCount": 1, "shortname": "same"},
        {"name": "e", "profile": "docker-batch", "instanceCount": 1, "shortname": "same"},
        "not an object",
        {"name": "g", "profile": "docker-batch", "advancedRanges": "0-2"},
    ]
    status, body = await api.call("POST", "/tasks", json=items)
    assert status == 207
    assert [item["statusCode"] for item in body] == [200, 400, 404, 200, 409, 400, 200]
    assert all(set(item) == {"statusCode", "uuid", "message"} for item in body)
    assert "name" in body[1]["message"]
    assert body[1]["uuid"] is None
    created = [item["uuid"] for item in body if item["statusCode"] == 200]
    assert [(await api.task(u))["name"] for u in created] == ["a", "d", "g"]
    status, body = await api.call("POST", "/tasks", json=items[:1] * 3)
    assert status == 200
    assert [item["statusCode"] for item in body] == [200, 200, 200]
    assert len({item["uuid"] for item in body}) == 3


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"profile": "docker-batch", "instanceCount": 1}, {"name"}),
        ({"name": "", "profile": "docker-batch", "instanceCount": 1}, {"name"}),
        ({"name": 5, "profile": "docker-batch", "instanceCount": 1}, {"name"}),
        (
            {"name": "t", "profile": "docker-batch", "instanceCount": 2, "advancedRanges": "0-1"},
            {"instanceCount", "advancedRanges"},
        ),
        ({"name": "t", "profile": "docker-batch"}, {"instanceCount"}),
        ({"name": "t", "profile": "docker-batch", "instanceCount": -1}, {"instanceCount"}),
        ({"name": "t", "profile": "docker-batch", "instanceCount": "4"}, {"instanceCount"}),
        ({"name": "t", "profile": "docker-batch", "advancedRanges": "5-1"}, {"advancedRanges"}),
        (
            {
                "name": "t",
                "profile": "docker-batch",
                "instanceCount": 1,
                "completionTimeToLive": "ten minutes",
            },
            {"completionTimeToLive"},
        ),
        (
            {
                "name": "t",
                "profile": "docker-batch",
                "instanceCount": 1,
                "maxRetriesPerInstance": -2,
            },
            {"maxRetriesPerInstance"},
        ),
        ({"name": "t", "profile": "docker-batch", "instanceCount": 1, "tags": "a"}, {"tags"}),
        (
            {
                "name": "t",
                "profile": "docker-batch",
                "instanceCount": 1,
                "constants": [{"value": "x"}],
            },
            {"constants[0].key"},
        ),
        (
            {"name": "t", "profile": "docker-batch", "instanceCount": 1, "poolUuid": "not-a-uuid"},
            {"poolUuid"},
        ),
        ({"name": "t", "instanceCount": 1}, {"profile"}),
        (
            {"name": "t", "profile": "docker-batch", "instanceCount": 1, "schedulingType": "cheap"},
            {"schedulingType"},
        ),
        (
            {
                "name": "t",
                "profile": "docker-batch",
                "instanceCount": 1,
                "constants": [{"key": "EMULATOR_DURATION", "value": "soon"}],
            },
            {"constants"},
        ),
        (
            {
                "name": "t",
                "profile": "docker-batch",
                "instanceCount": 1,
                "dependencies": {"dependsOn": ["x"]},
            },
            {"dependencies.dependsOn"},
        ),
    ],
)
async def test_invalid_bodies_are_problem_details_naming_the_fields(
    api: Api, body: dict[str, object], fields: set[str]
) -> None:
    status, answer = await api.call("POST", "/tasks", json=body)
    assert status == 400, answer
    assert api.last.headers["Content-Type"].startswith("application/problem+json")
    assert answer["status"] == 400
    assert answer["title"]
    assert set(answer["errors"]) == fields
    assert all(
        isinstance(m, list) and m and all(isinstance(x, str) for x in m)
        for m in answer["errors"].values()
    )


async def test_not_json_and_not_an_object(api: Api) -> None:
    status, answer = await api.call(
        "POST", "/tasks", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert status == 400
    assert "$" in answer["errors"]
    status, answer = await api.call("POST", "/tasks", json=42)
    assert status == 400
    assert "$" in answer["errors"]


async def test_keys_are_bound_case_insensitively_like_aspnet(api: Api) -> None:
    uuid = await api.create_task(Tags=["upper"], ResultsCacheTTLSec=60)
    task = await api.task(uuid)
    assert task["tags"] == ["upper"]
    assert task["resultsCacheTTLSec"] == 60


async def test_unknown_references(api: Api) -> None:
    status, body = await api.call(
        "POST", "/tasks", json={"name": "t", "profile": "nope", "instanceCount": 1}
    )
    assert (status, body) == (404, {"message": "No such profile: nope"})
    pool = "6f1d6a9c-0000-4000-8000-000000000000"
    status, body = await api.call(
        "POST", "/tasks", json={"name": "t", "poolUuid": pool, "instanceCount": 1}
    )
    assert (status, body) == (404, {"message": f"No such pool: {pool}"})
    status, body = await api.call(
        "POST", "/tasks", json={"name": "t", "jobUuid": pool, "instanceCount": 1}
    )
    assert (status, body) == (404, {"message": f"No such job: {pool}"})


@pytest.mark.qarnot_emulator(quotas={"maxTask": 2})
async def test_task_quota(api: Api) -> None:
    await api.create_task()
    await api.create_task()
    status, body = await api.call(
        "POST", "/tasks", json={"name": "t", "profile": "docker-batch", "instanceCount": 1}
    )
    assert (status, body) == (403, {"message": "maximum number of tasks reached"})
    status, body = await api.call(
        "POST", "/tasks", json=[{"name": "t", "profile": "docker-batch", "instanceCount": 1}]
    )
    assert status == 207
    assert body[0]["statusCode"] == 403
    assert body[0]["message"] == "maximum number of tasks reached"


@pytest.mark.qarnot_emulator(quotas={"maxTask": 2})
async def test_finished_auto_delete_tasks_make_room(api: Api, qarnot_emulator: Emulator) -> None:
    first = await api.create_task(autoDeleteOnCompletion=True)
    await api.create_task()
    status, _ = await api.call(
        "POST", "/tasks", json={"name": "t", "profile": "docker-batch", "instanceCount": 1}
    )
    assert status == 403  # the auto-delete task has not finished yet
    await qarnot_emulator.advance(60)
    third = await api.create_task()
    assert (await api.call("GET", f"/tasks/{first}"))[0] == 404
    assert (await api.task(third))["state"] == "Submitted"


@pytest.mark.qarnot_emulator(quotas={"maxRunningTask": 1})
async def test_running_task_quota(api: Api, qarnot_emulator: Emulator) -> None:
    await api.create_task()
    status, body = await api.call(
        "POST", "/tasks", json={"name": "t", "profile": "docker-batch", "instanceCount": 1}
    )
    assert (status, body) == (403, {"message": "maximum number of running tasks reached"})
    await qarnot_emulator.advance(60)
    await api.create_task()


@pytest.mark.qarnot_emulator(quotas={"maxFlexInstances": 4})
async def test_a_task_bigger_than_the_instance_quota_is_refused(api: Api) -> None:
    status, body = await api.call(
        "POST", "/tasks", json={"name": "t", "profile": "docker-batch", "instanceCount": 5}
    )
    assert status == 403
    assert body["message"].startswith("maximum number of instances reached")


async def test_update_task(api: Api) -> None:
    uuid = await api.create_task(tags=["old"])
    await api.ok(
        "PUT",
        f"/tasks/{uuid}",
        json={
            "constants": [{"key": "K", "value": "V"}],
            "tags": ["new"],
            "constraints": [{"key": "c", "value": "d"}],
        },
    )
    task = await api.task(uuid)
    assert task["tags"] == ["new"]
    assert task["constants"] == [{"key": "K", "value": "V"}]
    status, answer = await api.call("PUT", f"/tasks/{uuid}", json={"tags": [1]})
    assert status == 400
    assert set(answer["errors"]) == {"tags"}
    assert (await api.call("PUT", "/tasks/none", json={}))[0] == 404


async def test_patch_resources_only_while_running(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_task()
    assert (await api.call("PATCH", f"/tasks/{uuid}"))[0] == 200
    await qarnot_emulator.advance(60)
    status, body = await api.call("PATCH", f"/tasks/{uuid}")
    assert status == 400
    assert body["message"] == "Task is not running"


async def test_delete_task(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_task(shortname="gone")
    await qarnot_emulator.advance(5)
    assert (await api.call("DELETE", f"/tasks/{uuid}"))[0] == 200
    assert (await api.call("GET", f"/tasks/{uuid}"))[0] == 404
    assert (await api.call("DELETE", f"/tasks/{uuid}"))[0] == 404
    # The shortname is free again.
    await api.create_task(shortname="gone")


async def test_abort(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_task(instanceCount=2)
    await qarnot_emulator.advance(10)
    assert (await api.call("POST", f"/tasks/{uuid}/abort"))[0] == 200
    task = await api.task(uuid)
    assert task["state"] == "Cancelled"
    assert task["previousState"] == "FullyExecuting"
    assert task["status"]["cancelledRange"] == "0-1"
    status, body = await api.call("POST", f"/tasks/{uuid}/abort")
    assert status == 403
    assert "Cancelled" in body["message"]


async def test_snapshots(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_task()
    await qarnot_emulator.advance(5)
    await api.ok(
        "POST", f"/tasks/{uuid}/snapshot/periodic", json={"interval": 30, "whitelist": "w.*"}
    )
    task = await api.task(uuid)
    assert task["snapshotInterval"] == 30
    assert task["snapshotWhitelist"] == "w.*"
    await api.ok("POST", f"/tasks/{uuid}/snapshot/periodic", json={"interval": 0})
    assert (await api.task(uuid))["snapshotInterval"] == 0
    status, body = await api.call("POST", f"/tasks/{uuid}/snapshot/periodic", json={"interval": -5})
    assert status == 400
    assert set(body["errors"]) == {"interval"}
    snapshot = await api.ok("POST", f"/tasks/{uuid}/snapshot", json={"bucket": "snaps"})
    task = await api.task(uuid)
    assert task["status"]["runningInstancesInfo"]["snapshotResults"] == [snapshot["id"]]
    await api.ok("POST", f"/tasks/{uuid}/snapshot")  # the body is optional
    await qarnot_emulator.advance(60)
    assert (await api.call("POST", f"/tasks/{uuid}/snapshot"))[0] == 403


async def test_retry_reruns_the_failed_instances(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_task(
        instanceCount=4, constants=[{"key": "EMULATOR_FAIL_INSTANCES", "value": "1,3"}], tags=["t"]
    )
    status, body = await api.call("POST", f"/tasks/{uuid}/retry")
    assert status == 403
    assert "must end" in body["message"]
    await qarnot_emulator.advance(60)
    assert (await api.task(uuid))["state"] == "Failure"
    retried = await api.ok(
        "POST",
        f"/tasks/{uuid}/retry",
        json={"name": "again", "constants": [], "shortname": "retried"},
    )
    task = await api.task(retried["uuid"])
    assert task["advancedRanges"] == "1,3"
    assert task["instanceCount"] == 2
    assert task["name"] == "again"
    assert task["shortname"] == "retried"
    assert task["tags"] == ["t"]
    await qarnot_emulator.advance(60)
    task = await api.task(retried["uuid"])
    assert task["state"] == "Success"
    assert task["status"]["succeededRange"] == "1,3"
    status, body = await api.call("POST", f"/tasks/{retried['uuid']}/retry")
    assert status == 403
    assert "no failed instance" in body["message"]


async def test_resume_and_recover(api: Api, qarnot_emulator: Emulator) -> None:
    # Failing instances crash half way: with a 30 s duration, instance 0 fails at 15 s
    # while 1 and 2 still run, and aborting at 20 s cancels them.
    uuid = await api.create_task(
        instanceCount=3, constants=[{"key": "EMULATOR_FAIL_INSTANCES", "value": "0"}]
    )
    await qarnot_emulator.advance(2 + 20)
    await api.ok("POST", f"/tasks/{uuid}/abort")
    status = (await api.task(uuid))["status"]
    assert (status["failedOnlyRange"], status["cancelledRange"], status["failedRange"]) == (
        "0",
        "1-2",
        "0-2",
    )
    resumed = await api.task((await api.ok("POST", f"/tasks/{uuid}/resume"))["uuid"])
    assert resumed["advancedRanges"] == "1-2"
    assert resumed["instanceCount"] == 2
    recovered = await api.task((await api.ok("POST", f"/tasks/{uuid}/recover"))["uuid"])
    assert recovered["advancedRanges"] == "0-2"
    assert recovered["instanceCount"] == 3
    retried = await api.task((await api.ok("POST", f"/tasks/{uuid}/retry"))["uuid"])
    assert retried["advancedRanges"] == "0"


async def test_clone(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_task(shortname="origin", instanceCount=2, labels={"k": "v"})
    clone = await api.task(
        (await api.ok("POST", f"/tasks/{uuid}/clone", json={"name": "copy"}))["uuid"]
    )
    assert clone["name"] == "copy"
    assert clone["labels"] == {"k": "v"}
    assert clone["instanceCount"] == 2
    assert clone["shortname"] == clone["uuid"] != uuid
    ranged = await api.task(
        (await api.ok("POST", f"/tasks/{uuid}/clone", json={"advancedRanges": "5-6"}))["uuid"]
    )
    assert ranged["advancedRanges"] == "5-6"
    assert ranged["instanceCount"] == 2
    status, body = await api.call("POST", f"/tasks/{uuid}/clone", json={"shortname": "origin"})
    assert status == 409
    assert body == {"message": "a task with shortname origin already exists"}
    assert (await api.call("POST", "/tasks/nope/clone"))[0] == 404


async def test_stdout_and_stderr(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_task(
        instanceCount=2, constants=[{"key": "EMULATOR_FAIL_INSTANCES", "value": "1"}]
    )
    assert await api.ok("GET", f"/tasks/{uuid}/stdout") == ""
    await qarnot_emulator.advance(2 + 8)  # 8 s into the 30 s run: started, 25 % done
    status, text = await api.call("GET", f"/tasks/{uuid}/stdout")
    assert status == 200
    assert api.last.headers["Content-Type"].startswith("text/plain")
    assert "[0] starting 'task'" in text
    assert "[1] starting 'task'" in text
    assert "[0] progress 25%" in text
    only_one = await api.ok("GET", f"/tasks/{uuid}/stdout/1")
    assert only_one
    assert all(line.startswith("[1]") for line in only_one.splitlines())
    fresh = await api.ok("POST", f"/tasks/{uuid}/stdout")
    assert fresh == text
    assert await api.ok("POST", f"/tasks/{uuid}/stdout") == ""
    await qarnot_emulator.advance(30)
    fresh = await api.ok("POST", f"/tasks/{uuid}/stdout")
    assert "[0] done" in fresh
    assert "[1] exited with code 1" in fresh
    assert "starting" not in fresh
    # Each path keeps its own cursor.
    assert "starting" in await api.ok("POST", f"/tasks/{uuid}/stdout/0")
    assert await api.ok("GET", f"/tasks/{uuid}/stdout") == text + fresh
    stderr = await api.ok("GET", f"/tasks/{uuid}/stderr")
    assert "[1] error: instance failed" in stderr
    assert "[0] error" not in stderr
    assert "[1] error" in await api.ok("POST", f"/tasks/{uuid}/stderr/1")
    assert await api.ok("POST", f"/tasks/{uuid}/stderr/1") == ""
    status, body = await api.call("GET", f"/tasks/{uuid}/stdout/7")
    assert (status, body) == (404, {"message": "No such instance: 7"})
    assert (await api.call("POST", f"/tasks/{uuid}/stderr/x"))[0] == 404


async def test_lists_and_tag_filters(api: Api) -> None:
    a = await api.create_task(tags=["t1"])
    b = await api.create_task(tags=["t2,t3"])
    await api.create_task(tags=[])
    everything = await api.ok("GET", "/tasks")
    assert len(everything) == 3
    assert set(everything[0]) == TASK_OUTPUT_KEYS
    tagged = await api.ok("GET", "/tasks", params=[("tag", "t1"), ("tag", "t2,t3")])
    assert {t["uuid"] for t in tagged} == {a, b}
    summaries = await api.ok("GET", "/tasks/summaries", params={"tag": "t2,t3"})
    assert [s["uuid"] for s in summaries] == [b]
    assert set(summaries[0]) == TASK_SUMMARY_KEYS
