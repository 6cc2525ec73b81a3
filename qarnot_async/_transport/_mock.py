"""A transport that answers from a function: tests without a socket or an emulator."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

from ._model import Request, Response

__all__ = ["MockHandler", "MockTransport"]

MockHandler = Callable[[Request], Response | Awaitable[Response]]
"""A function (or coroutine function) from a :class:`Request` to its :class:`Response`."""


class MockTransport:
    """A transport whose answers come from ``handler(request)``, with no network at all.

    The handler may be a plain function or a coroutine function; it returns a
    :class:`~qarnot_async.Response` (:meth:`Response.from_json
    <qarnot_async.Response.from_json>` builds one from data) or raises, e.g.
    :class:`TimeoutError` or :class:`~qarnot_async.ConnectError`, to play a failure.
    Everything above the transport runs as with the real one: headers, retries, error
    mapping, counters and hooks. ``request.timeout`` is enforced on an async handler.

    Example::

        def handler(request: Request) -> Response:
            if request.method == "GET" and request.path == f"/tasks/{uuid}":
                return Response.from_json(task_json)
            return Response.from_json({"message": "not found"}, status=404)

        async with Client("token", transport=MockTransport(handler)) as client:
            task = await client.tasks.get(uuid)
    """

    def __init__(self, handler: MockHandler) -> None:
        self.handler = handler
        self.closed = False
        """True once :meth:`aclose` was called (the transport still answers: a test may
        reuse it)."""

    def __repr__(self) -> str:
        return f"MockTransport({getattr(self.handler, '__qualname__', self.handler)!r})"

    async def handle_async_request(self, request: Request) -> Response:
        """The handler's answer to ``request``."""
        async with asyncio.timeout(request.timeout):  # None: no limit
            answer = self.handler(request)
            if inspect.isawaitable(answer):
                answer = await answer
        if not isinstance(answer, Response):
            raise TypeError(
                f"a MockTransport handler must return a qarnot_async.Response, "
                f"got {type(answer).__name__}"
            )
        return answer

    async def aclose(self) -> None:
        """Mark the transport closed; there is nothing to release."""
        self.closed = True
