"""A loopback HTTP proxy in front of the emulator's S3, to break requests on purpose.

It forwards every request as it came (the ``Host`` header too, so SigV4 signatures
stay valid) and can answer an error status instead, or cut a response body half way;
it counts requests and the most requests of each kind in flight at once.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

# What to do with a request, given (method, path with query, how many times this same
# request, its range included, was seen before): None forwards it, an int answers that
# status, "cut" sends half the body then drops the connection.
Plan = Callable[[str, str, int], int | str | None]

SESSION = web.AppKey("session", aiohttp.ClientSession)
_HOP = {"transfer-encoding", "connection", "keep-alive", "content-length"}


class FaultyProxy:
    """The proxy's plan and counters."""

    def __init__(self, upstream: str, plan: Plan) -> None:
        self.upstream = upstream.rstrip("/")
        self.plan = plan
        self.seen: Counter[tuple[str, str]] = Counter()
        self.faults = 0
        self.in_flight: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.url = ""

    @staticmethod
    def kind(request: web.Request) -> str:
        """``PUT part``, ``GET range``, or the method alone."""
        if "partNumber" in request.query:
            return f"{request.method} part"
        if request.method == "GET" and "Range" in request.headers:
            return "GET range"
        return request.method

    async def handle(self, request: web.Request) -> web.StreamResponse:
        # A ranged read is its own request: each range is cut once.
        key = (request.method, request.path_qs + request.headers.get("Range", ""))
        before = self.seen[key]
        self.seen[key] += 1
        kind = self.kind(request)
        self.in_flight[kind] += 1
        self.peak[kind] = max(self.peak[kind], self.in_flight[kind])
        try:
            return await self._answer(request, self.plan(request.method, request.path_qs, before))
        finally:
            self.in_flight[kind] -= 1

    async def _answer(self, request: web.Request, action: int | str | None) -> web.StreamResponse:
        body = await request.read()
        if isinstance(action, int):
            self.faults += 1
            return web.Response(status=action, text="<Error><Code>Unavailable</Code></Error>")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        session = request.app[SESSION]
        async with session.request(
            # A file-like body: aiohttp warns on large raw bytes (an error in pytest).
            request.method,
            self.upstream + request.path_qs,
            headers=headers,
            data=io.BytesIO(body) if body else None,
        ) as upstream:
            payload = await upstream.read()
            out = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP}
        if action == "cut" and len(payload) > 1:
            self.faults += 1
            response = web.StreamResponse(status=upstream.status, headers=out)
            response.content_length = len(payload)
            await response.prepare(request)
            await response.write(payload[: len(payload) // 2])
            assert request.transport is not None
            request.transport.close()  # the client sees the connection drop mid-body
            return response
        return web.Response(status=upstream.status, headers=out, body=payload)


@asynccontextmanager
async def faulty_proxy(upstream: str, plan: Plan) -> AsyncIterator[FaultyProxy]:
    """Serve a :class:`FaultyProxy` on ``127.0.0.1`` for the duration of the block."""
    proxy = FaultyProxy(upstream, plan)
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        app[SESSION] = session
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        proxy.url = f"http://127.0.0.1:{port}"
        try:
            yield proxy
        finally:
            await runner.cleanup()
