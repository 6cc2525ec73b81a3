"""examples/web_backend.py, served by aiohttp's test server against the emulator.

The backend's shared client holds a token the emulator refuses, so every request that
works proves it went out with the caller's own token, through a per-request view.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from qarnot_async import Client
from qarnot_async.emulator import Emulator
from qarnot_async.polling import PollPolicy

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "web_backend.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_web_backend", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


backend = load()


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as emulator:  # manual clock: the test moves time
        yield emulator


@pytest.fixture
async def http(emu: Emulator) -> AsyncIterator[TestClient[Any, Any]]:
    def shared() -> Client:
        poll = PollPolicy(initial=0.05, max_interval=0.2)
        return Client("the-backends-own-token", cluster_url=emu.url, poll=poll)

    async with TestClient(TestServer(backend.create_app(shared), host="127.0.0.1")) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def next_event(resp: ClientResponse) -> tuple[str, dict[str, Any]]:
    """One server-sent event: (its name, its JSON data)."""
    block = (await resp.content.readuntil(b"\n\n")).decode()
    fields = dict(line.split(": ", 1) for line in block.strip().splitlines())
    return fields["event"], json.loads(fields["data"])


async def test_a_batch_is_submitted_and_streamed_with_the_callers_token(
    emu: Emulator, http: TestClient[Any, Any]
) -> None:
    resp = await http.post(
        "/batches",
        json={"name": "frame", "count": 3, "constants": {"EMULATOR_DURATION": "30"}},
        headers=bearer(emu.token),
    )
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert body["batch"].startswith("batch-")
    assert len(body["uuids"]) == 3
    assert body["failed"] == []
    app_client = http.app[backend.CLIENT]
    assert app_client.stats.requests >= 1  # the view used the shared pool and counters

    events = await http.get(f"/batches/{body['batch']}/events", headers=bearer(emu.token))
    assert events.status == 200
    assert events.headers["Content-Type"] == "text/event-stream"
    first = [await next_event(events) for _ in range(3)]
    assert {data["uuid"] for _, data in first} == set(body["uuids"])
    assert {(name, data["previous"], data["final"]) for name, data in first} == {
        ("state", None, False)
    }
    assert sorted(data["name"] for _, data in first) == ["frame-0", "frame-1", "frame-2"]

    await emu.advance(120)  # every task runs to its end
    finals: dict[str, str] = {}
    while True:
        name, data = await next_event(events)
        if name == "end":
            break
        assert name == "state"
        if data["final"]:
            finals[data["uuid"]] = data["state"]
    assert finals == dict.fromkeys(body["uuids"], "Success")
    assert data == {"states": {"Success": 3}}
    assert await events.content.read() == b""  # the stream ended
    assert not app_client.closed


async def test_the_shared_client_lives_as_long_as_the_app(emu: Emulator) -> None:
    app = backend.create_app(lambda: Client(emu.token, cluster_url=emu.url))
    async with TestClient(TestServer(app, host="127.0.0.1")) as http:
        shared = http.app[backend.CLIENT]
        for _ in range(2):
            resp = await http.post("/batches", json={"count": 1}, headers=bearer(emu.token))
            assert resp.status == 201
        assert http.app[backend.CLIENT] is shared
        assert not shared.closed
    assert shared.closed


async def test_a_caller_without_a_token_or_with_a_refused_one_gets_401(
    http: TestClient[Any, Any],
) -> None:
    resp = await http.post("/batches", json={"count": 1})
    assert resp.status == 401
    assert "Authorization: Bearer" in (await resp.json())["error"]
    resp = await http.post("/batches", json={"count": 1}, headers=bearer("wrong"))
    assert resp.status == 401
    assert await resp.json() == {"error": "Qarnot refused the token"}
    resp = await http.get("/batches/batch-0123/events", headers=bearer("wrong"))
    assert resp.status == 401
    assert "wrong" not in await resp.text()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"count": 0}, "count must be an integer from 1 to 1000"),
        ({"count": True}, "count must be an integer from 1 to 1000"),
        ([1], "the body must be a JSON object"),
        ({"count": 1, "profile": 3}, "name and profile must be strings"),
        ({"count": 1, "constants": {"A": 1}}, "constants.A: values must be strings"),
        ({"count": 1, "profile": ""}, "profile: must not be empty"),
    ],
)
async def test_bad_input_is_a_400_that_says_why(
    emu: Emulator, http: TestClient[Any, Any], body: Any, message: str
) -> None:
    resp = await http.post("/batches", json=body, headers=bearer(emu.token))
    assert resp.status == 400
    assert message in (await resp.json())["error"]
    assert emu.stats.requests.get("POST /tasks", 0) == 0


async def test_a_body_that_is_not_json_is_a_400(emu: Emulator, http: TestClient[Any, Any]) -> None:
    resp = await http.post("/batches", data=b"{", headers=bearer(emu.token))
    assert resp.status == 400
    assert await resp.json() == {"error": "the body must be JSON"}


async def test_an_unknown_batch_is_a_404(emu: Emulator, http: TestClient[Any, Any]) -> None:
    for batch in ("batch-0123", "not-a-batch"):
        resp = await http.get(f"/batches/{batch}/events", headers=bearer(emu.token))
        assert resp.status == 404
        assert await resp.json() == {"error": f"no batch {batch}"}
