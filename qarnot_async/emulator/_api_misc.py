"""Job routes and the account-level ones (profiles, hardware, info, settings...)."""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from ._api_quotas import account_info
from ._catalog import HARDWARE_CONSTRAINTS, PROFILES, VERSIONS
from ._entities import Job
from ._errors import ApiError, ValidationErrors, forbidden, json_response, not_found
from ._http import bulk_results, empty, now_of, read_json, read_object, state_of
from ._ops import create_job, find_job
from ._render import job_output, task_output
from ._state import EmulatorState
from ._validate import job_fields

__all__ = ["HANDLERS", "HARDWARE_PAGE_MAX"]

#: ``GET /hardware-constraints`` serves offset pages of at most this many items.
HARDWARE_PAGE_MAX: Final = 50


def _jobs_with_tags(st: EmulatorState, request: web.Request) -> list[Job]:
    tags = set(request.query.getall("tag", []))
    jobs = list(st.store.jobs.values())
    return [job for job in jobs if tags.intersection(job.tags)] if tags else jobs


async def list_jobs(request: web.Request) -> web.StreamResponse:
    """GET /jobs?tag=..."""
    return json_response([job_output(j) for j in _jobs_with_tags(state_of(request), request)])


def _create_one(st: EmulatorState, raw: Any, now: float) -> Job:
    if not isinstance(raw, dict):
        raise ApiError(400, "A job must be a JSON object.", {"$": ["A job must be a JSON object."]})
    errors = ValidationErrors()
    fields = job_fields(raw, errors)
    errors.raise_if_any()
    return create_job(st, fields, now)


async def create_jobs(request: web.Request) -> web.StreamResponse:
    """POST /jobs (and /jobs/): one job (``{uuid}``) or a list (``MultiResponse``)."""
    st, now = state_of(request), now_of(request)
    body = await read_json(request)
    if isinstance(body, list):
        results, status = bulk_results(body, lambda item: _create_one(st, item, now).uuid)
        return json_response(results, status)
    job = _create_one(st, body, now)
    response = json_response({"uuid": job.uuid})
    response.headers["Location"] = f"/v1/jobs/{job.uuid}"
    return response


async def search_jobs(request: web.Request) -> web.StreamResponse:
    """POST /jobs/search."""
    st, now = state_of(request), now_of(request)
    return json_response(
        st.pager.search("job", await read_object(request, optional=True), now, job_output)
    )


async def paginate_jobs(request: web.Request) -> web.StreamResponse:
    """POST /jobs/paginate."""
    st, now = state_of(request), now_of(request)
    return json_response(
        st.pager.paginate("job", await read_object(request, optional=True), now, job_output)
    )


async def terminate_job(request: web.Request) -> web.StreamResponse:
    """POST /jobs/{uuid}/terminate: idempotent; the job's tasks are cancelled."""
    st, now = state_of(request), now_of(request)
    st.engine.terminate_job(find_job(st, request.match_info["uuid"]), now)
    st.engine.flush(now)
    return empty()


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("true", "1")


async def delete_job(request: web.Request) -> web.StreamResponse:
    """DELETE /jobs/{uuid}?force=true: a job with tasks needs ``force`` (403 otherwise)."""
    st, now = state_of(request), now_of(request)
    job = find_job(st, request.match_info["uuid"])
    force_values = [v for k, v in request.query.items() if k.lower() == "force"]
    force = bool(force_values) and _truthy(force_values[-1])
    if job.task_uuids and not force:
        raise forbidden(
            f"The job {job.uuid} has {len(job.task_uuids)} task(s): use force=true to delete it"
        )
    st.engine.delete_job(job, now)
    st.engine.flush(now)
    return empty()


async def get_job(request: web.Request) -> web.StreamResponse:
    """GET /jobs/{uuid} (uuid or shortname)."""
    return json_response(job_output(find_job(state_of(request), request.match_info["uuid"])))


async def get_job_tasks(request: web.Request) -> web.StreamResponse:
    """GET /jobs/{uuid}/tasks."""
    st, now = state_of(request), now_of(request)
    job = find_job(st, request.match_info["uuid"])
    tasks = [st.store.tasks[u] for u in job.task_uuids if u in st.store.tasks]
    return json_response([task_output(t, now) for t in tasks])


async def list_profiles(request: web.Request) -> web.StreamResponse:
    """GET /profiles."""
    return json_response(list(PROFILES))


async def get_profile(request: web.Request) -> web.StreamResponse:
    """GET /profiles/{name}: ``QProfile``, 404 for an unknown profile."""
    name = request.match_info["name"]
    profile = PROFILES.get(name)
    if profile is None:
        raise not_found("profile", name)
    return json_response(profile)


def _query_int(request: web.Request, name: str, default: int) -> int:
    # ASP.NET binds query parameters case-insensitively; the official SDK sends "limit".
    values = [v for k, v in request.query.items() if k.lower() == name.lower()]
    if not values or values[-1] == "":
        return default
    try:
        value = int(values[-1])
    except ValueError:
        raise ApiError(
            400, f"{name} must be an integer", {name: [f"The value '{values[-1]}' is not valid."]}
        ) from None
    if value < 0:
        raise ApiError(
            400, f"{name} cannot be negative", {name: [f"The {name} field cannot be negative."]}
        )
    return value


async def list_hardware_constraints(request: web.Request) -> web.StreamResponse:
    """GET /hardware-constraints?Limit=&Offset=: offset pages of at most 50."""
    limit = _query_int(request, "Limit", HARDWARE_PAGE_MAX) or HARDWARE_PAGE_MAX
    limit = min(limit, HARDWARE_PAGE_MAX)
    offset = _query_int(request, "Offset", 0)
    return json_response(
        {
            "data": HARDWARE_CONSTRAINTS[offset : offset + limit],
            "offset": offset,
            "limit": limit,
            "total": len(HARDWARE_CONSTRAINTS),
        }
    )


async def search_cpu_models(request: web.Request) -> web.StreamResponse:
    """GET /hardware-constraints/cpu-model-constraints/search?cpuModel=: 404 when none."""
    values = [v for k, v in request.query.items() if k.lower() == "cpumodel"]
    if not values or not values[-1].strip():
        raise ApiError(
            400, "cpuModel is required", {"cpuModel": ["The cpuModel field is required."]}
        )
    wanted = values[-1].strip().lower()
    found = [
        item
        for item in HARDWARE_CONSTRAINTS
        if item["discriminator"] == "CpuModelHardwareConstraint"
        and wanted in item["cpuModel"].lower()
    ]
    if not found:
        raise not_found("cpu model constraint", values[-1])
    return json_response(found)


async def user_info(request: web.Request) -> web.StreamResponse:
    """GET /info."""
    return json_response(account_info(state_of(request)))


async def settings(request: web.Request) -> web.StreamResponse:
    """GET /settings (no token needed)."""
    return json_response(state_of(request).settings())


async def versions(request: web.Request) -> web.StreamResponse:
    """GET /versions (no token needed)."""
    return json_response(VERSIONS)


async def availability(request: web.Request) -> web.StreamResponse:
    """GET / and GET /status: 200 once the token is valid."""
    return empty()


HANDLERS: list[tuple[str, str, Any]] = [
    ("GET", "/hardware-constraints", list_hardware_constraints),
    ("GET", "/hardware-constraints/cpu-model-constraints/search", search_cpu_models),
    ("GET", "/jobs", list_jobs),
    ("POST", "/jobs", create_jobs),
    ("POST", "/jobs/search", search_jobs),
    ("POST", "/jobs/paginate", paginate_jobs),
    ("POST", "/jobs/{uuid}/terminate", terminate_job),
    ("DELETE", "/jobs/{uuid}", delete_job),
    ("GET", "/jobs/{uuid}", get_job),
    ("GET", "/jobs/{uuid}/tasks", get_job_tasks),
    ("GET", "", availability),
    ("GET", "/profiles", list_profiles),
    ("GET", "/profiles/{name}", get_profile),
    ("GET", "/settings", settings),
    ("GET", "/info", user_info),
    ("GET", "/versions", versions),
    ("GET", "/status", availability),
]
