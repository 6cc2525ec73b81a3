"""The default transport: one aiohttp session and its connection pool.

It only sends: the client above it adds the headers, caps the requests in flight,
retries and maps the errors. Here, aiohttp's failures become the SDK's own
:class:`~qarnot_async.TransportError` family, so nothing above knows aiohttp.

Two of aiohttp's own habits are turned off, because the client decides: redirects are
never followed (the token would travel with them), and a request whose connection drops
is not silently sent again (aiohttp repeats an idempotent request once on a dropped
connection, which made ``max_attempts=5`` send 10 requests). Bodies are read in chunks
against ``request.max_response_bytes``, counted after decompression, so a compression
bomb is stopped at the limit instead of filling the memory.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import ssl
from collections.abc import Sequence

import aiohttp

from .._redact import redact
from ..errors import (
    MAX_ERROR_BODY,
    ConfigurationError,
    ConnectError,
    RequestTimeoutError,
    ResponseTooLargeError,
    TransportError,
)
from ._model import Request, Response, bind_loop

__all__ = ["AiohttpTransport"]

_log = logging.getLogger("qarnot_async")


class _Dropped(Exception):
    """A dropped connection, hidden from aiohttp so that it does not send the request again.

    Deliberately neither an :class:`aiohttp.ClientError` nor an :class:`OSError`: those
    are what aiohttp's own retry loop catches.
    """

    def __init__(self, cause: BaseException) -> None:
        super().__init__(type(cause).__name__)
        self.cause_name = type(cause).__name__


async def _no_silent_retry(
    request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    """A client middleware: a connection dropped while sending leaves aiohttp as
    :class:`_Dropped`, so the client's retry policy is the only one that repeats it."""
    try:
        return await handler(request)
    except aiohttp.ClientConnectorError:
        raise  # the connection was never made: aiohttp does not retry these anyway
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as exc:
        raise _Dropped(exc) from None


async def _read_body(resp: aiohttp.ClientResponse, limit: int | None) -> bytes | None:
    """The body, decompressed, or ``None`` once it exceeds ``limit`` bytes.

    A known length within the limit of an uncompressed body is read at once (the common
    case); otherwise the body is read chunk by chunk, so no more than about ``limit``
    bytes are ever held.
    """
    length = resp.content_length
    if limit is None or (
        length is not None and length <= limit and "Content-Encoding" not in resp.headers
    ):
        return await resp.read()
    if length is not None and length > limit and "Content-Encoding" not in resp.headers:
        return None
    chunks: list[bytes] = []
    size = 0
    while chunk := await resp.content.readany():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class AiohttpTransport:
    """Sends requests through one :class:`aiohttp.ClientSession` (the default transport).

    The session is created on first use, inside the running loop, so building a
    transport (and a client) does no I/O and can happen anywhere; it then belongs to
    that loop.

    Args:
        max_connections: the connection pool's size (the connector's ``limit``).
        verify_ssl: verify the service's TLS certificate. Turning it off logs a warning.
        ca_file: a PEM bundle to verify the certificate with (a private CA).
        trace_configs: :class:`aiohttp.TraceConfig` objects handed to the session, e.g.
            ``opentelemetry.instrumentation.aiohttp_client.create_trace_config()``.
    """

    def __init__(
        self,
        *,
        max_connections: int = 100,
        verify_ssl: bool = True,
        ca_file: str | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        if max_connections < 1:
            raise ConfigurationError("max_connections must be >= 1")
        if not verify_ssl:
            _log.warning(
                "TLS certificate verification is off: anyone on the path can read the token"
            )
        self.max_connections = max_connections
        self.verify_ssl = verify_ssl
        self.ca_file = ca_file
        self.trace_configs = tuple(trace_configs)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def __repr__(self) -> str:
        return (
            f"AiohttpTransport(max_connections={self.max_connections}, "
            f"verify_ssl={self.verify_ssl}, ca_file={self.ca_file!r})"
        )

    @property
    def closed(self) -> bool:
        """True once :meth:`aclose` was called."""
        return self._closed

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The aiohttp session, once the first request created it."""
        return self._session

    def _ssl(self) -> ssl.SSLContext | bool:
        if not self.verify_ssl:
            return False
        if self.ca_file:
            try:
                return ssl.create_default_context(cafile=self.ca_file)
            except OSError as exc:
                raise ConfigurationError(
                    f"cannot load CA file {self.ca_file!r}: {exc.strerror or exc}"
                ) from None
        return True

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ConfigurationError(
                "this client is closed; create a new Client (or use `async with Client(...)`)"
            )
        self._loop = bind_loop(self._loop)
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self.max_connections, ssl=self._ssl())
            self._session = aiohttp.ClientSession(
                connector=connector,
                middlewares=(_no_silent_retry,),
                # Each request sets its own total timeout; the session has none.
                timeout=aiohttp.ClientTimeout(total=None),
                raise_for_status=False,
                trace_configs=list(self.trace_configs) or None,
            )
        return self._session

    async def aclose(self) -> None:
        """Close the session and its connections. Safe to call twice."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def handle_async_request(self, request: Request) -> Response:
        """Send ``request`` once and return its answer, whatever the status.

        A success body longer than ``request.max_response_bytes`` (decompressed) is not
        read further; an error answer's body (3xx and up) is read up to
        :data:`~qarnot_async.errors.MAX_ERROR_BODY` bytes and cut there.

        Raises:
            ConnectError: the connection failed (``request_sent=False``) or dropped.
            RequestTimeoutError: no complete answer within ``request.timeout``.
            ResponseTooLargeError: the body exceeds ``request.max_response_bytes``.
            TransportError: aiohttp refused the request or the answer otherwise.
            ConfigurationError: the transport is closed, or bound to another loop.
        """
        session = self._ensure_session()
        method, where = request.method, request.path
        try:
            async with session.request(
                method,
                request.url,
                data=request.body,
                headers=request.headers,
                timeout=_timeout(request.timeout),
                allow_redirects=False,
            ) as resp:
                if resp.status >= 300:
                    body = await _read_error_body(resp)
                else:
                    read = await _read_body(resp, request.max_response_bytes)
                    if read is None:
                        resp.close()  # drop the rest: the connection cannot be reused
                        raise ResponseTooLargeError(
                            request.max_response_bytes or 0, method=method, path=where
                        )
                    body = read
                return Response(resp.status, resp.headers, body)
        except (aiohttp.ClientError, TimeoutError, _Dropped) as exc:
            # Not chained: aiohttp's exceptions may carry the request's headers.
            raise _failure(exc, request) from None


@functools.lru_cache(maxsize=64)
def _timeout(seconds: float | None) -> aiohttp.ClientTimeout:
    # A client sends most of its requests with one timeout: build its object once.
    return aiohttp.ClientTimeout(total=seconds)


def _failure(exc: BaseException, request: Request) -> TransportError:
    """The SDK's own error for one of aiohttp's failures (or a dropped connection)."""
    cls, message = _classify(exc, request)
    if cls is ConnectError:
        # Only a connection that could not be made certainly carried no request.
        sent = not isinstance(exc, aiohttp.ClientConnectorError)
        return ConnectError(message, method=request.method, path=request.path, request_sent=sent)
    return cls(message, method=request.method, path=request.path)


def _classify(exc: BaseException, request: Request) -> tuple[type[TransportError], str]:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return ConnectError, f"cannot connect to {request.url.host}: {exc.os_error.strerror or exc}"
    if isinstance(exc, TimeoutError):
        return RequestTimeoutError, f"no answer within {request.timeout}s"
    if isinstance(exc, _Dropped):
        return ConnectError, f"connection lost ({exc.cause_name})"
    if isinstance(exc, aiohttp.ClientPayloadError):
        # The body was cut short (a dropped connection, a wrong Content-Length) or could
        # not be decoded (a corrupt gzip stream).
        return (
            ConnectError,
            f"the answer's body was cut short or malformed ({_payload_reason(exc)})",
        )
    if isinstance(exc, aiohttp.ClientConnectionError):
        return ConnectError, f"connection lost ({type(exc).__name__})"
    if isinstance(exc, aiohttp.ClientResponseError):
        # With raise_for_status off, aiohttp raises this only when the answer is not
        # valid HTTP (a bad status line, data after the announced length...).
        return TransportError, f"the answer is not valid HTTP: {_first_line(exc.message)}"
    # Anything else aiohttp refuses (a bad URL...) is still ours to name; not retried.
    return TransportError, f"the request failed: {type(exc).__name__}: {redact(str(exc))}"


async def _read_error_body(resp: aiohttp.ClientResponse) -> bytes:
    """At most :data:`MAX_ERROR_BODY` bytes of an error answer's body, decompressed."""
    chunks: list[bytes] = []
    size = 0
    while size < MAX_ERROR_BODY and (chunk := await resp.content.readany()):
        chunks.append(chunk)
        size += len(chunk)
    if not resp.content.is_eof():
        resp.close()  # the rest is not read: the connection cannot be reused
    return b"".join(chunks)[:MAX_ERROR_BODY]


def _payload_reason(exc: aiohttp.ClientPayloadError) -> str:
    # aiohttp's text names the cause ("Response payload is not completed", "Can not
    # decode content-encoding: gzip").
    cause = exc.args[0] if exc.args else type(exc).__name__
    # A wrapped parser error (a corrupt gzip stream) says it in its own ``message``.
    return _first_line(str(getattr(cause, "message", "") or cause))


def _first_line(text: str) -> str:
    # aiohttp's parser errors read "400, message:\n  <what>\n  <the offending bytes>";
    # the bytes may be anything the server sent: keep only <what>, cut and masked.
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and _CODE_PREFIX.fullmatch(lines[0]):
        lines.pop(0)
    return redact(lines[0][:200]) if lines else "no detail"


_CODE_PREFIX = re.compile(r"\d{3}, message:")
