"""The string enums of the API.

Every enum here is an :class:`~qarnot_async.models._types.OpenEnum`: a value a newer
service sends (a new task state, say) parses into a pseudo-member that keeps the raw
string instead of failing, reports ``is_known == False`` and is never final.
"""

from __future__ import annotations

from ._types import OpenEnum

__all__ = [
    "DayOfWeek",
    "ExecutionPhase",
    "ForcedConstantAccess",
    "JobState",
    "OrderType",
    "PoolState",
    "SchedulingType",
    "SnapshotState",
    "TaskState",
]


class TaskState(OpenEnum):
    """The state of a task (and of a completed instance)."""

    SUBMITTED = "Submitted"
    PARTIALLY_DISPATCHED = "PartiallyDispatched"
    FULLY_DISPATCHED = "FullyDispatched"
    PARTIALLY_EXECUTING = "PartiallyExecuting"
    FULLY_EXECUTING = "FullyExecuting"
    DOWNLOADING_RESULTS = "DownloadingResults"
    UPLOADING_RESULTS = "UploadingResults"
    PENDING_CANCEL = "PendingCancel"
    CANCELLED = "Cancelled"
    SUCCESS = "Success"
    FAILURE = "Failure"
    PENDING_DELETE = "PendingDelete"

    @property
    def is_final(self) -> bool:
        """Whether the task can no longer change: Success, Failure or Cancelled."""
        return self in _TASK_FINAL


_TASK_FINAL = frozenset({TaskState.SUCCESS, TaskState.FAILURE, TaskState.CANCELLED})


class PoolState(OpenEnum):
    """The state of a pool."""

    SUBMITTED = "Submitted"
    PARTIALLY_DISPATCHED = "PartiallyDispatched"
    FULLY_DISPATCHED = "FullyDispatched"
    PARTIALLY_EXECUTING = "PartiallyExecuting"
    FULLY_EXECUTING = "FullyExecuting"
    CLOSING = "Closing"
    CLOSED = "Closed"
    FAILURE = "Failure"
    PENDING_DELETE = "PendingDelete"

    @property
    def is_final(self) -> bool:
        """Whether the pool can no longer run anything: Closed or Failure."""
        return self in _POOL_FINAL


_POOL_FINAL = frozenset({PoolState.CLOSED, PoolState.FAILURE})


class JobState(OpenEnum):
    """The state of a job."""

    ACTIVE = "Active"
    TERMINATING = "Terminating"
    COMPLETED = "Completed"
    DELETING = "Deleting"

    @property
    def is_final(self) -> bool:
        """Whether the job is Completed."""
        return self is JobState.COMPLETED


class SnapshotState(OpenEnum):
    """The state of a task snapshot."""

    TRIGGERED = "Triggered"
    IN_PROGRESS = "InProgress"
    SUCCESS = "Success"
    FAILURE = "Failure"


class SchedulingType(OpenEnum):
    """How tasks are dispatched (``SchedulingClass``)."""

    FLEX = "flex"
    ON_DEMAND = "onDemand"
    RESERVED = "reserved"


class ExecutionPhase(OpenEnum):
    """What a running instance is doing (``QTaskExecutionPhaseOutput``)."""

    DOWNLOAD = "download"
    DISPATCH = "dispatch"
    ENVIRONMENT = "environment"
    EXECUTION = "execution"
    SHUTDOWN = "shutdown"
    UPLOAD = "upload"


class DayOfWeek(OpenEnum):
    """A day of a weekly scaling period."""

    SUNDAY = "sunday"
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"


class ForcedConstantAccess(OpenEnum):
    """Whether the payload may change a forced constant."""

    READ_ONLY = "readOnly"
    READ_WRITE = "readWrite"


class OrderType(OpenEnum):
    """Sort direction of a paginated listing."""

    ASC = "ASC"
    DESC = "DESC"
