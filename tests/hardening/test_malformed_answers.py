"""Every malformed answer a server can send ends as one exact QarnotError subclass.

A scripted loopback server (raw asyncio: it can lie about lengths, cut bodies, reset
connections) plays each scenario against the public API. For each, the test asserts
the exact exception class, that the call ended within its time budget (the per-attempt
timeout times the attempts, plus a margin: no hang), and for the huge and compressed
bodies that the peak memory grew by less than 64 MiB (tracemalloc).
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
import pytest
from _scripted_http import (
    Exchange,
    Script,
    ScriptedServer,
    deflate_bomb,
    gzip_bomb,
    gzipped,
    header_block,
    status_line,
)

from qarnot_async import (
    BadRequestError,
    BulkCreateError,
    Client,
    ConnectError,
    DecodeError,
    NotFoundError,
    PaginationError,
    QarnotError,
    RateLimitedError,
    RedirectError,
    RequestTimeoutError,
    ResponseTooLargeError,
    RetryEvent,
    RetryPolicy,
    ServerError,
    TransportError,
)
from qarnot_async._transport import DEFAULT_MAX_RESPONSE_BYTES
from qarnot_async.models import TaskCreate

TOKEN = "tok-MALFORMED-5c1d9e0a7b"
UUID = "0b0c1b9e-34f2-4a51-9d3a-2e7e3b1f5a10"
TASK = {"uuid": UUID, "name": "t", "state": "Success"}
TIMEOUT = 0.4
ATTEMPTS = 3
LIMIT = 4 * 1024**2  # max_response_bytes in these tests
MiB = 1024**2
HUGE = 50 * MiB


# -- what the server answers --------------------------------------------------------------


def answer(status: int, body: bytes | str, **headers: str) -> Script:
    data = body.encode() if isinstance(body, str) else body

    async def script(x: Exchange) -> None:
        await x.send(status, data, headers)

    return script


def as_json(status: int, body: Any, **headers: str) -> Script:
    text = body if isinstance(body, str | bytes) else json.dumps(body)
    return answer(status, text, **{"Content-Type": "application/json", **headers})


def streamed(
    status: int, size: int, *, chunked: bool = False, content_type: str = "application/json"
) -> Script:
    """``size`` bytes of ``x`` written 1 MiB at a time (the server holds one block)."""
    block = b"x" * MiB

    async def blocks() -> AsyncIterator[bytes]:
        for _ in range(size // MiB):
            yield block

    async def script(x: Exchange) -> None:
        if chunked:
            await x.chunked(status, blocks(), **{"Content-Type": content_type})
            return
        head = {"Content-Type": content_type, "Content-Length": str(size)}
        await x.raw(status_line(status) + header_block(head))
        async for chunk in blocks():
            await x.raw(chunk)

    return script


@functools.cache
def _bomb(kind: str) -> bytes:
    return gzip_bomb(300 * MiB) if kind == "gzip" else deflate_bomb(300 * MiB)


def bomb(status: int, kind: str) -> Script:
    async def script(x: Exchange) -> None:
        await x.send(status, _bomb(kind), {"Content-Encoding": kind})

    return script


def drip(total: int, every: float) -> Script:
    """Announce ``total`` bytes, then send one byte every ``every`` seconds."""

    async def script(x: Exchange) -> None:
        await x.raw(status_line(200) + header_block({"Content-Length": str(total)}))
        for _ in range(total):
            await asyncio.sleep(every)
            await x.raw(b" ")

    return script


async def never_answer(x: Exchange) -> None:
    await asyncio.Event().wait()  # cancelled when the server stops


async def reset_connection(x: Exchange) -> None:
    x.reset()


async def close_without_answer(x: Exchange) -> None:
    x.writer.close()


def truncated(announced: int, sent: bytes) -> Script:
    async def script(x: Exchange) -> None:
        await x.raw(status_line(200) + header_block({"Content-Length": str(announced)}) + sent)
        x.writer.close()

    return script


def rate_limited(status: int, retry_after: str) -> Script:
    return as_json(status, {"message": "slow down"}, **{"Retry-After": retry_after})


def endless_pages(x: Exchange) -> Awaitable[None]:
    page = {"data": [TASK], "isTruncated": True, "nextToken": "same", "count": 1, "total": 9}
    return x.send_json(200, json.dumps(page))


def by_path(**routes: Script) -> Script:
    """A script per path keyword (``tasks``, ``search``...), matched on the path's end."""

    async def script(x: Exchange) -> None:
        for suffix, sub in routes.items():
            if x.request.path.rstrip("/").endswith(suffix.replace("_", "/")):
                await sub(x)
                return
        await x.send_json(404, '{"message": "no route in this script"}')

    return script


# -- what the client calls ----------------------------------------------------------------

Call = Callable[[Client], Awaitable[Any]]


def create_input() -> TaskCreate:
    return TaskCreate(name="t", profile="docker-batch", instance_count=1)


async def create_many(client: Client) -> None:
    results = await client.tasks.create_many([create_input() for _ in range(3)])
    results.raise_for_errors()


async def paginate(client: Client) -> list[Any]:
    return [t async for t in client.tasks.paginate(page_size=1)]


CALLS: dict[str, Call] = {
    "get": lambda c: c.tasks.get(UUID),
    "create": lambda c: c.tasks.create(create_input()),
    "create_many": create_many,
    "list": lambda c: c.tasks.list(),
    "paginate": paginate,
    "stdout": lambda c: c.tasks.stdout(UUID),
    "info": lambda c: c.account.info(),
    "hardware": lambda c: c.hardware.list(),
}


@attrs.frozen
class Case:
    call: str
    script: Script
    expected: type[QarnotError]
    attempts: int = 1
    """Attempts the call is expected to make (the server counts them)."""
    memory: bool = False
    """Measure the peak memory growth."""
    lookups: int = 0
    """Requests of the shortname lookup a failed create makes when its failure may hide
    a creation (the scripted server answers them with the same script)."""


def retried(call: str, script: Script, expected: type[QarnotError]) -> Case:
    return Case(call, script, expected, attempts=ATTEMPTS)


CASES: dict[str, Case] = {
    # Invalid or absent JSON on success.
    "invalid-json-get": Case("get", as_json(200, '{"uuid": "x",'), DecodeError),
    "invalid-json-create": Case("create", as_json(200, "{uuid}"), DecodeError, lookups=1),
    "empty-200-get": Case("get", answer(200, b""), DecodeError),
    "empty-200-create": Case("create", answer(200, b""), DecodeError, lookups=1),
    "204-get": Case("get", answer(204, b""), DecodeError),
    "json-null-get": Case("get", as_json(200, "null"), DecodeError),
    "json-null-create": Case("create", as_json(200, "null"), DecodeError, lookups=1),
    "html-200": Case("get", answer(200, "<html><body>hi</body></html>"), DecodeError),
    "invalid-utf8-get": Case("get", as_json(200, b'{"uuid": "\xff\xfe"}'), DecodeError),
    # The wrong shape.
    "list-for-object-get": Case("get", as_json(200, [TASK]), DecodeError),
    "list-for-object-create": Case(
        "create", as_json(200, [{"uuid": UUID}]), DecodeError, lookups=1
    ),
    "object-for-list": Case("list", as_json(200, {"data": [TASK]}), DecodeError),
    "missing-uuid-create": Case("create", as_json(200, {}), DecodeError, lookups=1),
    "missing-uuid-get": Case("get", as_json(200, {"name": "t", "state": "Success"}), DecodeError),
    "wrong-type-uuid-create": Case("create", as_json(200, {"uuid": 5}), DecodeError, lookups=1),
    "wrong-type-state-get": Case("get", as_json(200, {**TASK, "state": 42}), DecodeError),
    "wrong-type-progress-get": Case("get", as_json(200, {**TASK, "progress": "half"}), DecodeError),
    "wrong-type-info": Case("info", as_json(200, {"maxTask": "many"}), DecodeError),
    "wrong-hardware": Case("hardware", as_json(200, {"data": [{"x": 1}]}), DecodeError),
    "dict-for-bulk-and-search": Case("create_many", as_json(200, {}), BulkCreateError, 2),
    # Nested beyond reason.
    "deep-array-get": Case("get", as_json(200, "[" * 200_000), DecodeError),
    "deep-object-create": Case("create", as_json(200, '{"a":' * 100_000), DecodeError, lookups=1),
    "deep-array-400": Case("create", as_json(400, "[" * 200_000), BadRequestError),
    "deep-parseable-400": Case("create", as_json(400, "[" * 900 + "]" * 900), BadRequestError),
    # Too much to read.
    "huge-body-known-length": Case("get", streamed(200, HUGE), ResponseTooLargeError, memory=True),
    "huge-body-chunked": Case(
        "get", streamed(200, HUGE, chunked=True), ResponseTooLargeError, memory=True
    ),
    "huge-stdout": Case(
        "stdout",
        streamed(200, HUGE, chunked=True, content_type="text/plain"),
        ResponseTooLargeError,
        memory=True,
    ),
    "gzip-bomb": Case("get", bomb(200, "gzip"), ResponseTooLargeError, memory=True),
    "deflate-bomb": Case("get", bomb(200, "deflate"), ResponseTooLargeError, memory=True),
    "huge-error-body": Case("get", streamed(404, HUGE), NotFoundError, memory=True),
    "gzip-bomb-error": Case("get", bomb(404, "gzip"), NotFoundError, memory=True),
    # Too slow: the per-attempt timeout ends it.
    "slow-drip-body": Case("create", drip(100, 0.05), RequestTimeoutError, ATTEMPTS, lookups=1),
    "no-answer": Case("create", never_answer, RequestTimeoutError, ATTEMPTS, lookups=1),
    # Errors dressed oddly, retried as far as the policy allows.
    "html-502": retried(
        "get", answer(502, "<html><title>502 Bad Gateway</title></html>"), ServerError
    ),
    "invalid-utf8-404": Case("get", as_json(404, b'{"message": "\xff"}'), NotFoundError),
    # The lookup after it is refused with 429 too, which is retried (it never ran).
    "endless-429": Case(
        "create",
        as_json(429, {"message": "slow down"}),
        RateLimitedError,
        ATTEMPTS,
        lookups=ATTEMPTS,
    ),
    "retry-after-negative": retried("get", rate_limited(429, "-5"), RateLimitedError),
    "retry-after-nan": retried("get", rate_limited(503, "nan"), ServerError),
    "retry-after-inf": retried("get", rate_limited(503, "inf"), ServerError),
    "retry-after-garbage": retried("get", rate_limited(429, "soon-ish"), RateLimitedError),
    "retry-after-too-long": Case("get", rate_limited(503, "3600"), RateLimitedError),
    # Paging that never ends.
    "nexttoken-loop": Case("paginate", endless_pages, PaginationError, 2),
    # Redirects: never followed, whatever the method.
    "redirect-302-get": Case(
        "get", answer(302, "", Location="http://127.0.0.2:9/steal"), RedirectError
    ),
    "redirect-307-create": Case(
        "create",
        answer(307, "", Location="https://elsewhere.example/v1/tasks"),
        RedirectError,
        lookups=1,
    ),
    "redirect-301-list": Case("list", answer(301, "", Location="/v2/tasks"), RedirectError),
    # The connection or the framing breaks.
    "truncated-body": retried("get", truncated(1000, b'{"uuid": "'), ConnectError),
    "content-length-short": Case("get", truncated(10, json.dumps(TASK).encode()), TransportError),
    "reset-before-answer": retried("get", reset_connection, ConnectError),
    "closed-without-answer": retried("get", close_without_answer, ConnectError),
    "corrupt-gzip": retried(
        "get", answer(200, json.dumps(TASK), **{"Content-Encoding": "gzip"}), ConnectError
    ),
    "gzip-of-invalid-json": Case(
        "get", answer(200, gzipped(b"{not json"), **{"Content-Encoding": "gzip"}), DecodeError
    ),
    "not-http": Case("get", lambda x: x.raw(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"), TransportError),
}


@pytest.fixture(scope="module", autouse=True)
def _bombs_built_before_measuring() -> None:
    _bomb("gzip")
    _bomb("deflate")


@pytest.mark.parametrize("name", list(CASES))
async def test_a_malformed_answer_is_one_exact_error(name: str) -> None:
    case = CASES[name]
    delays: list[float] = []

    def record(event: RetryEvent) -> None:
        delays.append(event.delay)

    policy = RetryPolicy(
        max_attempts=ATTEMPTS, backoff_base=0.01, backoff_cap=0.02, on_retry=record
    )
    async with ScriptedServer(case.script) as server:
        client = Client(
            TOKEN,
            cluster_url=server.url,
            timeout=TIMEOUT,
            retry=policy,
            max_response_bytes=LIMIT,
        )
        async with client:
            if case.memory:
                tracemalloc.start()
            started = time.monotonic()
            try:
                with pytest.raises(QarnotError) as info:
                    async with asyncio.timeout(2 * ATTEMPTS * (TIMEOUT + 0.1) + 2):
                        await CALLS[case.call](client)
            finally:
                elapsed = time.monotonic() - started
                if case.memory:
                    _, peak = tracemalloc.get_traced_memory()
                    tracemalloc.stop()
        requests = len(server.requests)

    assert type(info.value) is case.expected, repr(info.value)
    # No hang: each attempt is bounded by the timeout, backoffs are tiny.
    assert elapsed < (case.attempts + case.lookups) * (TIMEOUT + 0.1) + 1.0
    assert requests == case.attempts + case.lookups, f"{requests} requests"
    if case.call == "create":
        # A failed create names the shortname it was sent with, and what became of it:
        # refused at once, certainly nothing; else the lookup (of junk) cannot confirm it.
        assert (info.value.shortname or "").startswith("qa-")
        assert info.value.created in ((False,) if case.lookups == 0 else (False, None))
    if case.memory:
        assert peak < 64 * MiB, f"peak {peak / MiB:.0f} MiB"
    # A senseless Retry-After falls back to the backoff: never "at once", never "inf".
    assert all(0 < d <= 0.02 for d in delays), delays
    assert not re.search(r"\b(inf|infs|nan)\b", str(info.value), re.IGNORECASE)
    assert TOKEN not in str(info.value) + repr(info.value)


def test_there_are_at_least_37_kinds() -> None:
    assert len(CASES) >= 37


async def test_a_redirect_to_another_host_sends_it_nothing() -> None:
    async with ScriptedServer(answer(200, json.dumps(TASK))) as elsewhere:
        target = f"{elsewhere.url}/v1/tasks/{UUID}"
        async with (
            ScriptedServer(answer(302, "", Location=target)) as server,
            Client(TOKEN, cluster_url=server.url, timeout=TIMEOUT) as client,
        ):
            with pytest.raises(RedirectError) as info:
                await client.tasks.get(UUID)
    assert elsewhere.requests == []
    assert info.value.location == target
    assert info.value.status == 302
    assert target in str(info.value)


async def test_the_default_limit_bounds_a_bomb_too() -> None:
    async with ScriptedServer(bomb(200, "gzip")) as server:
        client = Client(TOKEN, cluster_url=server.url, timeout=10)
        async with client:
            tracemalloc.start()
            try:
                with pytest.raises(ResponseTooLargeError) as info:
                    await client.tasks.get(UUID)
            finally:
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
    assert info.value.limit == DEFAULT_MAX_RESPONSE_BYTES == 64 * MiB
    # Held up to the limit, never the 300 MB the bomb expands to.
    assert peak < DEFAULT_MAX_RESPONSE_BYTES + 8 * MiB, f"peak {peak / MiB:.0f} MiB"
