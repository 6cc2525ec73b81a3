"""What tasks, pools and jobs share is declared once and behaves the same for each."""

from __future__ import annotations

import inspect
import pickle
from datetime import timedelta
from typing import Any

import attrs
import pytest

from qarnot_async._converter import structure, unstructure, wire_attributes
from qarnot_async.errors import InvalidInputError
from qarnot_async.models import (
    CompletedInstance,
    Constants,
    CpuModelExecutionTime,
    CpuModelExecutionTimeGhz,
    CpuModelRunningCore,
    InstanceExecutionTime,
    Job,
    JobState,
    MachineSpecificationExecutionTime,
    Pool,
    PoolClone,
    PoolCreate,
    PoolState,
    PoolSummary,
    PoolUpdate,
    ProfileLicense,
    ReservedQuota,
    RunningInstanceInfo,
    SchedulingQuota,
    SiteAndMachineExecutionTime,
    Task,
    TaskClone,
    TaskCreate,
    TaskRecover,
    TaskResume,
    TaskRetry,
    TaskState,
    TaskSummary,
    TaskUpdate,
    UserInfo,
    account,
    status,
)
from qarnot_async.models._bases import (
    ComputeDetails,
    ComputeSettings,
    ComputeSummary,
    Entity,
    Retention,
    UpdatableSettings,
)
from qarnot_async.models.common import EMPTY_CONSTANTS


@pytest.mark.parametrize(
    ("cls", "state", "final"),
    [
        (TaskSummary, TaskState.SUCCESS, True),
        (Task, TaskState.CANCELLED, True),
        (Task, TaskState.FULLY_EXECUTING, False),
        (PoolSummary, PoolState.CLOSED, True),
        (Pool, PoolState.CLOSING, False),
        (Job, JobState.COMPLETED, True),
        (Job, JobState.ACTIVE, False),
        (Task, TaskState("Paused"), False),
        (Job, None, False),
    ],
)
def test_is_final_follows_the_state(cls: Any, state: Any, final: bool) -> None:
    assert cls(uuid="u", state=state).is_final is final


def test_entities_share_identity_state_and_dates() -> None:
    shared = {a.name for a in wire_attributes(Entity)}
    assert {"uuid", "name", "shortname", "state", "creation_date", "last_modified"} <= shared
    for cls in (Task, TaskSummary, Pool, PoolSummary, Job):
        assert issubclass(cls, Entity)
        assert shared <= {a.name for a in wire_attributes(cls)}
    for cls in (Task, Pool):
        assert issubclass(cls, ComputeSummary)
    assert not issubclass(Job, ComputeSummary)


def test_task_and_pool_inputs_share_their_settings() -> None:
    for cls in (TaskCreate, TaskClone, TaskRetry, TaskRecover, TaskResume, PoolCreate, PoolClone):
        assert issubclass(cls, ComputeSettings)
    for cls in (TaskUpdate, PoolUpdate):
        assert issubclass(cls, UpdatableSettings)
        assert not issubclass(cls, ComputeSettings)


@pytest.mark.parametrize(
    ("cls", "required"),
    [
        (TaskCreate, {"name": "t"}),
        (TaskClone, {}),
        (TaskRetry, {}),
        (PoolCreate, {"name": "p", "profile": "docker-batch"}),
        (PoolClone, {}),
    ],
)
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("shortname", ""),
        ("tags", ["ok", 3]),
        ("priority", 2**31),
        ("auto_delete_on_completion", "yes"),
        ("completion_time_to_live", timedelta(seconds=-1)),
        ("labels", {"a": 1}),
        ("default_resources_cache_ttl_sec", -1),
        ("forced_constants", ["C=1"]),
    ],
)
def test_a_shared_setting_is_checked_alike_in_every_input(
    cls: Any, required: dict[str, Any], field: str, value: Any
) -> None:
    with pytest.raises(InvalidInputError) as info:
        cls(**required, **{field: value})
    assert info.value.field.split(".")[0] == field


def test_required_names_stay_required() -> None:
    with pytest.raises(TypeError):
        TaskCreate()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        PoolCreate(name="p")  # type: ignore[call-arg]
    assert TaskClone().name is None
    assert PoolClone().profile is None


def test_lists_given_to_an_input_are_kept_as_tuples() -> None:
    tags = ["a"]
    for obj in (TaskRetry(tags=tags), PoolUpdate(tags=tags), TaskUpdate(tags=tags)):
        assert obj.tags == ("a",)
    tags.append("b")
    assert TaskRetry(tags=["a"]) == TaskRetry(tags=("a",))


def _declared_in(cls: type, name: str) -> type:
    """The class of ``cls``'s MRO whose own annotations declare attribute ``name``."""
    return next(c for c in cls.__mro__ if name in inspect.get_annotations(c))


def test_full_task_and_pool_views_share_their_details_declared_once() -> None:
    details = {a.name for a in wire_attributes(ComputeDetails)}
    assert {"errors", "status", "constants", "labels", "privileges", "tags"} <= details
    for cls in (Task, Pool):
        assert issubclass(cls, ComputeDetails)
        assert details <= {a.name for a in wire_attributes(cls)}
        assert {_declared_in(cls, name) for name in details} <= {ComputeDetails, Retention}
    assert not issubclass(TaskSummary, ComputeDetails)
    assert not issubclass(PoolSummary, ComputeDetails)
    # The identity still comes first, whatever the bases.
    assert [a.name for a in wire_attributes(Task)][:2] == ["uuid", "name"]
    assert Task(uuid="t").constants == Pool(uuid="p").constants == EMPTY_CONSTANTS


def test_jobs_tasks_and_pools_share_tags_and_retention() -> None:
    retention = {a.name for a in wire_attributes(Retention)}
    assert retention == {"tags", "auto_delete_on_completion", "completion_time_to_live"}
    for cls in (Job, Task, Pool):
        assert issubclass(cls, Retention)
        assert {_declared_in(cls, name) for name in retention} == {Retention}
    job = Job(uuid="j", tags=("a",), completion_time_to_live=timedelta(hours=1))
    assert (job.tags, job.completion_time_to_live) == (("a",), timedelta(hours=1))


@pytest.mark.parametrize("cls", [Job, Task, Pool])
def test_fields_of_an_unslotted_base_stay_frozen_and_comparable(cls: Any) -> None:
    entity = cls(uuid="u", tags=("a",))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        entity.tags = ("b",)
    assert attrs.evolve(entity, tags=("b",)) == cls(uuid="u", tags=("b",))
    assert attrs.evolve(entity, tags=("b",)) != entity
    assert hash(entity) == hash(cls(uuid="u", tags=("a",)))
    assert pickle.loads(pickle.dumps(entity)) == entity


def test_details_are_read_from_and_written_to_the_wire_by_their_own_names() -> None:
    wire = {
        "uuid": "u",
        "tags": ["a"],
        "autoDeleteOnCompletion": True,
        "completionTimeToLive": "01:00:00",
        "targetedReservedMachineKey": "m",
        "constants": [{"key": "k", "value": "v"}],
    }
    for cls in (Task, Pool):
        entity = structure(wire, cls)
        assert entity.tags == ("a",)
        assert entity.auto_delete_on_completion is True
        assert entity.completion_time_to_live == timedelta(hours=1)
        assert entity.targeted_reserved_machine_key == "m"
        assert entity.constants == Constants({"k": "v"})
        assert unstructure(entity) == wire
    job = structure({"uuid": "j", "tags": ["a"], "autoDeleteOnCompletion": False}, Job)
    assert (job.tags, job.auto_delete_on_completion) == (("a",), False)


@pytest.mark.parametrize(
    ("base", "shared", "classes"),
    [
        (
            status._InstanceRun,
            {"instance_id", "specification_key", "cpu_model", "core_count", "clock_ratio"},
            (RunningInstanceInfo, CompletedInstance),
        ),
        (
            status._PerCpuModel,
            {"model", "core"},
            (CpuModelRunningCore, CpuModelExecutionTime, CpuModelExecutionTimeGhz),
        ),
        (
            status._MachineTime,
            {"specification_key", "time"},
            (
                MachineSpecificationExecutionTime,
                SiteAndMachineExecutionTime,
                InstanceExecutionTime,
            ),
        ),
        (
            status._SiteMachineTime,
            {"specification_key", "time", "site_uuid"},
            (SiteAndMachineExecutionTime, InstanceExecutionTime),
        ),
        (
            account._InstanceLimits,
            {"max_instances", "max_cores"},
            (SchedulingQuota, ReservedQuota, ProfileLicense, UserInfo),
        ),
    ],
)
def test_output_schemas_declare_the_fields_they_share_once(
    base: type, shared: set[str], classes: tuple[type, ...]
) -> None:
    assert shared <= {a.name for a in wire_attributes(base)}
    for cls in classes:
        assert issubclass(cls, base)
        for name in shared:
            assert _declared_in(cls, name) in base.__mro__
    # The bases are private: they never become a public isinstance relation.
    assert not issubclass(InstanceExecutionTime, SiteAndMachineExecutionTime)
    assert not issubclass(CompletedInstance, RunningInstanceInfo)


def test_shared_status_fields_keep_their_wire_names() -> None:
    wire = {"instanceId": 3, "specificationKey": "s", "siteUuid": "x", "time": 1.5}
    wire |= {"timeGhz": 4.5, "clockRatio": 0.9}
    timing = structure(wire, InstanceExecutionTime)
    assert (timing.instance_id, timing.site_uuid, timing.time_ghz) == (3, "x", 4.5)
    assert unstructure(timing) == wire
    done = structure(
        {"instanceId": 1, "cpuModel": "c", "executionAttemptCount": 2}, CompletedInstance
    )
    assert (done.instance_id, done.cpu_model, done.execution_attempt_count) == (1, "c", 2)
    quota = structure({"maxInstances": 4, "maxCores": 16, "runningCoreCount": 2}, SchedulingQuota)
    assert (quota.max_instances, quota.max_cores, quota.running_core_count) == (4, 16, 2)
    user = structure({"maxInstances": 8, "maxCores": 64, "maxFlexCores": 32}, UserInfo)
    assert (user.max_instances, user.max_cores, user.max_flex_cores) == (8, 64, 32)
