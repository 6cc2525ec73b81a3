"""The one place that sends HTTP.

Every request of the SDK goes through :meth:`Transport.request`: it adds the token and
the User-Agent, caps the requests in flight, applies the timeout, retries by the
:class:`~qarnot_async.RetryPolicy` and turns every failure into an exception of
:mod:`qarnot_async.errors`. Nothing above this module touches aiohttp.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import platform
import ssl
import warnings
import weakref
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

import aiohttp
import attrs
from multidict import CIMultiDictProxy
from yarl import URL

from ._retry import RetryPolicy, is_idempotent, parse_retry_after
from ._version import __version__
from .errors import (
    APIError,
    ConfigurationError,
    ConnectError,
    DecodeError,
    QarnotError,
    RateLimitedError,
    RequestTimeoutError,
    TransportError,
    error_for_status,
)

__all__ = ["Response", "Transport", "TransportStats", "path", "redact"]

_log = logging.getLogger("qarnot_async")

USER_AGENT: Final = (
    f"qarnot-async/{__version__} aiohttp/{aiohttp.__version__} python/{platform.python_version()}"
)
READ_ONLY_HEADER: Final = "QarnotReadOnlyRequestForAccount"

_UNSET: Any = object()

# Every token a client was built with: the log filter masks them wherever they appear.
_SECRETS: weakref.WeakValueDictionary[int, _Secret] = weakref.WeakValueDictionary()


class _Secret:
    __slots__ = ("__weakref__", "value")

    def __init__(self, value: str) -> None:
        self.value = value


# Shorter "tokens" (test stubs like "t") are no secret, and masking them would mangle
# every message that happens to contain those letters.
_MIN_REDACTED = 8


def redact(text: str) -> str:
    """``text`` with every known token replaced by ``***``."""
    for secret in list(_SECRETS.values()):
        if len(secret.value) >= _MIN_REDACTED and secret.value in text:
            text = text.replace(secret.value, "***")
    return text


class _RedactingFilter(logging.Filter):
    """Masks tokens in records of the ``qarnot_async`` logger, whoever formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


_log.addFilter(_RedactingFilter())


def path(*segments: str | int) -> str:
    """Join path segments, each percent-quoted, into ``/a/b``.

    User-supplied uuids and names go through here, so a ``/`` or ``?`` in them can
    never reach another route.
    """
    return "".join("/" + quote(str(s), safe="") for s in segments)


@attrs.frozen(slots=True)
class Response:
    """A complete answer: status, headers and the whole body."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    method: str
    path: str
    attempt: int = 1
    """The attempt, counting from 1, that got this answer (2+: after retries)."""

    def json(self) -> Any:
        """The body decoded as JSON (``None`` for an empty body)."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise DecodeError(
                f"{self.method} {self.path}", "the answer is not valid JSON", self.body[:200]
            ) from exc

    def text(self) -> str:
        """The body decoded as UTF-8 text."""
        return self.body.decode("utf-8", errors="replace")


@attrs.define(slots=True)
class TransportStats:
    """Counters a client keeps: what was sent and how often it was retried."""

    requests: int = 0
    """HTTP attempts sent, retries included."""
    retries: int = 0
    """Attempts that were retries."""
    in_flight: int = 0
    """Requests holding a concurrency slot right now."""
    max_in_flight: int = 0
    """The most requests ever in flight at once."""


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _error_message(resp_reason: str | None, content_type: str, body: bytes) -> tuple[str, Any]:
    """The message and the decoded details of an error answer."""
    details: Any = None
    if body:
        try:
            details = json.loads(body)
        except ValueError:
            details = None
    if isinstance(details, dict):
        parts: list[str] = []
        for key in ("message", "title", "detail"):
            value = details.get(key)
            if isinstance(value, str) and value and value not in parts:
                parts.append(value)
        errors = details.get("errors")
        if isinstance(errors, dict) and errors:
            fields = "; ".join(
                f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                for k, v in errors.items()
            )
            parts.append(fields)
        if parts:
            return " - ".join(parts), details
    elif body and "json" not in content_type:
        text = body.decode("utf-8", errors="replace").strip()
        if text:
            return text[:500], None
    return resp_reason or "error", details


class Transport:
    """Sends requests for one client; shared by its read-only account views.

    The aiohttp session is created on first use, inside the running loop, so building
    a client does no I/O and can happen anywhere.
    """

    def __init__(
        self,
        *,
        token: str,
        base_url: URL,
        timeout: float | None,
        max_connections: int,
        max_concurrency: int,
        retry: RetryPolicy,
        verify_ssl: bool,
        ca_file: str | None,
    ) -> None:
        self._secret = _Secret(token)
        _SECRETS[id(self._secret)] = self._secret
        self.base_url = base_url
        self.timeout = timeout
        self.max_connections = max_connections
        self.max_concurrency = max_concurrency
        self.retry = retry
        self.verify_ssl = verify_ssl
        self.ca_file = ca_file
        self.stats = TransportStats()
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
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
        loop = asyncio.get_running_loop()
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self.max_connections, ssl=self._ssl())
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                # The total timeout is set per request; this is only the fallback.
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                raise_for_status=False,
            )
            self._loop = loop
            self._slots = asyncio.Semaphore(self.max_concurrency)
        elif self._loop is not loop:
            raise ConfigurationError(
                "this client was first used in another event loop; create one Client per event loop"
            )
        return self._session

    async def close(self) -> None:
        """Close the session and its connections. Safe to call twice."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = _UNSET,
        timeout: float | None = _UNSET,
        idempotent: bool | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Send one request, retried by the policy, and return its successful answer.

        Args:
            method: the HTTP method.
            path: the path after the versioned base URL, e.g. ``/tasks/<uuid>``
                (build it with :func:`path` so user input is quoted).
            params: the query string.
            json_body: the JSON body, if any.
            timeout: seconds for this call (``None``: no limit), overriding the
                client's timeout.
            idempotent: whether the request is safe to repeat after it may have
                reached the service; by default decided from the method and path.
            headers: extra headers (e.g. the read-only account header).

        Raises:
            APIError: (a subclass per status) the service answered an error.
            TransportError: the request failed below HTTP.
            ConfigurationError: the client is closed.
        """
        method = method.upper()
        idem = is_idempotent(method, path) if idempotent is None else idempotent
        seconds = self.timeout if timeout is _UNSET else timeout
        attempt = 0

        async def once() -> Response:
            nonlocal attempt
            attempt += 1
            try:
                return await self._send_once(
                    method, path, params, json_body, seconds, headers, attempt
                )
            except QarnotError as exc:
                exc.attempt = attempt
                raise

        # Fast path: most requests succeed at once, and building a tenacity controller
        # per request costs more than the rest of the client's overhead.
        try:
            return await once()
        except QarnotError as exc:
            if self.retry.max_attempts == 1 or not self.retry.should_retry(exc, idempotent=idem):
                raise
            first_error: QarnotError | None = exc

        async def replay_then_send() -> Response:
            # Tenacity sees the failed first attempt, then backs off before the second.
            nonlocal first_error
            if first_error is not None:
                error, first_error = first_error, None
                raise error
            return await once()

        retrying = self.retry.retrying(
            method=method, path=path, idempotent=idem, on_retry_count=self._count_retry
        )
        result: Response = await retrying(replay_then_send)
        return result

    def _count_retry(self) -> None:
        self.stats.retries += 1

    async def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        json_body: Any,
        timeout: float | None,
        headers: Mapping[str, str] | None,
        attempt: int,
    ) -> Response:
        session = self._ensure_session()
        assert self._slots is not None
        url = URL(str(self.base_url) + path, encoded=True)
        if params:
            url = url.with_query(params)
        request_headers = {"Authorization": self._secret.value}
        if headers:
            request_headers.update(headers)
        data: bytes | None = None
        if json_body is not _UNSET:
            data = json.dumps(json_body, separators=(",", ":")).encode()
            request_headers["Content-Type"] = "application/json"

        async with self._slots:
            stats = self.stats
            stats.requests += 1
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
            try:
                async with session.request(
                    method,
                    url,
                    data=data,
                    headers=request_headers,
                    timeout=aiohttp.ClientTimeout(total=timeout),
                    allow_redirects=False,
                ) as resp:
                    body = await resp.read()
                    status, reason, resp_headers = resp.status, resp.reason, resp.headers
                    content_type = resp.content_type
            except aiohttp.ClientConnectorError as exc:
                raise ConnectError(
                    f"cannot connect to {self.base_url.host}: {exc.os_error.strerror or exc}",
                    method=method,
                    path=path,
                    request_sent=False,
                ) from None
            except TimeoutError:
                raise RequestTimeoutError(
                    f"no answer within {timeout}s", method=method, path=path
                ) from None
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
                raise ConnectError(
                    f"connection lost ({type(exc).__name__})", method=method, path=path
                ) from None
            except aiohttp.ClientError as exc:
                # Anything else aiohttp refuses (a malformed answer, too many redirects...)
                # is still ours to name; it is not retried.
                raise TransportError(
                    f"the request failed: {type(exc).__name__}: {redact(str(exc))}",
                    method=method,
                    path=path,
                ) from None
            finally:
                stats.in_flight -= 1

        if status >= 400:
            raise self._error(status, reason, content_type, body, resp_headers, method, path)
        return Response(
            status=status,
            headers=resp_headers,
            body=body,
            method=method,
            path=path,
            attempt=attempt,
        )

    def _error(
        self,
        status: int,
        reason: str | None,
        content_type: str,
        body: bytes,
        headers: CIMultiDictProxy[str],
        method: str,
        path: str,
    ) -> APIError:
        message, details = _error_message(reason, content_type, body)
        message = redact(message)
        retry_after = parse_retry_after(headers.get("Retry-After"))
        if retry_after is not None and retry_after > self.retry.max_retry_after:
            # Sleeping minutes inside a library call is never what the caller wants.
            return RateLimitedError(
                status,
                f"{message} (the service asks to retry after {retry_after:.0f}s, "
                f"more than max_retry_after={self.retry.max_retry_after:.0f}s)",
                details=details,
                method=method,
                path=path,
                retry_after=retry_after,
            )
        return error_for_status(
            status, message, details=details, method=method, path=path, retry_after=retry_after
        )


def check_url(url: str, *, allow_insecure_http: bool) -> URL:
    """Validate a cluster URL: absolute, http(s), and TLS unless the host is loopback."""
    parsed = URL(url)
    if parsed.scheme not in {"http", "https"} or not parsed.host:
        raise ConfigurationError(
            f"cluster_url must be an absolute http(s) URL such as https://api.qarnot.com, "
            f"got {url!r}"
        )
    if parsed.scheme == "http" and not allow_insecure_http and not _is_loopback(parsed.host):
        raise ConfigurationError(
            f"refusing to send the token in clear text to {parsed.host}: use https://, "
            "or pass allow_insecure_http=True if this network is trusted"
        )
    if parsed.scheme == "http" and allow_insecure_http and not _is_loopback(parsed.host):
        warnings.warn(
            f"the token will be sent without TLS to {parsed.host}",
            RuntimeWarning,
            stacklevel=3,
        )
    return parsed.with_query(None).with_fragment(None)
