"""When and how long to retry: the tenacity policy every request goes through.

Retries are driven by an *allowlist*: only :class:`~qarnot_async.errors.ConnectError`,
:class:`~qarnot_async.errors.RequestTimeoutError` and API errors whose status is in
``RetryPolicy.retry_statuses`` are retried. Anything else, ``asyncio.CancelledError``
first of all, propagates at once: a predicate of the form "anything but X" would
retry a cancellation.

A request that may change something on the service (a creating ``POST``) is retried
only when it certainly did not reach the service: the connection could not be made,
or the service refused it with 429. Callers that made such a request safe to repeat
(the shortname-based duplicate protection of creations) say so with
``idempotent=True``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import random
import re
from collections.abc import Awaitable, Callable

import attrs
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
)
from tenacity.stop import stop_base

from .errors import APIError, ConnectError, RequestTimeoutError, parse_retry_after

__all__ = ["RetryEvent", "RetryPolicy", "is_idempotent", "parse_retry_after"]

_log = logging.getLogger("qarnot_async")

DEFAULT_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

# POSTs that only read: paging, searching, reading logs, checking a scaling.
_SAFE_POST = re.compile(r"(/paginate|/search|/std(out|err)(/[^/]+)?|/sanity-checks/pools/scaling)$")


@attrs.frozen(slots=True)
class RetryEvent:
    """What the ``on_retry`` hook receives before each backoff sleep."""

    method: str
    path: str
    attempt: int
    """The attempt that just failed, counting from 1."""
    delay: float
    """Seconds the client is about to wait."""
    error: BaseException


OnRetry = Callable[[RetryEvent], Awaitable[None] | None]


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value <= 0:
        raise ValueError(f"RetryPolicy.{attribute.name} must be > 0, got {value!r}")


@attrs.frozen(slots=True, kw_only=True)
class RetryPolicy:
    """How the client retries failed requests.

    Backoff is exponential with full jitter: before retry *n* the client sleeps a
    random time in ``[0, min(backoff_cap, backoff_base * 2 ** (n - 1))]``, unless the
    service sent ``Retry-After``, which is then honoured exactly. A ``Retry-After``
    longer than ``max_retry_after`` raises :class:`~qarnot_async.errors.RateLimitedError`
    at once instead of sleeping.

    Attributes:
        max_attempts: attempts in all, the first included (1 disables retries).
        backoff_base: seconds of the first backoff ceiling.
        backoff_cap: the largest backoff ceiling, in seconds.
        deadline: seconds after the first attempt past which no retry starts
            (``None``: only ``max_attempts`` bounds the retries).
        max_retry_after: the longest ``Retry-After`` the client waits for.
        retry_statuses: the HTTP statuses that are retried.
        on_retry: called (or awaited) with a :class:`RetryEvent` before each sleep.
    """

    max_attempts: int = attrs.field(default=5)
    backoff_base: float = attrs.field(default=0.5, validator=_positive)
    backoff_cap: float = attrs.field(default=30.0, validator=_positive)
    deadline: float | None = 300.0
    max_retry_after: float = 120.0
    retry_statuses: frozenset[int] = attrs.field(
        default=DEFAULT_RETRY_STATUSES, converter=frozenset
    )
    on_retry: OnRetry | None = None

    @max_attempts.validator
    def _check_attempts(self, attribute: attrs.Attribute[int], value: int) -> None:
        if value < 1:
            raise ValueError(f"RetryPolicy.max_attempts must be >= 1, got {value!r}")

    def backoff(self, attempt: int) -> float:
        """The full-jitter delay before retrying after failed attempt ``attempt``."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return random.uniform(0.0, ceiling)

    def should_retry(self, error: BaseException, *, idempotent: bool) -> bool:
        """Whether ``error`` is worth another attempt (an allowlist, never a denylist)."""
        if isinstance(error, ConnectError):
            return idempotent or not error.request_sent
        if isinstance(error, RequestTimeoutError):
            return idempotent
        if isinstance(error, APIError) and error.status in self.retry_statuses:
            # 429 means the service refused the request: repeating it is always safe.
            return idempotent or error.status == 429
        return False

    def retrying(
        self,
        *,
        method: str,
        path: str,
        idempotent: bool,
        on_retry_count: Callable[[], None] | None = None,
    ) -> AsyncRetrying:
        """A tenacity controller for one request."""
        stop: stop_base = stop_after_attempt(self.max_attempts)
        if self.deadline is not None:
            stop = stop | stop_before_delay(self.deadline)

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            retry_after = getattr(error, "retry_after", None)
            # Only a sane delay is honoured: a negative or NaN one would mean "hammer the
            # service at once", an infinite one "never"; both fall back to the backoff.
            if isinstance(retry_after, int | float) and 0 <= retry_after < math.inf:
                return float(retry_after)
            return self.backoff(state.attempt_number)

        async def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            assert error is not None  # tenacity sleeps only after a failed attempt
            delay = state.upcoming_sleep
            if on_retry_count is not None:
                on_retry_count()
            _log.debug(
                "retrying %s %s after attempt %d failed (%s); sleeping %.2fs",
                method,
                path,
                state.attempt_number,
                type(error).__name__,
                delay,
            )
            if self.on_retry is not None:
                event = RetryEvent(
                    method=method,
                    path=path,
                    attempt=state.attempt_number,
                    delay=delay,
                    error=error,
                )
                result = self.on_retry(event)
                if inspect.isawaitable(result):
                    await result

        return AsyncRetrying(
            sleep=_sleep,
            stop=stop,
            wait=wait,
            retry=retry_if_exception(lambda e: self.should_retry(e, idempotent=idempotent)),
            before_sleep=before_sleep,
            reraise=True,
        )


async def _sleep(seconds: float) -> None:
    # A module-level indirection so tests can replace the clock without patching asyncio.
    await asyncio.sleep(seconds)


def is_idempotent(method: str, path: str) -> bool:
    """Whether repeating ``method path`` cannot change anything on the service."""
    method = method.upper()
    if method in {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"}:
        return True
    return method == "POST" and _SAFE_POST.search(path) is not None
