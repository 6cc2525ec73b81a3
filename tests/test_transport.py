"""The transport: headers, error mapping, retries, concurrency cap, safety."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aioresponses import aioresponses

import qarnot_async
from qarnot_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    Client,
    ConfigurationError,
    ConflictError,
    ConnectError,
    ForbiddenError,
    NotEnoughCreditsError,
    NotFoundError,
    QuotaExceededError,
    RateLimitedError,
    RequestTimeoutError,
    RetryEvent,
    RetryPolicy,
    ServerError,
    TransportError,
    _retry,
)

BASE = "https://api.example.test"
CANARY = "tok-CANARY-5f3a9c"


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Replace the backoff sleep with a recorder: no real time passes."""
    recorded: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(_retry, "_sleep", fake_sleep)
    return recorded


def client(**kwargs: Any) -> Client:
    kwargs.setdefault("cluster_url", BASE)
    return Client(CANARY, **kwargs)


async def test_headers_and_versioned_path() -> None:
    with aioresponses() as mock:
        mock.get(f"{BASE}/v1/info", payload={"email": "a@b.c"})
        async with client() as c:
            resp = await c.request("GET", "/info")
        assert resp.json() == {"email": "a@b.c"}
        ((key, calls),) = mock.requests.items()
        assert key[0] == "GET"
        assert str(key[1]) == f"{BASE}/v1/info"
        headers = calls[0].kwargs["headers"]
        assert headers["Authorization"] == CANARY  # raw, no "Bearer"


async def test_unversioned_paths() -> None:
    with aioresponses() as mock:
        mock.get(f"{BASE}/tasks", payload=[])
        async with client(api_version=None) as c:
            assert (await c.request("GET", "/tasks")).json() == []


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (402, NotEnoughCreditsError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitedError),
        (500, ServerError),
        (502, ServerError),
        (418, APIError),
    ],
)
async def test_status_maps_to_class(status: int, cls: type[APIError]) -> None:
    with aioresponses() as mock:
        mock.get(f"{BASE}/v1/tasks/x", status=status, payload={"message": f"msg {status}"})
        async with client(retry=RetryPolicy(max_attempts=1)) as c:
            with pytest.raises(cls) as info:
                await c.request("GET", "/tasks/x")
    err = info.value
    assert type(err) is cls
    assert err.status == status
    assert err.message == f"msg {status}"
    assert str(err) == f"GET /tasks/x: {status} msg {status}"


async def test_quota_message_maps_to_quota_error() -> None:
    with aioresponses() as mock:
        mock.post(
            f"{BASE}/v1/tasks", status=403, payload={"message": "maximum number of tasks reached"}
        )
        async with client() as c:
            with pytest.raises(QuotaExceededError, match="maximum number of tasks reached"):
                await c.request("POST", "/tasks", json_body={"name": "t"})


async def test_problem_json_field_errors() -> None:
    body = {
        "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": {"Name": ["The Name field is required."]},
    }
    with aioresponses() as mock:
        mock.post(
            f"{BASE}/v1/tasks", status=400, payload=body, content_type="application/problem+json"
        )
        async with client() as c:
            with pytest.raises(BadRequestError) as info:
                await c.request("POST", "/tasks", json_body={})
    assert info.value.field_errors == {"Name": ["The Name field is required."]}
    assert "The Name field is required." in str(info.value)
    assert "One or more validation errors occurred." in info.value.message


async def test_empty_and_text_error_bodies() -> None:
    with aioresponses() as mock:
        mock.get(f"{BASE}/v1/a", status=404, body=b"", reason="Not Found")
        mock.get(f"{BASE}/v1/b", status=404, body="no such thing", content_type="text/plain")
        async with client() as c:
            with pytest.raises(NotFoundError, match="Not Found"):
                await c.request("GET", "/a")
            with pytest.raises(NotFoundError, match="no such thing"):
                await c.request("GET", "/b")


async def test_503_then_200_is_retried(sleeps: list[float]) -> None:
    with aioresponses() as mock:
        mock.get(f"{BASE}/v1/info", status=503)
        mock.get(f"{BASE}/v1/info", payload={"ok": True})
        async with client() as c:
            assert (await c.request("GET", "/info")).json() == {"ok": True}
            assert c.stats.requests == 2
            assert c.stats.retries == 1
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= 0.5  # full jitter under the first ceiling


async def test_retry_after_is_honoured(sleeps: list[float]) -> None:
    events: list[RetryEvent] = []
    with aioresponses() as mock:
        mock.get(f"{BASE}/v1/info", status=429, headers={"Retry-After": "2"})
        mock.get(f"{BASE}/v1/info", payload={})
        async with client(retry=RetryPolicy(on_retry=events.append)) as c:
            await c.request("GET", "/info")
    assert sleeps == [2.0]
    assert len(events) == 1
    assert events[0].attempt == 1
    assert events[0].delay == 2.0
    assert isinstance(events[0].error, RateLimitedError)


async def test_retry_after_as_http_date() -> None:
    assert _retry.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412475.0) == 5.0
    assert _retry.parse_retry_after("garbage") is None
    assert _retry.parse_retry_after("3.5") == 3.5


async def test_retry_after_over_cap_raises_at_once(sleeps: list[float]) -> None:
    with aioresponses() as mock:
        mock.get(f"{BASE}/v1/info", status=503, headers={"Retry-After": "3600"})
        async with client(retry=RetryPolicy(max_retry_after=60)) as c:
            with pytest.raises(RateLimitedError) as info:
                await c.request("GET", "/info")
    assert info.value.retry_after == 3600
    assert sleeps == []


async def test_attempts_are_bounded(sleeps: list[float]) -> None:
    with aioresponses() as mock:
        mock.get(f"{BASE}/v1/info", status=500, repeat=True)
        async with client(retry=RetryPolicy(max_attempts=3)) as c:
            with pytest.raises(ServerError):
                await c.request("GET", "/info")
            assert c.stats.requests == 3
    assert len(sleeps) == 2


async def test_creating_post_that_times_out_is_not_retried(sleeps: list[float]) -> None:
    with aioresponses() as mock:
        mock.post(f"{BASE}/v1/tasks", exception=TimeoutError(), repeat=True)
        async with client() as c:
            with pytest.raises(RequestTimeoutError):
                await c.request("POST", "/tasks", json_body={"name": "t"})
            assert c.stats.requests == 1
    assert sleeps == []


async def test_creating_post_is_retried_when_the_connection_never_opened(
    sleeps: list[float],
) -> None:
    refused = aiohttp.ClientConnectorError(
        aiohttp.client_reqrep.ConnectionKey("h", 443, True, None, None, None, None),
        OSError(111, "Connection refused"),
    )
    with aioresponses() as mock:
        mock.post(f"{BASE}/v1/tasks", exception=refused)
        mock.post(f"{BASE}/v1/tasks", payload={"uuid": "u"})
        async with client() as c:
            resp = await c.request("POST", "/tasks", json_body={"name": "t"})
    assert resp.json() == {"uuid": "u"}
    assert len(sleeps) == 1


async def test_reading_posts_are_retried(sleeps: list[float]) -> None:
    with aioresponses() as mock:
        mock.post(f"{BASE}/v1/tasks/paginate", status=502)
        mock.post(f"{BASE}/v1/tasks/paginate", payload={"data": []})
        async with client() as c:
            await c.request("POST", "/tasks/paginate", json_body={})
    assert len(sleeps) == 1


def test_idempotency_rules() -> None:
    assert _retry.is_idempotent("GET", "/tasks")
    assert _retry.is_idempotent("DELETE", "/tasks/u")
    assert _retry.is_idempotent("POST", "/tasks/summaries/paginate")
    assert _retry.is_idempotent("POST", "/tasks/search")
    assert _retry.is_idempotent("POST", "/tasks/u/stdout/3")
    assert _retry.is_idempotent("POST", "/sanity-checks/pools/scaling")
    assert not _retry.is_idempotent("POST", "/tasks")
    assert not _retry.is_idempotent("POST", "/tasks/u/retry")
    assert not _retry.is_idempotent("POST", "/tasks/u/abort")


def test_cancelled_error_is_never_retried() -> None:
    policy = RetryPolicy()
    assert not policy.should_retry(asyncio.CancelledError(), idempotent=True)
    assert not policy.should_retry(KeyboardInterrupt(), idempotent=True)
    assert not policy.should_retry(ValueError(), idempotent=True)


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"backoff_base": 0}])
def test_retry_policy_validates(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="RetryPolicy"):
        RetryPolicy(**kwargs)


# -- against a real aiohttp.web server on 127.0.0.1 ---------------------------------


@pytest.fixture
async def server() -> AsyncIterator[Callable[[web.Application], Any]]:
    servers: list[TestServer] = []

    async def start(app: web.Application) -> TestServer:
        srv = TestServer(app, host="127.0.0.1")
        await srv.start_server()
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        await srv.close()


async def test_concurrency_cap_counted_by_server(server: Any) -> None:
    in_flight = 0
    peak = 0
    seen = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal in_flight, peak, seen
        in_flight += 1
        seen += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        return web.json_response({"n": request.match_info["n"]})

    app = web.Application()
    app.router.add_get("/v1/items/{n}", handler)
    srv = await server(app)
    async with Client(CANARY, cluster_url=str(srv.make_url("/")), max_concurrency=8) as c:
        results = await asyncio.gather(*(c.request("GET", f"/items/{i}") for i in range(1000)))
    assert [r.json()["n"] for r in results] == [str(i) for i in range(1000)]
    assert seen == 1000
    assert peak == 8  # the cap is reached and never exceeded
    assert c.stats.max_in_flight == 8


async def test_user_agent_and_read_only_view(server: Any) -> None:
    seen: list[dict[str, str]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/v1/info", handler)
    srv = await server(app)
    async with Client(CANARY, cluster_url=str(srv.make_url("/"))) as c:
        await c.request("GET", "/info")
        view = c.as_account("someone@example.com")
        await view.request("GET", "/info")
        await view.close()  # a view never closes its parent
        assert not c.closed
        await c.request("GET", "/info")
    assert re.fullmatch(r"qarnot-async/\S+ aiohttp/\S+ python/\S+", seen[0]["User-Agent"])
    assert "QarnotReadOnlyRequestForAccount" not in seen[0]
    assert seen[1]["QarnotReadOnlyRequestForAccount"] == "someone@example.com"
    assert "QarnotReadOnlyRequestForAccount" not in seen[2]
    assert all(h["Authorization"] == CANARY for h in seen)


async def test_cancel_during_backoff_propagates_and_frees_connection(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeping = asyncio.Event()

    async def endless_sleep(seconds: float) -> None:
        sleeping.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(_retry, "_sleep", endless_sleep)

    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"message": "busy"}, status=503)

    app = web.Application()
    app.router.add_get("/v1/info", handler)
    srv = await server(app)
    async with Client(CANARY, cluster_url=str(srv.make_url("/"))) as c:
        task = asyncio.create_task(c.request("GET", "/info"))
        await asyncio.wait_for(sleeping.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 1)
        assert c.stats.requests == 1  # cancelled, not retried
        assert c.stats.in_flight == 0
        session = c._transport.session
        assert session is not None
        assert session.connector is not None
        assert len(session.connector._acquired) == 0  # the connection went back


async def test_cancel_during_request_frees_slot(server: Any) -> None:
    entered = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        entered.set()
        await asyncio.sleep(30)
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/v1/slow", handler)
    srv = await server(app)
    async with Client(CANARY, cluster_url=str(srv.make_url("/")), max_concurrency=1) as c:
        task = asyncio.create_task(c.request("GET", "/slow"))
        await asyncio.wait_for(entered.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert c.stats.in_flight == 0
        assert c._transport._slots is not None
        assert not c._transport._slots.locked()


async def test_connection_refused_is_connect_error(sleeps: list[float]) -> None:
    # A port nothing listens on: bind one, then close it.
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    async with Client(
        CANARY, cluster_url=f"http://127.0.0.1:{port}", retry=RetryPolicy(max_attempts=2)
    ) as c:
        with pytest.raises(ConnectError) as info:
            await c.request("GET", "/info")
    assert not info.value.request_sent
    assert "GET /info" in str(info.value)
    assert len(sleeps) == 1


async def test_per_call_timeout(server: Any) -> None:
    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/v1/slow", handler)
    srv = await server(app)
    async with Client(
        CANARY, cluster_url=str(srv.make_url("/")), retry=RetryPolicy(max_attempts=1)
    ) as c:
        with pytest.raises(RequestTimeoutError, match="GET /slow"):
            await c.request("GET", "/slow", timeout=0.05)


# -- safety -------------------------------------------------------------------------


def test_plain_http_to_remote_host_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="clear text"):
        Client(CANARY, cluster_url="http://api.qarnot.com")
    with pytest.warns(RuntimeWarning, match="without TLS"):
        Client(CANARY, cluster_url="http://10.0.0.1", allow_insecure_http=True)
    Client(CANARY, cluster_url="http://127.0.0.1:8080")
    Client(CANARY, cluster_url="http://localhost:8080")
    Client(CANARY, cluster_url="http://[::1]:8080")


@pytest.mark.parametrize("url", ["api.qarnot.com", "ftp://x", ""])
def test_malformed_url_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="cluster_url"):
        Client(CANARY, cluster_url=url)


def test_missing_token() -> None:
    with pytest.raises(ConfigurationError, match="QARNOT_CLIENT_TOKEN"):
        Client("")


async def test_closed_client_raises_clearly() -> None:
    c = client()
    await c.close()
    with pytest.raises(ConfigurationError, match="closed"):
        await c.request("GET", "/info")
    with pytest.raises(ConfigurationError, match="closed"):
        async with c:
            pass


async def test_construction_does_no_io() -> None:
    c = client()
    assert c._transport.session is None
    await c.close()


async def test_canary_token_never_leaks(
    caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    with aioresponses() as mock:
        mock.get(f"{BASE}/v1/info", status=503, payload={"message": f"echo {CANARY}"})
        mock.get(f"{BASE}/v1/info", status=401, payload={"message": f"bad token {CANARY}"})
        async with client() as c:
            try:
                await c.request("GET", "/info")
            except APIError as exc:
                errors += [str(exc), repr(exc), exc.message]
            logging.getLogger("qarnot_async").warning("user logged %s", CANARY)
            texts = [repr(c), repr(c.as_account("a@b.c")), *errors]
    texts += [r.getMessage() for r in caplog.records]
    texts += [caplog.text]
    assert any("retrying GET /info" in t for t in texts)
    for text in texts:
        assert CANARY not in text
    assert "***" in repr(c)


async def test_unsafe_tls_warns(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    Client(CANARY, cluster_url=BASE, verify_ssl=False)
    assert "TLS certificate verification is off" in caplog.text


def test_public_api_exports() -> None:
    for name in qarnot_async.__all__:
        assert hasattr(qarnot_async, name), name


async def test_attempt_number_is_recorded(sleeps: list[float]) -> None:
    with aioresponses() as mock:
        mock.get(f"{BASE}/v1/info", status=503)
        mock.get(f"{BASE}/v1/info", payload={})
        mock.post(f"{BASE}/v1/tasks", status=502)
        mock.post(f"{BASE}/v1/tasks", status=409, payload={"message": "shortname taken"})
        async with client() as c:
            assert (await c.request("GET", "/info")).attempt == 2
            with pytest.raises(ConflictError) as info:
                await c.request("POST", "/tasks", json_body={}, idempotent=True)
    assert info.value.attempt == 2


async def test_deadline_stops_retries_that_would_overrun_it(sleeps: list[float]) -> None:
    with aioresponses() as mock:
        mock.get(f"{BASE}/v1/info", status=503, headers={"Retry-After": "2"}, repeat=True)
        async with client(retry=RetryPolicy(deadline=1.0)) as c:
            with pytest.raises(ServerError):
                await c.request("GET", "/info")
            assert c.stats.requests == 1
    assert sleeps == []  # a 2 s wait would end past the 1 s deadline: not even started


@pytest.mark.parametrize("status", [408, 500, 502, 504])
async def test_each_retryable_status_is_retried(sleeps: list[float], status: int) -> None:
    with aioresponses() as mock:
        mock.put(f"{BASE}/v1/tasks/u", status=status)
        mock.put(f"{BASE}/v1/tasks/u", payload={})
        async with client() as c:
            await c.request("PUT", "/tasks/u", json_body={})
            assert c.stats.retries == 1


async def test_other_aiohttp_failures_become_transport_errors(sleeps: list[float]) -> None:
    with aioresponses() as mock:
        mock.get(f"{BASE}/v1/info", exception=aiohttp.InvalidURL("http://bad host"))
        async with client() as c:
            with pytest.raises(TransportError, match="GET /info: the request failed"):
                await c.request("GET", "/info")
    assert sleeps == []  # not an error worth retrying
