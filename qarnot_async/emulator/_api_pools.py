"""Pool routes, including scaling and its sanity check."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._api_output import output_routes
from ._entities import Pool
from ._errors import ApiError, ValidationErrors, forbidden, json_response
from ._http import empty, now_of, read_json, read_object, state_of
from ._ops import create_pool, emulator_constants, find_pool, pool_fields_of
from ._output import pool_lines
from ._render import job_output, pool_output, pool_summary, scaling_output, task_output
from ._scaling import check_scaling, scaling_slots
from ._state import EmulatorState
from ._validate import Body, elastic_fields, pool_fields

__all__ = ["HANDLERS"]


def _pools_with_tags(st: EmulatorState, request: web.Request) -> list[Pool]:
    tags = set(request.query.getall("tag", []))
    pools = list(st.store.pools.values())
    return [pool for pool in pools if tags.intersection(pool.tags)] if tags else pools


async def list_pools(request: web.Request) -> web.StreamResponse:
    """GET /pools?tag=..."""
    st, now = state_of(request), now_of(request)
    return json_response([pool_output(p, now, st.store) for p in _pools_with_tags(st, request)])


async def list_pool_summaries(request: web.Request) -> web.StreamResponse:
    """GET /pools/summaries?tag=..."""
    st, now = state_of(request), now_of(request)
    return json_response([pool_summary(p, now, st.store) for p in _pools_with_tags(st, request)])


async def create_pool_route(request: web.Request) -> web.StreamResponse:
    """POST /pools (one ``PoolCreationInput``)."""
    st, now = state_of(request), now_of(request)
    raw = await read_json(request)
    if not isinstance(raw, dict):
        raise ApiError(
            400, "A pool must be a JSON object.", {"$": ["A pool must be a JSON object."]}
        )
    errors = ValidationErrors()
    fields = pool_fields(raw, errors, creating=True)
    errors.raise_if_any()
    pool = create_pool(st, fields, now)
    st.engine.flush(now)
    response = json_response({"uuid": pool.uuid})
    response.headers["Location"] = f"/v1/pools/{pool.uuid}"
    return response


async def clone_pool(request: web.Request) -> web.StreamResponse:
    """POST /pools/{uuid}/clone: a new pool, fields overridden by the body."""
    st, now = state_of(request), now_of(request)
    origin = find_pool(st, request.match_info["uuid"])
    errors = ValidationErrors()
    overrides = pool_fields(await read_object(request, optional=True), errors, creating=False)
    errors.raise_if_any()
    fields = pool_fields_of(origin)
    if "scaling" in overrides or "elasticProperty" in overrides:
        fields.pop("instanceCount", None)
    if "instanceCount" in overrides:
        fields.pop("scaling", None)
        fields.pop("elasticProperty", None)
    fields.update(overrides)
    if "shortname" not in overrides:
        fields.pop("shortname", None)
    pool = create_pool(st, fields, now)
    st.engine.flush(now)
    return json_response({"uuid": pool.uuid})


async def close_pool(request: web.Request) -> web.StreamResponse:
    """POST /pools/{uuid}/close: 403 when already closing or closed."""
    st, now = state_of(request), now_of(request)
    pool = find_pool(st, request.match_info["uuid"])
    if not pool.is_open:
        raise forbidden(f"The pool {pool.uuid} is {pool.state}: it cannot be closed again")
    st.engine.close_pool(pool, now)
    st.engine.flush(now)
    return empty()


async def delete_pool(request: web.Request) -> web.StreamResponse:
    """DELETE /pools/{uuid}: closes it (cancelling its tasks) and forgets it."""
    st, now = state_of(request), now_of(request)
    st.engine.delete_pool(find_pool(st, request.match_info["uuid"]), now)
    st.engine.flush(now)
    return empty()


async def get_pool(request: web.Request) -> web.StreamResponse:
    """GET /pools/{uuid} (uuid or shortname)."""
    st, now = state_of(request), now_of(request)
    return json_response(pool_output(find_pool(st, request.match_info["uuid"]), now, st.store))


async def patch_pool(request: web.Request) -> web.StreamResponse:
    """PATCH /pools/{uuid}: resynchronise resources; 400 on a closed pool."""
    st = state_of(request)
    pool = find_pool(st, request.match_info["uuid"])
    if not pool.is_open:
        raise ApiError(400, f"The pool {pool.uuid} is {pool.state}: invalid operation")
    pool.modified = now_of(request)
    st.store.touch()
    return empty()


async def update_pool(request: web.Request) -> web.StreamResponse:
    """PUT /pools/{uuid}: constants, constraints, tags, elasticProperty, scaling."""
    st, now = state_of(request), now_of(request)
    pool = find_pool(st, request.match_info["uuid"])
    errors = ValidationErrors()
    body = Body(await read_object(request), errors)
    constants = body.key_values("constants")
    constraints = body.key_values("constraints")
    tags = body.strings("tags")
    raw_elastic = body.obj("elasticProperty")
    elastic = (
        elastic_fields(Body(raw_elastic, errors, "elasticProperty."))
        if raw_elastic is not None
        else None
    )
    scaling = None
    if body.present("scaling"):
        scaling = check_scaling(body.raw("scaling"), errors, "scaling")
    errors.raise_if_any()
    if constants is not None:
        emulator_constants(constants, st.task_duration)
        pool.constants = constants
    if constraints is not None:
        pool.spec = {**pool.spec, "constraints": constraints}
    if tags is not None:
        pool.tags = tags
    if elastic is not None:
        pool.elastic = elastic
    if scaling is not None:
        _rescale(pool, scaling, now)
        st.engine.wake()
        st.engine.flush(now)
    pool.modified = now
    st.store.touch()
    return empty()


def _rescale(pool: Pool, scaling: dict[str, Any], now: float) -> None:
    # Reserved instances stay as dispatched; only the task capacity follows the policy.
    pool.scaling = scaling
    pool.slots = max(1, scaling_slots(scaling, now))


async def get_pool_tasks(request: web.Request) -> web.StreamResponse:
    """GET /pools/{uuid}/tasks."""
    st, now = state_of(request), now_of(request)
    pool = find_pool(st, request.match_info["uuid"])
    tasks = [
        st.store.tasks[u] for u in st.store.pool_tasks.get(pool.uuid, {}) if u in st.store.tasks
    ]
    return json_response([task_output(t, now) for t in tasks])


async def get_pool_jobs(request: web.Request) -> web.StreamResponse:
    """GET /pools/{uuid}/jobs."""
    st = state_of(request)
    pool = find_pool(st, request.match_info["uuid"])
    return json_response(
        [job_output(j) for j in st.store.jobs.values() if j.pool_uuid == pool.uuid]
    )


async def get_scaling(request: web.Request) -> web.StreamResponse:
    """GET /pools/{uuid}/scaling: policies and the active one."""
    st, now = state_of(request), now_of(request)
    return json_response(scaling_output(find_pool(st, request.match_info["uuid"]), now))


async def put_scaling(request: web.Request) -> web.StreamResponse:
    """PUT /pools/{uuid}/scaling: checked as the sanity check does, then applied."""
    st, now = state_of(request), now_of(request)
    pool = find_pool(st, request.match_info["uuid"])
    errors = ValidationErrors()
    scaling = check_scaling(await read_json(request), errors)
    errors.raise_if_any()
    assert scaling is not None
    if not pool.is_open:
        raise forbidden(f"The pool {pool.uuid} is {pool.state}: its scaling cannot change")
    _rescale(pool, scaling, now)
    st.engine.wake()
    st.engine.flush(now)
    pool.modified = now
    st.store.touch()
    return json_response({})


async def sanity_check_scaling(request: web.Request) -> web.StreamResponse:
    """POST /sanity-checks/pools/scaling: ``{}`` or 400 ``ValidationProblemDetails``."""
    errors = ValidationErrors()
    check_scaling(await read_json(request), errors)
    errors.raise_if_any()
    return json_response({})


async def paginate_pools(request: web.Request) -> web.StreamResponse:
    """POST /pools/paginate."""
    st, now = state_of(request), now_of(request)
    body = await read_object(request, optional=True)
    return json_response(
        st.pager.paginate("pool", body, now, lambda p: pool_output(p, now, st.store))
    )


async def paginate_pool_summaries(request: web.Request) -> web.StreamResponse:
    """POST /pools/summaries/paginate."""
    st, now = state_of(request), now_of(request)
    body = await read_object(request, optional=True)
    return json_response(
        st.pager.paginate("pool", body, now, lambda p: pool_summary(p, now, st.store))
    )


async def search_pools(request: web.Request) -> web.StreamResponse:
    """POST /pools/search."""
    st, now = state_of(request), now_of(request)
    body = await read_object(request, optional=True)
    return json_response(
        st.pager.search(
            "pool",
            body,
            now,
            lambda p: pool_output(p, now, st.store),
            lambda p: pool_summary(p, now, st.store),
        )
    )


HANDLERS: list[tuple[str, str, Any]] = [
    ("GET", "/pools/summaries", list_pool_summaries),
    ("POST", "/pools/summaries/paginate", paginate_pool_summaries),
    ("GET", "/pools", list_pools),
    ("POST", "/pools", create_pool_route),
    ("POST", "/pools/search", search_pools),
    ("POST", "/pools/paginate", paginate_pools),
    ("POST", "/pools/{uuid}/clone", clone_pool),
    ("POST", "/pools/{uuid}/close", close_pool),
    ("DELETE", "/pools/{uuid}", delete_pool),
    ("GET", "/pools/{uuid}", get_pool),
    ("PATCH", "/pools/{uuid}", patch_pool),
    ("PUT", "/pools/{uuid}", update_pool),
    ("GET", "/pools/{uuid}/jobs", get_pool_jobs),
    ("GET", "/pools/{uuid}/tasks", get_pool_tasks),
]
HANDLERS += output_routes("pools", find_pool, lambda pool, i: i < pool.slots, pool_lines)
HANDLERS += [
    ("GET", "/pools/{uuid}/scaling", get_scaling),
    ("PUT", "/pools/{uuid}/scaling", put_scaling),
    ("POST", "/sanity-checks/pools/scaling", sanity_check_scaling),
]
