"""The string enums of the API.

Every enum here is an :class:`~qarnot_async.models._types.OpenEnum`: a value a newer
service sends (a new task state, say) parses into a pseudo-member that keeps the raw
string instead of failing, reports ``is_known == False`` and is never final.
"""

from __future__ import annotations

from typing import Any, Final

from ._types import LenientEnum, OpenEnum

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


class _State(OpenEnum):
    """The state of an entity, some of which are final."""

    @property
    def is_final(self) -> bool:
        """Whether an entity in this state can no longer change (see the enum's doc).

        False for a state this SDK does not know.
        """
        return self in _FINAL[type(self)]


class TaskState(_State):
    """The state of a task (and of a completed instance).

    Final: Success, Failure and Cancelled.
    """

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


class PoolState(_State):
    """The state of a pool.

    Final: Closed and Failure (it can no longer run anything).
    """

    SUBMITTED = "Submitted"
    PARTIALLY_DISPATCHED = "PartiallyDispatched"
    FULLY_DISPATCHED = "FullyDispatched"
    PARTIALLY_EXECUTING = "PartiallyExecuting"
    FULLY_EXECUTING = "FullyExecuting"
    CLOSING = "Closing"
    CLOSED = "Closed"
    FAILURE = "Failure"
    PENDING_DELETE = "PendingDelete"


class JobState(_State):
    """The state of a job.

    Final: Completed.
    """

    ACTIVE = "Active"
    TERMINATING = "Terminating"
    COMPLETED = "Completed"
    DELETING = "Deleting"


_FINAL: Final[dict[type[Any], frozenset[_State]]] = {
    TaskState: frozenset({TaskState.SUCCESS, TaskState.FAILURE, TaskState.CANCELLED}),
    PoolState: frozenset({PoolState.CLOSED, PoolState.FAILURE}),
    JobState: frozenset({JobState.COMPLETED}),
}


class SnapshotState(LenientEnum):
    """The state of a task snapshot (read in any letter case: ``"triggered"`` too)."""

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
