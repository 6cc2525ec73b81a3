"""The aiohttp transport, against real aiohttp.web servers on 127.0.0.1.

aioresponses appears only where the test is about aiohttp itself: how the transport
names each of aiohttp's exceptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import struct
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from aiohttp import web
from aioresponses import aioresponses
from opentelemetry.instrumentation.aiohttp_client import create_trace_config
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from yarl import URL

from qarnot_async import (
    AiohttpTransport,
    Client,
    ConfigurationError,
    ConnectError,
    Request,
    RequestTimeoutError,
    ResponseTooLargeError,
    RetryPolicy,
    TransportError,
)
from qarnot_async._redact import Secret
from qarnot_async.errors import MAX_ERROR_BODY

if TYPE_CHECKING:
    from conftest import Cancel, Serve

CANARY = "tok-CANARY-5f3a9c"


def app_with(route: str, handler: Any, method: str = "GET") -> web.Application:
    app = web.Application()
    app.router.add_route(method, route, handler)
    return app


def peer_port(request: web.Request) -> int:
    """The client's port: one per TCP connection."""
    assert request.transport is not None
    port: int = request.transport.get_extra_info("peername")[1]
    return port


async def test_what_goes_on_the_wire(loopback: Serve) -> None:
    seen: list[tuple[dict[str, str], bytes]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append((dict(request.headers), await request.read()))
        return web.json_response({"uuid": "u"}, status=201)

    srv = await loopback(app_with("/v1/tasks", handler, "POST"))
    async with Client(CANARY, cluster_url=str(srv.make_url("/"))) as c:
        resp = await c.request("POST", "/tasks", json_body={"name": "t"})
    assert (resp.status, resp.json(), resp.headers["Content-Type"]) == (
        201,
        {"uuid": "u"},
        "application/json; charset=utf-8",
    )
    headers, body = seen[0]
    assert headers["Authorization"] == CANARY
    assert headers["User-Agent"].startswith("qarnot-async/")
    assert headers["Accept"] == "application/json"
    assert headers["Content-Type"] == "application/json"
    assert body == b'{"name":"t"}'


async def test_concurrency_cap_counted_by_server(loopback: Serve) -> None:
    in_flight = peak = seen = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal in_flight, peak, seen
        in_flight += 1
        seen += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        return web.json_response({"n": request.match_info["n"]})

    srv = await loopback(app_with("/v1/items/{n}", handler))
    async with Client(CANARY, cluster_url=str(srv.make_url("/")), max_concurrency=8) as c:
        results = await asyncio.gather(*(c.request("GET", f"/items/{i}") for i in range(1000)))
    assert [r.json()["n"] for r in results] == [str(i) for i in range(1000)]
    assert seen == 1000
    assert peak == 8  # the cap is reached and never exceeded
    assert c.stats.max_in_flight == 8


async def test_cancel_during_backoff_gives_the_connection_back(
    loopback: Serve, stuck_backoff: asyncio.Event, cancel_when: Cancel
) -> None:
    ports: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        ports.append(peer_port(request))
        status = 503 if request.path.endswith("/busy") else 200
        return web.json_response({"message": "busy"}, status=status)

    app = app_with("/v1/busy", handler)
    app.router.add_get("/v1/info", handler)
    srv = await loopback(app)
    async with Client(CANARY, cluster_url=str(srv.make_url("/")), max_connections=1) as c:
        await cancel_when(c.request("GET", "/busy"), stuck_backoff)
        assert c.stats.requests == 1  # cancelled, not retried
        # The pool holds one connection: had the cancelled request kept it, this would
        # wait forever. It reuses the very same connection.
        await asyncio.wait_for(c.request("GET", "/info"), 5)
    assert len(ports) == 2
    assert ports[0] == ports[1]


async def test_cancel_during_request_frees_the_connection(
    loopback: Serve, cancel_when: Cancel
) -> None:
    entered = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        if request.path.endswith("/slow"):
            entered.set()
            await asyncio.Event().wait()
        return web.json_response({})

    app = app_with("/v1/slow", handler)
    app.router.add_get("/v1/info", handler)
    srv = await loopback(app)
    async with Client(CANARY, cluster_url=str(srv.make_url("/")), max_connections=1) as c:
        await cancel_when(c.request("GET", "/slow"), entered)
        assert c.stats.in_flight == 0
        await asyncio.wait_for(c.request("GET", "/info"), 5)


async def test_connection_refused_is_connect_error(sleeps: list[float]) -> None:
    # A port nothing listens on: bind one, then close it.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    async with Client(
        CANARY, cluster_url=f"http://127.0.0.1:{port}", retry=RetryPolicy(max_attempts=2)
    ) as c:
        with pytest.raises(ConnectError, match=r"cannot connect to 127\.0\.0\.1") as info:
            await c.request("POST", "/tasks", json_body={})
    assert not info.value.request_sent
    assert "POST /tasks" in str(info.value)
    assert len(sleeps) == 1  # a creating POST that never left is retried


async def test_per_call_timeout(loopback: Serve) -> None:
    async def handler(request: web.Request) -> web.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    srv = await loopback(app_with("/v1/slow", handler))
    async with Client(
        CANARY, cluster_url=str(srv.make_url("/")), retry=RetryPolicy(max_attempts=1)
    ) as c:
        with pytest.raises(RequestTimeoutError, match=r"GET /slow: no answer within 0\.05s"):
            await c.request("GET", "/slow", timeout=0.05)


async def test_unreadable_ca_file_is_a_configuration_error() -> None:
    async with Client("t", cluster_url="https://x.example.test", ca_file="/nonexistent.pem") as c:
        with pytest.raises(ConfigurationError, match="CA file"):
            await c.request("GET", "/info")


async def test_session_is_created_lazily_and_closed(loopback: Serve) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({})

    srv = await loopback(app_with("/v1/info", handler))
    transport = AiohttpTransport(max_connections=3)
    assert "max_connections=3" in repr(transport)
    c = Client(CANARY, cluster_url=str(srv.make_url("/")), transport=transport)
    assert c.transport is transport
    assert transport.session is None  # building a client does no I/O
    await c.request("GET", "/info")
    session = transport.session
    assert session is not None
    assert session.connector is not None
    assert session.connector.limit == 3
    await c.close()
    assert transport.closed
    assert session.closed
    with pytest.raises(ConfigurationError, match="closed"):
        await transport.handle_async_request(Request("GET", srv.make_url("/v1/info")))


def test_unsafe_tls_warns(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING")
    Client(CANARY, cluster_url="https://api.example.test", verify_ssl=False)
    assert "TLS certificate verification is off" in caplog.text


def test_max_connections_is_checked() -> None:
    with pytest.raises(ConfigurationError, match="max_connections"):
        Client(CANARY, max_connections=0)


# -- observability: aiohttp trace configs -------------------------------------------------


async def test_opentelemetry_records_a_span_per_attempt(
    loopback: Serve, sleeps: list[float]
) -> None:
    calls = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return web.json_response({"message": "busy"}, status=503)
        return web.json_response({"email": "a@b.c"})

    srv = await loopback(app_with("/v1/info", handler))
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace_config = create_trace_config(tracer_provider=provider)
    async with Client(
        CANARY, cluster_url=str(srv.make_url("/")), trace_configs=[trace_config]
    ) as c:
        assert (await c.request("GET", "/info")).json() == {"email": "a@b.c"}
    spans = exporter.get_finished_spans()
    assert [span.name for span in spans] == ["GET", "GET"]
    url = str(srv.make_url("/v1/info"))
    statuses = []
    for span in spans:
        attributes = dict(span.attributes or {})
        assert url in (attributes.get("http.url"), attributes.get("url.full"))
        statuses.append(
            attributes.get("http.status_code", attributes.get("http.response.status_code"))
        )
        assert CANARY not in str(attributes)
    assert statuses == [503, 200]


async def test_trace_configs_reach_the_session(loopback: Serve) -> None:
    started: list[str] = []

    async def on_request_start(
        session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestStartParams
    ) -> None:
        started.append(f"{params.method} {params.url.path}")

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)

    async def handler(request: web.Request) -> web.Response:
        return web.json_response({})

    srv = await loopback(app_with("/v1/info", handler))
    async with Client(CANARY, cluster_url=str(srv.make_url("/")), trace_configs=[trace]) as c:
        await c.request("GET", "/info")
    assert started == ["GET /v1/info"]


# -- how aiohttp's own exceptions are named (aioresponses plays aiohttp) --------------------

BASE = "https://api.example.test"


@pytest.mark.parametrize(
    ("raised", "expected", "message", "request_sent"),
    [
        (
            aiohttp.ClientConnectorError(
                aiohttp.client_reqrep.ConnectionKey("h", 443, True, None, None, None, None),
                OSError(111, "Connection refused"),
            ),
            ConnectError,
            "cannot connect to api.example.test: Connection refused",
            False,
        ),
        (
            aiohttp.ServerDisconnectedError(),
            ConnectError,
            "connection lost (ServerDisconnectedError)",
            True,
        ),
        (
            aiohttp.ClientPayloadError("truncated"),
            ConnectError,
            "the answer's body was cut short or malformed (truncated)",
            True,
        ),
        (TimeoutError(), RequestTimeoutError, "no answer within 2.0s", None),
        (
            aiohttp.InvalidURL(f"http://bad host/{CANARY}"),
            TransportError,
            "the request failed: InvalidURL: http://bad host/***",
            None,
        ),
    ],
)
async def test_aiohttp_exceptions_are_named(
    raised: BaseException, expected: type[TransportError], message: str, request_sent: bool | None
) -> None:
    secret = Secret(CANARY)
    transport = AiohttpTransport()
    request = Request("GET", URL(f"{BASE}/v1/info"), timeout=2.0, path="/info")
    try:
        with aioresponses() as mock:
            mock.get(f"{BASE}/v1/info", exception=raised)
            with pytest.raises(expected) as info:
                await transport.handle_async_request(request)
    finally:
        await transport.aclose()
    assert type(info.value) is expected
    assert str(info.value) == f"GET /info: {message}"
    assert info.value.__cause__ is None  # aiohttp's exceptions may carry the headers
    if request_sent is not None:
        assert isinstance(info.value, ConnectError)
        assert info.value.request_sent is request_sent
    assert secret.value not in str(info.value)


# -- one retry count: ours ---------------------------------------------------------------


@contextlib.asynccontextmanager
async def resetting_server() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A raw server on 127.0.0.1 that reads each request, then resets the connection;
    it records the request lines, one per connection."""
    seen: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            seen.append((await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")[0])
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", seen
    finally:
        server.close()
        await server.wait_closed()


async def test_aiohttp_alone_sends_a_get_twice_on_a_reset() -> None:
    # Why the transport turns aiohttp's own retry off: this is what it does by itself.
    async with resetting_server() as (url, seen), aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientOSError):
            await session.get(f"{url}/v1/info")
    assert len(seen) == 2


@pytest.mark.parametrize(("method", "attempts"), [("GET", 5), ("GET", 1), ("DELETE", 3)])
async def test_a_reset_connection_is_retried_only_by_the_policy(
    sleeps: list[float], method: str, attempts: int
) -> None:
    policy = RetryPolicy(max_attempts=attempts)
    async with resetting_server() as (url, seen):
        c = Client(CANARY, cluster_url=url, retry=policy)
        async with c:
            with pytest.raises(ConnectError) as info:
                await c.request(method, "/info")
    assert seen == [f"{method} /v1/info HTTP/1.1".encode()] * attempts
    assert c.stats.requests == attempts
    assert len(sleeps) == attempts - 1
    assert "connection lost" in str(info.value)


# -- bounded reads -------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["identity", "gzip", "chunked"])
async def test_the_limit_counts_decompressed_bytes(loopback: Serve, encoding: str) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        size = int(request.query["size"])
        if encoding == "gzip":
            body = gzip.compress(b"a" * size)
            return web.Response(body=body, headers={"Content-Encoding": "gzip"})
        if encoding == "identity":
            return web.Response(body=b"a" * size)
        resp = web.StreamResponse()
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for _ in range(size // 100):
            await resp.write(b"a" * 100)
        await resp.write_eof()
        return resp

    srv = await loopback(app_with("/v1/out", handler))
    async with Client(CANARY, cluster_url=str(srv.make_url("/")), max_response_bytes=3000) as c:
        at_limit = await c.request("GET", "/out", params={"size": "3000"})
        assert at_limit.body == b"a" * 3000
        with pytest.raises(ResponseTooLargeError) as info:
            await c.request("GET", "/out", params={"size": "3100"})
        # The connection dropped for the oversized answer is not reused: the next works.
        assert len((await c.request("GET", "/out", params={"size": "100"})).body) == 100
    assert info.value.limit == 3000
    assert c.stats.requests == 3  # a too-large answer is not retried


async def test_an_error_body_is_read_only_up_to_the_cap(loopback: Serve) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(status=500, headers={"Content-Type": "text/plain"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        with contextlib.suppress(ConnectionError):
            for _ in range(1000):  # 100 MB if it were read whole
                await resp.write(b"e" * 100_000)
        return resp

    transport = AiohttpTransport()
    srv = await loopback(app_with("/v1/boom", handler))
    request = Request("GET", srv.make_url("/v1/boom"), timeout=5.0, max_response_bytes=10)
    try:
        answer = await transport.handle_async_request(request)
    finally:
        await transport.aclose()
    assert answer.status == 500
    assert answer.body == b"e" * MAX_ERROR_BODY
