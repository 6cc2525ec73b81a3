"""Which storage a client uses and with what credentials, as the official SDKs find
them: an explicit URL, else the one ``GET /settings`` names; the account's e-mail
(``GET /info``) as access key and the API token as secret."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from .._redact import Secret
from .._retry import RetryPolicy
from .._transport import check_url
from ..errors import ConfigurationError
from ._buckets import DEFAULT_CONCURRENCY, Buckets
from ._s3 import DEFAULT_STORAGE_URL, S3Connection, S3Settings, require_aiobotocore

__all__ = ["AccountReader", "StorageAccess"]


class _HasEmail(Protocol):
    @property
    def email(self) -> str | None: ...


class AccountReader(Protocol):
    """What storage asks the Compute API: ``client.account`` answers it."""

    async def settings(self) -> Mapping[str, Any]:
        """``GET /settings``."""
        ...

    async def info(self) -> _HasEmail:
        """``GET /info``."""
        ...


class StorageAccess:
    """The storage settings of one token, and its :class:`Buckets`, built on first use.

    Args:
        secret: the token, the S3 secret.
        url: the storage URL, or ``None`` to ask ``GET /settings``.
        verify: verify TLS (``True``), not (``False``), or with this CA file.
        allow_insecure_http: permit an ``http://`` storage that is not loopback.
    """

    def __init__(
        self, secret: Secret, *, url: str | None, verify: bool | str, allow_insecure_http: bool
    ) -> None:
        self.secret = secret
        self.url = (
            url if url is None else str(check_url(url, allow_insecure_http=allow_insecure_http))
        )
        self.verify = verify
        self.allow_insecure_http = allow_insecure_http
        self._buckets: Buckets | None = None

    def __repr__(self) -> str:
        return f"StorageAccess(url={self.url!r}, secret='***')"

    def with_token(self, token: str) -> StorageAccess:
        """The same settings for another token (a client view's), with its own S3 client."""
        return StorageAccess(
            Secret(token),
            url=self.url,
            verify=self.verify,
            allow_insecure_http=self.allow_insecure_http,
        )

    def buckets(
        self, account: AccountReader, *, retry: RetryPolicy, timeout: float | None
    ) -> Buckets:
        """The :class:`Buckets` of this token, built on the first call; its S3 client
        opens on first use, asking ``account`` where and as whom.

        Raises:
            ConfigurationError: aiobotocore is not installed.
        """
        if self._buckets is None:
            require_aiobotocore()

            async def resolve() -> S3Settings:
                return await self.settings(account)

            connection = S3Connection(
                resolve,
                # A few connections beyond the transfers, for listings meanwhile.
                max_connections=DEFAULT_CONCURRENCY + 4,
                retry=retry,
                timeout=timeout,
            )
            self._buckets = Buckets(connection)
        return self._buckets

    async def settings(self, account: AccountReader) -> S3Settings:
        """The endpoint and credentials, asking ``account`` what is not configured.

        Raises:
            ConfigurationError: ``GET /settings`` says ``storage: null`` (no storage on
                this service), or ``GET /info`` names no e-mail.
        """
        url = self.url
        if url is None:
            settings = await account.settings()
            found = settings.get("storage", DEFAULT_STORAGE_URL)
            if found is None:
                raise ConfigurationError(
                    "storage is disabled on this service (GET /settings answers storage: "
                    "null); pass Client(storage_url=...) to use another storage"
                )
            url = str(check_url(str(found), allow_insecure_http=self.allow_insecure_http))
        info = await account.info()
        if not info.email:
            raise ConfigurationError(
                "GET /info names no e-mail: the storage needs it as access key"
            )
        return S3Settings(url, info.email, self.secret, self.verify)

    async def aclose(self) -> None:
        """Close the S3 client, if one was opened."""
        if self._buckets is not None:
            await self._buckets.aclose()
