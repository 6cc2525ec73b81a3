"""Every JSON example of the API reference structures into its model and back."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from qarnot_async._converter import structure, unstructure
from qarnot_async.errors import DecodeError
from qarnot_async.models import (
    ApiVersion,
    CpuModelConstraint,
    DataDetailRequest,
    DayOfWeek,
    ExecutionPhase,
    FixedScalingPolicy,
    GpuConstraint,
    HardwareConstraint,
    IdResponse,
    InstanceRanges,
    Job,
    JobCreate,
    JobState,
    ManagedTasksQueueScalingPolicy,
    MultiResponse,
    OffsetPage,
    PageRequest,
    PeriodicSnapshot,
    Pool,
    PoolClone,
    PoolCreate,
    PoolState,
    PoolSummary,
    PoolUpdate,
    Profile,
    ResourcesBucket,
    Scaling,
    SchedulingType,
    Settings,
    Task,
    TaskClone,
    TaskCreate,
    TaskRecover,
    TaskResume,
    TaskRetry,
    TaskState,
    TaskSummary,
    TaskUpdate,
    TimeSpan,
    TokenPage,
    UniqueSnapshot,
    UnknownScalingPolicy,
    UnknownTimePeriod,
    UserInfo,
    WeeklyPeriod,
)
from qarnot_async.models._time import parse_datetime

WIRE = Path(__file__).resolve().parent.parent / "fixtures" / "wire"

FIXTURES: dict[str, Any] = {
    "cpu_model_constraints.json": list[HardwareConstraint],
    "data_detail_request.json": DataDetailRequest,
    "hardware_constraints_page.json": OffsetPage[HardwareConstraint],
    "id.json": IdResponse,
    "job.json": Job,
    "job_create.json": JobCreate,
    "jobs.json": list[Job],
    "jobs_page.json": TokenPage[Job],
    "multi_response.json": list[MultiResponse],
    "page_request.json": PageRequest,
    "periodic_snapshot.json": PeriodicSnapshot,
    "pool.json": Pool,
    "pool_clone.json": PoolClone,
    "pool_create.json": PoolCreate,
    "pool_summaries.json": list[PoolSummary],
    "pool_summaries_page.json": TokenPage[PoolSummary],
    "pool_update.json": PoolUpdate,
    "pools.json": list[Pool],
    "pools_page.json": TokenPage[Pool],
    "profile.json": Profile,
    "scaling.json": Scaling,
    "scaling_input.json": Scaling,
    "settings.json": Settings,
    "task.json": Task,
    "task_clone.json": TaskClone,
    "task_create.json": TaskCreate,
    "task_recover.json": TaskRecover,
    "task_resume.json": TaskResume,
    "task_retry.json": TaskRetry,
    "task_success.json": Task,
    "task_summaries.json": list[TaskSummary],
    "task_summaries_page.json": TokenPage[TaskSummary],
    "task_update.json": TaskUpdate,
    "tasks.json": list[Task],
    "tasks_page.json": TokenPage[Task],
    "unique_snapshot.json": UniqueSnapshot,
    "user_info.json": UserInfo,
    "versions.json": list[ApiVersion],
}

# The only strings that do not come back byte for byte: the reference writes 30
# hours without a day part, which .NET's own format writes with one.
REFORMATTED = {"30:00:00": "1.06:00:00"}

_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}T")


def load(name: str) -> Any:
    return json.loads((WIRE / name).read_text())


def _not_set(value: Any) -> bool:
    """A null, or a date the service uses for "not set" (read as None, so not written)."""
    if value is None:
        return True
    return isinstance(value, str) and bool(_DATE_LIKE.match(value)) and not parse_datetime(value)


def normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items() if not _not_set(v)}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        return REFORMATTED.get(value, value)
    return value


def test_every_fixture_has_a_model() -> None:
    assert sorted(p.name for p in WIRE.glob("*.json")) == sorted(FIXTURES)


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_round_trips(name: str) -> None:
    data = load(name)
    obj = structure(data, FIXTURES[name])
    assert normalise(unstructure(obj)) == normalise(data)


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_structuring_is_stable(name: str) -> None:
    """Structuring what unstructure wrote gives an equal object."""
    cls = FIXTURES[name]
    obj = structure(load(name), cls)
    assert structure(unstructure(obj), cls) == obj


def test_output_is_plain_json() -> None:
    out = unstructure(structure(load("task.json"), Task))
    text = json.dumps(out)
    assert json.loads(text) == out
    assert type(out["state"]) is str
    assert type(out["hardwareConstraints"][0]) is dict


def test_full_task_values() -> None:
    task = structure(load("task.json"), Task)
    assert task.uuid == "52c10b2d-0687-41e1-985e-7279f6dd543a"
    assert task.state is TaskState.FULLY_EXECUTING
    assert not task.is_final
    assert task.progress == pytest.approx(0.3)
    assert task.advanced_ranges == InstanceRanges.parse("0-2,4-5,17")
    assert list(task.advanced_ranges) == [0, 1, 2, 4, 5, 17]
    assert task.creation_date == datetime(2021, 5, 1, 15, 4, 27, tzinfo=UTC)
    assert task.completion_time_to_live == timedelta(hours=10)
    assert task.constants["BLEND_FILE"] == "qarnot.blend"
    assert task.constants["QARNOT_SECRET__SENSITIVE_DATA"] == "[SECRET]"
    assert "[SECRET]" not in repr(task)
    assert task.hardware_constraints == (GpuConstraint(),)
    assert task.advanced_resource_buckets == (
        ResourcesBucket(
            bucket_name="bucket",
            prefix="some/path/in/bucket/",
            strip_prefix="some/prefix/to/remove",
            cache_ttl_sec=2592000,
        ),
    )
    assert task.dependencies is not None
    assert task.dependencies.depends_on == ("497f6eca-6276-4993-bfeb-53cbbbba6f08",)
    assert task.secrets_access_rights is not None
    assert task.secrets_access_rights.by_prefix == ("string",)
    assert task.labels == {"property1": "string", "property2": "string"}
    assert task.scheduling_type is SchedulingType.FLEX

    completed = task.completed_instances
    assert completed is not None
    assert completed[0].state is TaskState.FAILURE
    assert completed[0].exec_time_sec_ghz == pytest.approx(200.3)
    assert completed[0].peak_memory_mb == 1200
    assert completed[0].error is not None
    assert completed[0].error.code == "string"

    status = task.status
    assert status is not None
    assert status.executed_range is not None
    assert 2 in status.executed_range
    assert 3 not in status.executed_range
    assert status.wall_time == timedelta(hours=10, minutes=2, seconds=17)
    info = status.running_instances_info
    assert info is not None
    assert info.timestamp is None  # "0001-01-01T00:00:00 ": not set
    assert info.running_core_count_by_cpu_model is not None
    assert info.running_core_count_by_cpu_model[0].running_core_count == 0
    instance = info.per_running_instance_info
    assert instance is not None
    assert instance[0].phase is ExecutionPhase.DOWNLOAD
    assert instance[0].execution_time_ghz == pytest.approx(4368.437)
    assert instance[0].max_memory_mb == 16384
    assert instance[0].vpn_connections is not None
    assert instance[0].vpn_connections[0].node_ip_address_cidr == "123.123.123"
    assert instance[0].active_forwards is not None
    assert instance[0].active_forwards[0].forwarder_port == 50123


def test_finished_task_reads_not_set_dates_as_none() -> None:
    task = structure(load("task_success.json"), Task)
    assert task.is_final
    assert task.state is TaskState.SUCCESS
    assert task.end_date is None
    assert task.state_transition_time is None
    assert task.creation_date == datetime(2024, 4, 18, 18, 57, 47, tzinfo=UTC)
    assert task.advanced_resource_buckets is None
    assert task.completed_instances is None
    assert task.tags is None
    assert task.status is not None
    assert task.status.succeeded_range is None
    assert task.status.running_instances_info is not None
    assert task.status.running_instances_info.snapshot_results == ()


def test_pool_values() -> None:
    pool = structure(load("pool.json"), Pool)
    assert pool.state is PoolState.FULLY_EXECUTING
    assert pool.completion_time_to_live == timedelta(hours=30)
    assert pool.elastic_property is not None
    assert pool.elastic_property.ramp_resize_factor == pytest.approx(0.3)
    assert pool.scaling is not None
    assert pool.scaling.active_policy_name == "string"
    # The reference's placeholder policy type is a kind this SDK does not know.
    assert pool.scaling.policies is not None
    policy = pool.scaling.policies[0]
    assert isinstance(policy, UnknownScalingPolicy)
    assert policy.type == "string"
    assert policy.raw["slotsCount"] == 0
    assert pool.default_retry_settings is not None
    assert pool.default_retry_settings.max_total_retries == 0
    assert pool.preparation_task is not None
    assert pool.preparation_task.command_line == "string"


def test_scaling_values() -> None:
    scaling = structure(load("scaling.json"), Scaling)
    assert scaling.policies is not None
    managed, fixed = scaling.policies
    assert isinstance(managed, ManagedTasksQueueScalingPolicy)
    assert managed.scaling_factor == pytest.approx(0.5)
    assert managed.min_idle_time_seconds == 90
    assert managed.enabled_periods is not None
    thursday = managed.enabled_periods[0]
    assert isinstance(thursday, WeeklyPeriod)
    assert thursday.days == (DayOfWeek.THURSDAY,)
    assert thursday.start_time_utc == timedelta(hours=19, minutes=30)
    assert isinstance(thursday.end_time_utc, TimeSpan)
    assert thursday.end_time_utc.ticks == 863_999_999_999
    assert isinstance(fixed, FixedScalingPolicy)
    assert fixed.slots_count == 19
    assert fixed.enabled_periods is not None
    assert fixed.enabled_periods[0].type == "Always"
    assert fixed.enabled_periods[0].name is None
    assert not isinstance(fixed.enabled_periods[0], UnknownTimePeriod)


def test_job_values() -> None:
    job = structure(load("job.json"), Job)
    assert job.max_wall_time == timedelta(days=1, hours=3, minutes=16, seconds=50.5)
    # The reference's job state is a task state: it must still parse, as unknown.
    assert job.state == "FullyExecuting"
    assert isinstance(job.state, JobState)
    assert not job.state.is_known
    assert not job.is_final


def test_account_values() -> None:
    user = structure(load("user_info.json"), UserInfo)
    assert user.quota_bytes == 10737418240
    assert user.reserved_quotas is not None
    assert user.reserved_quotas[0].machine_key == "string"
    assert user.default_scheduling is not None
    assert not user.default_scheduling.is_known
    versions = structure(load("versions.json"), list[ApiVersion])
    assert versions == [ApiVersion(version="v0.1", end_of_life=date(2020, 3, 16))]
    profile = structure(load("profile.json"), Profile)
    assert profile.defaults == {"BLEND_FILE": "undefined.blend"}
    settings = structure(load("settings.json"), Settings)
    assert settings["storage"] == "https://storage.qarnot.com"


def test_pages_and_lists() -> None:
    page = structure(load("tasks_page.json"), TokenPage[Task])
    assert page.count == 1
    assert page.has_more
    assert isinstance(page.data[0], Task)
    assert [t.uuid for t in page] == [page.data[0].uuid]
    hw = structure(load("hardware_constraints_page.json"), OffsetPage[HardwareConstraint])
    assert hw.data == (GpuConstraint(),)
    cpu = structure(load("cpu_model_constraints.json"), list[HardwareConstraint])
    assert cpu == [CpuModelConstraint(cpu_model="Ryzen 1700X")]
    answers = structure(load("multi_response.json"), list[MultiResponse])
    assert [a.ok for a in answers] == [True, False]
    assert answers[1].message == "Invalid task file. Invalid fields: name"


def test_inputs_values() -> None:
    create = structure(load("task_create.json"), TaskCreate)
    assert create.constants == {"BLEND_FILE": "final.blend"}
    assert create.forced_constants == ()
    assert create.retry_settings is not None
    assert create.retry_settings.max_total_retries is None
    clone = structure(load("task_clone.json"), TaskClone)
    assert clone.advanced_ranges is not None
    assert len(clone.advanced_ranges) == 6
    assert clone.instance_count is None
    pool = structure(load("pool_create.json"), PoolCreate)
    assert pool.constraints == {"someKey": "someValue"}
    assert pool.default_resources_cache_ttl_sec == 2592000
    request = structure(load("data_detail_request.json"), DataDetailRequest)
    assert request.select == ("string",)
    assert unstructure(DataDetailRequest(select=["Uuid"])) == {"select": {"fields": ["Uuid"]}}
    snap = structure(load("periodic_snapshot.json"), PeriodicSnapshot)
    assert snap.interval == 30


def test_span_and_date_strings_come_back_byte_for_byte() -> None:
    """Apart from REFORMATTED, every TimeSpan and date string is written as received."""

    def strings(value: Any, out: list[str]) -> list[str]:
        if isinstance(value, dict):
            for v in value.values():
                if not _not_set(v):
                    strings(v, out)
        elif isinstance(value, list):
            for v in value:
                strings(v, out)
        elif isinstance(value, str) and re.match(r"-?(\d+\.)?\d{2}:|\d{4}-\d{2}-\d{2}", value):
            out.append(value)
        return out

    for name, cls in FIXTURES.items():
        data = load(name)
        received = [REFORMATTED.get(s, s) for s in strings(data, [])]
        written = strings(unstructure(structure(data, cls)), [])
        assert sorted(written) == sorted(received), name


@pytest.mark.parametrize(
    ("member", "placeholder"),
    [("status.wallTime", "string"), ("waitForPoolResourcesSynchronization", 16)],
)
def test_reference_placeholder_is_refused(member: str, placeholder: Any) -> None:
    """The values the fixtures replace (see fixtures/wire/README.md) are malformed."""
    data = load("task.json")
    parent, _, last = member.rpartition(".")
    (data[parent] if parent else data)[last] = placeholder
    with pytest.raises(DecodeError) as info:
        structure(data, Task)
    assert info.value.field == member
    assert info.value.value == placeholder
