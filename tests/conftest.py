"""Shared test configuration and fixtures: scripted mock answers, loopback servers."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aioresponses.core as _aioresponses_core
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestServer

from qarnot_async import MockTransport, Request, Response, _retry

# Compat shim, still needed by the few tests that are about aiohttp itself (the
# aiohttp transport's mapping of aiohttp's exceptions, in
# tests/transport/test_aiohttp_transport.py); every other unit test uses MockTransport.
# aiohttp 3.14 added a required keyword-only `stream_writer` argument to
# ClientResponse.__init__, which aioresponses 0.7.9 does not pass
# ("ClientResponse.__init__() missing ... 'stream_writer'", upstream issue
# pnuckowski/aioresponses#289). Until upstream releases a fix, hand aioresponses a
# subclass that supplies the missing argument. Remove this once aioresponses passes it.
if "stream_writer" in inspect.signature(ClientResponse.__init__).parameters:

    class _NoUploadWriter:
        # aiohttp only reads how many bytes were sent; a mocked response sent none.
        output_size = 0

    class _CompatClientResponse(ClientResponse):
        def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
            kwargs.setdefault("stream_writer", _NoUploadWriter())
            super().__init__(method, url, **kwargs)

    _aioresponses_core.ClientResponse = _CompatClientResponse  # type: ignore[misc]


Answer = Response | BaseException


class Script:
    """Scripted answers for a MockTransport, per method and API path.

    ``script.add("GET", "/info", Response.from_json({}), ...)`` queues answers; each
    request takes the next one (an exception is raised instead of answered). With
    ``repeat=True`` the last answer stays for every later call. A request with no
    answer left fails the test loudly. ``script.requests`` records what was sent.
    """

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], list[Answer]] = {}
        self.repeat: set[tuple[str, str]] = set()
        self.requests: list[Request] = []

    def add(self, method: str, path: str, *answers: Answer, repeat: bool = False) -> None:
        key = (method, path)
        self.answers.setdefault(key, []).extend(answers)
        if repeat:
            self.repeat.add(key)

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        key = (request.method, request.path)
        queue = self.answers.get(key)
        if not queue:
            raise AssertionError(f"no scripted answer left for {key}")
        answer = queue[0] if key in self.repeat and len(queue) == 1 else queue.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    @property
    def transport(self) -> MockTransport:
        return MockTransport(self)

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]


@pytest.fixture
def script() -> Script:
    """Scripted answers; pass ``transport=script.transport`` to a Client."""
    return Script()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Replace the retry backoff's sleep with a recorder: no real time passes."""
    recorded: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(_retry, "_sleep", fake_sleep)
    return recorded


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The retry backoff takes no time (it still yields to the loop once)."""

    async def instant(seconds: float) -> None:
        await asyncio.sleep(0)

    monkeypatch.setattr(_retry, "_sleep", instant)


@pytest.fixture
def stuck_backoff(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """The retry backoff never ends; the event is set once a request sleeps in it."""
    sleeping = asyncio.Event()

    async def endless_sleep(seconds: float) -> None:
        sleeping.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(_retry, "_sleep", endless_sleep)
    return sleeping


Cancel = Callable[[Awaitable[Any], asyncio.Event], Awaitable[None]]


@pytest.fixture
def cancel_when() -> Cancel:
    """``await cancel_when(call, started)``: run ``call``, cancel it once ``started`` is
    set, and check that the cancellation propagates."""

    async def run(call: Awaitable[Any], started: asyncio.Event) -> None:
        task = asyncio.ensure_future(call)
        await asyncio.wait_for(started.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    return run


Serve = Callable[[web.Application], Awaitable[TestServer]]


@pytest.fixture
async def loopback() -> AsyncIterator[Serve]:
    """Start aiohttp.web applications on 127.0.0.1; all are closed at the end."""
    servers: list[TestServer] = []

    async def start(app: web.Application) -> TestServer:
        srv = TestServer(app, host="127.0.0.1")
        await srv.start_server()
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        await srv.close()
