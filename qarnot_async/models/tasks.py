"""Tasks: what the service returns (:class:`Task`, :class:`TaskSummary`) and the inputs
of creation, update, clone, retry, recover, resume and snapshots."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from ..errors import InvalidInputError
from ._bases import ComputeDetails, ComputeSettings, ComputeSummary, UpdatableSettings
from ._checks import (
    check_bool,
    check_int,
    check_str,
    check_uuid,
    checked,
    name_validator,
    optional,
)
from ._ranges import InstanceRanges
from ._types import INT32_MAX, Model, wired
from .common import (
    Dependencies,
    RetrySettings,
    to_dependencies,
)
from .enums import TaskState
from .status import CompletedInstance

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


# ------------------------------------------------------------------------------ outputs


@attrs.frozen(kw_only=True)
class ClusterInfo(Model):
    """The cluster a task runs on (``TaskClusterInfo``)."""

    cluster_cores_count: int | None = None


@attrs.frozen(kw_only=True)
class TaskSummary(ComputeSummary[TaskState]):
    """The light view of a task (``TaskSummaryOutput``).

    ``is_final``: the task ended (Success, Failure, Cancelled).
    """

    pool_uuid: str | None = None
    job_uuid: str | None = None
    progress: float | None = None
    cluster_info: ClusterInfo | None = None
    total_instance_count: int | None = None
    max_retries_per_instance: int | None = None
    advanced_ranges: InstanceRanges | None = None
    wait_for_pool_resources_synchronization: bool | None = None


@attrs.frozen(kw_only=True)
class Task(ComputeDetails, TaskSummary):
    """A task as the service describes it (``TaskOutput``).

    ``constants`` is never ``None``: an absent list reads as empty.
    """

    result_bucket: str | None = None
    results_cache_ttl_sec: int | None = wired("resultsCacheTTLSec")
    completed_instances: tuple[CompletedInstance, ...] | None = None
    snapshot_interval: int | None = None
    results_count: int | None = None
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
    retry_settings: RetrySettings | None = None


# ------------------------------------------------------------------------------- inputs


@attrs.frozen(kw_only=True)
class _TaskSettings(ComputeSettings):
    """The settings shared by task creation, clone, retry, recover and resume."""

    job_uuid: str | None = checked(check_uuid)
    max_retries_per_instance: int | None = checked(check_int, 0, INT32_MAX)
    result_bucket: str | None = checked(check_str)
    snapshot_interval: int | None = checked(check_int, 0, INT32_MAX)
    snapshot_whitelist: str | None = checked(check_str)
    snapshot_blacklist: str | None = checked(check_str)
    snapshot_bucket: str | None = checked(check_str)
    snapshot_bucket_prefix: str | None = checked(check_str)
    results_whitelist: str | None = checked(check_str)
    results_blacklist: str | None = checked(check_str)
    results_bucket: str | None = checked(check_str)
    results_bucket_prefix: str | None = checked(check_str)
    dependencies: Dependencies | None = attrs.field(default=None, converter=to_dependencies)
    wait_for_pool_resources_synchronization: bool | None = checked(check_bool)
    upload_results_on_cancellation: bool | None = checked(check_bool)
    results_cache_ttl_sec: int | None = checked(
        check_int, 0, INT32_MAX, wire_name="resultsCacheTTLSec"
    )
    retry_settings: RetrySettings | None = None


@attrs.frozen(kw_only=True)
class _TaskInstances(_TaskSettings):
    """Task settings that also say which instances to run: a count or ranges, not both."""

    instance_count: int | None = checked(check_int, 1, INT32_MAX)
    advanced_ranges: InstanceRanges | None = attrs.field(default=None, converter=_advanced_ranges)

    def __attrs_post_init__(self) -> None:
        if self.instance_count is not None and self.advanced_ranges is not None:
            raise InvalidInputError(
                "advanced_ranges",
                "instance_count and advanced_ranges are exclusive: give one or the other",
                str(self.advanced_ranges),
            )
        super().__attrs_post_init__()


@attrs.frozen(kw_only=True)
class TaskCreate(_TaskInstances):
    """A task to create (``TaskCreationInput``).

    Give either ``instance_count`` or ``advanced_ranges`` (``"0-2,4"``, or any
    iterable of instance ids), not both. ``constants`` and ``constraints`` accept a
    dict. Every value is checked here, and a bad one raises
    :class:`~qarnot_async.errors.InvalidInputError` naming the field. ``shortname``
    left ``None`` lets the service (or the client) choose one; use
    ``attrs.evolve(create, shortname=...)`` to set it later.
    """

    name: str = attrs.field(validator=name_validator)
    pool_uuid: str | None = checked(check_uuid)


@attrs.frozen(kw_only=True)
class TaskClone(_TaskInstances):
    """What to change when cloning a task (``TaskCloneInput``); unset fields are copied."""


@attrs.frozen(kw_only=True)
class TaskRetry(_TaskSettings):
    """What to change when retrying a task's failed instances (``TaskRetryInput``)."""


@attrs.frozen(kw_only=True)
class TaskRecover(_TaskSettings):
    """What to change when recovering failed and cancelled instances (``TaskRecoverInput``)."""


@attrs.frozen(kw_only=True)
class TaskResume(_TaskSettings):
    """What to change when resuming a task's cancelled instances (``TaskResumeInput``)."""


@attrs.frozen(kw_only=True)
class TaskUpdate(UpdatableSettings):
    """New constants, constraints or tags for a running task (``TaskUpdateInput``)."""


@attrs.frozen(kw_only=True)
class _SnapshotFiles(Model):
    """Which files a snapshot of a running task keeps, and where it puts them."""

    whitelist: str | None = checked(check_str)
    blacklist: str | None = checked(check_str)
    bucket: str | None = checked(check_str)
    bucket_prefix: str | None = checked(check_str)


@attrs.frozen(kw_only=True)
class UniqueSnapshot(_SnapshotFiles):
    """Ask for one snapshot of a running task (``UniqueSnapshot``)."""


@attrs.frozen(kw_only=True)
class PeriodicSnapshot(_SnapshotFiles):
    """Snapshot a running task every ``interval`` seconds; 0 stops (``PeriodicSnapshot``)."""

    interval: int = attrs.field(validator=optional(check_int, 0, INT32_MAX))
