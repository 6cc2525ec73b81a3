"""The transport seam: what a transport is given, what it answers, and the protocol itself.

A transport sends one :class:`Request` and returns its :class:`Response`, whatever the
status: nothing more. Retries, the concurrency cap, the token and User-Agent headers,
the error mapping, the counters and the event hooks all live above it, in the client's
sender, so they hold for any transport: the aiohttp one by default, a
:class:`~qarnot_async.MockTransport` in tests, or your own.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, Protocol, runtime_checkable
from urllib.parse import quote

import attrs
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ..errors import ConfigurationError, DecodeError

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "UNSET",
    "AsyncTransport",
    "HeadersLike",
    "Request",
    "Response",
    "bind_loop",
    "path",
]

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024**2
"""The largest answer body read, decompressed (64 MiB): a page of 1,000 full tasks or a
long stdout is a few MiB; anything near this is a bug or an attack."""


class _Unset:
    """The type of :data:`UNSET`."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""An argument not given (where ``None`` means something, e.g. "no timeout")."""

HeadersLike = Mapping[str, str] | Iterable[tuple[str, str]] | None
"""What a :class:`Request` or :class:`Response` accepts as headers."""

_NO_HEADERS: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict())


def _as_headers(value: HeadersLike) -> CIMultiDictProxy[str]:
    # Already a read-only multidict (the common case on the hot path): keep it as is.
    if isinstance(value, CIMultiDictProxy):
        return value
    if not value:
        return _NO_HEADERS
    return CIMultiDictProxy(CIMultiDict(value))


def _decode_json(body: bytes | None, where: str, what: str) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError as exc:  # UnicodeDecodeError (invalid UTF-8) included
        # Only the reason is kept: the exception itself holds the whole document
        # (``doc``, ``object``), which may echo anything, the token included.
        problem = f"the {what} is not valid JSON ({str(exc)[:100]})"
    except RecursionError:
        # Valid JSON nested deeper than the parser's stack ("[" x 200,000): no answer
        # of the API is, so it is malformed all the same.
        problem = f"the {what} is nested too deeply to decode"
    # Raised outside the except clauses, so that no __context__ carries the document.
    raise DecodeError("$", problem, body[:200], where=where)


def path(*segments: str | int) -> str:
    """Join path segments, each percent-quoted, into ``/a/b``.

    User-supplied uuids and names go through here, so a ``/`` or ``?`` in them can
    never reach another route.
    """
    return "".join(["/" + _quoted(str(s)) for s in segments])


#: What ``quote(s, safe="")`` leaves as it is: RFC 3986's unreserved characters.
_UNRESERVED: Final = re.compile(r"[A-Za-z0-9_.~-]*")


def _quoted(segment: str) -> str:
    # Uuids and route words need no quoting: a regex tells them apart several times
    # faster than quote() returns them unchanged.
    return segment if _UNRESERVED.fullmatch(segment) else quote(segment, safe="")


@attrs.frozen(slots=True)
class Request:
    """One HTTP request, as a transport receives it.

    Attributes:
        method: the HTTP method, upper case.
        url: the absolute URL, query string included.
        headers: every header to send (case-insensitive), the ``Authorization`` token
            included. Event hooks receive a copy whose ``Authorization`` is ``***``.
        body: the body (JSON bytes), or ``None``.
        timeout: seconds the transport may take (``None``: no limit); a transport
            raises :class:`TimeoutError` or
            :class:`~qarnot_async.RequestTimeoutError` past it.
        path: the API path relative to the client's versioned base URL
            (``/tasks/<uuid>``), the one errors and logs name; defaults to the URL's path.
        max_response_bytes: the most bytes of a success answer's body, decompressed,
            the transport may read (``None``: no limit); past it, it raises
            :class:`~qarnot_async.ResponseTooLargeError`. An error answer's body is read
            up to :data:`~qarnot_async.errors.MAX_ERROR_BODY` bytes and cut there.
    """

    method: str
    url: URL
    headers: CIMultiDictProxy[str] = attrs.field(default=_NO_HEADERS, converter=_as_headers)
    body: bytes | None = None
    timeout: float | None = None
    path: str = attrs.field()

    max_response_bytes: int | None = None

    @path.default
    def _url_path(self) -> str:
        return self.url.path

    def json(self) -> Any:
        """The body decoded as JSON (``None`` for no body)."""
        return _decode_json(self.body, f"{self.method} {self.path}", "request body")


@attrs.frozen(slots=True)
class Response:
    """A complete answer: status, headers and the whole body.

    A transport builds one with the status, headers and body (``method``, ``path`` and
    ``attempt`` are filled in by the client); in a
    :class:`~qarnot_async.MockTransport` handler, :meth:`from_json` and
    :meth:`from_text` are shorter.
    """

    status: int
    headers: CIMultiDictProxy[str] = attrs.field(default=_NO_HEADERS, converter=_as_headers)
    body: bytes = b""
    method: str = ""
    """The request's method."""
    path: str = ""
    """The request's path, relative to the client's versioned base URL."""
    attempt: int = 1
    """The attempt, counting from 1, that got this answer (2+: after retries)."""

    @classmethod
    def from_json(cls, data: Any, *, status: int = 200, headers: HeadersLike = None) -> Response:
        """An answer whose body is ``data`` as JSON (``Content-Type: application/json``).

        ``Response.from_json({"message": "no such task"}, status=404)`` is an error
        answer the client maps to :class:`~qarnot_async.NotFoundError`.
        """
        merged = CIMultiDict(headers or ())
        merged.setdefault("Content-Type", "application/json")
        body = json.dumps(data, separators=(",", ":")).encode()
        return cls(status, CIMultiDictProxy(merged), body)

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        status: int = 200,
        headers: HeadersLike = None,
        content_type: str = "text/plain; charset=utf-8",
    ) -> Response:
        """An answer whose body is ``text`` in UTF-8 (``Content-Type: text/plain``)."""
        merged = CIMultiDict(headers or ())
        merged.setdefault("Content-Type", content_type)
        return cls(status, CIMultiDictProxy(merged), text.encode())

    def json(self) -> Any:
        """The body decoded as JSON (``None`` for an empty body)."""
        return _decode_json(self.body, f"{self.method} {self.path}", "answer")

    def text(self) -> str:
        """The body decoded as UTF-8 text."""
        return self.body.decode("utf-8", errors="replace")


@runtime_checkable
class AsyncTransport(Protocol):
    """What ``Client(transport=...)`` accepts: one method that sends, one that closes.

    ``handle_async_request`` sends the request once and returns its answer, whatever
    the status (the client maps error statuses, retries and counts). It honours
    ``request.timeout``. It raises :class:`~qarnot_async.ConnectError` (with
    ``request_sent=False`` only when the request certainly never left, which makes any
    request safe to retry), :class:`~qarnot_async.RequestTimeoutError` or
    :class:`TimeoutError`; any other exception becomes a
    :class:`~qarnot_async.TransportError` that is not retried.

    ``aclose`` releases the transport's connections; the client that was built with
    the transport calls it when it closes (its views never do).
    """

    async def handle_async_request(self, request: Request) -> Response:
        """Send ``request`` once and return its answer."""
        ...

    async def aclose(self) -> None:
        """Release the connections. Safe to call twice."""
        ...


def bind_loop(bound: asyncio.AbstractEventLoop | None) -> asyncio.AbstractEventLoop:
    """The running loop, checked against the loop an object was first used in.

    Sessions, connectors and semaphores belong to one event loop: using them from
    another fails later with an obscure error, so refuse it up front.
    """
    loop = asyncio.get_running_loop()
    if bound is not None and bound is not loop:
        raise ConfigurationError(
            "this client was first used in another event loop; create one Client per event loop"
        )
    return loop
