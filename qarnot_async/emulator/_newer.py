"""Task, pool and job fields newer than ``openapi.json``, checked, stored and echoed.

The official SDKs send and read them (Python 2.23, C# 7.0): advanced dependencies
with final-state conditions, forced network rules, ``maxTimeQueueSeconds``,
``targetedReservationName``, ``projectUuid``, and on pools ``multiSlotsSettings``.
They are checked like the seed's fields (``ValidationProblemDetails`` on a bad one),
kept in the entity's ``spec`` and echoed in its outputs. This module imports neither
the validation nor the rendering module (both call it), so it keeps no import cycle.

The service's rules are unknown beyond the shapes: advanced dependencies are echoed,
not enforced (a task with them runs like one without).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from ._wire import format_date

if TYPE_CHECKING:
    from ._entities import Job, Task
    from ._validate import Body

__all__ = [
    "CREDITS_PER_CORE_HOUR",
    "credits_for",
    "newer_job_output",
    "newer_pool_fields",
    "newer_pool_output",
    "newer_task_fields",
    "newer_task_output",
]

_CONDITIONS: Final = ("success", "failure", "cancelled")
_UUID: Final = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_RULE_STRINGS: Final = (
    "name",
    "applicationType",
    "port",
    "to",
    "publicHost",
    "publicPort",
    "forwarder",
    "priority",
    "description",
)
#: Euros per core-hour of execution: what the credits routes and pool ``credits`` count.
CREDITS_PER_CORE_HOUR: Final = 0.05


def credits_for(core_seconds: float) -> float:
    """The euros ``core_seconds`` of execution cost, rounded to the cent's hundredth."""
    return round(core_seconds / 3600 * CREDITS_PER_CORE_HOUR, 4)


def _rule(body: Body) -> None:
    if body.boolean("inbound") is None:
        body.fail("inbound", "The inbound field is required.")
    body.string("proto", required=True)
    for name in _RULE_STRINGS:
        body.string(name)
    body.boolean("toQBox")
    body.boolean("toPayload")


def _shared(body: Body, out: dict[str, Any]) -> None:
    rules = body.objects("forcedNetworkRules", _rule)
    if rules is not None:
        out["forcedNetworkRules"] = rules
    queue = body.integer("maxTimeQueueSeconds", minimum=0)
    if queue is not None:
        out["maxTimeQueueSeconds"] = queue
    reservation = body.string("targetedReservationName")
    if reservation is not None:
        out["targetedReservationName"] = reservation
    project = body.uuid("projectUuid")
    if project is not None:
        out["projectUuid"] = project


def _advanced(body: Body, out: dict[str, Any]) -> None:
    dependencies = body.raw("dependencies")
    if not isinstance(dependencies, dict):
        return  # absent, or refused by the seed's own check
    lowered = {k.lower(): v for k, v in dependencies.items()}
    items = lowered.get("advanceddependson")
    if items is None:
        return
    name = "dependencies.advancedDependsOn"
    if lowered.get("dependson") is not None:
        body.fail(name, "dependsOn and advancedDependsOn cannot both be set.")
        return
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        body.fail(name, f"The {name} field must be an array of objects.")
        return
    kept = []
    for index, item in enumerate(items):
        fields = {k.lower(): v for k, v in item.items()}
        uuid = fields.get("taskuuid")
        if not isinstance(uuid, str) or not _UUID.match(uuid):
            body.fail(f"{name}[{index}].taskUuid", "The taskUuid field must be a UUID.")
            continue
        conditions = fields.get("taskfinalstatecondition")
        if conditions is not None and (
            not isinstance(conditions, list)
            or not all(isinstance(c, str) and c.lower() in _CONDITIONS for c in conditions)
        ):
            body.fail(
                f"{name}[{index}].taskFinalStateCondition",
                f"Each condition must be one of: {', '.join(_CONDITIONS)}.",
            )
            continue
        kept.append(
            {
                "taskUuid": uuid.lower(),
                "taskFinalStateCondition": (
                    None if conditions is None else [c.lower() for c in conditions]
                ),
            }
        )
    out["advancedDependsOn"] = kept


def newer_task_fields(body: Body, out: dict[str, Any]) -> None:
    """Check a task input's newer fields into ``out`` (errors recorded on ``body``)."""
    _shared(body, out)
    _advanced(body, out)


def newer_pool_fields(body: Body, out: dict[str, Any]) -> None:
    """Check a pool input's newer fields into ``out`` (errors recorded on ``body``)."""
    _shared(body, out)
    slots = body.obj("multiSlotsSettings")
    if slots is not None:
        lowered = {k.lower(): v for k, v in slots.items()}
        per_node = lowered.get("slotspernode")
        if per_node is not None and (
            isinstance(per_node, bool) or not isinstance(per_node, int) or per_node < 1
        ):
            body.fail("multiSlotsSettings.slotsPerNode", "The slotsPerNode field must be >= 1.")
        else:
            out["multiSlotsSettings"] = {"slotsPerNode": per_node}


_ECHOED: Final = (
    "forcedNetworkRules",
    "maxTimeQueueSeconds",
    "targetedReservationName",
    "projectUuid",
    "multiSlotsSettings",
)


def _echo(output: dict[str, Any], spec: dict[str, Any]) -> None:
    # Only when set: the official Python SDK reads a null multiSlotsSettings as an
    # object and fails, so the service must omit what was not given.
    for name in _ECHOED:
        if spec.get(name) is not None:
            output[name] = spec[name]


_WAITING: Final = "waiting"
_FULFILLED: Final = "dependencyConditionsFulfilled"
_NOT_FULFILLED: Final = "dependencyConditionsNotFulfilled"


def newer_task_output(output: dict[str, Any], spec: dict[str, Any], task: Task) -> None:
    """Add a task's newer fields to its ``TaskOutput``: each advanced dependency with
    where it stands (``state``) and the final state it ended in, and the whole's."""
    _echo(output, spec)
    advanced = spec.get("advancedDependsOn")
    if advanced is not None:
        items = []
        for item in advanced:
            outcome = task.outcomes.get(item["taskUuid"])
            if outcome is None:
                ended, state = None, _WAITING
            else:
                ended, state = outcome[0], _FULFILLED if outcome[1] else _NOT_FULFILLED
            items.append({**item, "state": state, "actualFinalState": ended})
        states = {item["state"] for item in items}
        whole = next((s for s in (_NOT_FULFILLED, _WAITING) if s in states), _FULFILLED)
        dependencies = dict(output.get("dependencies") or {})
        dependencies["advancedDependsOn"] = items
        dependencies["state"] = whole
        output["dependencies"] = dependencies


def newer_pool_output(output: dict[str, Any], spec: dict[str, Any], core_seconds: float) -> None:
    """Add a pool's newer fields to its ``PoolOutput``; ``credits`` from its execution."""
    _echo(output, spec)
    output["credits"] = credits_for(core_seconds)


def newer_job_output(output: dict[str, Any], job: Job) -> None:
    """Add a job's ``endDate`` (the .NET default date until it ends, as the service)
    and its pool's ``profile`` (when it has a pool)."""
    if job.profile is not None:
        output["profile"] = job.profile
    output["endDate"] = (
        format_date(job.end_at) if job.end_at is not None else "0001-01-01T00:00:00Z"
    )
