"""The default transport: one aiohttp session and its connection pool.

It only sends: the client above it adds the headers, caps the requests in flight,
retries and maps the errors. Here, aiohttp's failures become the SDK's own
:class:`~qarnot_async.TransportError` family, so nothing above knows aiohttp.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Sequence

import aiohttp

from .._redact import redact
from ..errors import ConfigurationError, ConnectError, RequestTimeoutError, TransportError
from ._model import Request, Response, bind_loop

__all__ = ["AiohttpTransport"]

_log = logging.getLogger("qarnot_async")


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

        Raises:
            ConnectError: the connection failed (``request_sent=False``) or dropped.
            RequestTimeoutError: no complete answer within ``request.timeout``.
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
                timeout=aiohttp.ClientTimeout(total=request.timeout),
                allow_redirects=False,
            ) as resp:
                body = await resp.read()
                return Response(resp.status, resp.headers, body)
        except aiohttp.ClientConnectorError as exc:
            raise ConnectError(
                f"cannot connect to {request.url.host}: {exc.os_error.strerror or exc}",
                method=method,
                path=where,
                request_sent=False,
            ) from None
        except TimeoutError:
            raise RequestTimeoutError(
                f"no answer within {request.timeout}s", method=method, path=where
            ) from None
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            raise ConnectError(
                f"connection lost ({type(exc).__name__})", method=method, path=where
            ) from None
        except aiohttp.ClientError as exc:
            # Anything else aiohttp refuses (a malformed answer, a bad URL...) is still
            # ours to name; it is not retried. aiohttp's exceptions may carry the request
            # headers, hence no chaining and a redacted text.
            raise TransportError(
                f"the request failed: {type(exc).__name__}: {redact(str(exc))}",
                method=method,
                path=where,
            ) from None
