"""The Client: construction, safety checks, views on one pool (with_options, as_account)."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web

import qarnot_async
from qarnot_async import (
    Client,
    ConfigurationError,
    MockTransport,
    PollPolicy,
    Request,
    Response,
    RetryPolicy,
    ServerError,
)

if TYPE_CHECKING:
    from conftest import Script, Serve

CANARY = "tok-CANARY-5f3a9c"
OTHER = "tok-OTHER-8b1d44"
READ_ONLY = "QarnotReadOnlyRequestForAccount"
OK = Response.from_json({})


# -- views on one connection pool, against a real server --------------------------------


async def test_with_options_sends_its_token_on_the_parents_connections(loopback: Serve) -> None:
    seen: list[tuple[int, str, str | None]] = []
    held = 0
    pool_busy = asyncio.Event()
    release = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        nonlocal held
        assert request.transport is not None
        port = request.transport.get_extra_info("peername")[1]
        seen.append((port, request.headers["Authorization"], request.headers.get("X-Tenant")))
        if request.query.get("hold"):
            held += 1
            if held == 2:
                pool_busy.set()
            await release.wait()
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/v1/info", handler)
    srv = await loopback(app)
    async with Client(CANARY, cluster_url=str(srv.make_url("/")), max_connections=2) as parent:
        await parent.request("GET", "/info")
        view = parent.with_options(token=OTHER, headers={"X-Tenant": "b"})
        await view.request("GET", "/info")
        # One after the other: the view reuses the parent's idle connection.
        assert len({port for port, _, _ in seen}) == 1

        # Both at once, many each: never more connections than the parent's pool holds.
        calls = [c.request("GET", "/info", params={"hold": "1"}) for c in (parent, view) * 10]
        burst = asyncio.gather(*calls)
        await asyncio.wait_for(pool_busy.wait(), 5)  # both connections busy, the rest queue
        release.set()
        await burst

        await view.close()
        assert view.closed
        assert not parent.closed
        await parent.request("GET", "/info")  # the parent is untouched by the view's close
        with pytest.raises(ConfigurationError, match="closed"):
            await view.request("GET", "/info")
    assert len({port for port, _, _ in seen}) == 2  # the parent's pool, full, never more
    tokens = [(token, tenant) for _, token, tenant in seen]
    assert tokens[:2] == [(CANARY, None), (OTHER, "b")]
    assert tokens.count((CANARY, None)) == 12
    assert tokens.count((OTHER, "b")) == 11
    assert len(tokens) == 23


async def test_a_view_shares_the_concurrency_cap_and_the_counters() -> None:
    in_flight = peak = 0

    async def handler(request: Request) -> Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(3):
            await asyncio.sleep(0)
        in_flight -= 1
        return OK

    async with Client(CANARY, transport=MockTransport(handler), max_concurrency=3) as parent:
        view = parent.with_options(token=OTHER)
        await asyncio.gather(*(c.request("GET", "/info") for c in (parent, view) * 20))
        assert view.stats is parent.stats
        assert view.transport is parent.transport
        assert parent.stats.requests == 40
    assert peak == 3


async def test_view_options_replace_or_merge(script: Script, sleeps: list[float]) -> None:
    script.add("GET", "/info", OK, repeat=True)
    script.add("GET", "/flaky", Response(503), Response(503), OK)
    async with Client(
        CANARY, transport=script.transport, timeout=10, headers={"X-A": "1", "X-B": "1"}
    ) as parent:
        view = parent.with_options(
            timeout=None, headers={"X-B": "2"}, retry=RetryPolicy(max_attempts=1)
        )
        await view.request("GET", "/info")
        await parent.request("GET", "/info")
        with pytest.raises(ServerError):
            await view.request("GET", "/flaky")
        await parent.request("GET", "/flaky")  # the parent still retries
        assert (view.stats.retries, len(sleeps)) == (1, 1)
        nested = view.with_options(headers={"X-C": "3"})
        await nested.request("GET", "/info")
    by_view, by_parent, _, _, _, by_nested = script.requests
    assert (by_view.timeout, by_view.headers["X-A"], by_view.headers["X-B"]) == (None, "1", "2")
    assert (by_parent.timeout, by_parent.headers["X-B"]) == (10, "1")
    assert (view.timeout, parent.timeout) == (None, 10)
    assert dict(view.headers) == {"X-A": "1", "X-B": "2"}
    assert by_nested.headers["X-C"] == "3"
    assert by_nested.headers["X-B"] == "2"
    assert by_nested.timeout is None
    assert view.retry_policy.max_attempts == 1
    assert parent.retry_policy.max_attempts == 5


async def test_view_hooks_replace_the_parents(script: Script) -> None:
    parent_seen: list[str] = []
    view_seen: list[str] = []
    script.add("GET", "/info", OK, repeat=True)
    async with Client(
        CANARY,
        transport=script.transport,
        on_request=[lambda r: parent_seen.append(r.headers["Authorization"])],
    ) as parent:
        inherits = parent.with_options(token=OTHER)
        replaced = parent.with_options(on_request=[lambda r: view_seen.append(r.path)])
        await parent.request("GET", "/info")
        await inherits.request("GET", "/info")
        await replaced.request("GET", "/info")
    assert parent_seen == ["***", "***"]
    assert view_seen == ["/info"]


def test_with_options_refuses_the_token_as_a_header() -> None:
    c = Client(CANARY)
    with pytest.raises(ConfigurationError, match="token="):
        c.with_options(headers={"authorization": "x"})
    with pytest.raises(ConfigurationError, match="token="):
        Client(CANARY, headers={"Authorization": "x"})
    with pytest.raises(ConfigurationError, match="timeout"):
        c.with_options(timeout=0)


def test_with_options_refuses_an_unknown_option() -> None:
    with pytest.raises(TypeError, match=r"unexpected keyword argument.*timeuot"):
        Client(CANARY).with_options(timeuot=3)  # type: ignore[call-arg]


def test_hooks_must_be_lists_of_callables() -> None:
    def hook(request: Request) -> None:
        pass

    with pytest.raises(ConfigurationError, match="on_request must be a list of callables"):
        Client(CANARY, on_request=hook)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="on_response must be a list of callables"):
        Client(CANARY).with_options(on_response=[hook, "not callable"])  # type: ignore[list-item]


async def test_with_options_on_a_closed_client_is_refused(script: Script) -> None:
    c = Client(CANARY, transport=script.transport)
    await c.close()
    with pytest.raises(ConfigurationError, match="closed"):
        c.with_options(token=OTHER)


# -- as_account --------------------------------------------------------------------------


async def test_as_account_is_a_read_only_view(script: Script) -> None:
    script.add("GET", "/info", OK, repeat=True)
    async with Client(CANARY, transport=script.transport) as c:
        await c.request("GET", "/info")
        view = c.as_account("someone@example.com")
        await view.request("GET", "/info")
        await view.close()  # a view never closes its parent
        assert not c.closed
        await c.request("GET", "/info")
    first, by_view, last = script.requests
    assert READ_ONLY not in first.headers
    assert by_view.headers[READ_ONLY] == "someone@example.com"
    assert READ_ONLY not in last.headers
    assert all(r.headers["Authorization"] == CANARY for r in script.requests)
    assert view.read_only_account == "someone@example.com"
    assert c.read_only_account is None
    assert repr(view).endswith("as_account='someone@example.com')")


@pytest.mark.parametrize("email", ["", "not-an-email"])
def test_as_account_needs_an_email(email: str) -> None:
    with pytest.raises(ConfigurationError, match="account email"):
        Client(CANARY).as_account(email)


# -- each view has its own poller ------------------------------------------------------


def _task_page(uuid: str, state: str = "Success") -> dict[str, Any]:
    wire = Path(__file__).parent / "fixtures/wire/task_summaries_page.json"
    page = json.loads(wire.read_text())
    summary = copy.deepcopy(page["data"][0])
    summary.update(uuid=uuid, state=state)
    return {**page, "data": [summary], "count": 1, "total": 1, "nextToken": None}


async def test_each_view_polls_with_its_own_token() -> None:
    uuid = "52c10b2d-0687-41e1-985e-7279f6dd543a"
    tokens: list[str] = []

    def handler(request: Request) -> Response:
        tokens.append(request.headers["Authorization"])
        if request.method == "POST" and request.path.endswith("/paginate"):
            return Response.from_json(_task_page(uuid))
        return Response.from_json({"message": f"unexpected {request.path}"}, status=404)

    async with Client(CANARY, transport=MockTransport(handler), poll=PollPolicy()) as parent:
        view = parent.with_options(token=OTHER)
        assert view.poller is not parent.poller
        assert view.poller is view.poller
        await asyncio.wait_for(view.tasks.wait(uuid), 5)
        assert tokens
        assert set(tokens) == {OTHER}
        await asyncio.wait_for(parent.tasks.wait(uuid), 5)
        assert tokens[-1] == CANARY
        await view.close()
        with pytest.raises(ConfigurationError, match="closed"):
            _ = view.poller
        await asyncio.wait_for(parent.tasks.wait(uuid), 5)  # the parent's poller lives on


async def test_closing_the_parent_closes_every_view() -> None:
    uuid = "52c10b2d-0687-41e1-985e-7279f6dd543a"
    polled = asyncio.Event()

    def handler(request: Request) -> Response:
        polled.set()
        return Response.from_json(_task_page(uuid, state="FullyExecuting"))

    transport = MockTransport(handler)
    parent = Client(CANARY, transport=transport)
    view = parent.with_options(token=OTHER)
    nested = view.as_account("a@b.c")
    pending = asyncio.ensure_future(nested.tasks.wait(uuid))
    await asyncio.wait_for(polled.wait(), 5)
    pollers = [view.poller, nested.poller]
    await parent.close()
    assert all(poller.closed for poller in pollers)  # closed with the pool, not left behind
    with pytest.raises(ConfigurationError, match="closed"):
        await asyncio.wait_for(pending, 5)
    assert parent.closed
    assert view.closed
    assert nested.closed
    assert transport.closed
    with pytest.raises(ConfigurationError, match="closed"):
        await nested.request("GET", "/info")


# -- construction and safety -----------------------------------------------------------


def test_plain_http_to_remote_host_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="clear text"):
        Client(CANARY, cluster_url="http://api.qarnot.com")
    with pytest.warns(RuntimeWarning, match="without TLS"):
        Client(CANARY, cluster_url="http://10.0.0.1", allow_insecure_http=True)
    for url in ("http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"):
        assert Client(CANARY, cluster_url=url).cluster_url == url


@pytest.mark.parametrize("url", ["api.qarnot.com", "ftp://x", ""])
def test_malformed_url_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="cluster_url"):
        Client(CANARY, cluster_url=url)


def test_missing_token() -> None:
    with pytest.raises(ConfigurationError, match="QARNOT_CLIENT_TOKEN"):
        Client("")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_connections": 5},
        {"verify_ssl": False},
        {"ca_file": "/ca.pem"},
        {"trace_configs": [object()]},
    ],
)
def test_default_transport_settings_conflict_with_a_given_transport(
    kwargs: dict[str, Any],
) -> None:
    with pytest.raises(ConfigurationError, match="default transport"):
        Client(CANARY, transport=MockTransport(lambda r: OK), **kwargs)


def test_a_transport_must_follow_the_protocol() -> None:
    with pytest.raises(ConfigurationError, match="handle_async_request"):
        Client(CANARY, transport=object())  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs", [{"max_concurrency": 0}, {"timeout": 0}, {"timeout": -1}])
def test_bad_limits_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        Client(CANARY, **kwargs)


async def test_api_version_forms(script: Script) -> None:
    for version, base in [("v1", "/v1"), ("1", "/v1"), ("/v2/", "/v2"), (None, "")]:
        c = Client(
            CANARY,
            cluster_url="https://h.test/api/",
            api_version=version,
            transport=script.transport,
        )
        view = c.with_options()
        assert (view.cluster_url, view.api_version) == ("https://h.test/api/", version)
        script.add("GET", "/x", OK)
        await view.request("GET", "/x")
        assert str(script.requests[-1].url) == f"https://h.test/api{base}/x"
        await c.close()


def test_public_api_exports() -> None:
    for name in qarnot_async.__all__:
        assert hasattr(qarnot_async, name), name
    for name in ("MockTransport", "AiohttpTransport", "AsyncTransport", "Request", "Response"):
        assert name in qarnot_async.__all__
