"""The retry policy's decisions, apart from any transport (the sender tests run them)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from qarnot_async import (
    BadRequestError,
    ConnectError,
    RateLimitedError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    _retry,
)


def test_idempotency_rules() -> None:
    assert _retry.is_idempotent("GET", "/tasks")
    assert _retry.is_idempotent("delete", "/tasks/u")
    assert _retry.is_idempotent("POST", "/tasks/summaries/paginate")
    assert _retry.is_idempotent("POST", "/tasks/search")
    assert _retry.is_idempotent("POST", "/tasks/u/stdout/3")
    assert _retry.is_idempotent("POST", "/sanity-checks/pools/scaling")
    assert not _retry.is_idempotent("POST", "/tasks")
    assert not _retry.is_idempotent("POST", "/tasks/u/retry")
    assert not _retry.is_idempotent("POST", "/tasks/u/abort")


def test_cancelled_error_is_never_retried() -> None:
    policy = RetryPolicy()
    assert not policy.should_retry(asyncio.CancelledError(), idempotent=True)
    assert not policy.should_retry(KeyboardInterrupt(), idempotent=True)
    assert not policy.should_retry(ValueError(), idempotent=True)


def test_what_is_retried_for_a_request_that_may_change_something() -> None:
    policy = RetryPolicy()
    never_sent = ConnectError("refused", request_sent=False)
    dropped = ConnectError("reset")
    assert policy.should_retry(never_sent, idempotent=False)
    assert not policy.should_retry(dropped, idempotent=False)
    assert policy.should_retry(dropped, idempotent=True)
    assert not policy.should_retry(RequestTimeoutError("slow"), idempotent=False)
    assert policy.should_retry(RequestTimeoutError("slow"), idempotent=True)
    assert policy.should_retry(RateLimitedError(429, "slow down"), idempotent=False)
    assert not policy.should_retry(ServerError(503, "busy"), idempotent=False)
    assert policy.should_retry(ServerError(503, "busy"), idempotent=True)
    assert not policy.should_retry(BadRequestError(400, "no"), idempotent=True)
    assert not RetryPolicy(retry_statuses={429}).should_retry(
        ServerError(503, "busy"), idempotent=True
    )


def test_backoff_is_full_jitter_under_a_capped_ceiling() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_cap=4.0)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (10, 4.0)]:
        delays = [policy.backoff(attempt) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # jittered over the range, not stuck at 0


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"backoff_base": 0}, {"backoff_cap": -1}])
def test_retry_policy_validates(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="RetryPolicy"):
        RetryPolicy(**kwargs)
