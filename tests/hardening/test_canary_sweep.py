"""A canary token never shows: not in any field of any error, nor in logs, nor in the CLI.

The loopback server echoes the request's headers (``Authorization`` included) in every
answer, in every shape an answer can take: a JSON error, problem+json field errors, a
text or HTML error page, a redirect's ``Location``, a malformed success body. Then
everything a user could see is swept for the token: messages, reprs, ``args``, every
attribute (``details``, ``value``, ``location``...), formatted tracebacks with their
chained causes, DEBUG records of the ``qarnot_async`` and ``aiohttp`` loggers, and the
output of the command line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from _scripted_http import Exchange, RawRequest, ScriptedServer

from qarnot_async import Client, QarnotError, RetryPolicy
from qarnot_async.cli import main as cli_main
from qarnot_async.models import TaskCreate

CANARY = "canary-7Hq2Zt9Vw4Lm8Rk3"
UUID = "0b0c1b9e-34f2-4a51-9d3a-2e7e3b1f5a10"


def echo(x: Exchange) -> dict[str, Any]:
    request = x.request
    return {"method": request.method, "path": request.path, "headers": request.headers}


async def echoing(x: Exchange) -> None:
    """Answer by the path's last segment, always echoing the request."""
    seen = echo(x)
    token = x.request.headers.get("authorization", "")
    kind = x.request.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    json_type = {"Content-Type": "application/json"}
    if kind == "problem":
        body = {"title": f"bad {token}", "errors": {token: [f"echo {seen}"]}, "echo": seen}
        await x.send(400, json.dumps(body).encode(), json_type)
    elif kind == "text":
        await x.send(500, f"internal error for {seen}".encode(), {"Content-Type": "text/plain"})
    elif kind == "html":
        page = f"<html><title>502 {token}</title><body>{seen}</body></html>"
        await x.send(502, page.encode(), {"Content-Type": "text/html"})
    elif kind == "moved":
        await x.send(302, b"", {"Location": f"https://elsewhere.example/?token={token}"})
    elif kind == "slow":
        await x.send(429, json.dumps({"message": token}).encode(), {"Retry-After": token})
    elif kind == "junk":
        await x.send(200, f"{{not json {seen}".encode(), json_type)
    elif kind in {"tasks", UUID}:
        # A success answer that is not what was asked: the decode error quotes it.
        await x.send(200, json.dumps({"uuid": seen, "state": token}).encode(), json_type)
    elif kind == "search":
        await x.send(200, json.dumps({"data": token}).encode(), json_type)
    else:
        await x.send(401, json.dumps({"message": f"who is {token}?", "echo": seen}).encode())


def everything_shown(error: BaseException) -> list[str]:
    """Every text a caller could get out of ``error`` and the errors chained to it."""
    texts = ["".join(traceback.format_exception(error))]
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args)]
        texts += [f"{k}={v!r}" for k, v in vars(current).items()]
        texts += [repr(getattr(current, name, None)) for name in ("details", "value", "location")]
        current = current.__cause__ or current.__context__
    return texts


Call = Callable[[Client], Awaitable[Any]]

CALLS: dict[str, Call] = {
    "problem+json": lambda c: c.request("POST", "/tasks/problem", json_body={"k": CANARY}),
    "text-500": lambda c: c.request("GET", "/text"),
    "html-502": lambda c: c.request("GET", "/html"),
    "redirect": lambda c: c.request("GET", "/moved"),
    "retry-after-echo": lambda c: c.request("GET", "/slow"),
    "json-401": lambda c: c.account.info(),
    "malformed-get": lambda c: c.tasks.get(UUID),
    "malformed-create": lambda c: c.tasks.create(
        TaskCreate(name="t", profile="p", instance_count=1)
    ),
    "malformed-bulk": lambda c: c.tasks.create_many(
        [TaskCreate(name="t", profile="p", instance_count=1)] * 2
    ),
    "invalid-json": lambda c: _json_of(c, "/tasks/u/junk"),
}


async def _json_of(client: Client, route: str) -> Any:
    return (await client.request("GET", route)).json()


async def test_the_canary_appears_nowhere(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="qarnot_async")
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    shown: list[str] = []
    policy = RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_cap=0.002)
    async with (
        ScriptedServer(echoing) as server,
        Client(CANARY, cluster_url=server.url, timeout=2.0, retry=policy) as client,
    ):
        for name, call in CALLS.items():
            try:
                result = await call(client)
            except QarnotError as exc:
                shown += everything_shown(exc)
            else:
                # A bulk creation reports per item instead of raising.
                assert name == "malformed-bulk", name
                shown += [repr(result), *(repr(r) for r in result)]
                with pytest.raises(QarnotError) as info:
                    result.raise_for_errors()
                shown += everything_shown(info.value)
        shown += [repr(client), repr(client.with_options(timeout=1.0))]
    # The server did receive the token, and echoed it: the sweep is not vacuous.
    assert all(r.headers["authorization"] == CANARY for r in server.requests)
    assert len(server.requests) >= len(CALLS)
    assert any("***" in text for text in shown)
    shown += [caplog.text, *(r.getMessage() for r in caplog.records)]
    assert any("retrying" in r.getMessage() for r in caplog.records)
    leaks = [text for text in shown if CANARY in text]
    assert leaks == []


@pytest.mark.parametrize(
    "argv",
    [
        ["tasks", "get", UUID],
        ["tasks", "list"],
        ["tasks", "stdout", "u"],
        ["account"],
        ["--format", "json", "pools", "get", "p"],
        ["tasks", "submit", "--file", "{file}"],
    ],
)
def test_the_command_line_never_prints_the_canary(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG, logger="qarnot_async")
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    monkeypatch.delenv("QARNOT_CLIENT_TOKEN", raising=False)
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"name": "t", "profile": "p", "instanceCount": 1}] * 2))
    argv = [a.replace("{file}", str(tasks)) for a in argv]
    server = _ThreadedServer()
    with server:
        status = cli_main(["--token", CANARY, "--url", server.url, "--timeout", "2", *argv])
    out, err = capsys.readouterr()
    assert status == 1
    assert server.requests, "the command sent nothing"
    assert err.startswith("qarnot-async: error:") or "#0" in err
    assert "Traceback" not in err
    assert CANARY not in out + err + caplog.text


class _ThreadedServer:
    """The echoing server in a thread of its own: the CLI runs its own event loop."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.url = ""
        self.requests: list[RawRequest] = []

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with ScriptedServer(echoing) as server:
            self.url, self.requests = server.url, server.requests
            self._loop = asyncio.get_running_loop()
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> _ThreadedServer:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
