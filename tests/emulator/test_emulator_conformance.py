"""The emulator against its own OpenAPI document, with schemathesis (a bounded run).

The document (``GET /__emulator/openapi.json``, built from the route table) describes
every route the emulator serves in the shapes of the Compute API reference. For every
operation, schemathesis generates valid requests (derandomized: the same examples every
run) and checks that the emulator answers without a server error, in the documented
shape (nullable fields the service sends as ``null`` allowed), with a documented status
and content type, and that it accepts every valid request. Each undeclared method of a
path (``TRACE``...) must be answered 405 with an ``Allow`` header.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from qarnot_async.emulator import Emulator
from qarnot_async.emulator._app import SEED_ROUTES
from qarnot_async.emulator._openapi import openapi_document

TOKEN = "conformance-token-5d1e"
DOCUMENT = openapi_document(SEED_ROUTES)
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261130,
        "generation": {"mode": "positive", "max-examples": 12, "deterministic": True},
        # Valid requests only, generated per operation: the bound keeps this under a minute.
        "phases": {p: {"enabled": False} for p in ("examples", "coverage", "stateful")},
    }
)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)

#: Refusals that depend on the state, not the request: the reference documents them
#: (``PATCH /tasks/{uuid}``: "400 Task is not running"), so a valid request may get them.
STATE_REFUSALS = {("PATCH", "/v1/tasks/{uuid}"): "Task is not running"}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(token=TOKEN, seed=13) as emu:
        emu.seed_tasks(3)
        emu.seed_pools(2)
        emu.seed_jobs(2)
        yield emu


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def test_the_document_describes_every_route() -> None:
    described = {
        (method.upper(), path.removeprefix("/v1").rstrip("/") or "")
        for path, operations in DOCUMENT["paths"].items()
        for method in operations
    }
    assert described == set(SEED_ROUTES)


def test_the_emulator_serves_its_document(emulator: Emulator, session: requests.Session) -> None:
    served = session.get(f"{emulator.url}/__emulator/openapi.json", timeout=10)
    assert served.status_code == 200
    assert served.json() == DOCUMENT


@schema.parametrize()
@settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_the_emulator_conforms(case: Any, emulator: Emulator, session: requests.Session) -> None:
    response = case.call(
        base_url=emulator.url, session=session, headers={"Authorization": TOKEN}, timeout=10
    )
    assert response.status_code < 500, response.text
    case.validate_response(
        response,
        checks=[response_schema_conformance, status_code_conformance, content_type_conformance],
    )
    if response.status_code in (400, 422):
        refusal = STATE_REFUSALS.get((case.method, case.path), "(none)")
        assert refusal in response.text, (
            f"a valid request was refused: {case.method} {case.formatted_path} "
            f"{case.body!r} -> {response.text}"
        )


@pytest.mark.parametrize("path", sorted(DOCUMENT["paths"]))
def test_trace_is_405_with_allow(path: str, emulator: Emulator, session: requests.Session) -> None:
    declared = {m.upper() for m in DOCUMENT["paths"][path]}
    concrete = path.replace("{uuid}", "x").replace("{instanceId}", "0").replace("{name}", "p")
    # TRACE is declared nowhere. (Another undeclared method may be a templated sibling's:
    # PUT /tasks/search is PUT /tasks/{uuid} on a task named "search", a 404.)
    answer = session.request(
        "TRACE", emulator.url + concrete, headers={"Authorization": TOKEN}, timeout=10
    )
    assert answer.status_code == 405
    assert set(answer.headers["Allow"].split(",")) >= declared
    assert answer.json() == {"message": f"Method Not Allowed: TRACE {concrete}"}


# -- each violation the first schemathesis run found, pinned -----------------------------


def _call(
    session: requests.Session, emulator: Emulator, method: str, path: str, **kwargs: Any
) -> requests.Response:
    headers = {"Authorization": TOKEN, **kwargs.pop("headers", {})}
    return session.request(method, emulator.url + path, headers=headers, timeout=10, **kwargs)


@pytest.mark.parametrize("path", ["/v1/jobs", "/v1/tasks"])
@pytest.mark.parametrize("body", [[None, None], [1], ["job"], [[]]])
def test_a_list_of_no_objects_is_refused_whole(
    path: str, body: list[Any], emulator: Emulator, session: requests.Session
) -> None:
    before = _call(session, emulator, "GET", path).json()
    answer = _call(session, emulator, "POST", path, json=body)
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"$": ["A bulk creation is a list of JSON objects."]}
    assert _call(session, emulator, "GET", path).json() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/tasks/no-such-task"),
        ("GET", "/v1/pools/no-such-pool/scaling"),
        ("GET", "/v1/no-such-route"),
        ("GET", "/no-such-route"),
        ("GET", "/__emulator/no-such-route"),
        ("DELETE", "/v1/jobs/no-such-job"),
    ],
)
def test_a_404_is_json(
    method: str, path: str, emulator: Emulator, session: requests.Session
) -> None:
    answer = _call(session, emulator, method, path)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"].startswith("application/json")
    assert set(answer.json()) == {"message"}


def test_null_pool_and_job_uuids_are_documented_as_nullable(
    emulator: Emulator, session: requests.Session
) -> None:
    # The service sends null for a task or a job without pool or job; the document allows
    # it where the reference types a plain uuid string.
    components = DOCUMENT["components"]["schemas"]
    job = _call(session, emulator, "POST", "/v1/jobs", json={"name": "alone"}).json()
    assert _call(session, emulator, "GET", f"/v1/jobs/{job['uuid']}").json()["poolUuid"] is None
    assert components["JobOutput"]["properties"]["poolUuid"]["nullable"] is True
    for name in ("TaskSummaryOutput", "TaskOutput"):
        for field in ("poolUuid", "jobUuid"):
            assert components[name]["properties"][field]["nullable"] is True


def test_cpu_model_constraints_are_documented_with_their_model(
    emulator: Emulator, session: requests.Session
) -> None:
    found = _call(
        session,
        emulator,
        "GET",
        "/v1/hardware-constraints/cpu-model-constraints/search",
        params={"cpuModel": "AMD"},
    ).json()
    assert found
    assert all(set(item) == {"discriminator", "cpuModel"} for item in found)
    variant = DOCUMENT["components"]["schemas"]["CpuModelHardware"]
    assert set(variant["properties"]) == {"discriminator", "cpuModel"}
    assert variant["additionalProperties"] is False
