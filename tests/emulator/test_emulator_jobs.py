"""Job operations over plain HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from _emulator_api import Api

from qarnot_async.emulator import Emulator

JOB_KEYS = {
    "uuid",
    "name",
    "shortname",
    "poolUuid",
    "state",
    "previousState",
    "useDependencies",
    "stateTransitionTime",
    "previousStateTransitionTime",
    "creationDate",
    "lastModified",
    "maxWallTime",
    "tags",
    "autoDeleteOnCompletion",
    "completionTimeToLive",
    "endDate",  # not in openapi.json: the official SDK's fixtures have it
}


async def test_create_get_list(api: Api) -> None:
    uuid = await api.create_job(
        shortname="j1", tags=["a"], useDependencies=True, completionTimeToLive="00:30:00"
    )
    job = await api.ok("GET", "/jobs/j1")
    assert set(job) == JOB_KEYS
    assert (job["uuid"], job["state"], job["useDependencies"]) == (uuid, "Active", True)
    assert job["completionTimeToLive"] == "00:30:00"
    assert job["maxWallTime"] is None
    await api.create_job(tags=["b"])
    assert len(await api.ok("GET", "/jobs")) == 2
    assert [j["uuid"] for j in await api.ok("GET", "/jobs", params={"tag": "a"})] == [uuid]
    assert (await api.call("GET", "/jobs/nope"))[0] == 404


async def test_what_the_official_sdk_posts(api: Api) -> None:
    # qarnot 2.23 posts to /jobs/ with "state" and null maxWallTime.
    body: dict[str, Any] = {
        "name": "sdk",
        "poolUuid": None,
        "shortname": None,
        "state": "",
        "tags": [],
        "useDependencies": False,
        "maxWallTime": None,
        "autoDeleteOnCompletion": False,
        "completionTimeToLive": "00:00:00",
    }
    status, answer = await api.call("POST", "/jobs/", json=body, prefix="")
    assert status == 200
    assert set(answer) == {"uuid"}


async def test_bulk_jobs(api: Api) -> None:
    status, body = await api.call(
        "POST", "/jobs", json=[{"name": "a"}, {"name": ""}, {"name": "c", "maxWallTime": "bad"}]
    )
    assert status == 207
    assert [item["statusCode"] for item in body] == [200, 400, 400]
    assert "maxWallTime" in body[2]["message"]
    status, body = await api.call("POST", "/jobs", json=[{"name": "a"}, {"name": "b"}])
    assert status == 200
    assert all(item["statusCode"] == 200 for item in body)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"name"}),
        ({"name": "j", "maxWallTime": "1 day"}, {"maxWallTime"}),
        ({"name": "j", "useDependencies": "yes"}, {"useDependencies"}),
        ({"name": "j", "poolUuid": "x"}, {"poolUuid"}),
    ],
)
async def test_invalid_jobs(api: Api, body: dict[str, object], fields: set[str]) -> None:
    status, answer = await api.call("POST", "/jobs", json=body)
    assert status == 400
    assert set(answer["errors"]) == fields


async def test_job_rules(api: Api) -> None:
    unknown = "6f1d6a9c-0000-4000-8000-000000000000"
    assert await api.call("POST", "/jobs", json={"name": "j", "poolUuid": unknown}) == (
        404,
        {"message": f"No such pool: {unknown}"},
    )
    await api.create_job(shortname="same")
    status, body = await api.call("POST", "/jobs", json={"name": "j", "shortname": "same"})
    assert (status, body) == (409, {"message": "a job with shortname same already exists"})


@pytest.mark.qarnot_emulator(quotas={"maxJob": 1})
async def test_job_quota(api: Api) -> None:
    await api.create_job()
    status, body = await api.call("POST", "/jobs", json={"name": "j"})
    assert (status, body) == (403, {"message": "maximum number of jobs reached"})


async def test_terminate(api: Api, qarnot_emulator: Emulator) -> None:
    job = await api.create_job()
    running = await api.create_task(jobUuid=job)
    await qarnot_emulator.advance(40)
    done = await api.create_task(jobUuid=job)  # still Submitted when the job ends
    tasks = await api.ok("GET", f"/jobs/{job}/tasks")
    assert [t["uuid"] for t in tasks] == [running, done]
    assert (await api.call("POST", f"/jobs/{job}/terminate"))[0] == 200
    assert (await api.ok("GET", f"/jobs/{job}"))["state"] == "Terminating"
    assert (await api.task(running))["state"] == "Success"
    assert (await api.task(done))["state"] == "Cancelled"
    assert (await api.call("POST", f"/jobs/{job}/terminate"))[0] == 200  # idempotent
    await qarnot_emulator.advance(1)
    job_view = await api.ok("GET", f"/jobs/{job}")
    assert (job_view["state"], job_view["previousState"]) == ("Completed", "Terminating")
    status, body = await api.call(
        "POST",
        "/tasks",
        json={"name": "t", "profile": "docker-batch", "instanceCount": 1, "jobUuid": job},
    )
    assert status == 403
    assert "Completed" in body["message"]
    assert (await api.call("POST", "/jobs/nope/terminate"))[0] == 404


@pytest.mark.parametrize("force", ["True", "true", "1"])
async def test_delete_a_job_with_tasks_needs_force(api: Api, force: str) -> None:
    job = await api.create_job()
    task = await api.create_task(jobUuid=job)
    for refused in ({}, {"force": "false"}, {"force": "False"}, {"force": "0"}):
        status, body = await api.call("DELETE", f"/jobs/{job}", params=refused)
        assert status == 403
        assert "force" in body["message"]
    assert (await api.call("DELETE", f"/jobs/{job}", params={"force": force}))[0] == 200
    assert (await api.call("GET", f"/jobs/{job}"))[0] == 404
    assert (await api.call("GET", f"/tasks/{task}"))[0] == 404


async def test_delete_an_empty_job(api: Api) -> None:
    job = await api.create_job()
    assert (await api.call("DELETE", f"/jobs/{job}"))[0] == 200
    assert (await api.call("DELETE", f"/jobs/{job}"))[0] == 404
