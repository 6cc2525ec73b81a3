"""One aiobotocore S3 client per :class:`~qarnot_async.Client`, opened on first use.

aiobotocore is an optional dependency (the ``storage`` extra): nothing here imports it
before a bucket is actually used, so the SDK imports and computes without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Final, TypeVar

import attrs

from .._redact import Secret
from .._retry import RetryPolicy
from ..errors import ConfigurationError
from ._errors import translate_error

if TYPE_CHECKING:
    from aiobotocore.session import AioSession
    from types_aiobotocore_s3 import S3Client

T = TypeVar("T")

__all__ = [
    "DEFAULT_STORAGE_URL",
    "INSTALL_HINT",
    "S3Connection",
    "S3Settings",
    "SettingsResolver",
    "require_aiobotocore",
    "translated",
]

DEFAULT_STORAGE_URL: Final = "https://storage.qarnot.com"
"""Where the storage is when ``GET /settings`` does not say."""

INSTALL_HINT: Final = "pip install 'qarnot-async[storage]'"

# Ceph ignores the region, but SigV4 signs one: the official SDK's boto3 uses this.
_REGION: Final = "us-east-1"


@attrs.frozen(slots=True, repr=False)
class S3Settings:
    """Where the storage is and how to sign for it.

    Attributes:
        endpoint: the storage's URL.
        access_key: the account's e-mail (``GET /info``).
        secret: the API token.
        verify: verify TLS certificates (``True``), not (``False``), or with this CA file.
    """

    endpoint: str
    access_key: str
    secret: Secret
    verify: bool | str = True

    def __repr__(self) -> str:
        return (
            f"S3Settings(endpoint={self.endpoint!r}, access_key={self.access_key!r}, secret='***')"
        )


SettingsResolver = Callable[[], Awaitable[S3Settings]]
"""Finds the :class:`S3Settings` (may ask the Compute API): called once, on first use."""


def require_aiobotocore() -> None:
    """Raise :class:`ConfigurationError` naming the extra when aiobotocore is missing."""
    try:
        import aiobotocore  # noqa: F401
    except ImportError:
        raise ConfigurationError(
            f"storage needs aiobotocore, which is not installed: {INSTALL_HINT}"
        ) from None


# A botocore session parses its endpoint and service models (a megabyte of JSON) the
# first time it makes a client: one session per thread makes that a one-time cost,
# not half a second per Client. Per thread, because sessions are not thread-safe.
_sessions = threading.local()


def _session() -> AioSession:
    session: AioSession | None = getattr(_sessions, "session", None)
    if session is None:
        from aiobotocore.session import get_session

        session = _sessions.session = get_session()
    return session


@contextlib.contextmanager
def translated(operation: str, bucket: str | None = None, key: str | None = None) -> Iterator[None]:
    """Turn botocore and aiohttp failures inside the block into storage errors.

    ``Exception`` only: a cancellation (a ``BaseException``) passes untouched. The
    original is not chained (``from None``), so no botocore text reaches a traceback.
    """
    try:
        yield
    except Exception as exc:
        error = translate_error(exc, operation, bucket, key)
        if error is None or error is exc:
            raise
        raise error from None


class S3Connection:
    """The S3 client of one set of credentials, created lazily on the running loop.

    Every call goes through :meth:`call`, retried by the same
    :class:`~qarnot_async.RetryPolicy` as the Compute API's requests: 5xx answers, 429,
    dropped connections and timeouts, with full-jitter backoff, a bounded number of
    attempts, and never a cancellation. botocore's own retries are off, so attempts do
    not multiply.

    Args:
        resolve: finds the endpoint and credentials on first use.
        retry: the retry policy (the client's).
        max_connections: the size of the client's connection pool.
        timeout: seconds to connect and for each read (``None``: botocore's 60).
    """

    def __init__(
        self,
        resolve: SettingsResolver,
        *,
        retry: RetryPolicy,
        max_connections: int,
        timeout: float | None,
    ) -> None:
        self._resolve = resolve
        self._retry = retry
        self._max_connections = max_connections
        self._timeout = timeout
        self._client: S3Client | None = None
        self._stack: AsyncExitStack | None = None
        self._opening: asyncio.Lock | None = None
        self._settings: S3Settings | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once :meth:`aclose` ran."""
        return self._closed

    @property
    def endpoint(self) -> str | None:
        """The storage URL, once known."""
        return None if self._settings is None else self._settings.endpoint

    async def call(
        self,
        operation: str,
        send: Callable[[S3Client], Awaitable[T]],
        bucket: str | None = None,
        key: str | None = None,
        *,
        idempotent: bool = True,
    ) -> T:
        """``await send(s3)``, its failures turned into storage errors and retried by
        the policy; a body read inside ``send`` is retried with it.

        ``operation`` (``"PutObject"``), ``bucket`` and ``key`` name the call in errors
        and retry events. ``idempotent=False`` for a call that must not be repeated once
        it may have reached the storage.
        """
        s3 = await self.client()

        async def once() -> T:
            with translated(operation, bucket, key):
                return await send(s3)

        where = bucket if key is None else f"{bucket}/{key}"
        retrying = self._retry.retrying(
            method=f"S3 {operation}", path=where or "", idempotent=idempotent
        )
        result: T = await retrying(once)
        return result

    async def client(self) -> S3Client:
        """The S3 client, created on first call (one concurrent creation at most)."""
        if self._closed:
            raise ConfigurationError("this client is closed; create a new Client")
        if self._client is not None:
            return self._client
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._client is None:
                self._client = await self._open()
        return self._client

    async def _open(self) -> S3Client:
        require_aiobotocore()
        from aiobotocore.config import AioConfig

        settings = await self._resolve()
        if self._closed:
            raise ConfigurationError("this client is closed; create a new Client")
        # botocore's own default when the client has no timeout.
        timeout = 60.0 if self._timeout is None else self._timeout
        config = AioConfig(
            # Ceph rejects the CRC trailers newer botocore sends by default.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": "path"},
            # Retries are the policy's (see call()): one attempt per botocore call.
            retries={"total_max_attempts": 1, "mode": "standard"},
            max_pool_connections=self._max_connections,
            signature_version="s3v4",
            connect_timeout=timeout,
            read_timeout=timeout,
        )
        stack = AsyncExitStack()
        client = await stack.enter_async_context(
            _session().create_client(
                "s3",
                region_name=_REGION,
                endpoint_url=settings.endpoint,
                aws_access_key_id=settings.access_key,
                aws_secret_access_key=settings.secret.value,
                verify=settings.verify,
                config=config,
            )
        )
        self._stack, self._settings = stack, settings
        return client

    async def aclose(self) -> None:
        """Close the client and its connections; safe to call twice."""
        self._closed = True
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    def __repr__(self) -> str:
        return f"S3Connection(endpoint={self.endpoint!r}, open={self._client is not None})"
