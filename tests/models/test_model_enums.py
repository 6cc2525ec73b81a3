"""Open enums: known values are members, values from a newer service still parse."""

from __future__ import annotations

import pickle

import pytest

from qarnot_async._converter import structure, unstructure
from qarnot_async.errors import DecodeError
from qarnot_async.models import (
    DayOfWeek,
    ExecutionPhase,
    ForcedConstantAccess,
    Job,
    JobState,
    OpenEnum,
    OrderType,
    PageRequest,
    Pool,
    PoolState,
    SchedulingType,
    SnapshotState,
    Task,
    TaskState,
    TaskSummary,
)

ALL_ENUMS: list[type[OpenEnum]] = [
    DayOfWeek,
    ExecutionPhase,
    ForcedConstantAccess,
    JobState,
    OrderType,
    PoolState,
    SchedulingType,
    SnapshotState,
    TaskState,
]


def test_states_of_the_service() -> None:
    assert [s.value for s in TaskState] == [
        "Submitted",
        "PartiallyDispatched",
        "FullyDispatched",
        "PartiallyExecuting",
        "FullyExecuting",
        "DownloadingResults",
        "UploadingResults",
        "PendingCancel",
        "Cancelled",
        "Success",
        "Failure",
        "PendingDelete",
    ]
    assert {s for s in TaskState if s.is_final} == {
        TaskState.SUCCESS,
        TaskState.FAILURE,
        TaskState.CANCELLED,
    }
    assert [s.value for s in JobState] == ["Active", "Terminating", "Completed", "Deleting"]
    assert [s.value for s in SnapshotState] == ["Triggered", "InProgress", "Success", "Failure"]
    assert [s.value for s in SchedulingType] == ["flex", "onDemand", "reserved"]
    assert {s for s in PoolState if s.is_final} == {PoolState.CLOSED, PoolState.FAILURE}


def test_known_values_are_the_members() -> None:
    assert TaskState("Success") is TaskState.SUCCESS
    success: str = TaskState.SUCCESS
    assert success == "Success"
    assert str(TaskState.SUCCESS) == "Success"
    assert TaskState.SUCCESS.is_known


@pytest.mark.parametrize("enum", ALL_ENUMS)
def test_unknown_values_parse_and_keep_the_raw_string(enum: type[OpenEnum]) -> None:
    value = enum("SomethingNew")
    assert isinstance(value, enum)
    assert value == "SomethingNew"
    assert value.value == "SomethingNew"
    assert not value.is_known
    assert value is enum("SomethingNew")
    assert value not in list(enum)
    assert pickle.loads(pickle.dumps(value)) is value


def test_unknown_task_state_is_not_final() -> None:
    state = TaskState("Paused")
    assert not state.is_final
    task = structure({"uuid": "u", "state": "Paused"}, Task)
    assert task.state is state
    assert not task.is_final
    assert unstructure(task) == {"uuid": "u", "state": "Paused"}
    assert type(unstructure(task)["state"]) is str


def test_final_tasks_pools_and_jobs() -> None:
    assert structure({"uuid": "u", "state": "Failure"}, TaskSummary).is_final
    assert not structure({"uuid": "u", "state": "Submitted"}, TaskSummary).is_final
    assert not TaskSummary(uuid="u").is_final
    assert structure({"uuid": "u", "state": "Closed"}, Pool).is_final
    assert structure({"uuid": "u", "state": "Completed"}, Job).is_final
    assert not structure({"uuid": "u", "state": "Active"}, Job).is_final


def test_non_strings_are_refused() -> None:
    with pytest.raises(DecodeError) as info:
        structure({"uuid": "u", "state": 3}, Task)
    assert info.value.field == "state"
    assert info.value.value == 3
    with pytest.raises(ValueError, match="not a valid"):
        TaskState(3)  # type: ignore[arg-type]


def test_enum_inputs_accept_strings() -> None:
    assert PageRequest(order_type="desc").order_type is OrderType.DESC
    assert unstructure(PageRequest(order_type=OrderType.ASC)) == {"orderType": "ASC"}
