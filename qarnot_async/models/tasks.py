"""Tasks: what the service returns (:class:`Task`, :class:`TaskSummary`) and the inputs
of creation, update, clone, retry, recover, resume and snapshots."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import attrs

from ..errors import InvalidInputError
from ._types import (
    INT32_MAX,
    InstanceRanges,
    check_bool,
    check_duration,
    check_int,
    check_str,
    check_str_mapping,
    check_str_sequence,
    check_uuid,
    optional,
    wire,
)
from .common import (
    EMPTY_CONSTANTS,
    ApiErrorDetail,
    Constants,
    Dependencies,
    ForcedConstant,
    Privileges,
    ResourcesBucket,
    RetrySettings,
    SecretsAccessRights,
    constants_converter,
    constraints_converter,
    freeze_lists,
    int32_validator,
    list_validator,
    name_validator,
    to_dependencies,
    to_scheduling_type,
)
from .enums import SchedulingType, TaskState
from .hardware import HardwareConstraint
from .status import CompletedInstance, TaskStatus

__all__ = [
    "ClusterInfo",
    "PeriodicSnapshot",
    "Task",
    "TaskClone",
    "TaskCreate",
    "TaskRecover",
    "TaskResume",
    "TaskRetry",
    "TaskSummary",
    "TaskUpdate",
    "UniqueSnapshot",
]

RangesLike = InstanceRanges | str | Iterable[int]


# ------------------------------------------------------------------------ converters


def _advanced_ranges(value: RangesLike | None) -> InstanceRanges | None:
    if value is None or isinstance(value, InstanceRanges):
        ranges = value
    else:
        try:
            if isinstance(value, str):
                ranges = InstanceRanges.parse(value)
            else:
                ranges = InstanceRanges(value)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError("advanced_ranges", str(exc), value) from None
    if ranges is not None and not ranges:
        raise InvalidInputError("advanced_ranges", "must name at least one instance", value)
    return ranges


def _check_exclusive_count(instance_count: int | None, ranges: InstanceRanges | None) -> None:
    if instance_count is not None and ranges is not None:
        raise InvalidInputError(
            "advanced_ranges",
            "instance_count and advanced_ranges are exclusive: give one or the other",
            str(ranges),
        )


# ------------------------------------------------------------------------------ outputs


@attrs.frozen(kw_only=True)
class ClusterInfo:
    """The cluster a task runs on (``TaskClusterInfo``)."""

    cluster_cores_count: int | None = None


@attrs.frozen(kw_only=True)
class TaskSummary:
    """The light view of a task (``TaskSummaryOutput``)."""

    uuid: str
    name: str | None = None
    shortname: str | None = None
    profile: str | None = None
    pool_uuid: str | None = None
    job_uuid: str | None = None
    progress: float | None = None
    running_instance_count: int | None = None
    running_core_count: int | None = None
    cluster_info: ClusterInfo | None = None
    execution_time: timedelta | None = None
    wall_time: timedelta | None = None
    state: TaskState | None = None
    previous_state: TaskState | None = None
    total_instance_count: int | None = None
    instance_count: int | None = None
    max_retries_per_instance: int | None = None
    advanced_ranges: InstanceRanges | None = None
    state_transition_time: datetime | None = None
    previous_state_transition_time: datetime | None = None
    last_modified: datetime | None = None
    creation_date: datetime | None = None
    end_date: datetime | None = None
    wait_for_pool_resources_synchronization: bool | None = None

    @property
    def is_final(self) -> bool:
        """Whether the task ended (Success, Failure, Cancelled); False for unknown states."""
        return self.state is not None and self.state.is_final


@attrs.frozen(kw_only=True)
class Task(TaskSummary):
    """A task as the service describes it (``TaskOutput``).

    ``constants`` is never ``None``: an absent list reads as empty.
    """

    errors: tuple[ApiErrorDetail, ...] | None = None
    resource_buckets: tuple[str, ...] | None = None
    advanced_resource_buckets: tuple[ResourcesBucket, ...] | None = None
    result_bucket: str | None = None
    results_cache_ttl_sec: int | None = attrs.field(
        default=None, metadata=wire("resultsCacheTTLSec")
    )
    completed_instances: tuple[CompletedInstance, ...] | None = None
    status: TaskStatus | None = None
    snapshot_interval: int | None = None
    results_count: int | None = None
    constants: Constants = EMPTY_CONSTANTS
    secrets_access_rights: SecretsAccessRights | None = None
    tags: tuple[str, ...] | None = None
    snapshot_whitelist: str | None = None
    snapshot_blacklist: str | None = None
    snapshot_bucket: str | None = None
    snapshot_bucket_prefix: str | None = None
    results_whitelist: str | None = None
    results_blacklist: str | None = None
    results_bucket: str | None = None
    results_bucket_prefix: str | None = None
    upload_results_on_cancellation: bool | None = None
    dependencies: Dependencies | None = None
    auto_delete_on_completion: bool | None = None
    completion_time_to_live: timedelta | None = None
    hardware_constraints: tuple[HardwareConstraint, ...] | None = None
    labels: Mapping[str, str] | None = None
    scheduling_type: SchedulingType | None = None
    targeted_reserved_machine_key: str | None = None
    privileges: Privileges | None = None
    retry_settings: RetrySettings | None = None


# ------------------------------------------------------------------------------- inputs


@attrs.frozen(kw_only=True)
class _TaskSettings:
    """The settings shared by task creation, clone, retry, recover and resume."""

    shortname: str | None = attrs.field(default=None, validator=name_validator)
    profile: str | None = attrs.field(default=None, validator=name_validator)
    job_uuid: str | None = attrs.field(default=None, validator=optional(check_uuid))
    max_retries_per_instance: int | None = attrs.field(default=None, validator=int32_validator(0))
    resource_buckets: Sequence[str] | None = attrs.field(
        default=None, validator=optional(check_str_sequence)
    )
    advanced_resource_buckets: Sequence[ResourcesBucket] | None = attrs.field(
        default=None, validator=list_validator(ResourcesBucket)
    )
    result_bucket: str | None = attrs.field(default=None, validator=optional(check_str))
    constants: Constants | None = attrs.field(default=None, converter=constants_converter)
    forced_constants: Sequence[ForcedConstant] | None = attrs.field(
        default=None, validator=list_validator(ForcedConstant)
    )
    constraints: Constants | None = attrs.field(default=None, converter=constraints_converter)
    hardware_constraints: Sequence[HardwareConstraint] | None = attrs.field(
        default=None, validator=list_validator(HardwareConstraint)
    )
    secrets_access_rights: SecretsAccessRights | None = None
    tags: Sequence[str] | None = attrs.field(default=None, validator=optional(check_str_sequence))
    snapshot_interval: int | None = attrs.field(default=None, validator=int32_validator(0))
    snapshot_whitelist: str | None = attrs.field(default=None, validator=optional(check_str))
    snapshot_blacklist: str | None = attrs.field(default=None, validator=optional(check_str))
    snapshot_bucket: str | None = attrs.field(default=None, validator=optional(check_str))
    snapshot_bucket_prefix: str | None = attrs.field(default=None, validator=optional(check_str))
    results_whitelist: str | None = attrs.field(default=None, validator=optional(check_str))
    results_blacklist: str | None = attrs.field(default=None, validator=optional(check_str))
    results_bucket: str | None = attrs.field(default=None, validator=optional(check_str))
    results_bucket_prefix: str | None = attrs.field(default=None, validator=optional(check_str))
    priority: int | None = attrs.field(default=None, validator=int32_validator())
    dependencies: Dependencies | None = attrs.field(default=None, converter=to_dependencies)
    auto_delete_on_completion: bool | None = attrs.field(
        default=None, validator=optional(check_bool)
    )
    completion_time_to_live: timedelta | None = attrs.field(
        default=None, validator=optional(check_duration)
    )
    wait_for_pool_resources_synchronization: bool | None = attrs.field(
        default=None, validator=optional(check_bool)
    )
    upload_results_on_cancellation: bool | None = attrs.field(
        default=None, validator=optional(check_bool)
    )
    labels: Mapping[str, str] | None = attrs.field(
        default=None, validator=optional(check_str_mapping)
    )
    scheduling_type: SchedulingType | None = attrs.field(default=None, converter=to_scheduling_type)
    targeted_reserved_machine_key: str | None = attrs.field(
        default=None, validator=optional(check_str)
    )
    default_resources_cache_ttl_sec: int | None = attrs.field(
        default=None, validator=int32_validator(0), metadata=wire("defaultResourcesCacheTTLSec")
    )
    results_cache_ttl_sec: int | None = attrs.field(
        default=None, validator=int32_validator(0), metadata=wire("resultsCacheTTLSec")
    )
    privileges: Privileges | None = None
    retry_settings: RetrySettings | None = None

    def __attrs_post_init__(self) -> None:
        freeze_lists(self)


@attrs.frozen(kw_only=True)
class TaskCreate(_TaskSettings):
    """A task to create (``TaskCreationInput``).

    Give either ``instance_count`` or ``advanced_ranges`` (``"0-2,4"``, or any
    iterable of instance ids), not both. ``constants`` and ``constraints`` accept a
    dict. Every value is checked here, and a bad one raises
    :class:`~qarnot_async.errors.InvalidInputError` naming the field. ``shortname``
    left ``None`` lets the service (or the client) choose one; use
    ``attrs.evolve(create, shortname=...)`` to set it later.
    """

    name: str = attrs.field(validator=name_validator)
    pool_uuid: str | None = attrs.field(default=None, validator=optional(check_uuid))
    instance_count: int | None = attrs.field(default=None, validator=int32_validator(1))
    advanced_ranges: InstanceRanges | None = attrs.field(default=None, converter=_advanced_ranges)

    def __attrs_post_init__(self) -> None:
        _check_exclusive_count(self.instance_count, self.advanced_ranges)
        super().__attrs_post_init__()


@attrs.frozen(kw_only=True)
class TaskClone(_TaskSettings):
    """What to change when cloning a task (``TaskCloneInput``); unset fields are copied."""

    name: str | None = attrs.field(default=None, validator=name_validator)
    instance_count: int | None = attrs.field(default=None, validator=int32_validator(1))
    advanced_ranges: InstanceRanges | None = attrs.field(default=None, converter=_advanced_ranges)

    def __attrs_post_init__(self) -> None:
        _check_exclusive_count(self.instance_count, self.advanced_ranges)
        super().__attrs_post_init__()


@attrs.frozen(kw_only=True)
class TaskRetry(_TaskSettings):
    """What to change when retrying a task's failed instances (``TaskRetryInput``)."""

    name: str | None = attrs.field(default=None, validator=name_validator)


@attrs.frozen(kw_only=True)
class TaskRecover(_TaskSettings):
    """What to change when recovering failed and cancelled instances (``TaskRecoverInput``)."""

    name: str | None = attrs.field(default=None, validator=name_validator)


@attrs.frozen(kw_only=True)
class TaskResume(_TaskSettings):
    """What to change when resuming a task's cancelled instances (``TaskResumeInput``)."""

    name: str | None = attrs.field(default=None, validator=name_validator)


@attrs.frozen(kw_only=True)
class TaskUpdate:
    """New constants, constraints or tags for a running task (``TaskUpdateInput``)."""

    constants: Constants | None = attrs.field(default=None, converter=constants_converter)
    constraints: Constants | None = attrs.field(default=None, converter=constraints_converter)
    tags: Sequence[str] | None = attrs.field(default=None, validator=optional(check_str_sequence))

    def __attrs_post_init__(self) -> None:
        freeze_lists(self)


@attrs.frozen(kw_only=True)
class UniqueSnapshot:
    """Ask for one snapshot of a running task (``UniqueSnapshot``)."""

    whitelist: str | None = attrs.field(default=None, validator=optional(check_str))
    blacklist: str | None = attrs.field(default=None, validator=optional(check_str))
    bucket: str | None = attrs.field(default=None, validator=optional(check_str))
    bucket_prefix: str | None = attrs.field(default=None, validator=optional(check_str))


@attrs.frozen(kw_only=True)
class PeriodicSnapshot:
    """Snapshot a running task every ``interval`` seconds; 0 stops (``PeriodicSnapshot``)."""

    interval: int = attrs.field(validator=optional(check_int, 0, INT32_MAX))
    whitelist: str | None = attrs.field(default=None, validator=optional(check_str))
    blacklist: str | None = attrs.field(default=None, validator=optional(check_str))
    bucket: str | None = attrs.field(default=None, validator=optional(check_str))
    bucket_prefix: str | None = attrs.field(default=None, validator=optional(check_str))
