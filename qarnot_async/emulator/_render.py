"""Entities to wire JSON, in the shapes of ``openapi.json``.

List fields are written as ``[]`` rather than ``null`` and nested objects are always
objects: the official SDK iterates ``errors``, ``constants``, ``completedInstances``,
``hardwareConstraints`` and ``executionTimeByCpuModel`` without a ``None`` check.

A task's JSON is written once per revision and kept on the task
(:func:`task_summary_json`, :func:`task_output_json`): the revision is the store's
version (every change bumps it) and, while the task runs, the emulated time (its
figures move with the clock). A full task's two ``timestamp`` members always say
"now": they are spliced in at each request.
"""

from __future__ import annotations

import json
import secrets
from typing import Any, Final

from ._catalog import (
    CLOCK_RATIO,
    CORES_PER_INSTANCE,
    CPU_MODEL,
    MAX_FREQUENCY_GHZ,
    MEMORY_MB,
    SPECIFICATION_KEY,
)
from ._entities import CANCELLED, FAILURE, PENDING, RUNNING, SUCCESS, InstanceView, Job, Pool, Task
from ._newer import newer_job_output, newer_pool_output, newer_task_output
from ._scaling import active_policy, default_scaling
from ._store import Store
from ._wire import format_date, format_ranges, format_timespan

__all__ = [
    "ENCODE",
    "job_output",
    "masked_constants",
    "pool_output",
    "pool_summary",
    "scaling_output",
    "task_output",
    "task_output_json",
    "task_summary",
    "task_summary_json",
    "user_output",
]

#: How the emulator writes every JSON answer (``json_response`` writes the same way), so
#: that a page assembled from each entity's own JSON is the bytes it would have written.
ENCODE: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

_SECRET_PREFIX: Final = "QARNOT_SECRET__"
_SITE: Final = "emulator-site"
_DEFAULT_ELASTIC: Final = {
    "isElastic": False,
    "minTotalSlots": 0,
    "maxTotalSlots": 0,
    "minIdleSlots": 0,
    "resizePeriod": 90,
    "rampResizeFactor": 0.0,
    "minIdleTimeSeconds": 0,
}


def masked_constants(constants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Constants as the service answers them: secret values replaced by ``[SECRET]``."""
    return [
        {
            "key": item["key"],
            "value": "[SECRET]" if str(item["key"]).startswith(_SECRET_PREFIX) else item["value"],
        }
        for item in constants
    ]


def _span(seconds: float | None) -> str | None:
    return None if seconds is None else format_timespan(seconds)


class _Facts:
    """Aggregates of a task's instances at one instant."""

    __slots__ = (
        "cancelled",
        "executed",
        "executed_seconds",
        "failed",
        "progress",
        "running",
        "started",
        "succeeded",
        "views",
    )

    def __init__(self, task: Task, now: float) -> None:
        views = task.instances(now)
        self.views = views
        self.succeeded = [v.instance_id for v in views if v.outcome == SUCCESS]
        self.failed = [v.instance_id for v in views if v.outcome == FAILURE]
        self.cancelled = [v.instance_id for v in views if v.outcome == CANCELLED]
        self.started = [v.instance_id for v in views if v.start is not None]
        self.executed = [
            v.instance_id
            for v in views
            if v.outcome in (SUCCESS, FAILURE) or (v.outcome == CANCELLED and v.start is not None)
        ]
        self.executed_seconds = sum(v.executed for v in views)
        self.progress = round(sum(v.progress for v in views) / len(views), 2) if views else 0.0
        dispatched = task.dispatch_at is not None and task.dispatch_at <= now
        if dispatched and task.state in ("FullyDispatched", "FullyExecuting"):
            self.running = sum(1 for v in views if v.outcome in (RUNNING, PENDING))
        else:
            self.running = 0


def _instance_info(view: InstanceView, phase: str) -> dict[str, Any]:
    ghz = MAX_FREQUENCY_GHZ * CLOCK_RATIO
    return {
        "activeForwards": [],
        "vpnConnections": [],
        "phase": phase,
        "instanceId": view.instance_id,
        "maxFrequencyGHz": MAX_FREQUENCY_GHZ,
        "currentFrequencyGHz": ghz if phase == "execution" else 0.0,
        "cpuUsage": 97.5 if phase == "execution" else 1.0,
        "maxMemoryMB": MEMORY_MB,
        "currentMemoryMB": 1200 if phase == "execution" else 64,
        "memoryUsage": round(1200 / MEMORY_MB * 100, 2) if phase == "execution" else 0.2,
        "networkInKbps": 0.0,
        "networkOutKbps": 0.0,
        "progress": round(view.progress, 2),
        "executionTimeSec": round(view.executed, 3),
        "executionTimeGHz": round(view.executed * ghz, 3),
        "specificationKey": SPECIFICATION_KEY,
        "cpuModel": CPU_MODEL,
        "coreCount": CORES_PER_INSTANCE,
        "executionAttemptCount": view.attempt,
        "clockRatio": CLOCK_RATIO,
    }


def _running_info(infos: list[dict[str, Any]], now: float, snapshots: list[str]) -> dict[str, Any]:
    running = len(infos)
    ghz = MAX_FREQUENCY_GHZ * CLOCK_RATIO if running else 0.0
    return {
        "perRunningInstanceInfo": infos,
        "snapshotResults": snapshots,
        "timestamp": format_date(now),
        "averageFrequencyGHz": ghz,
        "maxFrequencyGHz": MAX_FREQUENCY_GHZ if running else 0.0,
        "minFrequencyGHz": ghz,
        "averageMaxFrequencyGHz": MAX_FREQUENCY_GHZ if running else 0.0,
        "averageCpuUsage": 97.5 if running else 0.0,
        "clusterPowerIndicator": 1.0,
        "averageMemoryUsage": round(1200 / MEMORY_MB * 100, 2) if running else 0.0,
        "averageNetworkInKbps": 0.0,
        "averageNetworkOutKbps": 0.0,
        "totalNetworkInKbps": 0.0,
        "totalNetworkOutKbps": 0.0,
        "runningCoreCountByCpuModel": (
            [
                {
                    "model": CPU_MODEL,
                    "core": CORES_PER_INSTANCE,
                    "runningCorecount": running * CORES_PER_INSTANCE,
                }
            ]
            if running
            else []
        ),
    }


def _status(
    *,
    now: float,
    modified: float,
    instance_count: int,
    wall: float,
    executed_seconds: float,
    per_instance: list[tuple[int, float]],
    infos: list[dict[str, Any]],
    ranges: dict[str, list[int]],
    dispatched: bool,
    uploaded: bool,
    progress: float,
    snapshots: list[str],
) -> dict[str, Any]:
    ghz = MAX_FREQUENCY_GHZ * CLOCK_RATIO
    executed = executed_seconds
    by_cpu = (
        [{"model": CPU_MODEL, "time": executed, "core": CORES_PER_INSTANCE}] if executed else []
    )
    return {
        "timestamp": format_date(now),
        "lastUpdateTimestamp": format_date(modified),
        "downloadProgress": 100.0 if dispatched else 0.0,
        "executionProgress": progress,
        "uploadProgress": 100.0 if uploaded else 0.0,
        "instanceCount": instance_count,
        "downloadTime": "00:00:00",
        "downloadTimeSec": 0.0,
        "environmentTime": "00:00:01" if dispatched else "00:00:00",
        "environmentTimeSec": 1.0 if dispatched else 0.0,
        "executionTime": format_timespan(executed),
        "executionTimeSec": executed,
        "executionTimeByCpuModel": by_cpu,
        "executionTimeByMachineSpecification": (
            [{"specificationKey": SPECIFICATION_KEY, "time": executed}] if executed else []
        ),
        "executionTimeBySiteAndMachine": (
            [{"siteUuid": _SITE, "specificationKey": SPECIFICATION_KEY, "time": executed}]
            if executed
            else []
        ),
        "executionTimeByInstanceId": [
            {
                "instanceId": iid,
                "specificationKey": SPECIFICATION_KEY,
                "siteUuid": _SITE,
                "time": seconds,
                "timeGhz": round(seconds * ghz, 3),
                "clockRatio": CLOCK_RATIO,
            }
            for iid, seconds in per_instance
        ],
        "executionTimeGhzByCpuModel": (
            [
                {
                    "model": CPU_MODEL,
                    "timeGhz": round(executed * ghz, 3),
                    "clockRatio": CLOCK_RATIO,
                    "core": CORES_PER_INSTANCE,
                }
            ]
            if executed
            else []
        ),
        "uploadTime": "00:00:01" if uploaded else "00:00:00",
        "uploadTimeSec": 1.0 if uploaded else 0.0,
        "wallTime": format_timespan(wall),
        "wallTimeSec": wall,
        "succeededRange": format_ranges(ranges.get("succeeded", [])),
        "executedRange": format_ranges(ranges.get("executed", [])),
        "failedRange": format_ranges(ranges.get("failed", []) + ranges.get("cancelled", [])),
        "cancelledRange": format_ranges(ranges.get("cancelled", [])),
        "failedOnlyRange": format_ranges(ranges.get("failed", [])),
        "startedOnceRange": format_ranges(ranges.get("started", [])),
        "runningInstancesInfo": _running_info(infos, now, snapshots),
    }


def _task_common(task: Task, facts: _Facts, now: float) -> dict[str, Any]:
    started = bool(facts.started)
    end = task.end_at if task.end_at is not None else now
    count = len(task.instance_ids)
    return {
        "uuid": task.uuid,
        "name": task.name,
        "shortname": task.shortname,
        "profile": task.profile,
        "poolUuid": task.pool_uuid,
        "jobUuid": task.job_uuid,
        "progress": facts.progress,
        "runningInstanceCount": facts.running,
        "runningCoreCount": facts.running * CORES_PER_INSTANCE,
        "clusterInfo": {"clusterCoresCount": None},
        "executionTime": format_timespan(facts.executed_seconds) if started else None,
        "wallTime": format_timespan(max(0.0, end - task.created)) if started else None,
        "state": task.state,
        "previousState": task.prev_state,
        "totalInstanceCount": count,
        "instanceCount": count,
        "maxRetriesPerInstance": task.max_retries,
        "advancedRanges": task.ranges,
        "stateTransitionTime": format_date(task.state_at),
        "previousStateTransitionTime": format_date(task.prev_state_at),
        "lastModified": format_date(task.modified),
        "creationDate": format_date(task.created),
        "endDate": format_date(task.end_at),
        "waitForPoolResourcesSynchronization": task.spec.get("waitForPoolResourcesSynchronization"),
    }


def task_summary(task: Task, now: float) -> dict[str, Any]:
    """``TaskSummaryOutput``."""
    return _task_common(task, _Facts(task, now), now)


def task_execution_seconds(task: Task, now: float) -> float:
    """Seconds of execution summed over instances (the ``executionTime`` sort key)."""
    return sum(view.executed for view in task.instances(now))


def task_output(task: Task, now: float) -> dict[str, Any]:
    """``TaskOutput``."""
    facts = _Facts(task, now)
    spec = task.spec
    infos = []
    if facts.running:
        phase = (
            "execution" if task.exec_start is not None and now >= task.exec_start else "environment"
        )
        infos = [_instance_info(v, phase) for v in facts.views if v.outcome in (RUNNING, PENDING)]
    completed = []
    executed = set(facts.executed)
    for view in facts.views:
        if view.instance_id not in executed:
            continue
        failed = view.outcome == FAILURE
        completed.append(
            {
                "results": [] if failed else [f"instance-{view.instance_id}/result.txt"],
                "instanceId": view.instance_id,
                "wallTimeSec": round(view.executed + 2.0, 3),
                "execTimeSec": round(view.executed, 3),
                "execTimeSecGHz": round(view.executed * MAX_FREQUENCY_GHZ * CLOCK_RATIO, 3),
                "peakMemoryMB": 1200,
                "state": view.outcome,
                "error": (
                    {
                        "code": "EMULATOR_INSTANCE_FAILURE",
                        "message": f"Instance {view.instance_id} exited with code 1",
                        "debug": f"attempts: {view.attempt}",
                    }
                    if failed
                    else None
                ),
                "specificationKey": SPECIFICATION_KEY,
                "cpuModel": CPU_MODEL,
                "coreCount": CORES_PER_INSTANCE,
                "clockRatio": CLOCK_RATIO,
                "averageGHz": MAX_FREQUENCY_GHZ * CLOCK_RATIO,
                "executionAttemptCount": view.attempt,
            }
        )
    end = task.end_at if task.end_at is not None else now
    dispatched = task.dispatch_at is not None and task.dispatch_at <= now
    status = _status(
        now=now,
        modified=task.modified,
        instance_count=len(task.instance_ids),
        wall=max(0.0, end - task.created),
        executed_seconds=facts.executed_seconds,
        per_instance=[
            (v.instance_id, round(v.executed, 3)) for v in facts.views if v.start is not None
        ],
        infos=infos,
        ranges={
            "succeeded": facts.succeeded,
            "failed": facts.failed,
            "cancelled": facts.cancelled,
            "executed": facts.executed,
            "started": facts.started,
        },
        dispatched=dispatched or (not task.run and task.state == "Success"),
        uploaded=task.state in ("Success", "Failure"),
        progress=facts.progress,
        snapshots=list(task.snapshots or []),
    )
    output: dict[str, Any] = {
        "errors": list(task.errors),
        "resourceBuckets": list(spec.get("resourceBuckets") or []),
        "advancedResourceBuckets": list(spec.get("advancedResourceBuckets") or []),
        "resultBucket": spec.get("resultBucket"),
        "resultsCacheTTLSec": spec.get("resultsCacheTTLSec"),
        "completedInstances": completed,
        "status": status,
        "snapshotInterval": task.snapshot_interval,
        "resultsCount": len(facts.succeeded),
        "constants": masked_constants(task.constants),
        "secretsAccessRights": _secrets(spec.get("secretsAccessRights")),
        "tags": list(task.tags),
        "snapshotWhitelist": spec.get("snapshotWhitelist"),
        "snapshotBlacklist": spec.get("snapshotBlacklist"),
        "snapshotBucket": spec.get("snapshotBucket"),
        "snapshotBucketPrefix": spec.get("snapshotBucketPrefix"),
        "resultsWhitelist": spec.get("resultsWhitelist"),
        "resultsBlacklist": spec.get("resultsBlacklist"),
        "resultsBucket": spec.get("resultsBucket"),
        "resultsBucketPrefix": spec.get("resultsBucketPrefix"),
        "uploadResultsOnCancellation": spec.get("uploadResultsOnCancellation"),
        "dependencies": {"dependsOn": list(task.depends_on)},
        "autoDeleteOnCompletion": task.auto_delete,
        "completionTimeToLive": format_timespan(task.ttl),
        "hardwareConstraints": list(spec.get("hardwareConstraints") or []),
        "labels": dict(task.labels),
        "schedulingType": task.scheduling,
        "targetedReservedMachineKey": spec.get("targetedReservedMachineKey"),
        "privileges": _privileges(spec.get("privileges")),
        "retrySettings": _retry_settings(spec.get("retrySettings")),
    }
    output.update(_task_common(task, facts, now))
    newer_task_output(output, spec, task)
    return output


def _revision(task: Task, now: float, version: int) -> tuple[int, float | None]:
    """What a task's JSON depends on: the store's version, and the time while it runs
    (a seeded task that does not run, or one not dispatched yet or ended, is still)."""
    moving = task.run and task.dispatch_at is not None and task.end_at is None
    return version, now if moving else None


def task_summary_json(task: Task, now: float, version: int) -> bytes:
    """:func:`task_summary` as the JSON bytes of an answer, written once per revision."""
    revision = _revision(task, now, version)
    rendered = task.rendered
    if rendered is None:
        rendered = task.rendered = {}
    kept = rendered.get("summary")
    if kept is not None and kept[0] == revision:
        data: bytes = kept[1]
        return data
    data = ENCODE(task_summary(task, now)).encode()
    rendered["summary"] = (revision, data)
    return data


def task_output_json(task: Task, now: float, version: int) -> bytes:
    """:func:`task_output` as the JSON bytes of an answer, written once per revision.

    Its two ``timestamp`` members say "now" at every request: the JSON is kept in three
    pieces around them, joined with the time of the request.
    """
    revision = _revision(task, now, version)
    rendered = task.rendered
    if rendered is None:
        rendered = task.rendered = {}
    kept = rendered.get("output")
    if kept is None or kept[0] != revision:
        output = task_output(task, now)
        status = output["status"] = dict(output["status"])
        info = status["runningInstancesInfo"] = dict(status["runningInstancesInfo"])
        status["timestamp"] = info["timestamp"] = _NOW_MARK
        pieces = ENCODE(output).encode().split(_NOW_MARK_JSON)
        if len(pieces) != 3:  # the mark is somewhere else too: keep no pieces
            rendered.pop("output", None)
            return ENCODE(task_output(task, now)).encode()
        kept = rendered["output"] = (revision, pieces)
    stamp = b'"' + format_date(now).encode() + b'"'
    return stamp.join(kept[1])


#: Where a full task's "now" goes in the JSON kept for it: a string no task holds.
_NOW_MARK: Final = f"\u0000now-{secrets.token_hex(8)}\u0000"
_NOW_MARK_JSON: Final = ENCODE(_NOW_MARK).encode()


def _secrets(value: Any) -> dict[str, Any]:
    value = value or {}
    return {
        "bySecret": list(value.get("bySecret") or []),
        "byPrefix": list(value.get("byPrefix") or []),
    }


def _privileges(value: Any) -> dict[str, Any]:
    value = value or {}
    return {
        "exportApiAndStorageCredentialsInEnvironment": bool(
            value.get("exportApiAndStorageCredentialsInEnvironment") or False
        )
    }


def _retry_settings(value: Any) -> dict[str, Any]:
    value = value or {}
    return {
        "maxTotalRetries": value.get("maxTotalRetries"),
        "maxPerInstanceRetries": value.get("maxPerInstanceRetries"),
    }


# -- pools -----------------------------------------------------------------------------------


def _pool_queued(pool: Pool, store: Store) -> int:
    total = 0
    for task_uuid in store.pool_tasks.get(pool.uuid, {}):
        task = store.tasks.get(task_uuid)
        if task is not None and not task.is_final:
            total += len(task.instance_ids)
    return total


def pool_execution_seconds(pool: Pool, now: float) -> float:
    """Instance-seconds the pool has run (the ``executionTime`` sort key)."""
    if pool.exec_start is None or now < pool.exec_start:
        return 0.0
    end = pool.end_at if pool.end_at is not None else now
    return max(0.0, min(end, now) - pool.exec_start) * pool.slots


def _pool_common(pool: Pool, now: float, store: Store) -> dict[str, Any]:
    running = pool.running_instances()
    executed = pool_execution_seconds(pool, now)
    end = pool.end_at if pool.end_at is not None else now
    return {
        "uuid": pool.uuid,
        "name": pool.name,
        "shortname": pool.shortname,
        "profile": pool.profile,
        "state": pool.state,
        "previousState": pool.prev_state,
        "instanceCount": pool.slots,
        "targetRunningInstanceCount": pool.slots if pool.is_open else 0,
        "stateTransitionTime": format_date(pool.state_at),
        "previousStateTransitionTime": format_date(pool.prev_state_at),
        "creationDate": format_date(pool.created),
        "lastModified": format_date(pool.modified),
        "endDate": format_date(pool.end_at),
        "runningInstanceCount": running,
        "runningCoreCount": running * CORES_PER_INSTANCE,
        "queuedOrRunningTaskInstancesCount": _pool_queued(pool, store),
        "executionTime": format_timespan(executed)
        if pool.exec_start is not None and now >= pool.exec_start
        else None,
        "wallTime": _span(max(0.0, end - pool.created)),
        "taskDefaultWaitForPoolResourcesSynchronization": pool.spec.get(
            "taskDefaultWaitForPoolResourcesSynchronization"
        ),
    }


def pool_summary(pool: Pool, now: float, store: Store) -> dict[str, Any]:
    """``PoolSummaryOutput``."""
    return _pool_common(pool, now, store)


def scaling_output(pool: Pool, now: float) -> dict[str, Any]:
    """``ScalingOutput`` of a pool: its policies and the one active now."""
    scaling = pool.scaling or default_scaling(pool.slots)
    active = active_policy(scaling, now)
    return {
        "policies": [dict(policy) for policy in scaling["policies"]],
        "activePolicyName": active.get("name") if active else None,
    }


def pool_output(pool: Pool, now: float, store: Store) -> dict[str, Any]:
    """``PoolOutput``."""
    spec = pool.spec
    executing = pool.exec_start is not None and now >= pool.exec_start
    running = pool.running_instances()
    infos = []
    if running:
        executed = max(0.0, now - pool.exec_start) if pool.exec_start is not None else 0.0
        phase = "execution" if executing else "environment"
        infos = [
            _instance_info(InstanceView(i, RUNNING, pool.exec_start, None, executed, 0.0, 1), phase)
            for i in range(running)
        ]
    executed_total = pool_execution_seconds(pool, now)
    per_instance = (
        [(i, round(executed_total / pool.slots, 3)) for i in range(pool.slots)]
        if executed_total
        else []
    )
    end = pool.end_at if pool.end_at is not None else now
    output: dict[str, Any] = {
        "errors": [],
        "elasticProperty": dict(pool.elastic or _DEFAULT_ELASTIC),
        "scaling": scaling_output(pool, now),
        "preparationTask": spec.get("preparationTask") or {"commandLine": None},
        "constants": masked_constants(pool.constants),
        "secretsAccessRights": _secrets(spec.get("secretsAccessRights")),
        "tags": list(pool.tags),
        "resourceBuckets": list(spec.get("resourceBuckets") or []),
        "advancedResourceBuckets": list(spec.get("advancedResourceBuckets") or []),
        "status": _status(
            now=now,
            modified=pool.modified,
            instance_count=pool.slots,
            wall=max(0.0, end - pool.created),
            executed_seconds=executed_total,
            per_instance=per_instance,
            infos=infos,
            ranges={"started": list(range(pool.slots)) if executing else []},
            dispatched=pool.exec_start is not None and now >= pool.exec_start - 1,
            uploaded=False,
            progress=0.0,
            snapshots=[],
        ),
        "totalSlotCapacity": pool.slots,
        "poolUsage": round(pool.used_slots / pool.slots, 4) if pool.slots else 0.0,
        "hardwareConstraints": list(spec.get("hardwareConstraints") or []),
        "schedulingType": pool.scheduling,
        "targetedReservedMachineKey": spec.get("targetedReservedMachineKey"),
        "autoDeleteOnCompletion": pool.auto_delete,
        "completionTimeToLive": format_timespan(pool.ttl),
        "labels": dict(pool.labels),
        "privileges": _privileges(spec.get("privileges")),
        "defaultRetrySettings": _retry_settings(spec.get("defaultRetrySettings")),
    }
    output.update(_pool_common(pool, now, store))
    newer_pool_output(output, spec, executed_total * CORES_PER_INSTANCE)
    return output


# -- jobs and account ------------------------------------------------------------------------


def job_output(job: Job) -> dict[str, Any]:
    """``JobOutput``."""
    output = {
        "uuid": job.uuid,
        "name": job.name,
        "shortname": job.shortname,
        "poolUuid": job.pool_uuid,
        "state": job.state,
        "previousState": job.prev_state,
        "useDependencies": job.use_dependencies,
        "stateTransitionTime": format_date(job.state_at),
        "previousStateTransitionTime": format_date(job.prev_state_at),
        "creationDate": format_date(job.created),
        "lastModified": format_date(job.modified),
        "maxWallTime": _span(job.max_wall_time),
        "tags": list(job.tags),
        "autoDeleteOnCompletion": job.auto_delete,
        "completionTimeToLive": format_timespan(job.ttl),
    }
    newer_job_output(output, job)
    return output


def user_output(store: Store, email: str) -> dict[str, Any]:
    """``UserOutput``: quotas and what the account uses."""
    quotas = store.quotas
    running_instances = store.used_instances["flex"] + store.used_instances["onDemand"]

    def scheduling(kind: str) -> dict[str, Any]:
        used = store.used_instances[kind]
        prefix = "maxFlex" if kind == "flex" else "maxOnDemand"
        return {
            "maxInstances": quotas[f"{prefix}Instances"],
            "maxCores": quotas[f"{prefix}Cores"],
            "runningInstancesCount": used,
            "runningCoreCount": used * CORES_PER_INSTANCE,
        }

    return {
        "email": email,
        "maxBucket": quotas["maxBucket"],
        "maxTask": quotas["maxTask"],
        "taskCount": len(store.tasks),
        "maxJob": quotas["maxJob"],
        "jobCount": len(store.jobs),
        "maxPool": quotas["maxPool"],
        "poolCount": len(store.pools),
        "maxRunningTask": quotas["maxRunningTask"],
        "maxRunningPool": quotas["maxRunningPool"],
        "runningTaskCount": store.nonfinal_tasks,
        "runningPoolCount": store.nonfinal_pools,
        "runningInstanceCount": running_instances,
        "runningCoreCount": running_instances * CORES_PER_INSTANCE,
        "maxInstances": quotas["maxFlexInstances"],
        "maxCores": quotas["maxFlexCores"],
        "maxFlexInstances": quotas["maxFlexInstances"],
        "maxFlexCores": quotas["maxFlexCores"],
        "maxOnDemandInstances": quotas["maxOnDemandInstances"],
        "maxOnDemandCores": quotas["maxOnDemandCores"],
        "computingQuotas": {
            "user": {"flex": scheduling("flex"), "onDemand": scheduling("onDemand"), "reserved": []}
        },
        "quotaBytes": 10_737_418_240,
        "quotaBytesBucket": 2_147_483_648,
        "usedQuotaBytesBucket": 0,
        "usedQuotaBytes": 0,
        "defaultScheduling": "flex",
        "defaultReservedSpecificationKey": None,
    }
