"""The routes beyond the seed, over raw HTTP: secrets, carbon facts, credits, quotas,
budgets, snapshot status, and the newer task, pool and job fields."""

from __future__ import annotations

import pytest
from _emulator_api import Api

from qarnot_async.emulator import Emulator

UUID = "0b7a3d5e-2f4c-4a1b-9c3d-5e6f7a8b9c0d"


@pytest.mark.parametrize("prefix", ["", "/v1"])
async def test_secrets_lifecycle_and_errors(api: Api, prefix: str) -> None:
    data = "/secrets-manager/data"
    assert await api.call("PUT", f"{data}/db/pw", json={"Value": "s3cret"}, prefix=prefix) == (
        200,
        "",
    )
    status, body = await api.call("PUT", f"{data}/db/pw", json={"value": "x"}, prefix=prefix)
    assert status == 409
    assert "s3cret" not in str(body)
    assert await api.ok("GET", f"{data}/db/pw", prefix=prefix) == {"value": "s3cret"}
    await api.ok("PATCH", f"{data}/db/pw", json={"vAlUe": "new"}, prefix=prefix)
    assert await api.ok("GET", f"{data}/db/pw", prefix=prefix) == {"value": "new"}
    await api.ok("DELETE", f"{data}/db/pw", prefix=prefix)
    for method, body in (("GET", None), ("PATCH", {"value": "v"}), ("DELETE", None)):
        status, _ = await api.call(method, f"{data}/db/pw", json=body, prefix=prefix)
        assert status == 404, method
    status, _ = await api.call("PUT", f"{data}/k", json={"value": 3}, prefix=prefix)
    assert status == 400


async def test_secret_search_answers_children_relative_to_the_prefix(api: Api) -> None:
    for key in ("a/b/c", "a/b/d", "a/e", "f"):
        await api.ok("PUT", f"/secrets-manager/data/{key}", json={"value": key}, prefix="")
    search = "/secrets-manager/search"
    assert await api.ok("GET", f"{search}/", prefix="") == {"keys": ["a/", "f"]}
    assert await api.ok("GET", f"{search}/a", prefix="") == {"keys": ["b/", "e"]}
    assert await api.ok("GET", f"{search}/a/b", prefix="") == {"keys": ["c", "d"]}
    assert await api.ok("GET", f"{search}/nothing", prefix="") == {"keys": []}


async def test_secrets_are_forgotten_on_reset(api: Api, qarnot_emulator: Emulator) -> None:
    await api.ok("PUT", "/secrets-manager/data/k", json={"value": "v"}, prefix="")
    qarnot_emulator.reset()
    assert (await api.call("GET", "/secrets-manager/data/k", prefix=""))[0] == 404


async def test_carbon_facts_and_credits_grow_with_execution(
    api: Api, qarnot_emulator: Emulator
) -> None:
    uuid = await api.create_task(instanceCount=2)
    route = f"/carbon/v1/tasks/{uuid}/carbon-facts"
    before = await api.ok("GET", route, prefix="")
    assert before["total_energy_it_Wh"] == 0
    await qarnot_emulator.advance(600)
    assert (await api.task(uuid))["state"] == "Success"
    facts = await api.ok("GET", route, prefix="", params={"comparisonDatacenter": "dc-x"})
    assert facts["total_energy_it_Wh"] > 0
    # Both spellings, the same figures.
    assert facts["totalEnergyITWh"] == facts["total_energy_it_Wh"]
    assert facts["carbonFootprintC02Eq"] == facts["qarnot_carbon_footprint"]
    assert facts["equivalent_datacenter_name"] == facts["comparisonDataCenterName"] == "dc-x"
    assert facts["PUE"] == facts["pue"] > 1
    credits = await api.ok("GET", f"/credits/v1/tasks/{uuid}/credits", prefix="")
    assert credits["credits"] > 0
    account = await api.ok("GET", "/credits/v1/accounts/credits", prefix="")
    assert account["credits"] == credits["credits"]
    assert (await api.call("GET", f"/carbon/v1/tasks/{UUID}/carbon-facts", prefix=""))[0] == 404
    assert (await api.call("GET", f"/credits/v1/pools/{UUID}/credits", prefix=""))[0] == 404


async def test_pool_carbon_facts_and_credits_match_its_output(
    api: Api, qarnot_emulator: Emulator
) -> None:
    uuid = await api.create_pool(instanceCount=2)
    await qarnot_emulator.advance(3600)
    facts = await api.ok("GET", f"/carbon/v1/pools/{uuid}/carbon-facts", prefix="")
    assert facts["total_consumed_energy_Wh"] > 0
    credits = await api.ok("GET", f"/credits/v1/pools/{uuid}/credits", prefix="")
    pool = await api.ok("GET", f"/pools/{uuid}")
    assert pool["credits"] == credits["credits"] > 0


async def test_quotas_agree_with_info(api: Api, qarnot_emulator: Emulator) -> None:
    await api.create_task(instanceCount=2)
    await qarnot_emulator.advance(2)
    info = await api.ok("GET", "/info")
    user = await api.ok("GET", "/quotas/computing-quotas/user", prefix="")
    organization = await api.ok("GET", "/quotas/computing-quotas/organization", prefix="")
    flex = info["computingQuotas"]["user"]["flex"]
    assert user["flex"]["runningCoresCount"] == flex["runningCoreCount"] > 0
    assert user["flex"]["maxCores"] == flex["maxCores"]
    assert info["computingQuotas"]["organization"] == organization
    per_user = organization["flex"]["runningCountsPerUser"][info["email"]]
    assert per_user["runningCoresCount"] == flex["runningCoreCount"]


async def test_budgets_of_the_default_project(api: Api) -> None:
    project = (await api.ok("GET", "/info"))["projects"][0]
    assert project["isDefault"] is True
    route = f"/credits/v1/projects/{project['uuid']}/budgets"
    every = await api.ok("GET", route, prefix="", params={"activeOnly": "False"})
    active = await api.ok("GET", route, prefix="", params={"activeOnly": "True"})
    assert len(every["budgets"]) == 2
    assert [b["isArchived"] for b in active["budgets"]] == [False]
    assert (await api.call("GET", f"/credits/v1/projects/{UUID}/budgets", prefix=""))[0] == 404


async def test_snapshot_status_moves_on_the_clock(api: Api, qarnot_emulator: Emulator) -> None:
    uuid = await api.create_task(instanceCount=1)
    await qarnot_emulator.advance(2)
    answer = await api.ok("POST", f"/tasks/{uuid}/snapshot", json={"whitelist": "*.png"})
    route = f"/tasks/{uuid}/snapshot/{answer['id']}"
    first = await api.ok("GET", route)
    assert (first["status"], first["taskUuid"]) == ("Triggered", uuid)
    assert first["snapshotConfig"]["whitelist"] == "*.png"
    await qarnot_emulator.advance(2)
    second = await api.ok("GET", route)
    assert second["status"] == "InProgress"
    assert 0 < second["transferredSize"] < second["sizeToUpload"]
    await qarnot_emulator.advance(10)
    third = await api.ok("GET", route)
    assert third["status"] == "Success"
    assert third["transferredSize"] == third["sizeToUpload"]
    assert (await api.call("GET", f"/tasks/{uuid}/snapshot/nope"))[0] == 404
    other = await api.create_task(instanceCount=1)
    assert (await api.call("GET", f"/tasks/{other}/snapshot/{answer['id']}"))[0] == 404


async def test_newer_fields_are_stored_and_returned(api: Api, qarnot_emulator: Emulator) -> None:
    rule = {"inbound": True, "proto": "tcp", "port": "22", "toQBox": False}
    job_uuid = await api.create_job(useDependencies=True)
    parent = await api.create_task(jobUuid=job_uuid)
    advanced = [{"taskUuid": parent, "taskFinalStateCondition": ["Success", "failure"]}]
    uuid = await api.create_task(
        jobUuid=job_uuid,
        forcedNetworkRules=[rule],
        maxTimeQueueSeconds=60,
        targetedReservationName="resa",
        projectUuid=UUID,
        dependencies={"advancedDependsOn": advanced},
    )
    task = await api.task(uuid)
    assert task["forcedNetworkRules"] == [rule]
    assert (task["maxTimeQueueSeconds"], task["targetedReservationName"]) == (60, "resa")
    assert task["projectUuid"] == UUID
    assert task["dependencies"]["advancedDependsOn"] == [
        {
            "taskUuid": parent,
            "taskFinalStateCondition": ["success", "failure"],
            "state": "waiting",
            "actualFinalState": None,
        }
    ]
    assert task["dependencies"]["state"] == "waiting"
    pool = await api.create_pool(multiSlotsSettings={"slotsPerNode": 4}, projectUuid=UUID)
    body = await api.ok("GET", f"/pools/{pool}")
    assert body["multiSlotsSettings"] == {"slotsPerNode": 4}
    assert body["projectUuid"] == UUID
    job = await api.ok("GET", f"/jobs/{await api.create_job()}")
    assert job["endDate"] == "0001-01-01T00:00:00Z"
    assert "profile" not in job  # no pool: no profile
    on_pool = await api.ok("GET", f"/jobs/{await api.create_job(poolUuid=pool)}")
    assert on_pool["profile"] == body["profile"]


@pytest.mark.parametrize(
    ("fields", "member"),
    [
        ({"forcedNetworkRules": [{"proto": "tcp"}]}, "forcedNetworkRules[0].inbound"),
        ({"maxTimeQueueSeconds": -1}, "maxTimeQueueSeconds"),
        ({"projectUuid": "nope"}, "projectUuid"),
        (
            {"dependencies": {"dependsOn": [UUID], "advancedDependsOn": [{"taskUuid": UUID}]}},
            "dependencies.advancedDependsOn",
        ),
        (
            {
                "dependencies": {
                    "advancedDependsOn": [{"taskUuid": UUID, "taskFinalStateCondition": ["x"]}]
                }
            },
            "dependencies.advancedDependsOn[0].taskFinalStateCondition",
        ),
    ],
)
async def test_bad_newer_fields_are_refused(api: Api, fields: dict, member: str) -> None:  # type: ignore[type-arg]
    body = {"name": "t", "profile": "docker-batch", "instanceCount": 1, **fields}
    status, answer = await api.call("POST", "/tasks", json=body)
    assert status == 400
    assert member in answer["errors"]


async def test_a_bad_multi_slots_setting_is_refused(api: Api) -> None:
    body = {"name": "p", "profile": "docker-batch", "multiSlotsSettings": {"slotsPerNode": 0}}
    status, answer = await api.call("POST", "/pools", json=body)
    assert status == 400
    assert "multiSlotsSettings.slotsPerNode" in answer["errors"]
