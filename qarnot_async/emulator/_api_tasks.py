"""Task routes."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from aiohttp import web

from ._api_output import output_routes
from ._api_snapshots import record_snapshot
from ._entities import CANCELLED, FAILURE, Task
from ._errors import ApiError, ValidationErrors, forbidden, json_response
from ._http import bulk_results, empty, now_of, read_json, read_object, state_of
from ._ops import create_task, derive_task, emulator_constants, find_task
from ._output import task_lines
from ._paging import json_bytes_response
from ._render import task_output, task_output_json, task_summary, task_summary_json
from ._state import EmulatorState
from ._validate import Body, task_fields

__all__ = ["HANDLERS"]


def _tag_filter(request: web.Request) -> set[str] | None:
    tags = request.query.getall("tag", [])
    return set(tags) if tags else None


def _tasks_with_tags(st: EmulatorState, tags: set[str] | None) -> list[Task]:
    tasks = list(st.store.tasks.values())
    if tags is None:
        return tasks
    return [task for task in tasks if tags.intersection(task.tags)]


async def list_tasks(request: web.Request) -> web.StreamResponse:
    """GET /tasks?tag=..."""
    st, now = state_of(request), now_of(request)
    return json_response([task_output(t, now) for t in _tasks_with_tags(st, _tag_filter(request))])


async def list_task_summaries(request: web.Request) -> web.StreamResponse:
    """GET /tasks/summaries?tag=..."""
    st, now = state_of(request), now_of(request)
    return json_response([task_summary(t, now) for t in _tasks_with_tags(st, _tag_filter(request))])


def _create_one(st: EmulatorState, raw: Any, now: float) -> Task:
    if not isinstance(raw, dict):
        raise ApiError(
            400, "A task must be a JSON object.", {"$": ["A task must be a JSON object."]}
        )
    errors = ValidationErrors()
    fields = task_fields(raw, errors, creating=True)
    errors.raise_if_any()
    return create_task(st, fields, now)


async def create_tasks(request: web.Request) -> web.StreamResponse:
    """POST /tasks: one task (``{uuid}``) or a list (``MultiResponse`` per item)."""
    st, now = state_of(request), now_of(request)
    body = await read_json(request)
    if isinstance(body, list):
        results, status = bulk_results(body, lambda item: _create_one(st, item, now).uuid)
        st.engine.flush(now)
        return json_response(results, status)
    task = _create_one(st, body, now)
    st.engine.flush(now)
    response = json_response({"uuid": task.uuid})
    response.headers["Location"] = f"/v1/tasks/{task.uuid}"
    return response


async def get_task(request: web.Request) -> web.StreamResponse:
    """GET /tasks/{uuid} (uuid or shortname)."""
    st = state_of(request)
    task = find_task(st, request.match_info["uuid"])
    return json_bytes_response(task_output_json(task, now_of(request), st.store.version))


async def update_task(request: web.Request) -> web.StreamResponse:
    """PUT /tasks/{uuid}: new constants, constraints or tags."""
    st = state_of(request)
    task = find_task(st, request.match_info["uuid"])
    errors = ValidationErrors()
    body = Body(await read_object(request), errors)
    constants = body.key_values("constants")
    constraints = body.key_values("constraints")
    tags = body.strings("tags")
    errors.raise_if_any()
    if constants is not None:
        emulator_constants(constants, st.task_duration)
        task.constants = constants
    if constraints is not None:
        task.spec = {**task.spec, "constraints": constraints}
    if tags is not None:
        task.tags = tags
    task.modified = now_of(request)
    st.store.touch()
    return empty()


async def patch_task(request: web.Request) -> web.StreamResponse:
    """PATCH /tasks/{uuid}: resynchronise resources; only for a task that runs."""
    st = state_of(request)
    task = find_task(st, request.match_info["uuid"])
    if task.is_final:
        raise ApiError(400, "Task is not running")
    task.modified = now_of(request)
    st.store.touch()
    return empty()


async def delete_task(request: web.Request) -> web.StreamResponse:
    """DELETE /tasks/{uuid}: cancels it first if needed."""
    st = state_of(request)
    task = find_task(st, request.match_info["uuid"])
    st.engine.delete_task(task, now_of(request))
    st.engine.flush(now_of(request))
    return empty()


async def abort_task(request: web.Request) -> web.StreamResponse:
    """POST /tasks/{uuid}/abort: Cancelled at once; 403 when already finished."""
    st = state_of(request)
    task = find_task(st, request.match_info["uuid"])
    if task.is_final:
        raise forbidden(f"The task {task.uuid} is {task.state}: it cannot be aborted")
    st.engine.abort_task(task, now_of(request))
    st.engine.flush(now_of(request))
    return empty()


def _snapshot_fields(body: Body) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for wire, spec_key in (
        ("whitelist", "snapshotWhitelist"),
        ("blacklist", "snapshotBlacklist"),
        ("bucket", "snapshotBucket"),
        ("bucketPrefix", "snapshotBucketPrefix"),
    ):
        value = body.string(wire)
        if value is not None:
            out[spec_key] = value
    return out


async def periodic_snapshot(request: web.Request) -> web.StreamResponse:
    """POST /tasks/{uuid}/snapshot/periodic: ``interval`` seconds, 0 stops."""
    st = state_of(request)
    task = find_task(st, request.match_info["uuid"])
    errors = ValidationErrors()
    body = Body(await read_object(request, optional=True), errors)
    interval = body.integer("interval", minimum=0)
    filters = _snapshot_fields(body)
    errors.raise_if_any()
    if task.is_final:
        raise forbidden(f"The task {task.uuid} is {task.state}: no snapshot is possible")
    task.snapshot_interval = interval or 0
    if filters:
        task.spec = {**task.spec, **filters}
    task.modified = now_of(request)
    st.store.touch()
    return empty()


async def unique_snapshot(request: web.Request) -> web.StreamResponse:
    """POST /tasks/{uuid}/snapshot: one snapshot now.

    The reference documents no body; the official SDK reads ``{"id": ...}``, so the
    snapshot id is answered.
    """
    st = state_of(request)
    task = find_task(st, request.match_info["uuid"])
    errors = ValidationErrors()
    filters = _snapshot_fields(Body(await read_object(request, optional=True), errors))
    errors.raise_if_any()
    if task.is_final:
        raise forbidden(f"The task {task.uuid} is {task.state}: no snapshot is possible")
    snapshot_id = str(uuidlib.uuid4())
    record_snapshot(st, task, snapshot_id, filters, now_of(request))
    task.snapshots = [*(task.snapshots or []), snapshot_id]
    task.modified = now_of(request)
    st.store.touch()
    return json_response({"id": snapshot_id})


def _derive(kind: str) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        st, now = state_of(request), now_of(request)
        origin = find_task(st, request.match_info["uuid"])
        errors = ValidationErrors()
        overrides = task_fields(await read_object(request, optional=True), errors, creating=False)
        errors.raise_if_any()
        ids: tuple[int, ...] | None = None
        if kind != "clone":
            if not origin.is_final:
                raise forbidden(
                    f"The task {origin.uuid} is {origin.state}: it must end before a {kind}"
                )
            views = origin.instances(now)
            wanted = {"retry": (FAILURE,), "resume": (CANCELLED,), "recover": (FAILURE, CANCELLED)}[
                kind
            ]
            ids = tuple(sorted(v.instance_id for v in views if v.outcome in wanted))
            if not ids:
                what = {"retry": "failed", "resume": "cancelled", "recover": "failed or cancelled"}[
                    kind
                ]
                raise forbidden(f"The task {origin.uuid} has no {what} instance to {kind}")
            overrides.pop("instanceIds", None)
            overrides.pop("advancedRanges", None)
        task = derive_task(st, origin, overrides, ids, now)
        st.engine.flush(now)
        return json_response({"uuid": task.uuid})

    handler.__doc__ = f"POST /tasks/{{uuid}}/{kind}: a new task, answered as ``{{uuid}}``."
    return handler


async def paginate_tasks(request: web.Request) -> web.StreamResponse:
    """POST /tasks/paginate (``TaskOutput`` pages)."""
    st, now = state_of(request), now_of(request)
    body = await read_object(request, optional=True)
    version = st.store.version
    return json_bytes_response(
        st.pager.paginate_json("task", body, now, lambda t: task_output_json(t, now, version))
    )


async def paginate_task_summaries(request: web.Request) -> web.StreamResponse:
    """POST /tasks/summaries/paginate (``TaskSummaryOutput`` pages)."""
    st, now = state_of(request), now_of(request)
    body = await read_object(request, optional=True)
    version = st.store.version
    return json_bytes_response(
        st.pager.paginate_json("task", body, now, lambda t: task_summary_json(t, now, version))
    )


async def search_tasks(request: web.Request) -> web.StreamResponse:
    """POST /tasks/search."""
    st, now = state_of(request), now_of(request)
    body = await read_object(request, optional=True)
    return json_response(
        st.pager.search(
            "task", body, now, lambda t: task_output(t, now), lambda t: task_summary(t, now)
        )
    )


#: (method, route template, handler)
HANDLERS: list[tuple[str, str, Any]] = [
    ("GET", "/tasks", list_tasks),
    ("POST", "/tasks", create_tasks),
    ("GET", "/tasks/summaries", list_task_summaries),
    ("POST", "/tasks/summaries/paginate", paginate_task_summaries),
    ("POST", "/tasks/search", search_tasks),
    ("POST", "/tasks/paginate", paginate_tasks),
    ("POST", "/tasks/{uuid}/snapshot/periodic", periodic_snapshot),
    ("POST", "/tasks/{uuid}/snapshot", unique_snapshot),
    ("POST", "/tasks/{uuid}/retry", _derive("retry")),
    ("POST", "/tasks/{uuid}/recover", _derive("recover")),
    ("POST", "/tasks/{uuid}/resume", _derive("resume")),
    ("POST", "/tasks/{uuid}/clone", _derive("clone")),
    ("PUT", "/tasks/{uuid}", update_task),
    ("PATCH", "/tasks/{uuid}", patch_task),
    ("DELETE", "/tasks/{uuid}", delete_task),
    ("GET", "/tasks/{uuid}", get_task),
    ("POST", "/tasks/{uuid}/abort", abort_task),
]
HANDLERS += output_routes("tasks", find_task, lambda task, i: i in task.instance_ids, task_lines)
