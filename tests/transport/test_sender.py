"""The sender above any transport: headers, retries, the cap, hooks, errors, redaction.

Every test here runs on a MockTransport: what is tested holds for any transport.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

import pytest

from qarnot_async import (
    APIError,
    Client,
    ConfigurationError,
    ConflictError,
    ConnectError,
    MockTransport,
    NotFoundError,
    RateLimitedError,
    RedirectError,
    Request,
    RequestTimeoutError,
    Response,
    ResponseTooLargeError,
    RetryEvent,
    RetryPolicy,
    ServerError,
)
from qarnot_async.errors import MAX_ERROR_BODY

if TYPE_CHECKING:
    from conftest import Cancel, Script

CANARY = "tok-CANARY-5f3a9c"
OK = Response.from_json({})


def client(script: Script, **kwargs: Any) -> Client:
    kwargs.setdefault("cluster_url", "https://api.example.test")
    return Client(CANARY, transport=script.transport, **kwargs)


async def test_headers_url_and_body(script: Script) -> None:
    script.add("GET", "/info", Response.from_json({"email": "a@b.c"}))
    script.add("POST", "/tasks", Response.from_json({"uuid": "u"}))
    async with client(script, headers={"X-Team": "render"}) as c:
        assert (await c.request("GET", "/info", params={"a": "1 2"})).json() == {"email": "a@b.c"}
        await c.request("POST", "/tasks", json_body={"name": "t"}, headers={"X-Call": "1"})
    get, post = script.requests
    assert str(get.url) == "https://api.example.test/v1/info?a=1+2"
    assert get.headers["Authorization"] == CANARY  # raw, no "Bearer"
    assert re.fullmatch(r"qarnot-async/\S+ aiohttp/\S+ python/\S+", get.headers["User-Agent"])
    assert get.headers["Accept"] == "application/json"
    assert get.headers["X-Team"] == "render"
    assert get.body is None
    assert "Content-Type" not in get.headers
    assert "X-Call" not in get.headers
    assert post.body == b'{"name":"t"}'
    assert post.headers["Content-Type"] == "application/json"
    assert post.headers["X-Call"] == "1"
    assert post.headers["X-Team"] == "render"


async def test_unversioned_paths(script: Script) -> None:
    script.add("GET", "/tasks", Response.from_json([]))
    async with client(script, api_version=None) as c:
        assert (await c.request("GET", "/tasks")).json() == []
    assert str(script.requests[0].url) == "https://api.example.test/tasks"


async def test_timeouts_reach_the_transport(script: Script) -> None:
    script.add("GET", "/info", OK, repeat=True)
    async with client(script, timeout=12) as c:
        await c.request("GET", "/info")
        await c.request("GET", "/info", timeout=0.5)
        await c.request("GET", "/info", timeout=None)
    assert [r.timeout for r in script.requests] == [12, 0.5, None]


async def test_error_answers_are_mapped_with_the_request_named(script: Script) -> None:
    script.add("GET", "/tasks/x", Response.from_json({"message": "no such task"}, status=404))
    async with client(script) as c:
        with pytest.raises(NotFoundError) as info:
            await c.request("GET", "/tasks/x")
    assert str(info.value) == "GET /tasks/x: 404 no such task"
    assert info.value.attempt == 1


async def test_503_then_200_is_retried(script: Script, sleeps: list[float]) -> None:
    script.add("GET", "/info", Response(503), Response.from_json({"ok": True}))
    async with client(script) as c:
        resp = await c.request("GET", "/info")
        assert resp.json() == {"ok": True}
        assert resp.attempt == 2
        assert (c.stats.requests, c.stats.retries) == (2, 1)
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= 0.5  # full jitter under the first ceiling


async def test_retry_after_is_honoured(script: Script, sleeps: list[float]) -> None:
    events: list[RetryEvent] = []
    script.add("GET", "/info", Response(429, {"Retry-After": "2"}), OK)
    async with client(script, retry=RetryPolicy(on_retry=events.append)) as c:
        await c.request("GET", "/info")
    assert sleeps == [2.0]
    assert [(e.method, e.path, e.attempt, e.delay) for e in events] == [("GET", "/info", 1, 2.0)]
    assert isinstance(events[0].error, RateLimitedError)


async def test_async_on_retry_is_awaited(script: Script, sleeps: list[float]) -> None:
    events: list[int] = []

    async def on_retry(event: RetryEvent) -> None:
        await asyncio.sleep(0)
        events.append(event.attempt)

    script.add("GET", "/info", Response(502), Response(502), OK)
    async with client(script, retry=RetryPolicy(on_retry=on_retry)) as c:
        await c.request("GET", "/info")
    assert events == [1, 2]


async def test_retry_after_over_cap_raises_at_once(script: Script, sleeps: list[float]) -> None:
    script.add("GET", "/info", Response(503, {"Retry-After": "3600"}))
    async with client(script, retry=RetryPolicy(max_retry_after=60)) as c:
        with pytest.raises(RateLimitedError) as info:
            await c.request("GET", "/info")
    assert info.value.retry_after == 3600
    assert sleeps == []


async def test_attempts_are_bounded(script: Script, sleeps: list[float]) -> None:
    script.add("GET", "/info", Response(500), repeat=True)
    async with client(script, retry=RetryPolicy(max_attempts=3)) as c:
        with pytest.raises(ServerError) as info:
            await c.request("GET", "/info")
        assert c.stats.requests == 3
    assert info.value.attempt == 3
    assert len(sleeps) == 2


async def test_deadline_stops_retries_that_would_overrun_it(
    script: Script, sleeps: list[float]
) -> None:
    script.add("GET", "/info", Response(503, {"Retry-After": "2"}), repeat=True)
    async with client(script, retry=RetryPolicy(deadline=1.0)) as c:
        with pytest.raises(ServerError):
            await c.request("GET", "/info")
        assert c.stats.requests == 1
    assert sleeps == []  # a 2 s wait would end past the 1 s deadline: not even started


@pytest.mark.parametrize("status", [408, 500, 502, 504])
async def test_each_retryable_status_is_retried(
    script: Script, sleeps: list[float], status: int
) -> None:
    script.add("PUT", "/tasks/u", Response(status), OK)
    async with client(script) as c:
        await c.request("PUT", "/tasks/u", json_body={})
        assert c.stats.retries == 1


async def test_creating_post_that_times_out_is_not_retried(
    script: Script, sleeps: list[float]
) -> None:
    script.add("POST", "/tasks", TimeoutError(), repeat=True)
    async with client(script) as c:
        with pytest.raises(RequestTimeoutError, match=r"POST /tasks: no answer within 30\.0s"):
            await c.request("POST", "/tasks", json_body={"name": "t"})
        assert c.stats.requests == 1
    assert sleeps == []


async def test_creating_post_is_retried_when_the_request_never_left(
    script: Script, sleeps: list[float]
) -> None:
    refused = ConnectError("refused", method="POST", path="/tasks", request_sent=False)
    script.add("POST", "/tasks", refused, Response.from_json({"uuid": "u"}))
    async with client(script) as c:
        resp = await c.request("POST", "/tasks", json_body={"name": "t"})
    assert resp.json() == {"uuid": "u"}
    assert len(sleeps) == 1


async def test_creating_post_is_not_retried_after_a_dropped_connection(
    script: Script, sleeps: list[float]
) -> None:
    script.add("POST", "/tasks", ConnectError("reset", method="POST", path="/tasks"), OK)
    async with client(script) as c:
        with pytest.raises(ConnectError, match="reset"):
            await c.request("POST", "/tasks", json_body={})
    assert sleeps == []


async def test_reading_posts_are_retried(script: Script, sleeps: list[float]) -> None:
    script.add("POST", "/tasks/paginate", Response(502), Response.from_json({"data": []}))
    async with client(script) as c:
        await c.request("POST", "/tasks/paginate", json_body={})
    assert len(sleeps) == 1


async def test_attempt_number_is_recorded_on_errors(script: Script, sleeps: list[float]) -> None:
    script.add(
        "POST", "/tasks", Response(502), Response.from_json({"message": "taken"}, status=409)
    )
    async with client(script) as c:
        with pytest.raises(ConflictError) as info:
            await c.request("POST", "/tasks", json_body={}, idempotent=True)
    assert info.value.attempt == 2


async def test_concurrency_cap(script: Script) -> None:
    in_flight = peak = 0

    async def handler(request: Request) -> Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(3):  # yield so that every slot holder overlaps
            await asyncio.sleep(0)
        in_flight -= 1
        return Response.from_json({"path": request.path})

    async with Client(CANARY, transport=MockTransport(handler), max_concurrency=8) as c:
        results = await asyncio.gather(*(c.request("GET", f"/items/{i}") for i in range(300)))
        assert (c.stats.max_in_flight, c.stats.in_flight) == (8, 0)
    assert [r.json()["path"] for r in results] == [f"/items/{i}" for i in range(300)]
    assert peak == 8  # the cap is reached and never exceeded


async def test_cancel_during_backoff_propagates_and_frees_the_slot(
    script: Script, stuck_backoff: asyncio.Event, cancel_when: Cancel
) -> None:
    script.add("GET", "/busy", Response(503))
    script.add("GET", "/info", OK)
    async with client(script, max_concurrency=1) as c:
        await cancel_when(c.request("GET", "/busy"), stuck_backoff)
        assert (c.stats.requests, c.stats.in_flight) == (1, 0)  # cancelled, not retried
        # The only slot is free again: the next request goes through.
        await asyncio.wait_for(c.request("GET", "/info"), 5)


async def test_cancel_during_request_frees_the_slot(cancel_when: Cancel) -> None:
    entered = asyncio.Event()

    async def handler(request: Request) -> Response:
        if request.path == "/slow":
            entered.set()
            await asyncio.Event().wait()
        return OK

    async with Client(CANARY, transport=MockTransport(handler), max_concurrency=1) as c:
        await cancel_when(c.request("GET", "/slow"), entered)
        assert c.stats.in_flight == 0
        await asyncio.wait_for(c.request("GET", "/info"), 5)


async def test_closed_client_raises_clearly(script: Script) -> None:
    c = client(script)
    await c.close()
    await c.close()  # twice is fine
    with pytest.raises(ConfigurationError, match="closed"):
        await c.request("GET", "/info")
    with pytest.raises(ConfigurationError, match="closed"):
        async with c:
            pass
    assert script.requests == []


# -- event hooks -----------------------------------------------------------------------


async def test_hooks_see_every_attempt_with_the_token_masked(
    script: Script, sleeps: list[float]
) -> None:
    events: list[tuple[str, Any]] = []

    def on_request(request: Request) -> None:
        events.append(("request", request))

    async def on_response(response: Response) -> None:
        await asyncio.sleep(0)
        events.append(("response", response))

    script.add("GET", "/info", Response(503), Response.from_json({"ok": 1}))
    async with client(script, on_request=[on_request], on_response=[on_response]) as c:
        await c.request("GET", "/info")
    kinds = [kind for kind, _ in events]
    assert kinds == ["request", "response", "request", "response"]
    requests = [e for kind, e in events if kind == "request"]
    responses = [e for kind, e in events if kind == "response"]
    assert all(r.headers["Authorization"] == "***" for r in requests)
    assert all(CANARY not in str(dict(r.headers)) for r in requests)
    assert [str(r.url) for r in requests] == ["https://api.example.test/v1/info"] * 2
    assert [(r.status, r.attempt, r.method, r.path) for r in responses] == [
        (503, 1, "GET", "/info"),
        (200, 2, "GET", "/info"),
    ]
    # The transport itself still got the real token.
    assert all(r.headers["Authorization"] == CANARY for r in script.requests)


async def test_a_failing_hook_propagates_and_frees_its_slot(script: Script) -> None:
    class HookFailed(Exception):
        pass

    def on_request(request: Request) -> None:
        if request.path == "/bad":
            raise HookFailed

    script.add("GET", "/info", OK)
    async with client(script, on_request=[on_request], max_concurrency=1) as c:
        with pytest.raises(HookFailed):
            await c.request("GET", "/bad")
        assert c.stats.requests == 0  # nothing was sent
        await asyncio.wait_for(c.request("GET", "/info"), 5)


async def test_no_hook_is_called_when_the_transport_fails(script: Script) -> None:
    seen: list[Response] = []
    script.add("POST", "/tasks", TimeoutError())
    async with client(script, on_response=[seen.append]) as c:
        with pytest.raises(RequestTimeoutError):
            await c.request("POST", "/tasks", json_body={})
    assert seen == []


# -- redaction -------------------------------------------------------------------------


async def test_canary_token_never_leaks(
    script: Script, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    script.add(
        "GET",
        "/info",
        Response.from_json({"message": f"echo {CANARY}"}, status=503),
        Response.from_json({"message": f"bad token {CANARY}", "token": CANARY}, status=401),
    )
    script.add("GET", "/boom", ValueError(f"transport echoed {CANARY}"))
    async with client(script) as c:
        for route in ("/info", "/boom"):
            try:
                await c.request("GET", route)
            except APIError as exc:
                errors += [str(exc), repr(exc), exc.message, str(exc.details)]
            except Exception as exc:
                errors += [str(exc), repr(exc)]
        logging.getLogger("qarnot_async").warning("user logged %s", CANARY)
        texts = [repr(c), repr(c.as_account("a@b.c")), repr(c.with_options(timeout=1)), *errors]
    texts += [r.getMessage() for r in caplog.records]
    texts += [caplog.text]
    assert any("retrying GET /info" in t for t in texts)
    assert any("transport echoed ***" in t for t in texts)
    for text in texts:
        assert CANARY not in text
    assert "***" in repr(c)


# -- bounded answers and redirects, whatever the transport -----------------------------------


async def test_a_success_body_over_the_limit_is_refused_for_any_transport(script: Script) -> None:
    too_long = Response.from_text("x" * 1001)
    script.add("GET", "/tasks/u/stdout", too_long, too_long)
    script.add("GET", "/tasks/v/stdout", Response.from_text("x" * 1000))
    async with client(script, max_response_bytes=1000) as c:
        with pytest.raises(ResponseTooLargeError) as info:
            await c.tasks.stdout("u")
        assert await c.tasks.stdout("v") == "x" * 1000
        with pytest.raises(ResponseTooLargeError):  # a view keeps the limit
            await c.with_options(timeout=1).tasks.stdout("u")
    assert info.value.limit == 1000
    assert str(info.value) == (
        "GET /tasks/u/stdout: the answer exceeds max_response_bytes=1,000 (decompressed), so "
        "it was not read further; pass a larger Client(max_response_bytes=...) if it is expected"
    )
    assert {r.max_response_bytes for r in script.requests} == {1000}


async def test_an_error_body_is_mapped_from_its_first_64_kib(script: Script) -> None:
    page = b"<html><title>" + b"y" * (MAX_ERROR_BODY - 13) + b"</title>" + b"z" * 100_000
    script.add("GET", "/info", Response(404, {"Content-Type": "text/html"}, page))
    async with client(script, max_response_bytes=1000) as c:
        with pytest.raises(NotFoundError) as info:
            await c.request("GET", "/info")
    # Cut before the end of the title: the text is the message, itself cut at 500.
    assert "z" not in info.value.message
    assert len(info.value.message) <= 500


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "many", True])
def test_max_response_bytes_is_checked(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="max_response_bytes"):
        Client(CANARY, max_response_bytes=value)


async def test_a_3xx_is_an_error_and_is_never_retried(script: Script, sleeps: list[float]) -> None:
    moved = Response(302, {"Location": "https://evil.example/v1/info"})
    script.add("GET", "/info", moved)
    async with client(script) as c:
        with pytest.raises(RedirectError) as info:
            await c.request("GET", "/info")
    assert info.value.location == "https://evil.example/v1/info"
    assert len(script.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize("value", ["-5", "nan", "inf", "soon"])
async def test_a_senseless_retry_after_falls_back_to_the_backoff(
    script: Script, sleeps: list[float], value: str
) -> None:
    refused = Response.from_json({}, status=429, headers={"Retry-After": value})
    script.add("GET", "/info", refused, refused, OK)
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=1.0)
    async with client(script, retry=policy) as c:
        await c.request("GET", "/info")
    assert len(sleeps) == 2
    # Full jitter within the backoff ceilings, never "at once" (0), never "inf".
    assert 0 < sleeps[0] <= 0.5
    assert 0 < sleeps[1] <= 1.0
