"""Account-level routes, authentication and read-only access."""

from __future__ import annotations

import pytest
from _emulator_api import Api

from qarnot_async.emulator import DEFAULT_QUOTAS, HARDWARE_PAGE_MAX, Emulator

USER_KEYS = {
    "email",
    "maxBucket",
    "maxTask",
    "taskCount",
    "maxJob",
    "jobCount",
    "maxPool",
    "poolCount",
    "maxRunningTask",
    "maxRunningPool",
    "runningTaskCount",
    "runningPoolCount",
    "runningInstanceCount",
    "runningCoreCount",
    "maxInstances",
    "maxCores",
    "maxFlexInstances",
    "maxFlexCores",
    "maxOnDemandInstances",
    "maxOnDemandCores",
    "computingQuotas",
    "quotaBytes",
    "quotaBytesBucket",
    "usedQuotaBytesBucket",
    "usedQuotaBytes",
    "defaultScheduling",
    "defaultReservedSpecificationKey",
    "projects",  # not in openapi.json: the official SDK reads it
}


async def test_info(api: Api, qarnot_emulator: Emulator) -> None:
    info = await api.ok("GET", "/info")
    assert set(info) == USER_KEYS
    assert info["email"] == "emulator@qarnot.local"
    assert info["maxTask"] == DEFAULT_QUOTAS["maxTask"]
    assert info["taskCount"] == 0
    await api.create_task(instanceCount=2)
    await api.create_pool(instanceCount=3)
    await api.create_job()
    await qarnot_emulator.advance(2)
    info = await api.ok("GET", "/info")
    assert (info["taskCount"], info["poolCount"], info["jobCount"]) == (1, 1, 1)
    assert (info["runningTaskCount"], info["runningPoolCount"], info["runningInstanceCount"]) == (
        1,
        1,
        5,
    )
    flex = info["computingQuotas"]["user"]["flex"]
    assert flex["runningInstancesCount"] == 5
    assert flex["maxInstances"] == info["maxFlexInstances"]


@pytest.mark.qarnot_emulator(quotas={"maxTask": 7}, email="me@example.com")
async def test_info_reflects_settings(api: Api) -> None:
    info = await api.ok("GET", "/info")
    assert info["maxTask"] == 7
    assert info["email"] == "me@example.com"


async def test_profiles(api: Api) -> None:
    names = await api.ok("GET", "/profiles")
    assert {"docker-batch", "docker-network", "blender"} <= set(names)
    profile = await api.ok("GET", "/profiles/blender")
    assert set(profile) == {"name", "constants", "licenses"}
    assert all(set(c) == {"name", "value", "description"} for c in profile["constants"])
    assert "BLEND_FILE" in [c["name"] for c in profile["constants"]]
    licensed = [await api.ok("GET", f"/profiles/{name}") for name in names]
    assert any(p["licenses"] for p in licensed)
    assert all(
        set(lic) == {"name", "maxInstances", "maxCores"} for p in licensed for lic in p["licenses"]
    )
    assert await api.call("GET", "/profiles/nope") == (404, {"message": "No such profile: nope"})


async def test_public_routes_need_no_token(api: Api) -> None:
    assert await api.ok("GET", "/settings", auth=False) == {"storage": None}
    assert await api.ok("GET", "/versions", auth=False, prefix="") == [
        {"version": "v1", "endOfLife": None}
    ]


@pytest.mark.qarnot_emulator(storage_url="http://127.0.0.1:9000")
async def test_settings_report_a_configured_storage(api: Api) -> None:
    assert await api.ok("GET", "/settings") == {"storage": "http://127.0.0.1:9000"}


async def test_hardware_constraints_offset_pages(api: Api) -> None:
    first = await api.ok("GET", "/hardware-constraints")
    assert set(first) == {"data", "offset", "limit", "total"}
    assert (first["offset"], first["limit"], len(first["data"])) == (0, HARDWARE_PAGE_MAX, 50)
    total = first["total"]
    assert total > 50
    second = await api.ok("GET", "/hardware-constraints", params={"Offset": 50, "Limit": 49})
    assert len(second["data"]) == total - 50
    assert second["offset"] == 50
    assert all("discriminator" in item for item in first["data"] + second["data"])
    clamped = await api.ok("GET", "/hardware-constraints", params={"limit": 500, "offset": 10})
    assert (clamped["limit"], len(clamped["data"]), clamped["data"][0]) == (
        50,
        total - 10,
        first["data"][10],
    )
    assert (await api.call("GET", "/hardware-constraints", params={"Limit": -1}))[0] == 400
    assert (await api.call("GET", "/hardware-constraints", params={"Offset": "x"}))[0] == 400


async def test_cpu_model_search(api: Api) -> None:
    found = await api.ok(
        "GET", "/hardware-constraints/cpu-model-constraints/search", params={"cpuModel": "ryzen 7"}
    )
    assert {item["cpuModel"] for item in found} == {"AMD Ryzen 7 3700X", "AMD Ryzen 7 1700X"}
    assert all(item["discriminator"] == "CpuModelHardwareConstraint" for item in found)
    assert (
        await api.call(
            "GET", "/hardware-constraints/cpu-model-constraints/search", params={"cpuModel": "z80"}
        )
    )[0] == 404
    assert (await api.call("GET", "/hardware-constraints/cpu-model-constraints/search"))[0] == 400


async def test_availability_routes(api: Api) -> None:
    assert await api.call("GET", "") == (200, "")
    assert await api.call("GET", "/", prefix="") == (200, "")
    assert await api.call("GET", "/status") == (200, "")
    assert (await api.call("GET", "/status", auth=False))[0] == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "wrong"},
        {"Authorization": "Bearer emulator-token"},
        {"Authorization": ""},
    ],
)
async def test_bad_or_missing_tokens(api: Api, headers: dict[str, str]) -> None:
    status, body = await api.call("GET", "/tasks", auth=False, headers=headers)
    assert status == 401
    assert "message" in body


@pytest.mark.qarnot_emulator(token="s3cret")
async def test_a_custom_token(api: Api, qarnot_emulator: Emulator) -> None:
    assert qarnot_emulator.token == "s3cret"
    assert (await api.call("GET", "/tasks"))[0] == 200
    assert (
        await api.call("GET", "/tasks", auth=False, headers={"Authorization": "emulator-token"})
    )[0] == 401


async def test_read_only_access_refuses_writes(api: Api) -> None:
    uuid = await api.create_task()
    read_only = {"QarnotReadOnlyRequestForAccount": "other@example.com"}
    assert (await api.call("GET", f"/tasks/{uuid}", headers=read_only))[0] == 200
    assert (await api.call("POST", "/tasks/search", json={}, headers=read_only))[0] == 200
    assert (await api.call("POST", "/tasks/paginate", json={}, headers=read_only))[0] == 200
    for method, path in (
        ("POST", "/tasks"),
        ("DELETE", f"/tasks/{uuid}"),
        ("POST", f"/tasks/{uuid}/abort"),
        ("PUT", f"/tasks/{uuid}"),
        ("POST", "/jobs"),
        ("POST", f"/tasks/{uuid}/stdout"),
    ):
        status, body = await api.call(method, path, json={}, headers=read_only)
        assert status == 403, (method, path)
        assert "Read-only" in body["message"]
    assert (await api.task(uuid))["state"] == "Submitted"
