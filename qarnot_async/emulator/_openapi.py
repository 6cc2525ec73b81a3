"""The emulator's own OpenAPI 3.0 description, built from its route table.

Served at ``GET /__emulator/openapi.json`` so that a contract-testing tool (the
project's conformance test runs schemathesis) can check the emulator against it. Every
route the emulator serves is described with its path parameters, its request body, its
answers and their content types. The shapes follow the Compute API reference, written
here compactly; where the service is known to send ``null`` in a field the reference
types as a plain string (``poolUuid``/``jobUuid`` of a task or job without one, the
``uuid`` of a failed bulk item), the field is nullable.

Request bodies are described as the emulator checks them (``_validate``), so that any
body valid for this document is accepted: a name must hold a non-blank character, a
count is within the service's bounds, a filter uses the fields and operators the
emulator knows.

A field is written ``"name:type"``; a type is ``str``, ``name`` (a non-blank string),
``uuid``, ``date`` (ISO 8601), ``span`` (a .NET TimeSpan; ``spanin`` as accepted in
input), ``int``, ``count`` (a non-negative int), ``long``, ``num``, ``bool``, ``obj``
(any object), ``[T]`` (an array), ``{T}`` (an object of ``T`` values) or a component's name; a
trailing ``?`` allows ``null``, a trailing ``!`` makes the field required.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

__all__ = ["openapi_document"]

_SCALARS: Final[dict[str, dict[str, Any]]] = {
    "str": {"type": "string"},
    "name": {"type": "string", "pattern": r"\S"},
    "uuid": {"type": "string", "format": "uuid"},
    "date": {"type": "string", "format": "date-time"},
    "span": {"type": "string", "pattern": r"^-?(\d+\.)?\d{2}:[0-5]\d:[0-5]\d(\.\d{1,7})?$"},
    # What the emulator (like .NET) parses: hours 00-23 once there are days.
    "spanin": {"type": "string", "pattern": r"^(\d{1,4}\.)?([01]\d|2[0-3]):[0-5]\d:[0-5]\d$"},
    "int": {"type": "integer", "format": "int32"},
    "count": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 1_000_000},
    "long": {"type": "integer", "format": "int64"},
    "num": {"type": "number"},
    "bool": {"type": "boolean"},
    "obj": {"type": "object"},
    "any": {},
}
_FIELD_RE: Final = re.compile(r"^(\w+):(.+?)([?!]?)$")


def _type(spec: str, nullable: bool = False) -> dict[str, Any]:
    """The schema of one type token (see the module's docstring)."""
    if spec.startswith("[") and spec.endswith("]"):
        schema: dict[str, Any] = {"type": "array", "items": _type(spec[1:-1])}
    elif spec.startswith("{") and spec.endswith("}"):
        schema = {"type": "object", "additionalProperties": _type(spec[1:-1])}
    elif spec in _SCALARS:
        schema = dict(_SCALARS[spec])
    else:
        ref = {"$ref": f"#/components/schemas/{spec}"}
        # OpenAPI 3.0 ignores siblings of $ref: a nullable reference needs a wrapper.
        return {"allOf": [ref], "nullable": True} if nullable else ref
    if nullable:
        schema["nullable"] = True
    return schema


def _object(fields: str, *, closed: bool = True, **extra: Any) -> dict[str, Any]:
    """An object schema from ``"name:type name:type? ..."``."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for token in fields.split():
        match = _FIELD_RE.match(token)
        if match is None:
            raise ValueError(f"bad field spec {token!r}")
        name, spec, mark = match.groups()
        properties[name] = _type(spec, nullable=mark == "?")
        if mark == "!":
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = required
    if closed:
        schema["additionalProperties"] = False
    return schema


def _with(base: str, fields: str, **extra: Any) -> dict[str, Any]:
    """``base``'s fields plus ``fields`` (OpenAPI 3.0 cannot close an ``allOf``)."""
    return _object(f"{_SHAPES[base]} {fields}", **extra)


# -- shapes -----------------------------------------------------------------------------

_TASK_SUMMARY: Final = (
    "uuid:uuid name:str? shortname:str? profile:str? poolUuid:uuid? jobUuid:uuid? "
    "progress:num runningInstanceCount:int runningCoreCount:int clusterInfo:obj? "
    "executionTime:span? wallTime:span? state:str? previousState:str? "
    "totalInstanceCount:int instanceCount:int maxRetriesPerInstance:int "
    "advancedRanges:str? stateTransitionTime:date previousStateTransitionTime:date "
    "lastModified:date creationDate:date endDate:date "
    "waitForPoolResourcesSynchronization:bool?"
)
# Newer fields beyond openapi.json that tasks and pools echo when set.
_NEWER: Final = (
    "forcedNetworkRules:[obj] maxTimeQueueSeconds:int targetedReservationName:str projectUuid:str"
)
_TASK_MORE: Final = (
    "errors:[obj] resourceBuckets:[str] advancedResourceBuckets:[obj] resultBucket:str? "
    "resultsCacheTTLSec:int? completedInstances:[obj] status:obj? snapshotInterval:int "
    "resultsCount:int constants:[KeyValue] secretsAccessRights:obj? tags:[str] "
    "snapshotWhitelist:str? snapshotBlacklist:str? snapshotBucket:str? "
    "snapshotBucketPrefix:str? resultsWhitelist:str? resultsBlacklist:str? "
    "resultsBucket:str? resultsBucketPrefix:str? uploadResultsOnCancellation:bool? "
    "dependencies:obj? autoDeleteOnCompletion:bool completionTimeToLive:span "
    "hardwareConstraints:[HardwareConstraint] labels:{str}? schedulingType:str? "
    "targetedReservedMachineKey:str? privileges:obj? retrySettings:obj? "
    # Beyond openapi.json: fields the official SDKs send and read (see _newer.py).
    f"{_NEWER}"
)
_POOL_SUMMARY: Final = (
    "uuid:uuid name:str? shortname:str? profile:str? state:str? previousState:str? "
    "instanceCount:int targetRunningInstanceCount:int stateTransitionTime:date "
    "previousStateTransitionTime:date creationDate:date lastModified:date endDate:date "
    "runningInstanceCount:int runningCoreCount:int queuedOrRunningTaskInstancesCount:int "
    "executionTime:span? wallTime:span? taskDefaultWaitForPoolResourcesSynchronization:bool?"
)
_POOL_MORE: Final = (
    "errors:[obj] elasticProperty:obj? scaling:obj? preparationTask:obj? "
    "constants:[KeyValue] secretsAccessRights:obj? tags:[str] resourceBuckets:[str] "
    "advancedResourceBuckets:[obj] status:obj? totalSlotCapacity:int poolUsage:num "
    "hardwareConstraints:[HardwareConstraint] schedulingType:str? "
    "targetedReservedMachineKey:str? autoDeleteOnCompletion:bool completionTimeToLive:span "
    "labels:{str}? privileges:obj? defaultRetrySettings:obj? "
    # Beyond openapi.json, as for tasks, plus what a pool has cost so far.
    f"{_NEWER} multiSlotsSettings:obj? credits:num"
)
_JOB: Final = (
    "uuid:uuid name:str? shortname:str? poolUuid:uuid? state:str? previousState:str? "
    "useDependencies:bool stateTransitionTime:date previousStateTransitionTime:date "
    "creationDate:date lastModified:date maxWallTime:span? tags:[str] "
    "autoDeleteOnCompletion:bool completionTimeToLive:span "
    # Beyond openapi.json: the official SDK's fixtures carry the job's end date.
    "endDate:date"
)
_USER: Final = (
    "email:str? maxBucket:int maxTask:int taskCount:int maxJob:int jobCount:int maxPool:int "
    "poolCount:int maxRunningTask:int maxRunningPool:int runningTaskCount:int "
    "runningPoolCount:int runningInstanceCount:int runningCoreCount:int maxInstances:int "
    "maxCores:int maxFlexInstances:int maxFlexCores:int maxOnDemandInstances:int "
    "maxOnDemandCores:int computingQuotas:obj? quotaBytes:long quotaBytesBucket:long "
    "usedQuotaBytesBucket:long usedQuotaBytes:long defaultScheduling:str? "
    "defaultReservedSpecificationKey:str? "
    # Beyond openapi.json: the projects the official SDK reads from /info.
    "projects:[obj]"
)
_PAGE: Final = "count:int total:int isTruncated:bool nextToken:str?"

# Creation inputs, as the emulator checks them: optional fields may be null.
_COMMON_INPUT: Final = (
    "shortname:name? constants:[KeyValueInput]? tags:[str]? labels:{str}? "
    "autoDeleteOnCompletion:bool? completionTimeToLive:spanin? "
    "schedulingType:Scheduling? hardwareConstraints:[HardwareConstraint]? "
    "resourceBuckets:[str]? targetedReservedMachineKey:str?"
)
_TASK_INPUT: Final = (
    f"name:name! profile:name? instanceCount:InstanceCount! {_COMMON_INPUT} "
    "maxRetriesPerInstance:count? snapshotInterval:count? resultBucket:str? "
    "snapshotWhitelist:str? snapshotBlacklist:str? snapshotBucket:str? "
    "resultsWhitelist:str? resultsBlacklist:str? resultsBucket:str? "
    "waitForPoolResourcesSynchronization:bool? uploadResultsOnCancellation:bool? "
    "resultsCacheTTLSec:count? defaultResourcesCacheTTLSec:count? retrySettings:Retries?"
)
_POOL_INPUT: Final = (
    f"name:name! profile:name! instanceCount:InstanceCount? {_COMMON_INPUT} "
    "taskDefaultWaitForPoolResourcesSynchronization:bool? defaultRetrySettings:Retries? "
    "defaultResourcesCacheTTLSec:count?"
)

_SHAPES: Final[dict[str, str]] = {
    "TaskSummaryOutput": _TASK_SUMMARY,
    "PoolSummaryOutput": _POOL_SUMMARY,
}

_HARDWARE: Final[dict[str, str]] = {
    "MinimumCoreHardwareConstraint": "coreCount:count!",
    "MaximumCoreHardwareConstraint": "coreCount:count!",
    "MinimumRamHardwareConstraint": "minimumMemoryMB:num!",
    "MaximumRamHardwareConstraint": "maximumMemoryMB:num!",
    "MinimumRamCoreRatioHardwareConstraint": "minimumMemoryGBCoreRatio:num!",
    "MaximumRamCoreRatioHardwareConstraint": "maximumMemoryGBCoreRatio:num!",
    "SpecificHardwareConstraint": "specificationKey:str!",
    "CpuModelHardwareConstraint": "cpuModel:str!",
    "SSDHardwareConstraint": "",
    "NoSSDHardwareConstraint": "",
    "NoGpuHardwareConstraint": "",
    "GpuHardwareConstraint": "",
}

#: Filter fields any string is a valid value for, with every leaf operator.
_TEXT_FIELDS: Final = ["Name", "Shortname"]
_SCALAR_OPERATORS: Final = [
    "Equal",
    "NotEqual",
    "LessThan",
    "LessThanOrEqual",
    "GreaterThan",
    "GreaterThanOrEqual",
    "Like",
]


def _hardware_variant(discriminator: str, fields: str) -> dict[str, Any]:
    schema = _object(f"discriminator:str! {fields}".strip())
    schema["properties"]["discriminator"] = {"type": "string", "enum": [discriminator]}
    return schema


def _filters() -> dict[str, Any]:
    unit = _object("field:str! operator:str! value:str!")
    unit["properties"]["field"]["enum"] = _TEXT_FIELDS
    unit["properties"]["operator"]["enum"] = _SCALAR_OPERATORS
    many = _object("field:str! operator:str! values:[str]!")
    many["properties"]["field"]["enum"] = _TEXT_FIELDS
    many["properties"]["operator"]["enum"] = ["In", "NotIn"]
    node = _object("operator:str! filters:[Leaf]!")
    node["properties"]["operator"]["enum"] = ["And", "Or"]
    return {
        "UnitValueLeaf": unit,
        "MultipleValueLeaf": many,
        "Leaf": {"oneOf": [_ref("UnitValueLeaf"), _ref("MultipleValueLeaf")]},
        "Filter": {"oneOf": [_ref("UnitValueLeaf"), _ref("MultipleValueLeaf"), _ref("Node")]},
        "Node": node,
    }


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _components() -> dict[str, Any]:
    hardware = {f"{name[:-10]}": _hardware_variant(name, f) for name, f in _HARDWARE.items()}
    schemas: dict[str, Any] = {
        "TaskSummaryOutput": _object(_TASK_SUMMARY),
        "TaskOutput": _with("TaskSummaryOutput", _TASK_MORE),
        "PoolSummaryOutput": _object(_POOL_SUMMARY),
        "PoolOutput": _with("PoolSummaryOutput", _POOL_MORE),
        "JobOutput": _object(_JOB),
        "TaskOutputPage": _object(f"data:[TaskOutput] {_PAGE}"),
        "TaskSummaryOutputPage": _object(f"data:[TaskSummaryOutput] {_PAGE}"),
        "PoolOutputPage": _object(f"data:[PoolOutput] {_PAGE}"),
        "PoolSummaryOutputPage": _object(f"data:[PoolSummaryOutput] {_PAGE}"),
        "JobOutputPage": _object(f"data:[JobOutput] {_PAGE}"),
        "HardwareConstraintPage": _object(
            "data:[HardwareConstraint] offset:int limit:int total:int"
        ),
        "HardwareConstraint": {
            "oneOf": [_ref(name) for name in hardware],
            "discriminator": {
                "propertyName": "discriminator",
                "mapping": {f"{n}Constraint": f"#/components/schemas/{n}" for n in hardware},
            },
        },
        **hardware,
        "UserOutput": _object(_USER),
        "QProfile": _object("name:str? constants:[obj] licenses:[obj]"),
        "VersionOutput": _object("version:str? endOfLife:str?"),
        "Id": _object("uuid:uuid"),
        "MultiResponse": _object("statusCode:int uuid:uuid? message:str?"),
        "KeyValue": _object("key:str? value:str?"),
        "ScalingOutput": _object("policies:[obj] activePolicyName:str?"),
        "RequestErrorOutput": _object("message:str?"),
        "ValidationProblemDetails": _object(
            "type:str? title:str? status:int? detail:str? instance:str? traceId:str? errors:{[str]}"
        ),
        # Inputs.
        "KeyValueInput": _object("key:name! value:str?"),
        "Scheduling": {"type": "string", "enum": ["flex", "onDemand", "reserved"]},
        "InstanceCount": {"type": "integer", "minimum": 1, "maximum": 100_000},
        "Retries": _object("maxTotalRetries:count? maxPerInstanceRetries:count?"),
        "TaskCreationInput": _object(
            _TASK_INPUT,
            anyOf=[{"required": ["profile"], "properties": {"profile": _type("name")}}],
        ),
        "TaskCloneInput": _object(_TASK_INPUT.replace("!", "?")),
        "PoolCreationInput": _object(_POOL_INPUT),
        "PoolCloneInput": _object(_POOL_INPUT.replace("!", "?")),
        "JobCreationInput": _object(
            "name:name! shortname:name? useDependencies:bool? tags:[str]? maxWallTime:spanin? "
            "autoDeleteOnCompletion:bool? completionTimeToLive:spanin?"
        ),
        "UpdateInput": _object("constants:[KeyValueInput]? tags:[str]?"),
        "PageRequest": _object("filter:Filter? maximumResults:PageSize? orderType:Order?"),
        "SearchRequest": _object("filter:Filter? maximumResults:PageSize?"),
        "PageSize": {"type": "integer", "minimum": 1, "maximum": 1000},
        "Order": {"type": "string", "enum": ["ASC", "DESC"]},
        "Snapshot": _object("whitelist:str? blacklist:str? bucket:str? bucketPrefix:str?"),
        "PeriodicSnapshot": _object(
            "interval:PositiveInt! whitelist:str? blacklist:str? bucket:str? bucketPrefix:str?"
        ),
        "PositiveInt": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        "ScalingInput": _object("policies:[FixedPolicy]!"),
        "FixedPolicy": _object(
            "type:str! name:name! slotsCount:count! enabledPeriods:[AlwaysPeriod]!"
        ),
        "AlwaysPeriod": _object("type:str! name:name?"),
        **_filters(),
    }
    schemas["FixedPolicy"]["properties"]["type"]["enum"] = ["Fixed"]
    schemas["FixedPolicy"]["properties"]["enabledPeriods"]["minItems"] = 1
    # Policy names are unique in a scaling; one policy is the simplest valid list.
    schemas["ScalingInput"]["properties"]["policies"].update(minItems=1, maxItems=1)
    schemas["AlwaysPeriod"]["properties"]["type"]["enum"] = ["Always"]
    return {"schemas": schemas}


# -- operations ---------------------------------------------------------------------------

_JSON: Final = "application/json"


def _content(schema: dict[str, Any], media: str = _JSON) -> dict[str, Any]:
    return {"content": {media: {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    error = {"oneOf": [_ref("RequestErrorOutput"), _ref("ValidationProblemDetails")]}
    answers = {}
    for status in statuses:
        answers[str(status)] = {
            "description": "refused",
            "content": {
                _JSON: {"schema": error},
                "application/problem+json": {"schema": _ref("ValidationProblemDetails")},
            },
        }
    return answers


def _ok(schema: dict[str, Any] | None, media: str = _JSON) -> dict[str, Any]:
    if schema is None:
        return {"description": "done"}
    return {"description": "done", **_content(schema, media)}


def _many(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


_TEXT: Final = {"type": "string"}

#: Per route: (request body component or None, success schema or None, media type).
_OPERATIONS: Final[dict[str, tuple[str | None, dict[str, Any] | None, str]]] = {
    "GET /tasks": (None, _many("TaskOutput"), _JSON),
    "POST /tasks": ("TaskCreationInput", _ref("Id"), _JSON),
    "GET /tasks/summaries": (None, _many("TaskSummaryOutput"), _JSON),
    "POST /tasks/summaries/paginate": ("PageRequest", _ref("TaskSummaryOutputPage"), _JSON),
    "POST /tasks/search": ("SearchRequest", _many("TaskOutput"), _JSON),
    "POST /tasks/paginate": ("PageRequest", _ref("TaskOutputPage"), _JSON),
    "POST /tasks/{uuid}/snapshot/periodic": ("PeriodicSnapshot", None, _JSON),
    "POST /tasks/{uuid}/snapshot": ("Snapshot", None, _JSON),
    "POST /tasks/{uuid}/retry": ("TaskCloneInput", _ref("Id"), _JSON),
    "POST /tasks/{uuid}/recover": ("TaskCloneInput", _ref("Id"), _JSON),
    "POST /tasks/{uuid}/resume": ("TaskCloneInput", _ref("Id"), _JSON),
    "POST /tasks/{uuid}/clone": ("TaskCloneInput", _ref("Id"), _JSON),
    "PUT /tasks/{uuid}": ("UpdateInput", None, _JSON),
    "PATCH /tasks/{uuid}": ("UpdateInput", None, _JSON),
    "DELETE /tasks/{uuid}": (None, None, _JSON),
    "GET /tasks/{uuid}": (None, _ref("TaskOutput"), _JSON),
    "POST /tasks/{uuid}/abort": (None, None, _JSON),
    "GET /pools/summaries": (None, _many("PoolSummaryOutput"), _JSON),
    "POST /pools/summaries/paginate": ("PageRequest", _ref("PoolSummaryOutputPage"), _JSON),
    "GET /pools": (None, _many("PoolOutput"), _JSON),
    "POST /pools": ("PoolCreationInput", _ref("Id"), _JSON),
    "POST /pools/search": ("SearchRequest", _many("PoolOutput"), _JSON),
    "POST /pools/paginate": ("PageRequest", _ref("PoolOutputPage"), _JSON),
    "POST /pools/{uuid}/clone": ("PoolCloneInput", _ref("Id"), _JSON),
    "POST /pools/{uuid}/close": (None, None, _JSON),
    "DELETE /pools/{uuid}": (None, None, _JSON),
    "GET /pools/{uuid}": (None, _ref("PoolOutput"), _JSON),
    "PATCH /pools/{uuid}": ("UpdateInput", None, _JSON),
    "PUT /pools/{uuid}": ("UpdateInput", None, _JSON),
    "GET /pools/{uuid}/jobs": (None, _many("JobOutput"), _JSON),
    "GET /pools/{uuid}/tasks": (None, _many("TaskOutput"), _JSON),
    "GET /pools/{uuid}/scaling": (None, _ref("ScalingOutput"), _JSON),
    "PUT /pools/{uuid}/scaling": ("ScalingInput", None, _JSON),
    "POST /sanity-checks/pools/scaling": ("ScalingInput", None, _JSON),
    "GET /hardware-constraints": (None, _ref("HardwareConstraintPage"), _JSON),
    "GET /hardware-constraints/cpu-model-constraints/search": (
        None,
        _many("CpuModelHardware"),
        _JSON,
    ),
    "GET /jobs": (None, _many("JobOutput"), _JSON),
    "POST /jobs": ("JobCreationInput", _ref("Id"), _JSON),
    "POST /jobs/search": ("SearchRequest", _many("JobOutput"), _JSON),
    "POST /jobs/paginate": ("PageRequest", _ref("JobOutputPage"), _JSON),
    "POST /jobs/{uuid}/terminate": (None, None, _JSON),
    "DELETE /jobs/{uuid}": (None, None, _JSON),
    "GET /jobs/{uuid}": (None, _ref("JobOutput"), _JSON),
    "GET /jobs/{uuid}/tasks": (None, _many("TaskOutput"), _JSON),
    "GET /": (None, None, _JSON),
    "GET /profiles": (None, {"type": "array", "items": _TEXT}, _JSON),
    "GET /profiles/{name}": (None, _ref("QProfile"), _JSON),
    # The service sends its storage URL; the emulator sends null when it has none.
    "GET /settings": (None, {"type": "object", "additionalProperties": _type("str", True)}, _JSON),
    "GET /info": (None, _ref("UserOutput"), _JSON),
    "GET /versions": (None, _many("VersionOutput"), _JSON),
    "GET /status": (None, None, _JSON),
}
for _kind in ("tasks", "pools"):
    for _stream in ("stdout", "stderr"):
        for _tail in ("", "/{instanceId}"):
            for _method in ("GET", "POST"):
                _OPERATIONS[f"{_method} /{_kind}/{{uuid}}/{_stream}{_tail}"] = (
                    None,
                    _TEXT,
                    "text/plain",
                )

_PARAMETERS: Final[dict[str, dict[str, Any]]] = {
    "uuid": {"type": "string", "pattern": r"^[0-9A-Za-z-]{1,64}$"},
    "instanceId": {"type": "integer", "minimum": 0, "maximum": 100_000},
    "name": {"type": "string", "pattern": r"^[0-9A-Za-z-]{1,64}$"},
}


def _operation(method: str, template: str) -> dict[str, Any]:
    key = f"{method} {template or '/'}"
    body, success, media = _OPERATIONS[key]
    operation: dict[str, Any] = {
        "operationId": key,
        "responses": {"200": _ok(success, media), **_errors(400, 401, 403, 404, 409)},
    }
    names = re.findall(r"{(\w+)}", template)
    parameters = [
        {"name": n, "in": "path", "required": True, "schema": _PARAMETERS[n]} for n in names
    ]
    if key == "GET /hardware-constraints/cpu-model-constraints/search":
        parameters.append(
            {"name": "cpuModel", "in": "query", "required": True, "schema": _type("name")}
        )
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        optional = body in {"PageRequest", "SearchRequest", "TaskCloneInput", "PoolCloneInput"}
        operation["requestBody"] = {"required": not optional, **_content(_ref(body))}
    if key in {"POST /tasks", "POST /pools"}:
        # A list creates each item: the answer is a MultiResponse per item.
        operation["responses"]["207"] = _ok(_many("MultiResponse"))
    return operation


def openapi_document(routes: Iterable[tuple[str, str]], prefix: str = "/v1") -> dict[str, Any]:
    """The OpenAPI 3.0 document of ``routes`` (``(method, template)`` pairs), served
    under ``prefix``, authenticated by the raw token in ``Authorization``."""
    paths: dict[str, dict[str, Any]] = {}
    for method, template in routes:
        paths.setdefault(prefix + (template or "/"), {})[method.lower()] = _operation(
            method, template
        )
    return {
        "openapi": "3.0.3",
        "info": {"title": "Qarnot Compute API (emulator)", "version": "1"},
        "paths": paths,
        "components": {
            **_components(),
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
        },
        "security": [{"token": []}],
    }
