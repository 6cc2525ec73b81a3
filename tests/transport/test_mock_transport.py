"""MockTransport: a client served by a function, with no socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qarnot_async import (
    Client,
    MockTransport,
    NotFoundError,
    Request,
    RequestTimeoutError,
    Response,
    RetryPolicy,
    Task,
    TransportError,
)

TASK = json.loads((Path(__file__).parents[1] / "fixtures/wire/task.json").read_text())


@contextlib.contextmanager
def no_sockets() -> Iterator[None]:
    """Any attempt to open a socket or resolve a name fails the test.

    Used inside the test body: the event loop already has its own wake-up socket.
    """

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a socket was opened")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "socket", refuse)
        patch.setattr(socket, "getaddrinfo", refuse)
        patch.setattr(socket, "create_connection", refuse)
        yield


async def test_tasks_get_is_served_by_the_handler_without_a_socket() -> None:
    seen: list[Request] = []
    uuid = TASK["uuid"]

    def handler(request: Request) -> Response:
        seen.append(request)
        if request.method == "GET" and request.path == f"/tasks/{uuid}":
            return Response.from_json(TASK)
        return Response.from_json({"message": "no such route"}, status=404)

    with no_sockets():
        async with Client("t", transport=MockTransport(handler)) as client:
            task = await client.tasks.get(uuid)
            with pytest.raises(NotFoundError, match="no such route"):
                await client.tasks.get("00000000-0000-0000-0000-000000000000")
    assert isinstance(task, Task)
    assert task.uuid == uuid
    assert task.name == TASK["name"]
    assert str(seen[0].url) == f"https://api.qarnot.com/v1/tasks/{uuid}"
    assert seen[0].headers["Authorization"] == "t"


async def test_async_handler() -> None:
    async def handler(request: Request) -> Response:
        await asyncio.sleep(0)
        return Response.from_json({"path": request.path, "body": request.json()})

    with no_sockets():
        async with Client("t", transport=MockTransport(handler)) as client:
            resp = await client.request("POST", "/tasks/search", json_body={"q": 1})
    assert resp.json() == {"path": "/tasks/search", "body": {"q": 1}}
    assert (resp.method, resp.path, resp.attempt) == ("POST", "/tasks/search", 1)


async def test_timeout_is_enforced_on_an_async_handler() -> None:
    started = asyncio.Event()

    async def handler(request: Request) -> Response:
        started.set()
        await asyncio.Event().wait()  # never answers
        raise AssertionError("unreachable")

    policy = RetryPolicy(max_attempts=1)
    async with Client("t", transport=MockTransport(handler), retry=policy) as client:
        with pytest.raises(RequestTimeoutError, match=r"GET /slow: no answer within 0.01s"):
            await client.request("GET", "/slow", timeout=0.01)
    assert started.is_set()


async def test_a_handler_that_returns_something_else_is_a_transport_error() -> None:
    transport = MockTransport(lambda request: {"not": "a Response"})  # type: ignore[arg-type,return-value]
    async with Client("t", transport=transport) as client:
        with pytest.raises(TransportError, match=r"must return a qarnot_async\.Response") as info:
            await client.request("GET", "/info")
    assert isinstance(info.value.__cause__, TypeError)


async def test_a_handler_failure_is_a_transport_error_chained_to_its_cause() -> None:
    def handler(request: Request) -> Response:
        raise KeyError("no fixture for this")

    async with Client("t", transport=MockTransport(handler)) as client:
        with pytest.raises(TransportError, match="GET /info: the request failed: KeyError") as info:
            await client.request("GET", "/info")
        assert client.stats.requests == 1  # not retried: a bug is not transient
    assert isinstance(info.value.__cause__, KeyError)


async def test_closing_the_client_closes_the_mock() -> None:
    transport = MockTransport(lambda request: Response(200))
    async with Client("t", transport=transport) as client:
        await client.request("GET", "/info")
        assert not transport.closed
    assert transport.closed
    assert "MockTransport(" in repr(transport)
