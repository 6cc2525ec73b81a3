"""An async web backend on aiohttp.web that runs batches for its users on Qarnot.

One shared :class:`~qarnot_async.Client` lives as long as the application (a
``cleanup_ctx``): its connection pool, its concurrency cap and its counters serve every
request. Each request acts with the caller's own Qarnot token, sent as
``Authorization: Bearer <token>``, through ``client.with_options(token=...)``: a view on
the shared pool, with its own token and poller, closed at the end of the request.

Endpoints:

``POST /batches``
    ``{"name": "render", "count": 10, "profile": "docker-batch", "constants": {...}}``
    creates ``count`` tasks in bulk, tagged with a new batch id; answers ``201``
    ``{"batch": id, "uuids": [...], "failed": [{"index", "status", "message"}...]}``.
``GET /batches/{batch}/events``
    Server-sent events from ``client.watch``: one ``state`` event per transition of a
    task of the batch (``{"uuid", "name", "previous", "state", "final"}``), then one
    ``end`` event with the count of final states.

A mistake is a JSON ``{"error": ...}`` with a status: 400 (bad input), 401 (no token, or
one Qarnot refuses), 404 (unknown batch), 502 (Qarnot failed otherwise).

Run it: ``python examples/web_backend.py`` serves on http://127.0.0.1:8080, against
Qarnot when ``QARNOT_CLIENT_TOKEN`` is set (callers send their own tokens), else against
an emulator it starts, whose token it prints.
"""

from __future__ import annotations

import json
import os
import uuid as uuid_module
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from qarnot_async import (
    AuthenticationError,
    BadRequestError,
    Client,
    InvalidInputError,
    NotFoundError,
    QarnotError,
    TaskCreate,
)
from qarnot_async.filters import F

CLIENT = web.AppKey("qarnot_client", Client)
MAKE_CLIENT: web.AppKey[Callable[[], Client]] = web.AppKey("make_qarnot_client")
MAX_BATCH = 1000
BATCH_TAG_PREFIX = "batch-"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _bad_request(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": message}), content_type="application/json")


def _status_of(error: QarnotError) -> int:
    """The status this backend answers for an error of the SDK."""
    if isinstance(error, InvalidInputError | BadRequestError):
        return 400
    if isinstance(error, AuthenticationError):
        return 401
    if isinstance(error, NotFoundError):
        return 404
    return 502


async def _shared_client(app: web.Application) -> AsyncIterator[None]:
    """One client for the application's lifetime: opened at startup, closed at cleanup."""
    async with app[MAKE_CLIENT]() as client:
        app[CLIENT] = client
        yield


@web.middleware
async def _qarnot_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer the SDK's errors as JSON with a fitting status, never a 500 page."""
    try:
        return await handler(request)
    except QarnotError as exc:
        return _error(_status_of(exc), str(exc))


def _caller_token(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": "send your Qarnot token as Authorization: Bearer <token>"}),
            content_type="application/json",
        )
    return token.strip()


def _caller_client(request: web.Request) -> Client:
    """A view of the shared client with the caller's token (close it after the request)."""
    return request.app[CLIENT].with_options(token=_caller_token(request))


def _batch_inputs(body: Any, batch: str) -> list[TaskCreate]:
    if not isinstance(body, dict):
        raise _bad_request("the body must be a JSON object")
    name, count = body.get("name", "task"), body.get("count")
    profile, constants = body.get("profile", "docker-batch"), body.get("constants", {})
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_BATCH:
        raise _bad_request(f"count must be an integer from 1 to {MAX_BATCH}")
    if not isinstance(name, str) or not isinstance(profile, str):
        raise _bad_request("name and profile must be strings")
    # TaskCreate checks the rest (constants, names) and raises InvalidInputError (400).
    return [
        TaskCreate(
            name=f"{name}-{i}",
            profile=profile,
            instance_count=1,
            constants=constants,
            tags=[batch],
        )
        for i in range(count)
    ]


async def submit_batch(request: web.Request) -> web.Response:
    """``POST /batches``: create the tasks of a new batch in bulk."""
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "the body must be JSON")
    batch = f"{BATCH_TAG_PREFIX}{uuid_module.uuid4().hex}"
    inputs = _batch_inputs(body, batch)
    async with _caller_client(request) as qarnot:
        results = await qarnot.tasks.create_many(inputs)
    failed = [
        {"index": r.index, "status": r.status, "message": r.message} for r in results.failures
    ]
    if failed and len(failed) == len(inputs) and all(r["status"] == 401 for r in failed):
        return _error(401, "Qarnot refused the token")
    return web.json_response(
        {"batch": batch, "uuids": results.uuids, "failed": failed},
        status=201,
    )


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def _state_name(state: Any) -> str | None:
    return None if state is None else str(getattr(state, "value", state))


async def batch_events(request: web.Request) -> web.StreamResponse:
    """``GET /batches/{batch}/events``: the batch's progress as server-sent events."""
    batch = request.match_info["batch"]
    if not batch.startswith(BATCH_TAG_PREFIX):
        return _error(404, f"no batch {batch}")
    async with _caller_client(request) as qarnot:
        # The batch is its tag: the backend keeps no state of its own.
        summaries = qarnot.tasks.summaries.paginate(F.tags.any_of([batch]), limit=MAX_BATCH)
        # Names come from the summaries: a watch's changes carry states, not entities.
        names = {s.uuid: s.name async for s in summaries}
        uuids = list(names)
        if not uuids:
            return _error(404, f"no batch {batch}")
        stream = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await stream.prepare(request)
        finals: Counter[str] = Counter()
        try:
            async with qarnot.watch(tasks=uuids) as watch:
                async for change in watch:
                    state = _state_name(change.current)
                    if change.final:
                        finals[state or "Deleted"] += 1
                    data = {
                        "uuid": change.uuid,
                        "name": names.get(change.uuid),
                        "previous": _state_name(change.previous),
                        "state": state,
                        "final": change.final,
                    }
                    await stream.write(_event("state", data))
        except QarnotError as exc:
            # The stream has begun: the error becomes its last event.
            await stream.write(_event("error", {"error": str(exc)}))
            return stream
        except ConnectionResetError:
            return stream  # the caller went away; leaving `async with` stopped the watch
        await stream.write(_event("end", {"states": dict(finals)}))
        await stream.write_eof()
        return stream


def create_app(make_client: Callable[[], Client] = Client.from_env) -> web.Application:
    """The application; ``make_client`` builds the shared client at startup."""
    app = web.Application(middlewares=[_qarnot_errors])
    app[MAKE_CLIENT] = make_client
    app.cleanup_ctx.append(_shared_client)
    app.router.add_post("/batches", submit_batch)
    app.router.add_get("/batches/{batch}/events", batch_events)
    return app


def main() -> None:  # pragma: no cover - serves until interrupted
    """Serve on 127.0.0.1:8080, against Qarnot or, without a token, an emulator."""
    if os.environ.get("QARNOT_CLIENT_TOKEN"):
        web.run_app(create_app(), host="127.0.0.1", port=8080)
        return
    from qarnot_async.emulator import Emulator

    with Emulator(speed=20.0) as emu:  # served from a background thread
        print(f"No QARNOT_CLIENT_TOKEN: callers use the emulator's token {emu.token!r}")
        print(
            f"  curl -H 'Authorization: Bearer {emu.token}' -d '{{\"count\": 3}}' "
            "http://127.0.0.1:8080/batches"
        )
        # The shared client's own token is never used for callers' requests.
        web.run_app(
            create_app(lambda: Client("backend", cluster_url=emu.url)),
            host="127.0.0.1",
            port=8080,
        )


if __name__ == "__main__":
    main()
