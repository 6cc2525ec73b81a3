"""Creating and looking up entities, with the service's rules and quotas."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any, Final

from ._catalog import PROFILES
from ._entities import Job, Pool, Task
from ._errors import ApiError, ValidationErrors, conflict, forbidden, not_found
from ._scaling import check_scaling, scaling_slots
from ._state import EmulatorState
from ._wire import WireFormatError, format_ranges, parse_ranges, parse_timespan

__all__ = [
    "create_job",
    "create_pool",
    "create_task",
    "emulator_constants",
    "find_job",
    "find_pool",
    "find_task",
    "task_fields_of",
]

# Fields kept as attributes; everything else a client sent is echoed from ``spec``.
_TASK_ATTRS: Final = frozenset(
    {
        "name",
        "shortname",
        "profile",
        "poolUuid",
        "jobUuid",
        "instanceIds",
        "advancedRanges",
        "tags",
        "labels",
        "constants",
        "dependsOn",
        "autoDeleteOnCompletion",
        "completionTimeToLive",
        "maxRetriesPerInstance",
        "schedulingType",
        "snapshotInterval",
    }
)
_POOL_ATTRS: Final = frozenset(
    {
        "name",
        "shortname",
        "profile",
        "instanceCount",
        "tags",
        "labels",
        "constants",
        "autoDeleteOnCompletion",
        "completionTimeToLive",
        "schedulingType",
        "elasticProperty",
        "scaling",
    }
)


def find_task(st: EmulatorState, key: str) -> Task:
    """The task with this uuid or shortname, or 404."""
    task = st.store.find_task(key)
    if task is None:
        raise not_found("task", key)
    return task


def find_pool(st: EmulatorState, key: str) -> Pool:
    """The pool with this uuid or shortname, or 404."""
    pool = st.store.find_pool(key)
    if pool is None:
        raise not_found("pool", key)
    return pool


def find_job(st: EmulatorState, key: str) -> Job:
    """The job with this uuid or shortname, or 404."""
    job = st.store.find_job(key)
    if job is None:
        raise not_found("job", key)
    return job


def _profile(name: str) -> str:
    if name not in PROFILES:
        raise not_found("profile", name)
    return name


def emulator_constants(
    constants: list[dict[str, Any]], default_duration: float
) -> tuple[float, frozenset[int]]:
    """``(duration, failing instance ids)`` from ``EMULATOR_DURATION`` and
    ``EMULATOR_FAIL_INSTANCES``; 400 when they cannot be read."""
    values = {str(item["key"]): item.get("value") for item in constants}
    errors = ValidationErrors()
    duration = default_duration
    raw = values.get("EMULATOR_DURATION")
    if raw not in (None, ""):
        try:
            duration = float(raw) if ":" not in str(raw) else parse_timespan(str(raw))
            if duration < 0:
                raise ValueError(raw)
        except (ValueError, WireFormatError):
            errors.add(
                "constants", f"EMULATOR_DURATION must be seconds or a TimeSpan, not {raw!r}."
            )
    fail: frozenset[int] = frozenset()
    raw = values.get("EMULATOR_FAIL_INSTANCES")
    if raw not in (None, ""):
        try:
            fail = frozenset(parse_ranges(str(raw)))
        except WireFormatError as exc:
            errors.add("constants", f"EMULATOR_FAIL_INSTANCES is not a range: {exc}.")
    errors.raise_if_any()
    return duration, fail


def task_fields_of(task: Task) -> dict[str, Any]:
    """A task's creation fields, as a clone, retry, recover or resume starts from."""
    fields: dict[str, Any] = dict(task.spec)
    fields.update(
        name=task.name,
        profile=task.profile if task.pool_uuid is None else None,
        poolUuid=task.pool_uuid,
        jobUuid=task.job_uuid,
        instanceIds=task.instance_ids,
        advancedRanges=task.ranges,
        tags=list(task.tags),
        labels=dict(task.labels),
        constants=[dict(item) for item in task.constants],
        dependsOn=list(task.depends_on),
        autoDeleteOnCompletion=task.auto_delete,
        completionTimeToLive=task.ttl,
        maxRetriesPerInstance=task.max_retries,
        schedulingType=task.scheduling,
        snapshotInterval=task.snapshot_interval,
    )
    return fields


def _accepted(conditions: list[str] | None) -> frozenset[str] | None:
    """The final states (lower case) an advanced dependency accepts; ``None``: any.

    The official SDKs send no condition for "any final state"; that the service reads
    it so is our inference (the facts call it uncertain).
    """
    return None if conditions is None else frozenset(conditions)


def _ensure_room(st: EmulatorState, now: float, kind: str) -> None:
    store, engine = st.store, st.engine
    if kind == "task":
        while len(store.tasks) >= store.quotas["maxTask"]:
            if not engine.evict_for_task(now):
                raise forbidden("maximum number of tasks reached")
        if store.nonfinal_tasks >= store.quotas["maxRunningTask"]:
            raise forbidden("maximum number of running tasks reached")
    elif kind == "pool":
        while len(store.pools) >= store.quotas["maxPool"]:
            if not engine.evict_for_pool(now):
                raise forbidden("maximum number of pools reached")
        if store.nonfinal_pools >= store.quotas["maxRunningPool"]:
            raise forbidden("maximum number of running pools reached")
    else:
        while len(store.jobs) >= store.quotas["maxJob"]:
            if not engine.evict_for_job(now):
                raise forbidden("maximum number of jobs reached")


def _shortname(fields: dict[str, Any], taken: dict[str, str], kind: str, uuid: str) -> str:
    shortname = fields.get("shortname")
    if shortname is None:
        return uuid
    if shortname in taken:
        raise conflict(f"a {kind} with shortname {shortname} already exists")
    return str(shortname)


def create_task(st: EmulatorState, fields: dict[str, Any], now: float) -> Task:
    """Create and queue a task from checked fields (see :func:`task_fields`)."""
    store = st.store
    uuid = str(uuidlib.uuid4())
    shortname = _shortname(fields, store.task_shortnames, "task", uuid)
    pool: Pool | None = None
    job: Job | None = None
    if fields.get("jobUuid") is not None:
        job = find_job(st, fields["jobUuid"])
        if job.state != "Active":
            raise forbidden(f"The job {job.uuid} is {job.state}: it accepts no new task")
    pool_uuid = fields.get("poolUuid")
    if job is not None and job.pool_uuid is not None:
        if pool_uuid is not None and pool_uuid != job.pool_uuid:
            message = "The task's pool differs from the pool of its job."
            raise ApiError(400, message, {"poolUuid": [message]})
        pool_uuid = job.pool_uuid
    if pool_uuid is not None:
        pool = find_pool(st, pool_uuid)
        if not pool.is_open:
            raise forbidden(f"The pool {pool.uuid} is {pool.state}: it accepts no new task")
        profile: str | None = pool.profile
    elif fields.get("profile") is not None:
        profile = _profile(fields["profile"])
    else:
        message = "A task needs a profile, or a pool (directly or through its job)."
        raise ApiError(400, message, {"profile": [message]})
    depends_on = list(fields.get("dependsOn") or [])
    advanced = [
        (item["taskUuid"], _accepted(item["taskFinalStateCondition"]))
        for item in fields.get("advancedDependsOn") or []
    ]
    for member, uuids in (
        ("dependsOn", depends_on),
        ("advancedDependsOn", [uuid for uuid, _ in advanced]),
    ):
        if not uuids:
            continue
        if job is None or not job.use_dependencies:
            message = "Dependencies need a job created with useDependencies."
            raise ApiError(400, message, {"dependencies": [message]})
        unknown = [dep for dep in uuids if dep not in job.task_uuids]
        if unknown:
            message = f"Not tasks of job {job.uuid}: {', '.join(unknown)}."
            raise ApiError(400, message, {f"dependencies.{member}": [message]})
    constants = list(fields.get("constants") or [])
    merged = (pool.constants if pool is not None else []) + constants
    duration, fail_ids = emulator_constants(merged, st.task_duration)
    instance_ids: tuple[int, ...] = fields["instanceIds"]
    scheduling = fields.get("schedulingType") or (pool.scheduling if pool is not None else "flex")
    if pool is None:
        refusal = st.engine.quota_refusal(scheduling, len(instance_ids))
        if refusal is not None:
            raise forbidden(refusal)
    _ensure_room(st, now, "task")

    task = Task(uuid, store.next_seq(), store.stamp(now), fields["name"], shortname, instance_ids)
    task.profile = profile
    task.pool_uuid = pool.uuid if pool is not None else None
    task.job_uuid = job.uuid if job is not None else None
    task.ranges = fields.get("advancedRanges")
    task.tags = list(fields.get("tags") or [])
    task.labels = dict(fields.get("labels") or {})
    task.constants = constants
    task.depends_on = depends_on
    task.advanced = advanced
    task.auto_delete = bool(fields.get("autoDeleteOnCompletion") or False)
    task.ttl = float(fields.get("completionTimeToLive") or 0.0)
    retry_settings = fields.get("retrySettings") or {}
    task.max_retries = int(
        fields.get("maxRetriesPerInstance") or retry_settings.get("maxPerInstanceRetries") or 0
    )
    task.scheduling = scheduling
    task.snapshot_interval = int(fields.get("snapshotInterval") or 0)
    task.duration = duration
    task.fail_ids = fail_ids
    task.spec = {key: value for key, value in fields.items() if key not in _TASK_ATTRS}
    store.add_task(task)
    st.engine.submit_task(task, now)
    return task


def derive_task(
    st: EmulatorState,
    origin: Task,
    overrides: dict[str, Any],
    ids: tuple[int, ...] | None,
    now: float,
) -> Task:
    """Create a task from ``origin`` with ``overrides``; ``ids`` forces its instances."""
    fields = task_fields_of(origin)
    if ids is not None:
        fields["instanceIds"] = ids
        fields["advancedRanges"] = format_ranges(ids)
    if "instanceIds" in overrides:
        fields["advancedRanges"] = None
    fields.update(overrides)
    if "shortname" not in overrides:
        fields.pop("shortname", None)
    if fields.get("poolUuid") is not None:
        fields["profile"] = None
    return create_task(st, fields, now)


def create_pool(st: EmulatorState, fields: dict[str, Any], now: float) -> Pool:
    """Create and queue a pool from checked fields (see :func:`pool_fields`)."""
    store = st.store
    uuid = str(uuidlib.uuid4())
    shortname = _shortname(fields, store.pool_shortnames, "pool", uuid)
    profile = _profile(fields["profile"])
    constants = list(fields.get("constants") or [])
    emulator_constants(constants, st.task_duration)
    scaling = None
    if fields.get("scaling") is not None:
        errors = ValidationErrors()
        scaling = check_scaling(fields["scaling"], errors, "scaling")
        errors.raise_if_any()
    elastic = fields.get("elasticProperty")
    count = fields.get("instanceCount")
    if scaling is not None:
        slots = scaling_slots(scaling, now)
    elif elastic is not None and elastic.get("isElastic"):
        slots = max(elastic["maxTotalSlots"], elastic["minTotalSlots"], 1)
    elif count is not None:
        if count < 1:
            message = "The instanceCount field must be at least 1 for a pool that is not elastic."
            raise ApiError(400, message, {"instanceCount": [message]})
        slots = count
    else:
        slots = 1
    scheduling = fields.get("schedulingType") or "flex"
    refusal = st.engine.quota_refusal(scheduling, slots)
    if refusal is not None:
        raise forbidden(refusal)
    _ensure_room(st, now, "pool")

    pool = Pool(uuid, store.next_seq(), store.stamp(now), fields["name"], shortname)
    pool.profile = profile
    pool.slots = max(slots, 1)
    pool.tags = list(fields.get("tags") or [])
    pool.labels = dict(fields.get("labels") or {})
    pool.constants = constants
    pool.elastic = elastic
    pool.scaling = scaling
    pool.auto_delete = bool(fields.get("autoDeleteOnCompletion") or False)
    pool.ttl = float(fields.get("completionTimeToLive") or 0.0)
    pool.scheduling = scheduling
    pool.spec = {key: value for key, value in fields.items() if key not in _POOL_ATTRS}
    store.add_pool(pool)
    st.engine.submit_pool(pool, now)
    return pool


def pool_fields_of(pool: Pool) -> dict[str, Any]:
    """A pool's creation fields, as a clone starts from."""
    fields: dict[str, Any] = dict(pool.spec)
    fields.update(
        name=pool.name,
        profile=pool.profile,
        instanceCount=pool.slots,
        tags=list(pool.tags),
        labels=dict(pool.labels),
        constants=[dict(item) for item in pool.constants],
        autoDeleteOnCompletion=pool.auto_delete,
        completionTimeToLive=pool.ttl,
        schedulingType=pool.scheduling,
    )
    if pool.elastic is not None:
        fields["elasticProperty"] = dict(pool.elastic)
    if pool.scaling is not None:
        fields["scaling"] = pool.scaling
    return fields


def create_job(st: EmulatorState, fields: dict[str, Any], now: float) -> Job:
    """Create a job from checked fields (see :func:`job_fields`)."""
    store = st.store
    uuid = str(uuidlib.uuid4())
    shortname = _shortname(fields, store.job_shortnames, "job", uuid)
    pool = None
    if fields.get("poolUuid") is not None:
        pool = find_pool(st, fields["poolUuid"])
    _ensure_room(st, now, "job")
    job = Job(uuid, store.next_seq(), store.stamp(now), fields["name"], shortname)
    job.pool_uuid = pool.uuid if pool is not None else None
    job.profile = pool.profile if pool is not None else None
    job.use_dependencies = bool(fields.get("useDependencies") or False)
    job.tags = list(fields.get("tags") or [])
    job.max_wall_time = fields.get("maxWallTime") or None
    job.auto_delete = bool(fields.get("autoDeleteOnCompletion") or False)
    job.ttl = float(fields.get("completionTimeToLive") or 0.0)
    store.add_job(job)
    st.engine.submit_job(job, now)
    return job
