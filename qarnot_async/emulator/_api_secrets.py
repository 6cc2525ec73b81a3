"""The secrets manager: ``/secrets-manager/data/{key}`` and ``/secrets-manager/search/{prefix}``.

Not in ``openapi.json``; the official SDKs call these on the bare cluster URL (the
emulator also serves them under ``/v1``). The rules they rely on: keys are
``/``-separated, trimmed of ``/`` at both ends; ``PUT`` creates (409 when the key
exists), ``PATCH`` updates and ``DELETE`` deletes (404 when it does not); a search
answers the direct children of a prefix, relative to it, a folder ending in ``/``.
The body's ``value`` member is matched in any letter case (the Python SDK sends
``Value``). Secrets belong to the account behind the emulator's token.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._errors import ApiError, json_response
from ._http import empty, read_object, state_of

__all__ = ["HANDLERS"]


def _key(request: web.Request, name: str = "key") -> str:
    return request.match_info.get(name, "").strip("/")


def _missing(key: str) -> ApiError:
    return ApiError(404, f"No secret with the key '{key}'")


async def _value(request: web.Request) -> str:
    body = await read_object(request)
    values = [v for k, v in body.items() if k.lower() == "value"]
    if not values or not isinstance(values[-1], str):
        raise ApiError(400, "A string value is required.", {"value": ["The value is required."]})
    return values[-1]


async def get_secret(request: web.Request) -> web.StreamResponse:
    """GET /secrets-manager/data/{key}: ``{"value"}``; 404 for an unknown key."""
    key = _key(request)
    secrets = state_of(request).secrets
    if key not in secrets:
        raise _missing(key)
    return json_response({"value": secrets[key]})


async def create_secret(request: web.Request) -> web.StreamResponse:
    """PUT /secrets-manager/data/{key}: a new secret; 409 when the key exists."""
    key = _key(request)
    value = await _value(request)
    secrets = state_of(request).secrets
    if key in secrets:
        raise ApiError(409, f"A secret with the key '{key}' already exists")
    if not key:
        raise ApiError(400, "A secret needs a key.", {"key": ["The key is required."]})
    secrets[key] = value
    return empty()


async def update_secret(request: web.Request) -> web.StreamResponse:
    """PATCH /secrets-manager/data/{key}: a new value; 404 for an unknown key."""
    key = _key(request)
    value = await _value(request)
    secrets = state_of(request).secrets
    if key not in secrets:
        raise _missing(key)
    secrets[key] = value
    return empty()


async def delete_secret(request: web.Request) -> web.StreamResponse:
    """DELETE /secrets-manager/data/{key}: 404 for an unknown key."""
    key = _key(request)
    if state_of(request).secrets.pop(key, None) is None:
        raise _missing(key)
    return empty()


def children(keys: Any, prefix: str) -> list[str]:
    """The direct children of ``prefix`` among ``keys``, relative to it, folders with a
    trailing ``/``, sorted."""
    head = f"{prefix}/" if prefix else ""
    found: set[str] = set()
    for key in keys:
        if not key.startswith(head):
            continue
        rest = key[len(head) :]
        folder, slash, _ = rest.partition("/")
        found.add(folder + "/" if slash else rest)
    return sorted(found)


async def search_secrets(request: web.Request) -> web.StreamResponse:
    """GET /secrets-manager/search/{prefix}: ``{"keys"}``, relative to the prefix."""
    return json_response({"keys": children(state_of(request).secrets, _key(request, "prefix"))})


HANDLERS: list[tuple[str, str, Any]] = [
    ("GET", "/secrets-manager/search/{prefix:.*}", search_secrets),
    ("GET", "/secrets-manager/data/{key:.+}", get_secret),
    ("PUT", "/secrets-manager/data/{key:.+}", create_secret),
    ("PATCH", "/secrets-manager/data/{key:.+}", update_secret),
    ("DELETE", "/secrets-manager/data/{key:.+}", delete_secret),
]
