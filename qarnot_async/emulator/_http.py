"""Small request and response helpers shared by the route handlers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from ._errors import ApiError
from ._state import STATE, EmulatorState

__all__ = [
    "NOW",
    "bulk_results",
    "empty",
    "now_of",
    "read_json",
    "read_object",
    "state_of",
    "text",
]

#: Request key under which the middleware stores the emulated time of the request.
NOW = web.RequestKey("qarnot_emulator_now", float)


def state_of(request: web.Request) -> EmulatorState:
    """The emulator behind this request."""
    return request.app[STATE]


def now_of(request: web.Request) -> float:
    """The emulated time the request is served at."""
    return request[NOW]


async def read_json(request: web.Request, *, optional: bool = False) -> Any:
    """The JSON body; ``None`` for an empty optional body; 400 problem+json when invalid."""
    raw = await request.read()
    if not raw.strip():
        if optional:
            return None
        raise ApiError(
            400, "A JSON body is required.", {"$": ["A non-empty JSON body is required."]}
        )
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(
            400, "The body is not valid JSON.", {"$": [f"The body is not valid JSON: {exc}"]}
        ) from exc


async def read_object(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    """The JSON body, which must be an object (``{}`` when optional and empty)."""
    body = await read_json(request, optional=optional)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ApiError(
            400, "The body must be a JSON object.", {"$": ["The body must be a JSON object."]}
        )
    return body


def empty(status: int = 200) -> web.Response:
    """An answer without body, as the service gives for most actions."""
    return web.Response(status=status)


def text(content: str) -> web.Response:
    """A ``text/plain`` answer (stdout, stderr)."""
    return web.Response(text=content, content_type="text/plain", charset="utf-8")


def bulk_results(
    items: list[Any], create: Callable[[Any], str]
) -> tuple[list[dict[str, Any]], int]:
    """Create each item of a bulk body: a ``MultiResponse`` per item, in order, and the
    status of the whole answer (207 when any item failed; one bad item sinks no other).

    A non-empty list without a single object (``[null, null]``) is no bulk creation at
    all: the whole body is refused (400) instead of answering 207 as if it were one.
    """
    if items and not any(isinstance(item, dict) for item in items):
        message = "A bulk creation is a list of JSON objects."
        raise ApiError(400, message, {"$": [message]})
    results: list[dict[str, Any]] = []
    failed = False
    for item in items:
        try:
            uuid = create(item)
        except ApiError as exc:
            failed = True
            results.append({"statusCode": exc.status, "uuid": None, "message": exc.summary()})
        else:
            results.append({"statusCode": 200, "uuid": uuid, "message": None})
    return results, 207 if failed else 200
