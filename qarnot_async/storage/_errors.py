"""The storage errors, and the one translation of S3 (botocore) failures into them.

botocore's exceptions can carry request details; none of them leaves this package: each
becomes a :class:`~qarnot_async.QarnotError` whose message names the S3 operation, the
bucket and the key, with every known token masked::

    StorageError(APIError)                 S3 answered an error; ``code`` is S3's
    ├── BucketNotFoundError (NotFoundError)      NoSuchBucket
    ├── ObjectNotFoundError (NotFoundError)      NoSuchKey, or 404 on an object
    ├── StorageAuthError (AuthenticationError)   refused credentials (403, 401)
    ├── BucketNotEmptyError (ConflictError)      delete(purge=False) of a full bucket
    ├── BucketAlreadyExistsError (ConflictError) the name belongs to another account
    └── StorageServerError (ServerError)         5xx, after the retries
    LocalPathError (InvalidInputError)     a local file or directory that is not there
    ConnectError, RequestTimeoutError      no answer came back (after the retries)
"""

from __future__ import annotations

import asyncio
from typing import Any

from .._redact import redact
from ..errors import (
    APIError,
    AuthenticationError,
    ConflictError,
    ConnectError,
    InvalidInputError,
    NotFoundError,
    QarnotError,
    RequestTimeoutError,
    ServerError,
)

__all__ = [
    "BucketAlreadyExistsError",
    "BucketNotEmptyError",
    "BucketNotFoundError",
    "LocalPathError",
    "ObjectNotFoundError",
    "StorageAuthError",
    "StorageError",
    "StorageServerError",
    "translate_error",
]


class StorageError(APIError):
    """S3 answered an error. ``code`` is S3's error code (``"NoSuchBucket"``...),
    ``method`` the S3 operation (``"S3 PutObject"``), ``path`` ``bucket/key``."""

    code: str = ""


class BucketNotFoundError(StorageError, NotFoundError):
    """The bucket does not exist (or not for these credentials)."""


class ObjectNotFoundError(StorageError, NotFoundError):
    """No object has this key in the bucket."""


class StorageAuthError(StorageError, AuthenticationError):
    """The storage refused the credentials: the account e-mail and the token."""


class BucketNotEmptyError(StorageError, ConflictError):
    """The bucket still holds objects: delete it with ``purge=True``."""


class BucketAlreadyExistsError(StorageError, ConflictError):
    """The bucket name is taken by another account (bucket names are global)."""


class StorageServerError(StorageError, ServerError):
    """The storage failed (5xx) on every attempt."""


class LocalPathError(InvalidInputError):
    """A local file or directory given to a transfer does not exist or cannot be used."""

    def __init__(self, path: object, message: str = "no such file or directory") -> None:
        super().__init__("local_path", f"{message}: {path}", str(path))


_AUTH_CODES = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken"}
)
_BY_CODE: dict[str, type[StorageError]] = {
    "NoSuchBucket": BucketNotFoundError,
    "NoSuchKey": ObjectNotFoundError,
    "BucketNotEmpty": BucketNotEmptyError,
    "BucketAlreadyExists": BucketAlreadyExistsError,
}


def _where(bucket: str | None, key: str | None) -> str:
    if bucket is None:
        return ""
    return f"{bucket}/{key}" if key is not None else bucket


def _client_error(
    response: dict[str, Any], operation: str, bucket: str | None, key: str | None
) -> StorageError:
    error = response.get("Error") or {}
    code = str(error.get("Code") or "")
    status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
    if not status and code.isdigit():
        status = int(code)
    message = redact(str(error.get("Message") or code or "error"))
    cls: type[StorageError]
    if code in _BY_CODE:
        cls = _BY_CODE[code]
    elif code in _AUTH_CODES or status in (401, 403):
        cls = StorageAuthError
    elif status == 404:
        # HEAD answers carry no body, so no code: the operation says what was missing.
        cls = ObjectNotFoundError if key is not None else BucketNotFoundError
    elif status >= 500:
        cls = StorageServerError
    else:
        cls = StorageError
    if code and code != message and not code.isdigit():
        message = f"{code}: {message}"
    error_out = cls(status, message, method=f"S3 {operation}", path=_where(bucket, key))
    error_out.code = code
    return error_out


def translate_error(
    exc: BaseException, operation: str, bucket: str | None = None, key: str | None = None
) -> QarnotError | None:
    """The :class:`QarnotError` for a botocore or aiohttp failure of ``operation``;
    ``None`` for what is not a storage failure (a cancellation, a bug), which the
    caller re-raises as it is.

    Messages are built from S3's error code and message, never from botocore's text
    (which can quote the request), and every known token is masked.
    """
    if isinstance(exc, QarnotError):
        return exc
    from botocore import exceptions as bx

    method = f"S3 {operation}"
    where = _where(bucket, key)
    if isinstance(exc, bx.ClientError):
        return _client_error(dict(exc.response), operation, bucket, key)
    if isinstance(exc, bx.ParamValidationError):
        return InvalidInputError(operation, redact(str(exc)).strip(), where)
    if isinstance(exc, bx.ConnectTimeoutError | bx.ReadTimeoutError | asyncio.TimeoutError):
        return RequestTimeoutError("the storage did not answer in time", method=method, path=where)
    if isinstance(exc, bx.ConnectionError):
        return ConnectError(
            "cannot connect to the storage", method=method, path=where, request_sent=False
        )
    import aiohttp

    dropped = bx.HTTPClientError | bx.IncompleteReadError | ConnectionError | aiohttp.ClientError
    if isinstance(exc, dropped):
        return ConnectError("the storage connection dropped", method=method, path=where)
    if isinstance(exc, bx.BotoCoreError):
        return StorageError(0, redact(str(exc)), method=method, path=where)
    return None
