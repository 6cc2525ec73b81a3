"""Every one of the 67 operations is routed, under /v1 and without prefix."""

from __future__ import annotations

import re
from typing import Any

import pytest
from _emulator_api import Api

from qarnot_async.emulator import ROUTES, Emulator, route_key

# The 67 operations of the contract, as its table writes them (own copy, on purpose).
OPERATIONS = [
    ("GET", "/hardware-constraints"),
    ("GET", "/hardware-constraints/cpu-model-constraints/search"),
    ("GET", "/jobs"),
    ("POST", "/jobs"),
    ("POST", "/jobs/search"),
    ("POST", "/jobs/paginate"),
    ("POST", "/jobs/{jobUuid}/terminate"),
    ("DELETE", "/jobs/{jobuuid}"),
    ("GET", "/jobs/{jobuuid}"),
    ("GET", "/jobs/{jobuuid}/tasks"),
    ("GET", ""),
    ("GET", "/pools/summaries"),
    ("POST", "/pools/summaries/paginate"),
    ("GET", "/pools"),
    ("POST", "/pools"),
    ("POST", "/pools/search"),
    ("POST", "/pools/paginate"),
    ("POST", "/pools/{pooluuid}/clone"),
    ("POST", "/pools/{pooluuid}/close"),
    ("DELETE", "/pools/{pooluuid}"),
    ("GET", "/pools/{pooluuid}"),
    ("PATCH", "/pools/{pooluuid}"),
    ("PUT", "/pools/{pooluuid}"),
    ("GET", "/pools/{pooluuid}/jobs"),
    ("GET", "/pools/{pooluuid}/tasks"),
    ("GET", "/pools/{poolUuid}/stdout"),
    ("POST", "/pools/{poolUuid}/stdout"),
    ("GET", "/pools/{poolUuid}/stdout/{instanceId}"),
    ("POST", "/pools/{poolUuid}/stdout/{instanceId}"),
    ("GET", "/pools/{poolUuid}/stderr"),
    ("POST", "/pools/{poolUuid}/stderr"),
    ("GET", "/pools/{poolUuid}/stderr/{instanceId}"),
    ("POST", "/pools/{poolUuid}/stderr/{instanceId}"),
    ("GET", "/pools/{poolUuid}/scaling"),
    ("PUT", "/pools/{poolUuid}/scaling"),
    ("POST", "/sanity-checks/pools/scaling"),
    ("GET", "/profiles"),
    ("GET", "/profiles/{name}"),
    ("GET", "/settings"),
    ("GET", "/tasks"),
    ("POST", "/tasks"),
    ("GET", "/tasks/summaries"),
    ("POST", "/tasks/summaries/paginate"),
    ("POST", "/tasks/search"),
    ("POST", "/tasks/paginate"),
    ("POST", "/tasks/{taskUuid}/snapshot/periodic"),
    ("POST", "/tasks/{taskUuid}/snapshot"),
    ("POST", "/tasks/{taskUuid}/retry"),
    ("POST", "/tasks/{taskUuid}/recover"),
    ("POST", "/tasks/{taskUuid}/resume"),
    ("POST", "/tasks/{taskUuid}/clone"),
    ("PUT", "/tasks/{taskUuid}"),
    ("PATCH", "/tasks/{taskUuid}"),
    ("DELETE", "/tasks/{taskUuid}"),
    ("GET", "/tasks/{taskUuid}"),
    ("POST", "/tasks/{taskUuid}/abort"),
    ("GET", "/tasks/{taskUuid}/stdout"),
    ("POST", "/tasks/{taskUuid}/stdout"),
    ("GET", "/tasks/{taskUuid}/stdout/{instanceId}"),
    ("POST", "/tasks/{taskUuid}/stdout/{instanceId}"),
    ("GET", "/tasks/{taskUuid}/stderr"),
    ("POST", "/tasks/{taskUuid}/stderr"),
    ("GET", "/tasks/{taskUuid}/stderr/{instanceId}"),
    ("POST", "/tasks/{taskUuid}/stderr/{instanceId}"),
    ("GET", "/info"),
    ("GET", "/versions"),
    ("GET", "/status"),
]

_ENTITY = re.compile(r"\{(jobUuid|jobuuid|pooluuid|poolUuid|taskUuid)\}")


def test_the_table_has_67_distinct_operations() -> None:
    assert len(OPERATIONS) == 67
    assert len(set(OPERATIONS)) == 67


def _key(method: str, path: str) -> str:
    return route_key(method, _ENTITY.sub("{uuid}", path))


# The routes outside the reference the official SDKs call (the secrets manager, carbon
# facts, credits, budgets, quotas, snapshot status), which the emulator also serves.
BEYOND_THE_SEED: list[tuple[str, str]] = [
    ("GET", "/tasks/{uuid}/snapshot/{snapshotId}"),
    ("GET", "/secrets-manager/search/{prefix:.*}"),
    ("GET", "/secrets-manager/data/{key:.+}"),
    ("PUT", "/secrets-manager/data/{key:.+}"),
    ("PATCH", "/secrets-manager/data/{key:.+}"),
    ("DELETE", "/secrets-manager/data/{key:.+}"),
    ("GET", "/carbon/v1/tasks/{uuid}/carbon-facts"),
    ("GET", "/carbon/v1/pools/{uuid}/carbon-facts"),
    ("GET", "/credits/v1/accounts/credits"),
    ("GET", "/credits/v1/tasks/{uuid}/credits"),
    ("GET", "/credits/v1/pools/{uuid}/credits"),
    ("GET", "/quotas/computing-quotas/user"),
    ("GET", "/quotas/computing-quotas/organization"),
    ("GET", "/credits/v1/projects/{uuid}/budgets"),
]


def test_the_emulator_declares_exactly_these_routes() -> None:
    expected = [_key(m, p) for m, p in OPERATIONS] + [route_key(m, p) for m, p in BEYOND_THE_SEED]
    assert sorted(route_key(m, t) for m, t in ROUTES) == sorted(expected)


@pytest.mark.parametrize(
    ("method", "path"), OPERATIONS, ids=[f"{m} {p or '/'}" for m, p in OPERATIONS]
)
async def test_routed_under_both_prefixes(
    api: Api, qarnot_emulator: Emulator, method: str, path: str
) -> None:
    concrete = (
        _ENTITY.sub("0e8a4d1c-1111-4222-8333-944455556666", path)
        .replace("{instanceId}", "0")
        .replace("{name}", "docker-batch")
    )
    body: dict[str, Any] | None = {} if method in ("POST", "PUT") else None
    for prefix in ("/v1", ""):
        status, answer = await api.call(
            method, concrete or ("/" if not prefix else ""), prefix=prefix, json=body
        )
        # An unrouted request is answered "Not Found: <method> <path>"; a routed one
        # may still be a 404 for the unknown uuid, with "No such ...".
        assert not (
            isinstance(answer, dict) and str(answer.get("message", "")).startswith("Not Found")
        ), (
            prefix,
            status,
            answer,
        )
        assert status not in (405, 500), (prefix, status, answer)
    assert qarnot_emulator.stats.requests[_key(method, path)] == 2


async def test_jobs_with_a_trailing_slash_as_the_official_sdk_posts(
    api: Api, qarnot_emulator: Emulator
) -> None:
    for prefix in ("/v1", ""):
        status, body = await api.call("POST", "/jobs/", prefix=prefix, json={"name": "j"})
        assert status == 200
        assert "uuid" in body
    assert qarnot_emulator.stats.requests["POST /jobs"] == 2


async def test_unknown_routes_answer_404_json(api: Api) -> None:
    status, body = await api.call("GET", "/nothing-here")
    assert status == 404
    assert body["message"].startswith("Not Found")
    status, body = await api.call("PATCH", "/tasks")
    assert status == 405
