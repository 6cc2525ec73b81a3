"""The one translation of botocore failures into the SDK's storage errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("botocore")
from botocore import exceptions as bx

from qarnot_async import (
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
from qarnot_async._redact import Secret
from qarnot_async.storage import (
    BucketAlreadyExistsError,
    BucketNotEmptyError,
    BucketNotFoundError,
    ObjectNotFoundError,
    StorageAuthError,
    StorageError,
    StorageServerError,
)
from qarnot_async.storage._errors import translate_error
from qarnot_async.storage._s3 import translated


def client_error(code: str, status: int, message: str = "nope") -> bx.ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return bx.ClientError(response, "PutObject")


@pytest.mark.parametrize(
    ("code", "status", "key", "cls", "base"),
    [
        ("NoSuchBucket", 404, "k", BucketNotFoundError, NotFoundError),
        ("NoSuchKey", 404, "k", ObjectNotFoundError, NotFoundError),
        ("404", 404, "k", ObjectNotFoundError, NotFoundError),  # HEAD of an object
        ("404", 404, None, BucketNotFoundError, NotFoundError),  # HEAD of a bucket
        ("InvalidAccessKeyId", 403, None, StorageAuthError, AuthenticationError),
        ("SignatureDoesNotMatch", 403, "k", StorageAuthError, AuthenticationError),
        ("AccessDenied", 403, "k", StorageAuthError, AuthenticationError),
        ("BucketNotEmpty", 409, None, BucketNotEmptyError, ConflictError),
        ("BucketAlreadyExists", 409, None, BucketAlreadyExistsError, ConflictError),
        ("InternalError", 500, "k", StorageServerError, ServerError),
        ("SlowDown", 503, "k", StorageServerError, ServerError),
        ("InvalidBucketName", 400, None, StorageError, APIError),
    ],
)
def test_client_errors_by_code_and_status(
    code: str, status: int, key: str | None, cls: type[StorageError], base: type[APIError]
) -> None:
    error = translate_error(client_error(code, status), "PutObject", "bkt", key)
    assert type(error) is cls
    assert isinstance(error, base)
    assert isinstance(error, StorageError)
    assert error.status == status
    assert error.code == code
    assert error.method == "S3 PutObject"
    assert error.path == ("bkt" if key is None else f"bkt/{key}")
    assert str(error).startswith(f"S3 PutObject {error.path}: {status} ")


def test_the_token_never_shows() -> None:
    token = Secret("s3cr3t-t0ken-value")
    error = translate_error(
        client_error("SignatureDoesNotMatch", 403, f"bad signature for {token.value}"),
        "ListBuckets",
    )
    assert error is not None
    assert token.value not in str(error)
    assert token.value not in repr(error)
    assert "***" in str(error)


@pytest.mark.parametrize(
    ("exc", "cls", "sent"),
    [
        (bx.EndpointConnectionError(endpoint_url="http://x"), ConnectError, False),
        (bx.ConnectTimeoutError(endpoint_url="http://x"), RequestTimeoutError, None),
        (bx.ReadTimeoutError(endpoint_url="http://x"), RequestTimeoutError, None),
        (TimeoutError(), RequestTimeoutError, None),
        (bx.ConnectionClosedError(endpoint_url="http://x"), ConnectError, True),
        (bx.ResponseStreamingError(error="reset"), ConnectError, True),
        (bx.IncompleteReadError(actual_bytes=1, expected_bytes=2), ConnectError, True),
        (ConnectionResetError(), ConnectError, True),
    ],
)
def test_failures_below_http(exc: Exception, cls: type[QarnotError], sent: bool | None) -> None:
    error = translate_error(exc, "GetObject", "bkt", "k")
    assert type(error) is cls
    assert "S3 GetObject bkt/k" in str(error)
    if sent is not None:
        assert isinstance(error, ConnectError)
        assert error.request_sent is sent


def test_bad_parameters_are_input_errors() -> None:
    error = translate_error(bx.ParamValidationError(report="Bucket: too short"), "CreateBucket")
    assert isinstance(error, InvalidInputError)


def test_what_is_not_a_storage_failure_is_left_alone() -> None:
    assert translate_error(ValueError("a bug"), "PutObject") is None
    already = ConnectError("x")
    assert translate_error(already, "PutObject") is already


def test_translated_maps_and_lets_cancellation_through() -> None:
    with pytest.raises(BucketNotFoundError) as caught, translated("ListObjectsV2", "bkt"):
        raise client_error("NoSuchBucket", 404)
    # No botocore exception is chained for a traceback to show.
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    with pytest.raises(asyncio.CancelledError), translated("GetObject"):
        raise asyncio.CancelledError
    with pytest.raises(KeyError), translated("GetObject"):
        raise KeyError("a bug stays a bug")
