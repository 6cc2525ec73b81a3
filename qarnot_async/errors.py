"""The exceptions qarnot_async raises, and the one mapping from an error answer to them.

Every exception derives from :class:`QarnotError`, so ``except QarnotError`` catches
everything the SDK raises on purpose. An error that ended a creation (``create``,
``clone``, ``retry``...) also says what became of it: ``shortname`` (the one the input
was sent with, so the entity can be found) and ``created`` (``True``, ``False``, or
``None`` when the client could not tell); both stay ``None`` on other errors::

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
    │   ├── ServerError                5xx
    │   └── RedirectError              3xx: redirects are never followed
    ├── TransportError                 no usable answer came back (or the transport failed)
    │   ├── ConnectError               could not connect, or the connection dropped
    │   ├── RequestTimeoutError        the request took longer than its timeout
    │   └── ResponseTooLargeError      the answer exceeded ``max_response_bytes``
    ├── InvalidInputError              bad input caught before anything was sent
    ├── DecodeError                    a value from the wire could not be parsed
    ├── ConfigurationError             bad client settings, unsafe URL, closed client
    ├── BulkCreateError                some items of a bulk creation failed
    ├── PaginationError                a paginated stream cannot go on safely
    ├── WaitTimeoutError               a wait ended before the entity reached its state
    └── TaskFailedError                a waited task ended in Failure

:func:`error_from_response` is the only place that turns an error answer into an
:class:`APIError`: the class by status, the message from the body, the details, the
``Retry-After``, and the redaction of tokens. Any transport gets the same errors,
because the client maps the answers above the transport.

The token is never part of an exception: messages name the HTTP method and the path,
never headers, and a token the service echoes back is masked as ``***`` in every field
(the message, ``args``, ``details``, ``value``, ``path``), at construction, so it stays
masked after the client that held the token is gone.
"""

from __future__ import annotations

import json
import re
import reprlib
from collections.abc import Mapping, Sequence
from typing import Any

from ._error_text import (
    MAX_ERROR_BODY,
    json_message,
    parse_retry_after,
    status_phrase,
    text_message,
)
from ._redact import redact, redact_data

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
    "MAX_ERROR_BODY",
    "RateLimitedError",
    "RedirectError",
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "ServerError",
    "TaskFailedError",
    "TransportError",
    "WaitTimeoutError",
    "error_from_response",
    "parse_retry_after",
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
    shortname: str | None = None
    """For an error that ended a creation: the shortname the input was sent with (yours,
    or the generated ``qa-...`` one), under which the entity can be looked up later.
    ``None`` on every other error, and on a creation refused before anything was sent
    (:class:`InvalidInputError`)."""
    created: bool | None = None
    """For an error that ended a creation (``shortname`` set): whether the entity was
    created after all. A creation whose answer may have been lost looks its shortname up
    once before raising, and returns the uuid when it finds its entity there, so an
    error carries ``False`` (certainly not created: the service refused the input on the
    first attempt, or the lookup answered and found nothing of ours under the shortname)
    or ``None`` (could not tell: the lookup failed too; look ``shortname`` up before
    creating the input again). ``True`` appears only on results of a bulk creation
    (:class:`~qarnot_async.resources.CreateResult`)."""

    def __init__(self, *args: Any) -> None:
        # Every text argument is masked here, once, so that str(), repr(), ``args`` and
        # formatted tracebacks of any subclass can never show a token.
        super().__init__(*(redact(a) if isinstance(a, str) else a for a in args))


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
        self.message = redact(message)
        super().__init__(f"{field}: {message}")


class DecodeError(QarnotError, ValueError):
    """A value received from the service (or given as wire JSON) could not be parsed.

    ``field`` is the dotted path of the value (``status.runningInstancesInfo.0.cpu``),
    ``value`` the offending value, ``where`` the request whose answer it was
    (``"POST /v1/tasks"``), empty when the data did not come from a request.
    """

    def __init__(self, field: str, message: str, value: Any = None, *, where: str = "") -> None:
        self.field = field
        # The value comes from the wire, where the service may echo anything back.
        self.value = redact_data(value)
        self.message = redact(message)
        self.where = redact(where)
        prefix = f"{self.where}: " if where else ""
        super().__init__(f"{prefix}{field}: {self.message} (got {_shown(self.value)})")


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
        details: the decoded error body (a dict), or ``None`` when it was empty or not
            JSON; tokens in it are masked like in the message.
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
        self.message = redact(message)
        self.details = redact_data(details)
        self.method = method
        self.path = redact(path)
        super().__init__(status, self.message)

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


class RedirectError(APIError):
    """3xx: the service answered with a redirect, which the client never follows.

    Following it would send the token to wherever ``Location`` points; ``location``
    holds that address (tokens masked), ``None`` when the answer had none.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        location: str | None = None,
        details: Any = None,
        method: str = "",
        path: str = "",
    ) -> None:
        self.location = None if location is None else redact(location)
        super().__init__(status, message, details=details, method=method, path=path)


class TransportError(QarnotError):
    """No usable answer came back: the request failed below HTTP.

    ``method`` and ``path`` name the request.
    """

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        self.method = method
        self.path = path = redact(path)
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


class ResponseTooLargeError(TransportError):
    """The answer's body, decompressed, exceeded the client's ``max_response_bytes``.

    The client stops reading at the limit (``limit`` holds it), so a huge or
    compression-bomb answer never fills the memory. It is not retried.
    """

    def __init__(self, limit: int, *, method: str = "", path: str = "") -> None:
        self.limit = limit
        super().__init__(
            f"the answer exceeds max_response_bytes={limit:,} (decompressed), so it was not "
            "read further; pass a larger Client(max_response_bytes=...) if it is expected",
            method=method,
            path=path,
        )


class BulkCreateError(QarnotError):
    """Some items of a bulk creation failed; ``failures`` lists ``(index, status, message)``."""

    def __init__(self, failures: Sequence[tuple[int, int, str]]) -> None:
        self.failures = [(i, status, redact(msg)) for i, status, msg in failures]
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


# -- the one mapping from an error answer to an exception ---------------------------------

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


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    method: str,
    path: str,
    *,
    max_retry_after: float | None = None,
) -> APIError:
    """The exception for an error answer: the one place that maps answers to errors.

    It picks the class by status (a 403 "maximum number of ... reached" is a
    :class:`QuotaExceededError`, a 3xx a :class:`RedirectError` naming the ``Location``),
    takes the message from the first :data:`MAX_ERROR_BODY` bytes of the body (a JSON ``message``,
    ``title``, ``detail`` or ``error`` and the problem+json ``errors``; else the text, or
    an HTML page's title; else the status's reason phrase), keeps the decoded JSON body
    as ``details``, reads ``Retry-After``, and masks every known token in the message
    and the details.

    Args:
        status: the HTTP status (300 or more: anything but a success).
        headers: the answer's headers (``Content-Type``, ``Retry-After``).
        body: the answer's body.
        method: the request's method, named in ``str(error)``.
        path: the request's path, named in ``str(error)``.
        max_retry_after: the longest ``Retry-After`` worth waiting for; a longer one
            makes the error a :class:`RateLimitedError`, whatever the status, so the
            caller raises it at once instead of sleeping that long.
    """
    content_type = headers.get("Content-Type", "").lower()
    details: Any = None
    message: str | None = None
    body = body[:MAX_ERROR_BODY]
    if body:
        try:
            details = redact_data(json.loads(body))
            message = json_message(details)
        except (ValueError, RecursionError):
            # Not JSON (a proxy's HTML page), cut at the cap, or nested beyond reason.
            details = None
            message = text_message(content_type, body.decode("utf-8", errors="replace"))
    message = redact(message or status_phrase(status))
    if 300 <= status < 400:
        location = headers.get("Location")
        return RedirectError(
            status,
            f"{message}: redirected to {location or '(no Location)'}; "
            "redirects are not followed (the token would travel with them)",
            location=location,
            details=details,
            method=method,
            path=path,
        )
    retry_after = parse_retry_after(headers.get("Retry-After"))

    cls: type[APIError]
    if max_retry_after is not None and retry_after is not None and retry_after > max_retry_after:
        # Sleeping minutes inside a library call is never what the caller wants.
        cls = RateLimitedError
        message += (
            f" (the service asks to retry after {retry_after:.0f}s, "
            f"more than max_retry_after={max_retry_after:.0f}s)"
        )
    elif status == 403 and _QUOTA_RE.search(message):
        cls = QuotaExceededError
    elif status >= 500:
        cls = ServerError
    else:
        cls = _BY_STATUS.get(status, APIError)
    return cls(status, message, details=details, method=method, path=path, retry_after=retry_after)
