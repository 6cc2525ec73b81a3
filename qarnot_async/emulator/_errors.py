"""Error answers, shaped as the service shapes them.

Two shapes exist on the wire: ``{"message": ...}`` (``RequestErrorOutput``) for most
refusals, and ``application/problem+json`` (``ValidationProblemDetails``) with
``errors: {field: [messages]}`` for invalid bodies and queries.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

__all__ = [
    "ApiError",
    "ValidationErrors",
    "conflict",
    "forbidden",
    "json_response",
    "message_response",
    "not_found",
    "problem_response",
]

_DUMPS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def json_response(payload: Any, status: int = 200) -> web.Response:
    """A compact JSON answer (``application/json; charset=utf-8``)."""
    return web.Response(
        body=_DUMPS(payload).encode("utf-8"),
        status=status,
        content_type="application/json",
        charset="utf-8",
    )


def message_response(status: int, message: str) -> web.Response:
    """A ``RequestErrorOutput`` answer: ``{"message": ...}``."""
    return json_response({"message": message}, status)


def problem_response(errors: Mapping[str, Sequence[str]], status: int = 400) -> web.Response:
    """A ``ValidationProblemDetails`` answer, as ASP.NET writes it."""
    body = {
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        "title": "One or more validation errors occurred.",
        "status": status,
        "errors": {field: list(messages) for field, messages in errors.items()},
        "traceId": f"00-{uuidlib.uuid4().hex}-{uuidlib.uuid4().hex[:16]}-00",
    }
    return web.Response(
        body=_DUMPS(body).encode("utf-8"),
        status=status,
        headers={"Content-Type": "application/problem+json; charset=utf-8"},
    )


class ApiError(Exception):
    """Raised by handlers; the middleware turns it into the matching answer."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """``errors`` selects the problem+json shape, otherwise ``{"message": ...}``."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors

    def response(self) -> web.Response:
        """The HTTP answer for this error."""
        if self.errors is not None:
            return problem_response(self.errors, self.status)
        return message_response(self.status, self.message)

    def summary(self) -> str:
        """A one-line message, as bulk creation puts in ``MultiResponse.message``."""
        if self.errors:
            fields = ", ".join(self.errors)
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items())
            return f"Invalid task file. Invalid fields: {fields} ({details})"
        return self.message


class ValidationErrors:
    """Collects ``field -> [messages]`` while a body is checked."""

    def __init__(self) -> None:
        """Start with no error."""
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        """Record one message for ``field``."""
        self.errors.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        """Whether any error was recorded."""
        return bool(self.errors)

    def raise_if_any(self) -> None:
        """Raise a 400 :class:`ApiError` carrying every recorded error."""
        if self.errors:
            raise ApiError(400, "One or more validation errors occurred.", self.errors)


def not_found(kind: str, key: str) -> ApiError:
    """404 for an unknown uuid, shortname, instance or profile."""
    return ApiError(404, f"No such {kind}: {key}")


def forbidden(message: str) -> ApiError:
    """403 with the service's message (quotas, forbidden transitions)."""
    return ApiError(403, message)


def conflict(message: str) -> ApiError:
    """409, e.g. a shortname already taken."""
    return ApiError(409, message)
