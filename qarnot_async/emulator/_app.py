"""The aiohttp application: route table, the request middleware, control routes.

Every API route is served under ``/v1`` and without prefix (the official SDKs call
unversioned paths), plus ``/jobs/`` with a trailing slash, which the official Python SDK
posts to. A request goes through, in order: counting, injected latency and faults,
token check, read-only check, bringing the lifecycle up to "now", the handler.

Control routes live under ``/__emulator/``, need no token, and are neither counted nor
faulted.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, Final

from aiohttp import web

from . import (
    _api_carbon,
    _api_misc,
    _api_pools,
    _api_quotas,
    _api_secrets,
    _api_snapshots,
    _api_tasks,
)
from ._errors import ApiError, json_response, message_response
from ._faults import Faults, check_routes
from ._http import NOW, read_object
from ._openapi import openapi_document
from ._seed import seed_jobs, seed_pools, seed_tasks
from ._state import STATE, EmulatorState
from ._wire import format_date

__all__ = ["ROUTES", "SEED_ROUTES", "build_app", "route_key"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_SEED_HANDLERS: Final[list[tuple[str, str, Handler]]] = [
    *_api_tasks.HANDLERS,
    *_api_pools.HANDLERS,
    *_api_misc.HANDLERS,
]
_ALL_HANDLERS: Final[list[tuple[str, str, Handler]]] = [
    *_SEED_HANDLERS,
    # Beyond the seed: the official SDKs call these on the bare cluster URL. They are
    # not in the service's OpenAPI document, so the emulator's document leaves them out.
    *_api_snapshots.HANDLERS,
    *_api_secrets.HANDLERS,
    *_api_carbon.HANDLERS,
    *_api_quotas.HANDLERS,
]
#: Routes that need no token (the reference's samples call them without one).
_PUBLIC: Final = frozenset({("GET", "/settings"), ("GET", "/versions")})
_READ_ONLY_HEADER: Final = "QarnotReadOnlyRequestForAccount"


def route_key(method: str, template: str) -> str:
    """The key a route is counted and faulted under: ``"GET /tasks/{uuid}"``."""
    return f"{method} {template or '/'}"


#: Every API operation as ``(method, template)``; templates use ``{uuid}`` for entity
#: ids (a uuid or a shortname), ``{instanceId}`` and ``{name}``.
ROUTES: Final[tuple[tuple[str, str], ...]] = tuple((m, t) for m, t, _ in _ALL_HANDLERS)
#: The operations of the Compute API reference (the 67 of the seed), which the
#: emulator's OpenAPI document describes.
SEED_ROUTES: Final[tuple[tuple[str, str], ...]] = tuple((m, t) for m, t, _ in _SEED_HANDLERS)


class _RouteInfo:
    """What the middleware needs to know about a matched API route."""

    __slots__ = ("key", "public", "read_only_ok")

    def __init__(self, method: str, template: str) -> None:
        self.key = route_key(method, template)
        self.public = (method, template) in _PUBLIC
        # Reads, including the POSTs that only read (search, paginate).
        self.read_only_ok = method == "GET" or template.endswith(("/search", "/paginate"))


_ROUTE_INFO: Final = web.AppKey("qarnot_emulator_routes", dict)


def _reset_connection(request: web.Request) -> None:
    """Drop the connection with a TCP RST, so the client sees a reset, not an answer."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # Without linger-0 the close would be a clean FIN, not a reset.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def _fault_response(kind: str, faults: Faults) -> web.Response:
    if kind == "500":
        return message_response(500, "Internal server error")
    if kind == "429":
        response = message_response(429, "Too many requests: slow down")
    else:
        response = message_response(503, "Service unavailable")
    if faults.retry_after_as_date:
        moment = datetime.now(UTC) + timedelta(seconds=faults.retry_after)
        response.headers["Retry-After"] = format_datetime(moment, usegmt=True)
    else:
        response.headers["Retry-After"] = str(faults.retry_after)
    return response


@web.middleware
async def _middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    info: _RouteInfo | None = request.app[_ROUTE_INFO].get(request.match_info.route)
    if info is None:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status >= 400:
                answer = message_response(
                    exc.status, f"{exc.reason}: {request.method} {request.path}"
                )
                # A 405 must say what is allowed (RFC 9110): keep aiohttp's Allow header.
                if "Allow" in exc.headers:
                    answer.headers["Allow"] = exc.headers["Allow"]
                return answer
            raise
    st = request.app[STATE]
    key = info.key
    st.stats.request(key)
    delay, fault = st.injector.decide(key)
    if delay:
        st.stats.fault(key, "latency")
        await asyncio.sleep(delay)
    if fault is not None and fault != "drop":
        st.stats.fault(key, fault)
        if fault == "reset":
            _reset_connection(request)
            return web.Response(status=500)
        refusal = _fault_response(fault, st.injector.faults)
        st.stats.response(key, refusal.status)
        return refusal
    response: web.StreamResponse
    try:
        if not info.public and request.headers.get("Authorization") != st.token:
            raise ApiError(
                401, "Unauthorized: send the account token, raw, in the Authorization header"
            )
        if request.headers.get(_READ_ONLY_HEADER) and not info.read_only_ok:
            raise ApiError(
                403, f"Read-only access ({_READ_ONLY_HEADER}): {request.method} is not allowed here"
            )
        if request.body_exists:
            # Read the body first: handlers then never suspend between reading "now" and
            # changing the state, so a concurrent advance() cannot slip in between.
            await request.read()
        request[NOW] = st.sync()
        response = await handler(request)
    except ApiError as exc:
        response = exc.response()
    if fault == "drop":
        # Applied, but the answer never arrives: the client cannot tell it succeeded.
        st.stats.fault(key, "drop")
        _reset_connection(request)
        return response
    st.stats.response(key, response.status)
    return response


# -- control routes ------------------------------------------------------------------------


def _control_error(exc: Exception) -> web.Response:
    return message_response(400, str(exc))


async def _get_stats(request: web.Request) -> web.StreamResponse:
    return json_response(request.app[STATE].stats.snapshot().to_json())


async def _reset_stats(request: web.Request) -> web.StreamResponse:
    st = request.app[STATE]
    st.stats.reset()
    return json_response(st.stats.snapshot().to_json())


async def _get_faults(request: web.Request) -> web.StreamResponse:
    return json_response(request.app[STATE].injector.faults.to_json())


def set_faults(st: EmulatorState, faults: Faults) -> None:
    """Install new fault settings, checking that route patterns name real routes."""
    if faults.routes is not None:
        check_routes(faults.routes, (route_key(m, t) for m, t in ROUTES))
    st.injector.faults = faults


async def _put_faults(request: web.Request) -> web.StreamResponse:
    # PUT replaces the settings, PATCH changes only the keys sent.
    st = request.app[STATE]
    try:
        body = await read_object(request, optional=True)
        seed = body.pop("seed", None)
        base = st.injector.faults if request.method == "PATCH" else Faults()
        set_faults(st, Faults.from_json(body, base))
        if seed is not None:
            st.injector.reseed(int(seed))
    except ApiError as exc:
        return exc.response()
    except (ValueError, TypeError) as exc:
        return _control_error(exc)
    return json_response(st.injector.faults.to_json())


def _clock_json(st: EmulatorState) -> dict[str, Any]:
    now = st.clock.now()
    return {"now": format_date(now), "epoch": now, "speed": st.clock.speed}


async def _get_clock(request: web.Request) -> web.StreamResponse:
    return json_response(_clock_json(request.app[STATE]))


async def _advance(request: web.Request) -> web.StreamResponse:
    st = request.app[STATE]
    try:
        body = await read_object(request)
        seconds = body.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValueError("'seconds' must be a number")
        st.clock.advance(float(seconds))
    except ApiError as exc:
        return exc.response()
    except ValueError as exc:
        return _control_error(exc)
    st.sync()
    return json_response(_clock_json(st))


async def _openapi(request: web.Request) -> web.StreamResponse:
    return json_response(openapi_document(SEED_ROUTES))


async def _reset(request: web.Request) -> web.StreamResponse:
    request.app[STATE].reset()
    return json_response({})


async def _seed(request: web.Request) -> web.StreamResponse:
    st = request.app[STATE]
    seeders = {"tasks": seed_tasks, "pools": seed_pools, "jobs": seed_jobs}
    seeder = seeders.get(request.match_info["kind"])
    if seeder is None:
        return message_response(404, "seed tasks, pools or jobs")
    try:
        body = await read_object(request)
        count = body.get("count", 1)
        fields = body.get("fields") or {}
        if isinstance(count, bool) or not isinstance(count, int) or not isinstance(fields, dict):
            raise ValueError("send {'count': <int>, 'fields': {...}}")
        uuids = seeder(st, count, fields)
    except ApiError as exc:
        return exc.response()
    except (ValueError, TypeError) as exc:
        return _control_error(exc)
    return json_response({"uuids": uuids})


_CONTROL: Final[list[tuple[str, str, Handler]]] = [
    ("GET", "/__emulator/stats", _get_stats),
    ("DELETE", "/__emulator/stats", _reset_stats),
    ("GET", "/__emulator/faults", _get_faults),
    ("PUT", "/__emulator/faults", _put_faults),
    ("PATCH", "/__emulator/faults", _put_faults),
    ("GET", "/__emulator/clock", _get_clock),
    ("POST", "/__emulator/advance", _advance),
    ("POST", "/__emulator/reset", _reset),
    ("POST", "/__emulator/seed/{kind}", _seed),
    ("GET", "/__emulator/openapi.json", _openapi),
]


def build_app(st: EmulatorState) -> web.Application:
    """The aiohttp application serving ``st``."""
    app = web.Application(middlewares=[_middleware], client_max_size=64 * 1024**2)
    app[STATE] = st
    infos: dict[Any, _RouteInfo] = {}
    # Prefix in the outer loop: methods of one path stay adjacent, so aiohttp keeps them
    # on a single resource.
    for prefix in ("/v1", ""):
        for method, template, handler in _ALL_HANDLERS:
            info = _RouteInfo(method, template)
            paths = [prefix + template] if template else [prefix or "/"]
            if template == "" and prefix:
                paths.append(prefix + "/")
            if template == "/jobs":
                paths.append(f"{prefix}/jobs/")
            for path in paths:
                infos[app.router.add_route(method, path, handler)] = info
    for method, path, handler in _CONTROL:
        app.router.add_route(method, path, handler)
    app[_ROUTE_INFO] = infos
    return app
