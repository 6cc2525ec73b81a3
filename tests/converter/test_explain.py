"""explain(): the detailed twin names the first bad value by its dotted wire path."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qarnot_async._converter import new_registry, structure
from qarnot_async._converter._explain import explain
from qarnot_async.errors import DecodeError, QarnotError
from qarnot_async.models import (
    Pool,
    Scaling,
    Settings,
    Task,
    TaskCreate,
    TokenPage,
    UserInfo,
)

WIRE = Path(__file__).resolve().parent.parent / "fixtures" / "wire"
TASK = json.loads((WIRE / "task.json").read_text())

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """Set the member at a dotted path (numeric parts index lists)."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        cur: Any = data
        for part in parents:
            cur = cur[int(part)] if isinstance(cur, list) else cur[part]
        if isinstance(cur, list):
            cur[int(last)] = value
        else:
            cur[last] = value

    return mutate


def _delete(member: str) -> Mutation:
    return lambda data: data.pop(member)


TASK_CASES: list[tuple[Mutation, str | None, Any, str]] = [
    (_set("status.executionTime", "1:2"), "status.executionTime", "1:2", "not a TimeSpan"),
    (_set("status.wallTime", "string"), "status.wallTime", "string", "not a TimeSpan"),
    (_set("completionTimeToLive", 30), "completionTimeToLive", 30, "not a TimeSpan"),
    (_set("creationDate", "yesterday"), "creationDate", "yesterday", "date-time"),
    (_set("endDate", 1620000000), "endDate", 1620000000, "date-time"),
    (_set("state", 5), "state", 5, "TaskState"),
    (_set("schedulingType", ["flex"]), "schedulingType", ["flex"], "SchedulingType"),
    (_set("advancedRanges", "0-2,x"), "advancedRanges", "0-2,x", "instance range"),
    (_set("status.failedRange", "3-1"), "status.failedRange", "3-1", "instance range"),
    (_set("progress", "30%"), "progress", "30%", "number"),
    (_set("instanceCount", 4.5), "instanceCount", 4.5, "integer"),
    (_set("instanceCount", "4"), "instanceCount", "4", "integer"),
    (_set("runningCoreCount", True), "runningCoreCount", True, "integer"),
    (_set("name", 12), "name", 12, "string"),
    (_set("autoDeleteOnCompletion", "false"), "autoDeleteOnCompletion", "false", "true or false"),
    (
        _set("waitForPoolResourcesSynchronization", 16),
        "waitForPoolResourcesSynchronization",
        16,
        "true or false",
    ),
    (_set("tags", "t1"), "tags", "t1", "array"),
    (_set("tags", ["ok", 2]), "tags.1", 2, "string"),
    (_set("labels", {"a": 1}), "labels.a", 1, "string"),
    (_set("labels", ["a"]), "labels", ["a"], "object"),
    (_set("status", []), "status", [], "object"),
    (_set("status.runningInstancesInfo", "x"), "status.runningInstancesInfo", "x", "object"),
    (
        _set("status.runningInstancesInfo.perRunningInstanceInfo.0.cpuUsage", "high"),
        "status.runningInstancesInfo.perRunningInstanceInfo.0.cpuUsage",
        "high",
        "number",
    ),
    (
        _set("status.runningInstancesInfo.perRunningInstanceInfo.0.maxFrequencyGHz", None),
        None,
        None,
        "",
    ),
    (
        _set("status.runningInstancesInfo.perRunningInstanceInfo.0.phase", 1),
        "status.runningInstancesInfo.perRunningInstanceInfo.0.phase",
        1,
        "ExecutionPhase",
    ),
    (
        _set("status.runningInstancesInfo.perRunningInstanceInfo.0.activeForwards.0", "x"),
        "status.runningInstancesInfo.perRunningInstanceInfo.0.activeForwards.0",
        "x",
        "object",
    ),
    (
        _set("status.executionTimeByCpuModel.0.core", "8"),
        "status.executionTimeByCpuModel.0.core",
        "8",
        "integer",
    ),
    (
        _set("status.runningInstancesInfo.runningCoreCountByCpuModel.0.runningCorecount", "1"),
        "status.runningInstancesInfo.runningCoreCountByCpuModel.0.runningCorecount",
        "1",
        "integer",
    ),
    (
        _set("completedInstances.0.peakMemoryMB", "1200"),
        "completedInstances.0.peakMemoryMB",
        "1200",
        "integer",
    ),
    (
        _set("completedInstances.0.error.message", {}),
        "completedInstances.0.error.message",
        {},
        "string",
    ),
    (_set("constants.1.value", 42), "constants.1.value", 42, "string"),
    (_set("constants.0", "A=1"), "constants.0", "A=1", "object"),
    (_set("constants", {"A": "1"}), "constants", {"A": "1"}, "array"),
    (
        _set("advancedResourceBuckets.0.filtering.prefixFiltering.prefix", 3),
        "advancedResourceBuckets.0.filtering.prefixFiltering.prefix",
        3,
        "string",
    ),
    (
        _set("advancedResourceBuckets.0.filtering", "x"),
        "advancedResourceBuckets.0.filtering",
        "x",
        "object",
    ),
    (
        _set("advancedResourceBuckets.0.cacheTTLSec", "1d"),
        "advancedResourceBuckets.0.cacheTTLSec",
        "1d",
        "integer",
    ),
    (
        _set("secretsAccessRights.bySecret.0.key", None),
        "secretsAccessRights.bySecret.0.key",
        None,
        "string",
    ),
    (
        _set("hardwareConstraints.0", {"coreCount": 2}),
        "hardwareConstraints.0.discriminator",
        None,
        "discriminator",
    ),
    (
        _set(
            "hardwareConstraints.0",
            {"discriminator": "MaximumCoreHardwareConstraint", "coreCount": "many"},
        ),
        "hardwareConstraints.0.coreCount",
        "many",
        "integer",
    ),
    (
        _set("dependencies.dependsOn", [1]),
        "dependencies.dependsOn.0",
        1,
        "string",
    ),
    (_delete("uuid"), "uuid", None, "missing"),
]


@pytest.mark.parametrize(("mutate", "field", "value", "message"), TASK_CASES)
def test_bad_task_values(mutate: Mutation, field: str | None, value: Any, message: str) -> None:
    data = copy.deepcopy(TASK)
    mutate(data)
    if field is None:  # a null is "not reported", never an error
        structure(data, Task)
        return
    with pytest.raises(DecodeError) as info:
        structure(data, Task)
    error = info.value
    assert error.field == field
    assert error.value == value
    assert message in error.message
    assert str(error) == f"{field}: {error.message} (got {value!r})"


def test_the_example_message() -> None:
    data = copy.deepcopy(TASK)
    data["status"]["executionTime"] = "1:2"
    with pytest.raises(DecodeError, match=r"^status\.executionTime: not a TimeSpan \(got '1:2'\)$"):
        structure(data, Task)


def test_errors_inside_pages_and_lists_name_the_index() -> None:
    second = copy.deepcopy(TASK)
    second["status"]["uploadTime"] = "soon"
    page = {"data": [TASK, second], "count": 2, "isTruncated": False}
    with pytest.raises(DecodeError) as info:
        structure(page, TokenPage[Task])
    assert info.value.field == "data.1.status.uploadTime"
    assert info.value.value == "soon"
    with pytest.raises(DecodeError) as info:
        structure([TASK, TASK, 7], list[Task])
    assert info.value.field == "2"
    with pytest.raises(DecodeError) as info:
        structure({"count": 0}, TokenPage[Task])
    assert info.value.field == "data"


@pytest.mark.parametrize("data", ["task", 3, None, [TASK]])
def test_a_top_level_value_of_the_wrong_kind(data: Any) -> None:
    with pytest.raises(DecodeError) as info:
        structure(data, Task)
    assert info.value.field == "$"
    assert info.value.value == data


def test_never_an_exception_group() -> None:
    bad = copy.deepcopy(TASK)
    bad["status"]["executionTime"] = "x"
    bad["creationDate"] = "y"
    bad["tags"] = 3
    with pytest.raises(DecodeError) as info:
        structure(bad, Task)
    assert not isinstance(info.value, BaseExceptionGroup)
    assert isinstance(info.value, QarnotError)
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value.__cause__, BaseExceptionGroup)


def test_other_models() -> None:
    with pytest.raises(DecodeError) as info:
        structure(
            {"uuid": "u", "scaling": {"policies": [{"type": "Fixed", "slotsCount": "2"}]}}, Pool
        )
    assert info.value.field == "scaling.policies.0.slotsCount"
    with pytest.raises(DecodeError) as info:
        structure({"policies": {}}, Scaling)
    assert info.value.field == "policies"
    with pytest.raises(DecodeError) as info:
        structure({"reservedQuotas": [{"maxCores": "x"}]}, UserInfo)
    assert info.value.field == "reservedQuotas.0.maxCores"
    with pytest.raises(DecodeError) as info:
        structure([], Settings)
    assert info.value.field == "$"


def test_invalid_input_read_from_the_wire_names_the_wire_member() -> None:
    with pytest.raises(DecodeError) as info:
        structure({"name": "t", "instanceCount": 0}, TaskCreate)
    assert info.value.field == "instanceCount"
    assert info.value.value == 0
    with pytest.raises(DecodeError) as info:
        structure({"name": "t", "instanceCount": 1, "advancedRanges": "1"}, TaskCreate)
    assert info.value.field == "advancedRanges"
    with pytest.raises(DecodeError) as info:
        structure({"name": ""}, TaskCreate)
    assert info.value.field == "name"
    bucket = {"bucketName": "b", "cacheTTLSec": -1}
    with pytest.raises(DecodeError) as info:
        structure({"name": "t", "advancedResourceBuckets": [bucket]}, TaskCreate)
    assert info.value.field == "advancedResourceBuckets.0.cacheTTLSec"
    assert info.value.value == -1
    period = {"type": "Weekly", "startTimeUtc": "1.00:00:00"}
    policy = {"type": "Fixed", "enabledPeriods": [period]}
    with pytest.raises(DecodeError) as info:
        structure({"policies": [policy]}, Scaling)
    assert info.value.field == "policies.0.enabledPeriods.0.startTimeUtc"


def test_unknown_members_are_ignored() -> None:
    data = copy.deepcopy(TASK)
    data["brandNewMember"] = {"anything": [1, 2]}
    data["status"]["anotherOne"] = 3
    assert structure(data, Task) == structure(TASK, Task)


def test_when_the_twin_reads_the_data_the_error_says_so() -> None:
    """Both converters share their hooks, so this only happens with a bug; still an error."""
    detailed = new_registry(detailed=True).converter
    error = explain(detailed, {"uuid": "u"}, Task, ValueError("fast path broke"))
    assert isinstance(error, DecodeError)
    assert error.field == "$"
    assert error.message == "cannot decode: fast path broke"


def test_an_input_check_is_named_by_wire_member_and_index() -> None:
    data = {"name": "t", "tags": ["a", 3]}
    with pytest.raises(DecodeError) as info:
        structure(data, TaskCreate)
    assert info.value.field == "tags.1"
    assert info.value.value == 3
    with pytest.raises(DecodeError) as info:
        structure({"name": "t", "resultsCacheTTLSec": -5}, TaskCreate)
    assert info.value.field == "resultsCacheTTLSec"


def test_an_error_raised_by_a_model_is_reported_with_the_value_found() -> None:
    """A value the hooks accept but the model refuses (a malformed uuid list, say)."""
    with pytest.raises(DecodeError) as info:
        structure({"name": "t", "dependencies": {"dependsOn": ["not-a-uuid"]}}, TaskCreate)
    assert info.value.field == "dependencies.0"
    assert info.value.value == "not-a-uuid"
