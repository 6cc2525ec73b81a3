"""The Client: configuration, views on one connection pool, and the resources hung off it."""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, Unpack

from ._config import settings_from_env, settings_from_file
from ._redact import Secret
from ._retry import RetryPolicy
from ._transport import (
    DEFAULT_MAX_RESPONSE_BYTES,
    READ_ONLY_HEADER,
    AiohttpTransport,
    AsyncTransport,
    ConnectionPool,
    RequestHook,
    RequestOptions,
    Response,
    ResponseHook,
    Sender,
    TransportStats,
    ViewOptions,
    check_url,
)
from .errors import ConfigurationError
from .polling import Poller, PollPolicy, Watch
from .resources import Account, Hardware, Jobs, Pools, Profiles, Secrets, Tasks
from .storage import Buckets, StorageAccess

if TYPE_CHECKING:
    import aiohttp

__all__ = ["DEFAULT_CLUSTER_URL", "Client"]

_log = logging.getLogger("qarnot_async")

DEFAULT_CLUSTER_URL = "https://api.qarnot.com"


class Client:
    """An asynchronous client of the Qarnot Compute API.

    Build it anywhere (construction does no I/O); use it inside a running event loop,
    ideally as ``async with Client(token) as client: ...``, or call :meth:`close`.

    Args:
        token: the API token, sent raw in the ``Authorization`` header.
        cluster_url: the API's base URL.
        api_version: the path prefix (``"v1"`` -> ``/v1/tasks``); ``None`` uses the
            unversioned paths of the official SDKs (``/tasks``).
        timeout: seconds for each request, retries aside (``None``: no limit).
        max_connections: the connection pool's size.
        max_concurrency: the most requests in flight at once, client-wide (views
            included): an ``asyncio.gather`` of 10,000 calls queues behind this many.
        retry: the :class:`RetryPolicy` (default: 5 attempts, full-jitter backoff).
        verify_ssl: verify the service's TLS certificate. Turning it off logs a warning.
        ca_file: a PEM bundle to verify the certificate with (a private CA).
        allow_insecure_http: permit ``http://`` to a host that is not loopback, which
            sends the token in clear text.
        poll: the schedule of the shared poller behind every ``wait``, ``watch`` and
            ``as_completed`` (:class:`~qarnot_async.polling.PollPolicy`).
        headers: extra headers sent with every request (not ``Authorization``: that
            is the token).
        transport: what sends the requests (an :class:`~qarnot_async.AsyncTransport`,
            e.g. a :class:`~qarnot_async.MockTransport` in tests); by default an
            :class:`~qarnot_async.AiohttpTransport` built from ``max_connections``,
            ``verify_ssl``, ``ca_file`` and ``trace_configs``, which then cannot be
            given with it. The client closes its transport when it closes.
        trace_configs: :class:`aiohttp.TraceConfig` objects for the default transport's
            session, e.g. ``opentelemetry-instrumentation-aiohttp-client``'s
            ``create_trace_config()``: a span per HTTP attempt.
        on_request: event hooks, each called (or awaited, if it returns an awaitable)
            with every :class:`~qarnot_async.Request` just before it is sent, retries
            included, its ``Authorization`` header masked as ``***``.
        on_response: event hooks, each called (or awaited) with every
            :class:`~qarnot_async.Response` the transport returns, error statuses
            included, before an error status is raised. An exception a hook raises
            propagates to the caller as it is.
        max_response_bytes: the largest answer body read, counted after decompression
            (default 64 MiB, far above any real answer, stdout included); a larger one
            raises :class:`~qarnot_async.ResponseTooLargeError` without being read whole.
        storage_url: the S3 storage's URL for :attr:`buckets`; by default the one
            ``GET /settings`` names (``https://storage.qarnot.com`` when it names none).

    Raises:
        ConfigurationError: no token, a malformed URL, ``http://`` to a remote host,
            or transport settings given together with ``transport``.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        cluster_url: str = DEFAULT_CLUSTER_URL,
        api_version: str | None = "v1",
        timeout: float | None = 30.0,
        max_connections: int = 100,
        max_concurrency: int = 64,
        retry: RetryPolicy | None = None,
        verify_ssl: bool = True,
        ca_file: str | None = None,
        allow_insecure_http: bool = False,
        poll: PollPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        transport: AsyncTransport | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
        on_request: Sequence[RequestHook] = (),
        on_response: Sequence[ResponseHook] = (),
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        storage_url: str | None = None,
    ) -> None:
        if not token or not isinstance(token, str):
            raise ConfigurationError(
                "no API token: pass Client(token=...), or set QARNOT_CLIENT_TOKEN and use "
                "Client.from_env()"
            )
        base = check_url(cluster_url, allow_insecure_http=allow_insecure_http)
        prefix = ""
        if api_version:
            version = api_version.strip("/")
            prefix = "/" + (version if version.startswith("v") else f"v{version}")
        if transport is None:
            transport = AiohttpTransport(
                max_connections=max_connections,
                verify_ssl=verify_ssl or base.scheme != "https",
                ca_file=ca_file,
                trace_configs=trace_configs,
            )
        elif not isinstance(transport, AsyncTransport):
            raise ConfigurationError(
                f"transport must have handle_async_request() and aclose(), "
                f"got {type(transport).__name__}"
            )
        elif trace_configs or ca_file or not verify_ssl or max_connections != 100:
            raise ConfigurationError(
                "max_connections, verify_ssl, ca_file and trace_configs configure the default "
                "transport: give them to the transport you pass instead"
            )
        secret = Secret(token)
        storage = StorageAccess(
            secret,
            url=storage_url,
            verify=ca_file or verify_ssl,
            allow_insecure_http=allow_insecure_http,
        )
        sender = Sender(
            ConnectionPool(transport, max_concurrency=max_concurrency),
            token=secret,
            base_url=base.with_path(base.path.rstrip("/") + prefix),
            root_url=base.with_path(base.path.rstrip("/")),
            timeout=timeout,
            retry=retry or RetryPolicy(),
            headers=headers,
            on_request=on_request,
            on_response=on_response,
            owner=True,
            max_response_bytes=max_response_bytes,
        )
        self._bind(
            sender, poll or PollPolicy(), str(base), api_version, weakref.WeakSet(), storage, True
        )

    def _bind(
        self,
        sender: Sender,
        poll: PollPolicy,
        cluster_url: str,
        api_version: str | None,
        views: weakref.WeakSet[Client],
        storage: StorageAccess,
        storage_owner: bool,
    ) -> None:
        """Set every attribute of a client or view (the one place that lists them)."""
        self.cluster_url = cluster_url
        """The API's base URL (without the version prefix)."""
        self.api_version = api_version
        """The path prefix, e.g. ``"v1"`` (``None``: unversioned paths)."""
        self._sender = sender
        self._transport = sender.pool.transport
        self._poll_policy = poll
        self._poller: Poller | None = None
        # Every view of one pool, so the owner's close() also stops their pollers.
        self._views = views
        # The S3 side: shared with the views that keep this token, since their storage
        # credentials are the same; a view with another token gets its own.
        self._storage = storage
        self._storage_owner = storage_owner
        self._wire_resources()

    def with_options(
        self, *, poll: PollPolicy | None = None, **options: Unpack[ViewOptions]
    ) -> Self:
        """A view of this client with some options changed, on the same connection pool.

        The view shares this client's transport (its connections), its
        ``max_concurrency`` cap and its :attr:`stats`; it has its own token, headers,
        timeout, retry policy, hooks and poller. ``options`` are ``token``,
        ``timeout``, ``headers``, ``retry``, ``on_request`` and ``on_response``; each
        one left out keeps this client's (``timeout=None`` means no timeout).
        ``headers`` are merged over this client's; the other arguments replace. Closing
        a view never closes the pool: the client stays usable. An async web backend
        serving many accounts keeps one client and makes a view per request::

            async def handler(request):
                account = app_client.with_options(token=request["qarnot_token"])
                return await account.tasks.list()

        Raises:
            ConfigurationError: the client is closed, or ``headers`` holds
                ``Authorization`` (pass ``token=``).
        """
        if self.closed:
            raise ConfigurationError("this client is closed; create a new Client")
        sender = self._sender.derive(**options)
        token = options.get("token")
        storage = self._storage if not token else self._storage.with_token(token)
        view = type(self).__new__(type(self))
        view._bind(
            sender,
            poll or self._poll_policy,
            self.cluster_url,
            self.api_version,
            self._views,
            storage,
            bool(token),
        )
        self._views.add(view)
        return view

    # -- alternative constructors ---------------------------------------------------

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Client:
        """Build a client from the official SDKs' environment variables.

        Reads ``QARNOT_CLIENT_TOKEN``, ``QARNOT_CLUSTER_URL``, ``QARNOT_CLUSTER_UNSAFE``
        (turns TLS verification off), ``QARNOT_CLUSTER_TIMEOUT`` (seconds) and
        ``QARNOT_STORAGE_URL``. Keyword arguments given here win over the environment.
        """
        settings = settings_from_env(environ)
        settings.update(overrides)
        return cls(**settings)

    @classmethod
    def from_config_file(cls, path: str | os.PathLike[str], **overrides: Any) -> Client:
        """Build a client from an official-SDK ``qarnot.conf`` INI file.

        Reads ``[client] token``, ``[cluster] url``, ``unsafe``, ``timeout``,
        ``custom_certificate`` and ``[storage] url``. Keyword arguments given here win
        over the file.
        """
        settings = settings_from_file(path)
        settings.update(overrides)
        return cls(**settings)

    def as_account(self, email: str) -> Self:
        """A read-only view on another account this token may read.

        A :meth:`with_options` view that sends ``QarnotReadOnlyRequestForAccount:
        <email>`` with every request; the service refuses its writes (403). It shares
        this client's connections; closing it does not close this client.
        """
        if not email or "@" not in email:
            raise ConfigurationError(f"as_account() needs an account email, got {email!r}")
        return self.with_options(headers={READ_ONLY_HEADER: email})

    @property
    def read_only_account(self) -> str | None:
        """The account an :meth:`as_account` view reads, else ``None``."""
        return self._sender.headers.get(READ_ONLY_HEADER)

    # -- lifecycle --------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self.closed:
            raise ConfigurationError("this client is closed; create a new Client")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close this client; it cannot be used afterwards. Safe to call twice.

        Pending waits and watches fail with :class:`ConfigurationError`. Closing the
        client that was built with ``Client(...)`` closes its transport and so every
        view of it; closing a view closes only the view.
        """
        clients = [self]
        if self._sender.owner:
            clients += list(self._views)
        for client in clients:
            poller, client._poller = client._poller, None
            if poller is not None:
                await poller.aclose()
        # A view closes the S3 client of its own token only; the owner closes them all.
        for client in clients:
            if client._storage_owner:
                await client._storage.aclose()
        await self._sender.aclose()

    def watch(
        self,
        *,
        tasks: Iterable[str] = (),
        pools: Iterable[str] = (),
        jobs: Iterable[str] = (),
        until_final: bool = True,
    ) -> Watch:
        """Watch tasks, pools and jobs: an async iterator of
        :class:`~qarnot_async.polling.StateChange`, one per transition, in order per uuid.

        ``watch.add(kind, uuids)`` and ``watch.remove(...)`` change what is watched
        while it runs (kinds: ``"task"``, ``"pool"``, ``"job"``). It ends when
        everything watched is final, or, with ``until_final=False``, runs until
        ``await watch.aclose()`` or the end of ``async with``.
        """
        return self.poller.watch(tasks=tasks, pools=pools, jobs=jobs, until_final=until_final)

    @property
    def closed(self) -> bool:
        """True once this client (or, for a view, the client it came from) was closed."""
        return self._sender.closed

    @property
    def stats(self) -> TransportStats:
        """Counters of requests sent and retries taken, shared by a client and its views."""
        return self._sender.pool.stats

    @property
    def max_concurrency(self) -> int:
        """The most requests in flight at once, shared by a client and its views."""
        return self._sender.pool.max_concurrency

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy in force."""
        return self._sender.retry

    @property
    def timeout(self) -> float | None:
        """Seconds for each request, retries aside (``None``: no limit)."""
        return self._sender.timeout

    @property
    def headers(self) -> Mapping[str, str]:
        """The extra headers sent with every request (the token is not among them)."""
        return self._sender.headers

    @property
    def storage_url(self) -> str | None:
        """The storage URL given (argument, environment, config file); ``None``: the
        one ``GET /settings`` names, asked on first use of :attr:`buckets`."""
        return self._storage.url

    @property
    def transport(self) -> AsyncTransport:
        """The transport that sends the requests, shared by a client and its views."""
        return self._transport

    def __repr__(self) -> str:
        account = f", as_account={self.read_only_account!r}" if self.read_only_account else ""
        return (
            f"Client(cluster_url={self.cluster_url!r}, api_version={self.api_version!r}, "
            f"token='***'{account})"
        )

    # -- plumbing for the resources -------------------------------------------------

    def _wire_resources(self) -> None:
        """Hang the resources off this client (they hold a reference back)."""
        # Storage is optional: the collections ask for the buckets only when a storage
        # method runs, so a missing extra fails there, not here.
        self.tasks = Tasks(self, storage=lambda: self.buckets)
        """Tasks: create, read, page, steer, wait on."""
        self.pools = Pools(self, storage=lambda: self.buckets)
        """Pools: create, read, page, scale, close."""
        self.jobs = Jobs(self)
        """Jobs: create, read, page, terminate."""
        self.hardware = Hardware(self)
        """The hardware constraints on offer."""
        self.profiles = Profiles(self)
        """The profiles tasks and pools run with."""
        self.account = Account(self)
        """The account's info, quotas, settings, and the service status."""
        self.secrets = Secrets(self)
        """The secrets manager: secrets tasks and pools may read."""

    @property
    def buckets(self) -> Buckets:
        """The account's S3 buckets: create, list, delete, upload, download.

        Needs the ``storage`` extra (``pip install 'qarnot-async[storage]'``). The S3
        client opens on first use, with the account's e-mail (``GET /info``) as access
        key and the token as secret, at ``storage_url`` or the storage ``GET
        /settings`` names; :meth:`close` closes it.

        Raises:
            ConfigurationError: aiobotocore is not installed, or the client is closed.
        """
        if self.closed:
            raise ConfigurationError("this client is closed; create a new Client")
        return self._storage.buckets(
            self.account, retry=self._sender.retry, timeout=self._sender.timeout
        )

    @property
    def poller(self) -> Poller:
        """The poller behind every wait, watch and ``as_completed`` of this client.

        Built on first use from each waitable collection's
        :meth:`~qarnot_async.resources.Tasks.state_source`. Each view has its own, so
        its polls carry the view's token and headers.
        """
        if self.closed:
            raise ConfigurationError("this client is closed; create a new Client")
        if self._poller is None:
            sources = {r.kind: r.state_source() for r in (self.tasks, self.pools, self.jobs)}
            self._poller = Poller(sources, self._poll_policy)
        return self._poller

    async def request(self, method: str, path: str, **options: Unpack[RequestOptions]) -> Response:
        """Send one request, retried by the policy, and return its successful answer.

        The low-level path every resource uses.

        Args:
            method: the HTTP method.
            path: the path after the versioned base URL, e.g. ``/tasks/<uuid>``, with
                user input percent-quoted so it cannot reach another route; a path
                starting with ``~`` (``~/secrets-manager/data/<key>``) goes from the
                cluster URL itself, outside the version prefix.
            params: the query string.
            json_body: the JSON body, if any.
            timeout: seconds for this call (``None``: no limit), overriding the
                client's timeout.
            idempotent: whether the request is safe to repeat after it may have
                reached the service; by default decided from the method and path.
            headers: extra headers for this request only.

        Raises:
            APIError: (a subclass per status) the service answered an error.
            TransportError: the request failed below HTTP.
            ConfigurationError: the client is closed.
        """
        return await self._sender.request(method, path, **options)
