"""The exceptions qarnot_async raises.

Every exception derives from :class:`QarnotError`, so ``except QarnotError`` catches
everything the SDK raises on purpose::

    QarnotError
    ├── APIError(status, message, details, method, path)   the service answered an error
    │   ├── BadRequestError            400, with ``field_errors`` from problem+json
    │   ├── AuthenticationError        401, bad or missing token
    │   ├── NotEnoughCreditsError      402
    │   ├── ForbiddenError             403
    │   │   └── QuotaExceededError     403 "maximum number of ... reached"
    │   ├── NotFoundError              404, unknown uuid, instance, profile
    │   ├── ConflictError              409, e.g. a shortname already taken
    │   ├── RateLimitedError           429, or a Retry-After beyond the client's cap
    │   └── ServerError                5xx
    ├── TransportError                 no usable answer came back
    │   ├── ConnectError               could not connect, or the connection dropped
    │   └── RequestTimeoutError        the request took longer than its timeout
    ├── InvalidInputError              bad input caught before anything was sent
    ├── DecodeError                    a value from the wire could not be parsed
    ├── ConfigurationError             bad client settings, unsafe URL, closed client
    ├── BulkCreateError                some items of a bulk creation failed
    ├── PaginationError                a paginated stream cannot go on safely
    ├── WaitTimeoutError               a wait ended before the entity reached its state
    └── TaskFailedError                a waited task ended in Failure

The token is never part of an exception: messages name the HTTP method and the path,
never headers.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BulkCreateError",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "DecodeError",
    "ForbiddenError",
    "InvalidInputError",
    "NotEnoughCreditsError",
    "NotFoundError",
    "PaginationError",
    "QarnotError",
    "QuotaExceededError",
    "RateLimitedError",
    "RequestTimeoutError",
    "ServerError",
    "TaskFailedError",
    "TransportError",
    "WaitTimeoutError",
    "error_for_status",
]


class QarnotError(Exception):
    """The base of every exception raised on purpose by qarnot_async.

    ``resume_token`` is set when the error interrupted a pagination stream: pass it as
    ``start_token`` to a new paginator to continue after the last item handed out.
    """

    resume_token: str | None = None
    attempt: int = 1
    """For errors of a request: the attempt (counting from 1) that raised it. A 409 on
    attempt 2 or later may answer a first attempt that landed unseen."""


class ConfigurationError(QarnotError):
    """The client is configured in a way that cannot work or is unsafe.

    Raised for a missing token, an ``http://`` URL to a remote host without
    ``allow_insecure_http=True``, an unreadable ``qarnot.conf``, or a closed client.
    """


class InvalidInputError(QarnotError, ValueError):
    """Input that the service would refuse, caught before any request was sent.

    ``field`` names the offending attribute (dotted for nested values) and ``value``
    holds what was given.
    """

    def __init__(self, field: str, message: str, value: Any = None) -> None:
        self.field = field
        self.value = value
        self.message = message
        super().__init__(f"{field}: {message}")


class DecodeError(QarnotError, ValueError):
    """A value received from the service (or given as wire JSON) could not be parsed.

    ``field`` is the dotted path of the value (``status.runningInstancesInfo.0.cpu``),
    ``value`` the offending value, ``where`` the request whose answer it was
    (``"POST /v1/tasks"``), empty when the data did not come from a request.
    """

    def __init__(self, field: str, message: str, value: Any = None, *, where: str = "") -> None:
        self.field = field
        self.value = value
        self.message = message
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{field}: {message} (got {_shown(value)})")


def _shown(value: Any) -> str:
    """``repr(value)`` for a message, bounded: a bad answer may be huge or deeply nested."""
    try:
        text = repr(value)
    except RecursionError:
        return reprlib.repr(value)
    return text if len(text) <= 300 else f"{text[:240]}...{text[-40:]} ({len(text):,} characters)"


class APIError(QarnotError):
    """The service answered with an error status.

    Attributes:
        status: the HTTP status code.
        message: the service's own message (``{"message"}``, problem+json
            ``title``/``detail``) or the reason phrase.
        details: the decoded error body (a dict), or ``None`` when it was empty.
        method: the HTTP method of the request.
        path: the path of the request, without the host or query secrets.
        retry_after: the seconds the service asked to wait (``Retry-After``), if any.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        details: Any = None,
        method: str = "",
        path: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        self.status = status
        self.message = message
        self.details = details
        self.method = method
        self.path = path
        super().__init__(status, message)

    def __str__(self) -> str:
        where = f"{self.method} {self.path}".strip()
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.status} {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, message={self.message!r}, "
            f"method={self.method!r}, path={self.path!r})"
        )


class BadRequestError(APIError):
    """400: the service refused the request body or parameters.

    ``field_errors`` maps each field the service named to its messages (from the
    ``errors`` member of a problem+json body); it is empty when none were named.
    """

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """The per-field messages of a problem+json answer."""
        if isinstance(self.details, Mapping):
            errors = self.details.get("errors")
            if isinstance(errors, Mapping):
                return {
                    str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
                    for k, v in errors.items()
                }
        return {}


class AuthenticationError(APIError):
    """401: the token is missing, wrong or revoked."""


class NotEnoughCreditsError(APIError):
    """402: the account has not enough credits for this request."""


class ForbiddenError(APIError):
    """403: the request is not allowed (read-only account view, job with tasks, ...)."""


class QuotaExceededError(ForbiddenError):
    """403 "maximum number of ... reached": an account quota is exhausted."""


class NotFoundError(APIError):
    """404: no such task, pool, job, instance or profile."""


class ConflictError(APIError):
    """409: the request conflicts with the current state (e.g. a taken shortname)."""


class RateLimitedError(APIError):
    """429: the service asks to slow down.

    ``retry_after`` is the delay in seconds the service asked for, when it said; the
    client raises this at once (whatever the status) when that delay exceeds its
    ``RetryPolicy.max_retry_after``, instead of sleeping that long.
    """


class ServerError(APIError):
    """5xx: the service failed to answer the request."""


class TransportError(QarnotError):
    """No usable answer came back: the request failed below HTTP.

    ``method`` and ``path`` name the request.
    """

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        self.method = method
        self.path = path
        where = f"{method} {path}".strip()
        super().__init__(f"{where}: {message}" if where else message)


class ConnectError(TransportError):
    """The connection could not be made, or dropped before the answer arrived.

    ``request_sent`` is False only when the request certainly never reached the
    service (the connection itself failed), which makes any request safe to repeat.
    """

    def __init__(
        self, message: str, *, method: str = "", path: str = "", request_sent: bool = True
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.request_sent = request_sent


class RequestTimeoutError(TransportError):
    """The request took longer than its timeout."""


class BulkCreateError(QarnotError):
    """Some items of a bulk creation failed; ``failures`` lists ``(index, status, message)``."""

    def __init__(self, failures: Sequence[tuple[int, int, str]]) -> None:
        self.failures = list(failures)
        lines = [f"  #{i}: {status} {msg}" for i, status, msg in self.failures]
        super().__init__(f"{len(self.failures)} item(s) failed:\n" + "\n".join(lines))


class PaginationError(QarnotError):
    """The paginated stream cannot go on safely (a repeated token, endless empty pages,
    a resume token from another query)."""


class WaitTimeoutError(QarnotError):
    """A wait reached its timeout; ``last_seen`` holds the last entity observed."""

    def __init__(self, message: str, last_seen: Any = None) -> None:
        self.last_seen = last_seen
        super().__init__(message)


class TaskFailedError(QarnotError):
    """A waited task ended in Failure; ``task`` is the final task, ``errors`` its errors."""

    def __init__(self, task: Any, errors: Sequence[Any] = ()) -> None:
        self.task = task
        self.errors = list(errors)
        uuid = getattr(task, "uuid", "?")
        detail = "; ".join(str(getattr(e, "message", e)) for e in self.errors)
        super().__init__(f"task {uuid} failed" + (f": {detail}" if detail else ""))


_QUOTA_RE = re.compile(r"maximum number of .* reached", re.IGNORECASE)

_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: NotEnoughCreditsError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitedError,
}


def error_for_status(
    status: int,
    message: str,
    *,
    details: Any = None,
    method: str = "",
    path: str = "",
    retry_after: float | None = None,
) -> APIError:
    """Build the :class:`APIError` subclass that matches ``status``."""
    cls: type[APIError]
    if status == 403 and _QUOTA_RE.search(message):
        cls = QuotaExceededError
    elif status >= 500:
        cls = ServerError
    else:
        cls = _BY_STATUS.get(status, APIError)
    return cls(status, message, details=details, method=method, path=path, retry_after=retry_after)
