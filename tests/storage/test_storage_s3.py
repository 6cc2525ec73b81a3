"""The S3 client: optional dependency, one per client, lazily opened, closed, retried."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from qarnot_async import Client, ConfigurationError, RetryPolicy
from qarnot_async._redact import Secret
from qarnot_async.storage import (
    INSTALL_HINT,
    S3Connection,
    S3Settings,
    StorageServerError,
    require_aiobotocore,
)

botocore_exceptions = pytest.importorskip("botocore.exceptions")
pytest.importorskip("aiobotocore")


async def test_without_aiobotocore_buckets_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "aiobotocore", None)  # import now fails
    with pytest.raises(ConfigurationError, match=r"pip install 'qarnot-async\[storage\]'"):
        require_aiobotocore()
    async with Client("t", storage_url="https://s.example.test") as client:
        with pytest.raises(ConfigurationError) as caught:
            _ = client.buckets
        assert INSTALL_HINT in str(caught.value)
        # Storage methods of the collections say the same, only when called.
        with pytest.raises(ConfigurationError, match="qarnot-async"):
            await client.tasks.download_results("a" * 8, "out")


async def test_a_closed_client_has_no_buckets() -> None:
    client = Client("t", storage_url="https://s.example.test")
    await client.close()
    with pytest.raises(ConfigurationError, match="closed"):
        _ = client.buckets


async def test_one_connection_per_token_and_views_share_it() -> None:
    async with Client("t", storage_url="https://s.example.test") as client:
        assert client.buckets is client.buckets
        assert client.with_options(timeout=3).buckets is client.buckets
        assert client.as_account("other@example.test").buckets is client.buckets
        assert client.with_options(token="another-token").buckets is not client.buckets


async def test_the_owner_closes_every_views_s3_client() -> None:
    client = Client("t", storage_url="https://s.example.test")
    shared = client.with_options(timeout=3).buckets  # the owner's own
    own = client.with_options(token="another-token").buckets
    leaving = client.with_options(token="third-token")
    theirs = leaving.buckets
    await leaving.close()  # a view closes its own S3 client, nothing else
    assert theirs.closed
    assert not shared.closed
    assert not own.closed
    await client.close()
    assert shared.closed
    assert own.closed


def connection(retry: RetryPolicy, resolved: list[int]) -> S3Connection:
    async def resolve() -> S3Settings:
        resolved.append(1)
        return S3Settings("http://127.0.0.1:9", "me@example.test", Secret("tok"))

    return S3Connection(resolve, retry=retry, max_connections=4, timeout=5.0)


def server_error() -> Exception:
    response: Any = {
        "Error": {"Code": "ServiceUnavailable", "Message": "busy"},
        "ResponseMetadata": {"HTTPStatusCode": 503},
    }
    return botocore_exceptions.ClientError(response, "PutObject")


async def test_calls_are_retried_by_the_policy_then_fail_typed() -> None:
    resolved: list[int] = []
    retries: list[int] = []
    policy = RetryPolicy(
        max_attempts=3, backoff_base=0.001, on_retry=lambda e: retries.append(e.attempt)
    )
    s3 = connection(policy, resolved)
    attempts = 0

    async def flaky(_: Any) -> str:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise server_error()
        return "done"

    assert await s3.call("PutObject", flaky, "bkt", "k") == "done"
    assert (attempts, retries) == (3, [1, 2])

    async def broken(_: Any) -> str:
        raise server_error()

    with pytest.raises(StorageServerError, match="S3 PutObject bkt/k: 503"):
        await s3.call("PutObject", broken, "bkt", "k")
    # The client was opened once, on first use, and closes cleanly.
    assert resolved == [1]
    await s3.aclose()
    assert s3.closed
    with pytest.raises(ConfigurationError, match="closed"):
        await s3.client()


async def test_what_must_not_be_repeated_is_not() -> None:
    s3 = connection(RetryPolicy(max_attempts=5, backoff_base=0.001), [])
    attempts = 0

    async def dropped(_: Any) -> None:
        nonlocal attempts
        attempts += 1
        raise botocore_exceptions.ConnectionClosedError(endpoint_url="http://x")

    with pytest.raises(Exception, match="dropped"):
        await s3.call("CompleteMultipartUpload", dropped, "b", "k", idempotent=False)
    assert attempts == 1
    await s3.aclose()


async def test_cancellation_is_never_retried() -> None:
    import asyncio

    s3 = connection(RetryPolicy(max_attempts=5, backoff_base=0.001), [])
    attempts = 0

    async def cancelled(_: Any) -> None:
        nonlocal attempts
        attempts += 1
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await s3.call("GetObject", cancelled, "b", "k")
    assert attempts == 1
    await s3.aclose()
