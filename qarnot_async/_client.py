"""The Client: configuration, session lifecycle, and the resources hung off it."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Self

from ._config import settings_from_env, settings_from_file
from ._retry import RetryPolicy
from ._transport import READ_ONLY_HEADER, Response, Transport, TransportStats, check_url
from .errors import ConfigurationError
from .polling import Poller, PollPolicy, Watch
from .resources import Account, Hardware, Jobs, Pools, Profiles, Tasks

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
        max_concurrency: the most requests in flight at once, client-wide: an
            ``asyncio.gather`` of 10,000 calls queues behind this many.
        retry: the :class:`RetryPolicy` (default: 5 attempts, full-jitter backoff).
        verify_ssl: verify the service's TLS certificate. Turning it off logs a warning.
        ca_file: a PEM bundle to verify the certificate with (a private CA).
        allow_insecure_http: permit ``http://`` to a host that is not loopback, which
            sends the token in clear text.
        poll: the schedule of the shared poller behind every ``wait``, ``watch`` and
            ``as_completed`` (:class:`~qarnot_async.polling.PollPolicy`).

    Raises:
        ConfigurationError: no token, a malformed URL, or ``http://`` to a remote host.
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
    ) -> None:
        if not token or not isinstance(token, str):
            raise ConfigurationError(
                "no API token: pass Client(token=...), or set QARNOT_CLIENT_TOKEN and use "
                "Client.from_env()"
            )
        if max_concurrency < 1 or max_connections < 1:
            raise ConfigurationError("max_concurrency and max_connections must be >= 1")
        if timeout is not None and timeout <= 0:
            raise ConfigurationError(f"timeout must be a positive number of seconds, got {timeout}")
        base = check_url(cluster_url, allow_insecure_http=allow_insecure_http)
        prefix = ""
        if api_version:
            version = api_version.strip("/")
            prefix = "/" + (version if version.startswith("v") else f"v{version}")
        base_url = base.with_path(base.path.rstrip("/") + prefix)
        if not verify_ssl:
            _log.warning(
                "TLS certificate verification is off for %s: anyone on the path can read the token",
                base.host,
            )
        self.cluster_url = str(base)
        self.api_version = api_version
        self._transport = Transport(
            token=token,
            base_url=base_url,
            timeout=timeout,
            max_connections=max_connections,
            max_concurrency=max_concurrency,
            retry=retry or RetryPolicy(),
            verify_ssl=verify_ssl,
            ca_file=ca_file,
        )
        self._headers: Mapping[str, str] = {}
        self._poll_policy = poll or PollPolicy()
        self._poller: Poller | None = None
        self._owns_transport = True
        self.read_only_account: str | None = None
        self._wire_resources()

    # -- alternative constructors ---------------------------------------------------

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Client:
        """Build a client from the official SDKs' environment variables.

        Reads ``QARNOT_CLIENT_TOKEN``, ``QARNOT_CLUSTER_URL``, ``QARNOT_CLUSTER_UNSAFE``
        (turns TLS verification off) and ``QARNOT_CLUSTER_TIMEOUT`` (seconds). Keyword
        arguments given here win over the environment.
        """
        settings = settings_from_env(environ)
        settings.update(overrides)
        return cls(**settings)

    @classmethod
    def from_config_file(cls, path: str | os.PathLike[str], **overrides: Any) -> Client:
        """Build a client from an official-SDK ``qarnot.conf`` INI file.

        Reads ``[client] token``, ``[cluster] url``, ``unsafe``, ``timeout`` and
        ``custom_certificate``. Keyword arguments given here win over the file.
        """
        settings = settings_from_file(path)
        settings.update(overrides)
        return cls(**settings)

    def as_account(self, email: str) -> Client:
        """A read-only view on another account this token may read.

        The view shares this client's connections and sends
        ``QarnotReadOnlyRequestForAccount: <email>`` with every request; the service
        refuses its writes (403). Closing the view does not close this client.
        """
        if not email or "@" not in email:
            raise ConfigurationError(f"as_account() needs an account email, got {email!r}")
        view = object.__new__(type(self))
        view.__dict__.update(self.__dict__)
        view._headers = {**self._headers, READ_ONLY_HEADER: email}
        view._owns_transport = False
        view._poller = None  # its requests carry the view's header: a poller of its own
        view.read_only_account = email
        view._wire_resources()
        return view

    # -- lifecycle --------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._transport.closed:
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
        """Close the connections. The client cannot be used afterwards.

        Pending waits and watches fail with :class:`ConfigurationError`.
        """
        poller, self._poller = self._poller, None
        if poller is not None:
            await poller.aclose()
        if self._owns_transport:
            await self._transport.close()

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
        """True once the client (or the client a view came from) was closed."""
        return self._transport.closed

    @property
    def stats(self) -> TransportStats:
        """Counters of requests sent and retries taken by this client."""
        return self._transport.stats

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy in force."""
        return self._transport.retry

    def __repr__(self) -> str:
        account = f", as_account={self.read_only_account!r}" if self.read_only_account else ""
        return (
            f"Client(cluster_url={self.cluster_url!r}, api_version={self.api_version!r}, "
            f"token='***'{account})"
        )

    # -- plumbing for the resources -------------------------------------------------

    def _wire_resources(self) -> None:
        """Hang the resources off this client (they hold a reference back)."""
        self.tasks = Tasks(self)
        """Tasks: create, read, page, steer, wait on."""
        self.pools = Pools(self)
        """Pools: create, read, page, scale, close."""
        self.jobs = Jobs(self)
        """Jobs: create, read, page, terminate."""
        self.hardware = Hardware(self)
        """The hardware constraints on offer."""
        self.profiles = Profiles(self)
        """The profiles tasks and pools run with."""
        self.account = Account(self)
        """The account's info, quotas, settings, and the service status."""

    @property
    def poller(self) -> Poller:
        """The shared poller behind every wait, watch and ``as_completed``.

        Built on first use from each waitable collection's
        :meth:`~qarnot_async.resources.Tasks.state_source`.
        """
        if self._transport.closed:
            raise ConfigurationError("this client is closed; create a new Client")
        if self._poller is None:
            sources = {r.kind: r.state_source() for r in (self.tasks, self.pools, self.jobs)}
            self._poller = Poller(sources, self._poll_policy)
        return self._poller

    async def request(self, method: str, path: str, **kwargs: Any) -> Response:
        """Send one request through the transport with this client's headers.

        The low-level path every resource uses: ``path`` is relative to the versioned
        base URL; the keywords are those of the transport's ``request``. The answer is
        a success (errors raise the mapped :class:`~qarnot_async.QarnotError`).
        """
        if self._headers:
            extra = kwargs.pop("headers", None) or {}
            kwargs["headers"] = {**self._headers, **extra}
        return await self._transport.request(method, path, **kwargs)
