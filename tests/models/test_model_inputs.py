"""Inputs: checked at construction, written without the fields left unset."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest

from qarnot_async._converter import structure, unstructure
from qarnot_async.errors import InvalidInputError
from qarnot_async.models import (
    Constants,
    Dependencies,
    ElasticProperty,
    ForcedConstant,
    ForcedConstantAccess,
    GpuConstraint,
    InstanceRanges,
    JobCreate,
    MinimumCoreConstraint,
    PeriodicSnapshot,
    PoolClone,
    PoolCreate,
    PoolUpdate,
    PreparationTask,
    Privileges,
    ResourcesBucket,
    RetrySettings,
    SchedulingType,
    SecretsAccessRights,
    TaskClone,
    TaskCreate,
    TaskRetry,
    TaskUpdate,
    UniqueSnapshot,
    WeeklyPeriod,
)

UUID = "62e80aae-d20a-4608-b873-ec8bff991733"


def test_minimal_task_sends_only_what_was_given() -> None:
    assert unstructure(TaskCreate(name="render", profile="blender", instance_count=4)) == {
        "name": "render",
        "profile": "blender",
        "instanceCount": 4,
    }


def test_full_task_create_on_the_wire() -> None:
    create = TaskCreate(
        name="render",
        profile="blender",
        pool_uuid=UUID,
        job_uuid=UUID,
        advanced_ranges="0-2,17",
        constants={"BLEND_FILE": "a.blend", "QARNOT_SECRET__TOKEN": "hunter2"},
        forced_constants=[
            ForcedConstant(
                constant_name="X", forced_value="1", access=ForcedConstantAccess.READ_ONLY
            )
        ],
        constraints={"k": "v"},
        tags=["t1", "t2,t3"],
        labels={"team": "render"},
        resource_buckets=["in"],
        advanced_resource_buckets=[ResourcesBucket(bucket_name="in", prefix="scenes/")],
        result_bucket="out",
        dependencies=[UUID],
        hardware_constraints=[GpuConstraint(), MinimumCoreConstraint(core_count=8)],
        secrets_access_rights=SecretsAccessRights(by_prefix=["db/"]),
        completion_time_to_live=timedelta(minutes=30),
        scheduling_type="onDemand",
        max_retries_per_instance=2,
        retry_settings=RetrySettings(max_total_retries=5),
        privileges=Privileges(export_api_and_storage_credentials_in_environment=True),
        results_cache_ttl_sec=60,
        default_resources_cache_ttl_sec=120,
    )
    assert create.scheduling_type is SchedulingType.ON_DEMAND
    assert create.dependencies == Dependencies(depends_on=(UUID,))
    assert unstructure(create) == {
        "name": "render",
        "profile": "blender",
        "poolUuid": UUID,
        "jobUuid": UUID,
        "advancedRanges": "0-2,17",
        "constants": [
            {"key": "BLEND_FILE", "value": "a.blend"},
            {"key": "QARNOT_SECRET__TOKEN", "value": "hunter2"},
        ],
        "forcedConstants": [{"constantName": "X", "forcedValue": "1", "access": "readOnly"}],
        "constraints": [{"key": "k", "value": "v"}],
        "tags": ["t1", "t2,t3"],
        "labels": {"team": "render"},
        "resourceBuckets": ["in"],
        "advancedResourceBuckets": [
            {"bucketName": "in", "filtering": {"prefixFiltering": {"prefix": "scenes/"}}}
        ],
        "resultBucket": "out",
        "dependencies": {"dependsOn": [UUID]},
        "hardwareConstraints": [
            {"discriminator": "GpuHardwareConstraint"},
            {"discriminator": "MinimumCoreHardwareConstraint", "coreCount": 8},
        ],
        "secretsAccessRights": {"byPrefix": [{"prefix": "db/"}]},
        "completionTimeToLive": "00:30:00",
        "schedulingType": "onDemand",
        "maxRetriesPerInstance": 2,
        "retrySettings": {"maxTotalRetries": 5},
        "privileges": {"exportApiAndStorageCredentialsInEnvironment": True},
        "resultsCacheTTLSec": 60,
        "defaultResourcesCacheTTLSec": 120,
    }
    assert structure(unstructure(create), TaskCreate) == create


def test_secrets_are_masked_in_repr() -> None:
    create = TaskCreate(name="t", constants={"QARNOT_SECRET__TOKEN": "hunter2", "A": "b"})
    text = repr(create)
    assert "hunter2" not in text
    assert "'QARNOT_SECRET__TOKEN': '***'" in text
    assert "'A': 'b'" in text
    assert create.constants is not None
    assert create.constants["QARNOT_SECRET__TOKEN"] == "hunter2"
    forced = ForcedConstant(constant_name="QARNOT_SECRET__X", forced_value="hunter2")
    assert "hunter2" not in repr(forced)


def test_shortname_is_filled_later_with_evolve() -> None:
    create = TaskCreate(name="t", instance_count=1)
    assert create.shortname is None
    named = attrs.evolve(create, shortname="t-1")
    assert named.shortname == "t-1"
    assert unstructure(named)["shortname"] == "t-1"
    with pytest.raises(InvalidInputError):
        attrs.evolve(create, shortname="")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        create.shortname = "x"  # type: ignore[misc]


def test_instance_count_and_advanced_ranges_are_exclusive() -> None:
    with pytest.raises(InvalidInputError, match="exclusive") as info:
        TaskCreate(name="t", instance_count=3, advanced_ranges="0-2")
    assert info.value.field == "advanced_ranges"
    with pytest.raises(InvalidInputError, match="exclusive"):
        TaskClone(instance_count=3, advanced_ranges=[0, 1, 2])
    assert TaskCreate(name="t", advanced_ranges=range(3)).advanced_ranges == InstanceRanges(
        [0, 1, 2]
    )


@pytest.mark.parametrize(
    ("kwargs", "field", "value"),
    [
        ({"name": ""}, "name", ""),
        ({"name": "   "}, "name", "   "),
        ({"name": "x" * 2049}, "name", "x" * 2049),
        ({"name": 7}, "name", 7),
        ({"shortname": ""}, "shortname", ""),
        ({"instance_count": 0}, "instance_count", 0),
        ({"instance_count": 2**31}, "instance_count", 2**31),
        ({"instance_count": True}, "instance_count", True),
        ({"instance_count": 2.0}, "instance_count", 2.0),
        ({"advanced_ranges": "0-"}, "advanced_ranges", "0-"),
        ({"advanced_ranges": [3, -1]}, "advanced_ranges", [3, -1]),
        ({"advanced_ranges": ""}, "advanced_ranges", ""),
        ({"advanced_ranges": 5}, "advanced_ranges", 5),
        ({"priority": -(2**31) - 1}, "priority", -(2**31) - 1),
        ({"max_retries_per_instance": -1}, "max_retries_per_instance", -1),
        ({"snapshot_interval": -5}, "snapshot_interval", -5),
        ({"pool_uuid": "not-a-uuid"}, "pool_uuid", "not-a-uuid"),
        ({"dependencies": ["nope"]}, "dependencies.0", "nope"),
        ({"dependencies": "abc"}, "dependencies", "abc"),
        ({"completion_time_to_live": timedelta(seconds=-1)}, "completion_time_to_live", None),
        ({"completion_time_to_live": timedelta(days=10**8)}, "completion_time_to_live", None),
        ({"completion_time_to_live": 30}, "completion_time_to_live", 30),
        ({"tags": "t1"}, "tags", "t1"),
        ({"tags": ["a", 1]}, "tags.1", 1),
        ({"labels": {"a": 1}}, "labels.a", 1),
        ({"constants": {"A": 1}}, "constants.A", 1),
        ({"constants": "A=1"}, "constants", "A=1"),
        ({"constraints": {"": "x"}}, "constraints", ""),
        (
            {"hardware_constraints": [{"discriminator": "GpuHardwareConstraint"}]},
            "hardware_constraints.0",
            {"discriminator": "GpuHardwareConstraint"},
        ),
        (
            {"wait_for_pool_resources_synchronization": 16},
            "wait_for_pool_resources_synchronization",
            16,
        ),
        ({"scheduling_type": 1}, "scheduling_type", 1),
    ],
)
def test_bad_task_input_names_the_field(kwargs: dict[str, Any], field: str, value: Any) -> None:
    kwargs = {"name": "t", **kwargs}
    with pytest.raises(InvalidInputError) as info:
        TaskCreate(**kwargs)
    assert info.value.field == field
    if value is not None:
        assert info.value.value == value


def test_ints_accept_the_int32_bounds() -> None:
    assert TaskCreate(name="t", instance_count=2**31 - 1).instance_count == 2**31 - 1
    assert TaskCreate(name="t", priority=-(2**31)).priority == -(2**31)
    assert TaskCreate(name="x" * 2048).name == "x" * 2048


def test_other_task_inputs() -> None:
    assert unstructure(TaskRetry(max_retries_per_instance=1)) == {"maxRetriesPerInstance": 1}
    assert unstructure(TaskClone(name="copy", advanced_ranges="1")) == {
        "name": "copy",
        "advancedRanges": "1",
    }
    assert unstructure(TaskUpdate(tags=["a"], constants={"K": "V"})) == {
        "constants": [{"key": "K", "value": "V"}],
        "tags": ["a"],
    }
    assert unstructure(UniqueSnapshot(bucket="snaps")) == {"bucket": "snaps"}
    assert unstructure(PeriodicSnapshot(interval=0)) == {"interval": 0}
    with pytest.raises(InvalidInputError) as info:
        PeriodicSnapshot(interval=-1)
    assert info.value.field == "interval"


def test_pool_and_job_inputs() -> None:
    pool = PoolCreate(
        name="farm",
        profile="docker-batch",
        instance_count=2,
        elastic_property=ElasticProperty(is_elastic=True, min_total_slots=1),
        preparation_task=PreparationTask(command_line="echo ready"),
        completion_time_to_live=timedelta(hours=1),
        task_default_wait_for_pool_resources_synchronization=True,
    )
    assert unstructure(pool) == {
        "name": "farm",
        "profile": "docker-batch",
        "instanceCount": 2,
        "elasticProperty": {"isElastic": True, "minTotalSlots": 1},
        "preparationTask": {"commandLine": "echo ready"},
        "completionTimeToLive": "01:00:00",
        "taskDefaultWaitForPoolResourcesSynchronization": True,
    }
    with pytest.raises(InvalidInputError) as info:
        PoolCreate(name="farm", profile="")
    assert info.value.field == "profile"
    assert unstructure(PoolClone(name="copy")) == {"name": "copy"}
    assert unstructure(PoolUpdate(tags=["x"])) == {"tags": ["x"]}
    with pytest.raises(InvalidInputError) as info:
        ElasticProperty(min_total_slots="2")  # type: ignore[arg-type]
    assert info.value.field == "min_total_slots"

    job = JobCreate(name="j", pool_uuid=UUID, max_wall_time=timedelta(days=1, seconds=0.5))
    assert unstructure(job) == {"name": "j", "poolUuid": UUID, "maxWallTime": "1.00:00:00.5000000"}
    with pytest.raises(InvalidInputError) as info:
        JobCreate(name="j", use_dependencies="yes")  # type: ignore[arg-type]
    assert info.value.field == "use_dependencies"


def test_small_parts_are_checked() -> None:
    with pytest.raises(InvalidInputError) as info:
        ResourcesBucket(bucket_name="b", cache_ttl_sec=-1)
    assert info.value.field == "cache_ttl_sec"
    with pytest.raises(InvalidInputError) as info:
        SecretsAccessRights(by_secret=["ok", 3])  # type: ignore[list-item]
    assert info.value.field == "by_secret.1"
    with pytest.raises(InvalidInputError) as info:
        WeeklyPeriod(start_time_utc=timedelta(hours=24))
    assert info.value.field == "start_time_utc"
    with pytest.raises(InvalidInputError) as info:
        MinimumCoreConstraint(core_count=2**31)
    assert info.value.field == "core_count"
    forced = ForcedConstant(constant_name="X", access="readWrite")
    assert forced.access is ForcedConstantAccess.READ_WRITE
    assert unstructure(forced) == {"constantName": "X", "access": "readWrite"}
    assert Constants({"A": "1"}) == {"A": "1"}
