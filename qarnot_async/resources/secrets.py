"""``client.secrets``: the secrets manager, which tasks and pools read secrets from.

Not in ``openapi.json``: the routes live outside the versioned API, on the cluster URL
itself (``/secrets-manager/data/{key}``, ``/secrets-manager/search/{prefix}``), as the
official SDKs call them (Python 2.23 ``qarnot/secrets.py``, C# ``Sdk/Secrets.cs``).

A secret's value never appears in a log line, a ``repr`` or an exception: while a
request carries one, it is registered with the token redaction, and no message of
this module includes it.
"""

from __future__ import annotations

import builtins
from typing import Any, NoReturn
from urllib.parse import quote

from .._converter import structure, unstructure
from .._redact import Secret
from .._transport import UNVERSIONED
from ..errors import APIError, ConflictError, NotFoundError
from ..models import SecretKeys, SecretValue, secret_key
from ._requests import Resource

__all__ = ["SecretConflictError", "SecretNotFoundError", "Secrets"]

_DATA = f"{UNVERSIONED}/secrets-manager/data/"
_SEARCH = f"{UNVERSIONED}/secrets-manager/search/"


class SecretNotFoundError(NotFoundError):
    """No secret has this key (a 404 of the secrets manager); ``key`` names it."""

    key: str = ""
    """The key (or, from :meth:`Secrets.list`, the prefix) that was asked for."""


class SecretConflictError(ConflictError):
    """A secret with this key exists already (a 409 on create); ``key`` names it."""

    key: str = ""
    """The key that was asked for."""


def _quoted(key: str) -> str:
    # A key's "/" separate folders on the service too: quote each segment, keep them.
    return "/".join(quote(segment, safe="") for segment in key.split("/"))


def _reraise(exc: APIError, key: str) -> NoReturn:
    """Raise the secrets manager's own error for a 404 or 409, else ``exc`` itself."""
    cls: type[SecretNotFoundError | SecretConflictError] | None = None
    if isinstance(exc, NotFoundError):
        cls = SecretNotFoundError
    elif isinstance(exc, ConflictError):
        cls = SecretConflictError
    if cls is None:
        raise exc
    error = cls(
        exc.status,
        f"{exc.message} (secret {key!r})",
        details=exc.details,
        method=exc.method,
        path=exc.path,
        retry_after=exc.retry_after,
    )
    error.key = key
    error.attempt = exc.attempt
    raise error from None


class Secrets(Resource):
    """The account's secrets: strings stored under ``/``-separated keys
    (``"db/password"``), that tasks and pools read when their
    ``secrets_access_rights`` allow it.

    Keys and prefixes are trimmed of leading and trailing ``/``, as the official SDKs
    do. Errors: :class:`SecretNotFoundError` (a :class:`~qarnot_async.NotFoundError`)
    for a missing key, :class:`SecretConflictError` (a
    :class:`~qarnot_async.ConflictError`) for a key that exists, and those common to
    every request (:class:`~qarnot_async.resources.Collection`).
    """

    async def _send(self, method: str, key: str, value: str | None = None) -> Any:
        body: dict[str, Any] | None = None
        held: Secret | None = None
        if value is not None:
            body = unstructure(SecretValue(value=value))
            held = Secret(value)  # masks the value in any message while in flight
        try:
            options: dict[str, Any] = {} if body is None else {"json_body": body}
            return await self._calls.send(method, _DATA + _quoted(key), **options)
        except APIError as exc:
            _reraise(exc, key)
        finally:
            del held

    async def get(self, key: str) -> str:
        """``GET /secrets-manager/data/{key}``: the secret's value.

        Raises:
            InvalidInputError: an empty key.
            SecretNotFoundError: no secret has this key.
        """
        key = secret_key(key)
        answer = (await self._send("GET", key)).json()
        # Registered before reading: a malformed answer's DecodeError quotes the value.
        held = Secret(str(answer.get("value"))) if isinstance(answer, dict) else None
        try:
            return structure(answer, SecretValue, where=f"GET /secrets-manager/data/{key}").value
        finally:
            del held

    async def create(self, key: str, value: str) -> str:
        """``PUT /secrets-manager/data/{key}``: a new secret; returns its (trimmed) key.

        Raises:
            InvalidInputError: an empty key, or a value that is not a string.
            SecretConflictError: a secret with this key exists.
        """
        key = secret_key(key)
        await self._send("PUT", key, _value(value))
        return key

    async def update(self, key: str, value: str) -> None:
        """``PATCH /secrets-manager/data/{key}``: give an existing secret a new value.

        Raises:
            InvalidInputError: an empty key, or a value that is not a string.
            SecretNotFoundError: no secret has this key.
        """
        await self._send("PATCH", secret_key(key), _value(value))

    async def delete(self, key: str) -> None:
        """``DELETE /secrets-manager/data/{key}``: delete a secret.

        Raises:
            InvalidInputError: an empty key.
            SecretNotFoundError: no secret has this key.
        """
        await self._send("DELETE", secret_key(key))

    async def _children(self, prefix: str) -> builtins.list[str]:
        """One ``GET /secrets-manager/search/{prefix}``: full keys, folders ending in ``/``."""
        route = _SEARCH + _quoted(prefix)
        try:
            found = await self._calls.read(SecretKeys, "GET", route)
        except APIError as exc:
            _reraise(exc, prefix)
        # The service answers keys relative to the prefix.
        head = f"{prefix}/" if prefix else ""
        return [head + k for k in found.keys]

    async def list(self, prefix: str = "", *, recursive: bool = False) -> builtins.list[str]:
        """The keys under ``prefix`` (every key for ``""``), as full keys.

        Without ``recursive``: the direct children, a folder as ``"prefix/folder/"``.
        With it: every secret below, folders walked (one request per folder, as the
        service has no recursive search) and not listed themselves.

        Raises:
            InvalidInputError: a prefix that is not a string.
        """
        prefix = secret_key(prefix, "prefix", allow_empty=True)
        if not recursive:
            return await self._children(prefix)
        keys: builtins.list[str] = []
        folders = [prefix]
        while folders:
            for key in await self._children(folders.pop()):
                if key.endswith("/"):
                    folders.append(key.rstrip("/"))
                else:
                    keys.append(key)
        return keys


def _value(value: object) -> str:
    # Checked by the model; a non-string is refused without being shown.
    return SecretValue(value=value).value  # type: ignore[arg-type]
