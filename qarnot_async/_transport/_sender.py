"""Everything between a client and its transport, the same for any transport.

A :class:`ConnectionPool` is what a client and all its views share: the transport (so
its connections), the cap on requests in flight and the counters. A :class:`Sender` is
one view's way of sending through it: its token, headers, timeout, retry policy and
event hooks. :meth:`Sender.request` builds the :class:`Request`, takes a slot, calls the
hooks, hands the request to the transport, maps an error answer through
:func:`~qarnot_async.errors.error_from_response`, and retries by the
:class:`~qarnot_async.RetryPolicy`.
"""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import json
import platform
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final, TypedDict, Unpack

import aiohttp
import attrs
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .._redact import MASK, Secret, redact
from .._retry import RetryPolicy, is_idempotent
from .._version import __version__
from ..errors import (
    ConfigurationError,
    QarnotError,
    RequestTimeoutError,
    ResponseTooLargeError,
    TransportError,
    error_from_response,
)
from ._model import (
    DEFAULT_MAX_RESPONSE_BYTES,
    UNSET,
    AsyncTransport,
    Request,
    Response,
    bind_loop,
)

__all__ = [
    "READ_ONLY_HEADER",
    "USER_AGENT",
    "ConnectionPool",
    "RequestHook",
    "RequestOptions",
    "ResponseHook",
    "Sender",
    "UNVERSIONED",
    "TransportStats",
    "ViewOptions",
    "check_url",
]

USER_AGENT: Final = (
    f"qarnot-async/{__version__} aiohttp/{aiohttp.__version__} python/{platform.python_version()}"
)
READ_ONLY_HEADER: Final = "QarnotReadOnlyRequestForAccount"
UNVERSIONED: Final = "~"
"""A path starting with this (``"~/secrets-manager/data/k"``) is sent from the cluster
URL itself, outside the API version prefix: the secrets, carbon, credits and quotas APIs
carry their own prefixes. The marker is not part of the path the service sees."""

RequestHook = Callable[[Request], Awaitable[None] | None]
"""Called (or awaited) with each request just before it is sent, retries included."""
ResponseHook = Callable[[Response], Awaitable[None] | None]
"""Called (or awaited) with each answer the transport returns, error statuses included."""


class RequestOptions(TypedDict, total=False):
    """The keyword arguments of :meth:`Sender.request` (and ``Client.request``)."""

    params: Mapping[str, str] | None
    json_body: Any
    timeout: float | None
    idempotent: bool | None
    headers: Mapping[str, str] | None


class ViewOptions(TypedDict, total=False):
    """The settings a view changes: the keyword arguments of :meth:`Sender.derive` (and,
    with ``poll``, of ``Client.with_options``).

    A key left out keeps the original's setting; ``timeout=None`` (no timeout) is not
    the same as no ``timeout`` given.
    """

    token: str | None
    timeout: float | None
    headers: Mapping[str, str] | None
    retry: RetryPolicy | None
    on_request: Sequence[RequestHook] | None
    on_response: Sequence[ResponseHook] | None


_CLOSED = "this client is closed; create a new Client (or use `async with Client(...)`)"


@attrs.define(slots=True)
class TransportStats:
    """Counters of a connection pool: what was sent and how often it was retried.

    A client and its views (:meth:`~qarnot_async.Client.with_options`) share one pool,
    so they share these counters.
    """

    requests: int = 0
    """HTTP attempts sent, retries included."""
    retries: int = 0
    """Attempts that were retries."""
    in_flight: int = 0
    """Requests holding a concurrency slot right now."""
    max_in_flight: int = 0
    """The most requests ever in flight at once."""


class ConnectionPool:
    """The transport, the cap on requests in flight and the counters, shared by views.

    Only the client that created the pool closes it (and with it the transport).
    """

    def __init__(self, transport: AsyncTransport, *, max_concurrency: int) -> None:
        if max_concurrency < 1:
            raise ConfigurationError("max_concurrency must be >= 1")
        self.transport = transport
        self.max_concurrency = max_concurrency
        self.stats = TransportStats()
        self.closed = False
        """True once the owning client closed the pool."""
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def slots(self) -> asyncio.Semaphore:
        """The semaphore that caps requests in flight, created in the running loop."""
        if self.closed:
            raise ConfigurationError(_CLOSED)
        self._loop = bind_loop(self._loop)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_concurrency)
        return self._slots

    async def aclose(self) -> None:
        """Close the pool and its transport. Safe to call twice."""
        self.closed = True
        await self.transport.aclose()


def _check_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Extra headers a client or view sends, refusing the token's header."""
    extra = dict(headers or {})
    if any(name.lower() == "authorization" for name in extra):
        raise ConfigurationError("pass the token as token=..., not as an Authorization header")
    return extra


def _hooks(name: str, hooks: Sequence[Callable[[Any], Any]]) -> tuple[Callable[[Any], Any], ...]:
    # A lone function instead of a list is the likely slip: name it, not "not iterable".
    if callable(hooks) or not all(callable(h) for h in hooks):
        raise ConfigurationError(f"{name} must be a list of callables, got {hooks!r}")
    return tuple(hooks)


async def _emit(hooks: Sequence[Callable[[Any], Awaitable[None] | None]], event: Any) -> None:
    for hook in hooks:
        result = hook(event)
        if inspect.isawaitable(result):
            await result


def _masked(request: Request) -> Request:
    """The request as hooks see it: the token's header is ``***``."""
    headers = CIMultiDict(request.headers)
    if "Authorization" in headers:
        headers["Authorization"] = MASK
    return attrs.evolve(request, headers=CIMultiDictProxy(headers))


class Sender:
    """One view's way of sending through a shared :class:`ConnectionPool`.

    Args:
        pool: the shared pool.
        token: the token, sent raw in ``Authorization``.
        base_url: the versioned base URL every path is appended to.
        root_url: the cluster URL without the version prefix, which paths starting with
            :data:`UNVERSIONED` are appended to (default: ``base_url``).
        timeout: seconds for each attempt (``None``: no limit).
        retry: the retry policy.
        headers: extra headers for every request.
        on_request: hooks called with each request (its token masked).
        on_response: hooks called with each answer.
        owner: whether closing this sender closes the pool.
        max_response_bytes: the largest success body accepted, decompressed; the
            transport is told (``Request.max_response_bytes``) and the sender checks
            again, so the limit holds for any transport.
    """

    def __init__(
        self,
        pool: ConnectionPool,
        *,
        token: Secret,
        base_url: URL,
        timeout: float | None,
        retry: RetryPolicy,
        headers: Mapping[str, str] | None = None,
        on_request: Sequence[RequestHook] = (),
        on_response: Sequence[ResponseHook] = (),
        owner: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        root_url: URL | None = None,
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise ConfigurationError(f"timeout must be a positive number of seconds, got {timeout}")
        if isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int):
            raise ConfigurationError(
                f"max_response_bytes must be a number of bytes, got {max_response_bytes!r}"
            )
        if max_response_bytes < 1:
            raise ConfigurationError(f"max_response_bytes must be >= 1, got {max_response_bytes}")
        self.max_response_bytes = max_response_bytes
        self.pool = pool
        self.base_url = base_url
        self.timeout = timeout
        self.retry = retry
        self.headers: Mapping[str, str] = _check_headers(headers)
        """The extra headers (never the token)."""
        self.on_request: tuple[RequestHook, ...] = _hooks("on_request", on_request)
        self.on_response: tuple[ResponseHook, ...] = _hooks("on_response", on_response)
        self.owner = owner
        self._token = token
        self._base = str(base_url)
        self.root_url = base_url if root_url is None else root_url
        self._root = str(self.root_url)
        # Built once per view, read-only: the same for every request it sends, so a
        # request without headers of its own takes them as they are (no copy).
        self._sent_headers: CIMultiDictProxy[str] = CIMultiDictProxy(
            CIMultiDict(
                {
                    "User-Agent": USER_AGENT,
                    "Accept": "application/json",
                    **self.headers,
                    "Authorization": token.value,
                }
            )
        )
        self._closed = False

    def derive(self, **options: Unpack[ViewOptions]) -> Sender:
        """A sender on the same pool with some settings changed; it never owns the pool.

        ``headers`` are merged over this sender's; the other options replace theirs.

        Raises:
            TypeError: an option that :class:`ViewOptions` does not name.
        """
        unknown = options.keys() - ViewOptions.__optional_keys__
        if unknown:
            raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        token = options.get("token")
        timeout = options.get("timeout", UNSET)
        on_request = options.get("on_request")
        on_response = options.get("on_response")
        return Sender(
            self.pool,
            token=Secret(token) if token else self._token,
            base_url=self.base_url,
            timeout=self.timeout if timeout is UNSET else timeout,
            retry=options.get("retry") or self.retry,
            headers={**self.headers, **(options.get("headers") or {})},
            on_request=self.on_request if on_request is None else on_request,
            on_response=self.on_response if on_response is None else on_response,
            max_response_bytes=self.max_response_bytes,
            root_url=self.root_url,
        )

    @property
    def closed(self) -> bool:
        """True once this sender, or the pool's owner, was closed."""
        return self._closed or self.pool.closed

    async def aclose(self) -> None:
        """Stop sending; the owner also closes the pool. Safe to call twice."""
        self._closed = True
        if self.owner and not self.pool.closed:
            await self.pool.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = UNSET,
        timeout: float | None = UNSET,
        idempotent: bool | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Send one request, retried by the policy, and return its successful answer.

        See :meth:`qarnot_async.Client.request` for the arguments.
        """
        if self._closed:
            raise ConfigurationError(_CLOSED)
        request = self._build(method.upper(), path, params, json_body, timeout, headers)
        idem = is_idempotent(request.method, request.path) if idempotent is None else idempotent
        attempt = 0

        async def once() -> Response:
            nonlocal attempt
            attempt += 1
            try:
                return await self._send_once(request, attempt)
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
            method=request.method, path=path, idempotent=idem, on_retry_count=self._count_retry
        )
        result: Response = await retrying(replay_then_send)
        return result

    def _count_retry(self) -> None:
        self.pool.stats.retries += 1

    def _build(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        json_body: Any,
        timeout: float | None,
        headers: Mapping[str, str] | None,
    ) -> Request:
        if path.startswith(UNVERSIONED):
            path = path[len(UNVERSIONED) :]
            url = URL(self._root + path, encoded=True)
        else:
            url = URL(self._base + path, encoded=True)
        if params:
            url = url.with_query(params)
        sent = self._sent_headers
        body: bytes | None = None
        if headers or json_body is not UNSET:
            extra = CIMultiDict(sent)
            extra.update(headers or {})
            if json_body is not UNSET:
                body = json.dumps(json_body, separators=(",", ":")).encode()
                extra["Content-Type"] = "application/json"
            sent = CIMultiDictProxy(extra)
        return Request(
            method,
            url,
            sent,
            body,
            self.timeout if timeout is UNSET else timeout,
            path,
            self.max_response_bytes,
        )

    async def _send_once(self, request: Request, attempt: int) -> Response:
        pool = self.pool
        method, path = request.method, request.path
        async with pool.slots():
            if self.on_request:
                await _emit(self.on_request, _masked(request))
            stats = pool.stats
            stats.requests += 1
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
            try:
                answer = await pool.transport.handle_async_request(request)
            except QarnotError:
                raise
            except TimeoutError:
                raise RequestTimeoutError(
                    f"no answer within {request.timeout}s", method=method, path=path
                ) from None
            except Exception as exc:
                # A transport's own failure (a custom transport, a MockTransport handler)
                # still leaves the SDK as a QarnotError; chained, so a test sees its cause.
                raise TransportError(
                    f"the request failed: {type(exc).__name__}: {redact(str(exc))}",
                    method=method,
                    path=path,
                ) from exc
            finally:
                stats.in_flight -= 1
        success = 200 <= answer.status < 300
        if success and len(answer.body) > self.max_response_bytes:
            # A transport that does not bound its reads (a MockTransport, a custom one)
            # still cannot hand a larger answer to the layers above.
            raise ResponseTooLargeError(self.max_response_bytes, method=method, path=path)
        response = Response(answer.status, answer.headers, answer.body, method, path, attempt)
        if self.on_response:
            await _emit(self.on_response, response)
        if not success:
            # 3xx included: a redirect is never followed (the token would go with it),
            # so it is an error that names where it pointed.
            raise error_from_response(
                response.status,
                response.headers,
                response.body,
                method,
                path,
                max_retry_after=self.retry.max_retry_after,
            )
        return response


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
