"""In-memory entities: tasks, pools, jobs.

Only what changes or what filters and sorting need lives in attributes; the other
creation fields a client may send (buckets, privileges, ...) are kept in ``spec`` and
echoed back. ``__slots__`` keeps 100,000 seeded tasks small.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = [
    "FINAL_POOL_STATES",
    "FINAL_TASK_STATES",
    "InstanceView",
    "Job",
    "Pool",
    "Task",
]

FINAL_TASK_STATES: Final = frozenset({"Success", "Failure", "Cancelled"})
FINAL_POOL_STATES: Final = frozenset({"Closed", "Failure"})
FINAL_JOB_STATES: Final = frozenset({"Completed"})

# Outcome of an instance at a given time.
PENDING: Final = "Pending"
RUNNING: Final = "Running"
SUCCESS: Final = "Success"
FAILURE: Final = "Failure"
CANCELLED: Final = "Cancelled"

_EMPTY_SPEC: Final[dict[str, Any]] = {}


class InstanceView:
    """What one task instance is doing, or did, at a given emulated time."""

    __slots__ = ("attempt", "end", "executed", "instance_id", "outcome", "progress", "start")

    def __init__(
        self,
        instance_id: int,
        outcome: str,
        start: float | None,
        end: float | None,
        executed: float,
        progress: float,
        attempt: int,
    ) -> None:
        """``executed`` is seconds of execution so far; ``progress`` is 0..100."""
        self.instance_id = instance_id
        self.outcome = outcome
        self.start = start
        self.end = end
        self.executed = executed
        self.progress = progress
        self.attempt = attempt


class _Entity:
    """State shared by tasks, pools and jobs."""

    __slots__ = (
        "created",
        "deleted",
        "end_at",
        "gen",
        "modified",
        "name",
        "prev_state",
        "prev_state_at",
        "rendered",
        "seq",
        "shortname",
        "spec",
        "state",
        "state_at",
        "tags",
        "uuid",
    )

    def __init__(self, uuid: str, seq: int, created: float, name: str, shortname: str) -> None:
        self.uuid = uuid
        self.seq = seq
        self.created = created
        self.modified = created
        self.name = name
        self.shortname = shortname
        self.state = ""
        self.state_at = created
        self.prev_state: str | None = None
        self.prev_state_at: float | None = None
        self.end_at: float | None = None
        self.tags: list[str] = []
        self.spec: dict[str, Any] = _EMPTY_SPEC
        # Bumped whenever pending lifecycle events must be forgotten (abort, close...).
        self.gen = 0
        self.deleted = False
        # The wire JSON written for this entity, by kind of answer: (revision, value).
        self.rendered: dict[str, tuple[Any, Any]] | None = None

    def set_state(self, state: str, at: float) -> None:
        """Move to ``state`` at emulated time ``at``, remembering the previous one."""
        if state == self.state:
            return
        self.prev_state, self.prev_state_at = self.state or None, self.state_at
        self.state, self.state_at = state, at
        self.modified = at


class Task(_Entity):
    """A task: instances that run ``duration`` seconds each, some of them failing."""

    __slots__ = (
        "advanced",
        "auto_delete",
        "cancel_at",
        "constants",
        "depends_on",
        "dispatch_at",
        "duration",
        "errors",
        "exec_start",
        "fail_ids",
        "instance_ids",
        "job_uuid",
        "labels",
        "max_retries",
        "outcomes",
        "output_cursors",
        "pool_uuid",
        "profile",
        "ranges",
        "reserved",
        "run",
        "scheduling",
        "snapshot_interval",
        "snapshots",
        "ttl",
    )

    def __init__(
        self,
        uuid: str,
        seq: int,
        created: float,
        name: str,
        shortname: str,
        instance_ids: tuple[int, ...],
    ) -> None:
        """Create a task in state ``Submitted``."""
        super().__init__(uuid, seq, created, name, shortname)
        self.state = "Submitted"
        self.profile: str | None = None
        self.pool_uuid: str | None = None
        self.job_uuid: str | None = None
        self.instance_ids = instance_ids
        self.ranges: str | None = None
        self.labels: dict[str, str] = {}
        self.constants: list[dict[str, Any]] = []
        self.depends_on: list[str] = []
        # Advanced dependencies: (task uuid, the final states it accepts, lower case;
        # None: any), and the final state each was seen ending in, with whether it
        # was one of those.
        self.advanced: list[tuple[str, frozenset[str] | None]] = []
        self.outcomes: dict[str, tuple[str, bool]] = {}
        self.auto_delete = False
        self.ttl = 0.0
        self.max_retries = 0
        self.scheduling = "flex"
        self.snapshot_interval = 0
        self.duration = 30.0
        self.fail_ids: frozenset[int] = frozenset()
        self.run = True
        self.dispatch_at: float | None = None
        self.exec_start: float | None = None
        self.cancel_at: float | None = None
        self.errors: list[dict[str, Any]] = []
        self.reserved = 0
        self.output_cursors: dict[str, float] | None = None
        self.snapshots: list[str] | None = None

    @property
    def is_final(self) -> bool:
        """Whether the task reached Success, Failure or Cancelled."""
        return self.state in FINAL_TASK_STATES

    def attempts(self, instance_id: int) -> int:
        """Executions of an instance: failing ones are retried ``max_retries`` times."""
        return 1 + self.max_retries if instance_id in self.fail_ids else 1

    def attempt_length(self, instance_id: int) -> float:
        """Seconds one execution lasts: a failing instance crashes half way through."""
        return self.duration / 2 if instance_id in self.fail_ids else self.duration

    def planned_end(self, instance_id: int) -> float:
        """When the instance ends if nothing stops it (needs ``exec_start``)."""
        assert self.exec_start is not None
        return self.exec_start + self.attempts(instance_id) * self.attempt_length(instance_id)

    def last_planned_end(self) -> float:
        """When the last instance ends if nothing stops the task."""
        assert self.exec_start is not None
        return max((self.planned_end(i) for i in self.instance_ids), default=self.exec_start)

    def instances(self, now: float) -> list[InstanceView]:
        """Every instance's outcome at ``now``."""
        if not self.run:
            return self._static_instances()
        horizon = now if self.cancel_at is None else min(now, self.cancel_at)
        start = self.exec_start
        views: list[InstanceView] = []
        for iid in self.instance_ids:
            if start is None or horizon < start:
                outcome = CANCELLED if self.cancel_at is not None else PENDING
                views.append(InstanceView(iid, outcome, None, None, 0.0, 0.0, 0))
                continue
            length = self.attempt_length(iid)
            planned = start + self.attempts(iid) * length
            total = planned - start
            if planned <= horizon:
                outcome = FAILURE if iid in self.fail_ids else SUCCESS
                views.append(
                    InstanceView(iid, outcome, start, planned, total, 100.0, self.attempts(iid))
                )
                continue
            executed = horizon - start
            attempt = min(int(executed // length) + 1, self.attempts(iid)) if length else 1
            progress = 100.0 * executed / total if total else 100.0
            if self.cancel_at is not None:
                views.append(
                    InstanceView(iid, CANCELLED, start, horizon, executed, progress, attempt)
                )
            else:
                views.append(InstanceView(iid, RUNNING, start, None, executed, progress, attempt))
        return views

    def _static_instances(self) -> list[InstanceView]:
        # Seeded tasks do not run: their instances follow the state they were given.
        start = self.created
        end = self.created + self.duration
        views: list[InstanceView] = []
        for iid in self.instance_ids:
            if self.state == "Success":
                views.append(InstanceView(iid, SUCCESS, start, end, self.duration, 100.0, 1))
            elif self.state == "Failure":
                outcome = FAILURE if (not self.fail_ids or iid in self.fail_ids) else SUCCESS
                views.append(InstanceView(iid, outcome, start, end, self.duration, 100.0, 1))
            elif self.state == "Cancelled":
                views.append(InstanceView(iid, CANCELLED, None, None, 0.0, 0.0, 0))
            else:
                views.append(InstanceView(iid, PENDING, None, None, 0.0, 0.0, 0))
        return views


class Pool(_Entity):
    """A pool: ``slots`` instances that tasks of the pool run on."""

    __slots__ = (
        "auto_delete",
        "close_at",
        "constants",
        "elastic",
        "exec_start",
        "labels",
        "output_cursors",
        "profile",
        "reserved",
        "run",
        "scaling",
        "scheduling",
        "slots",
        "ttl",
        "used_slots",
    )

    def __init__(self, uuid: str, seq: int, created: float, name: str, shortname: str) -> None:
        """Create a pool in state ``Submitted``."""
        super().__init__(uuid, seq, created, name, shortname)
        self.state = "Submitted"
        self.profile = ""
        self.slots = 1
        self.used_slots = 0
        self.labels: dict[str, str] = {}
        self.constants: list[dict[str, Any]] = []
        self.elastic: dict[str, Any] | None = None
        self.scaling: dict[str, Any] | None = None
        self.auto_delete = False
        self.ttl = 0.0
        self.scheduling = "flex"
        self.exec_start: float | None = None
        self.close_at: float | None = None
        self.reserved = 0
        self.run = True
        self.output_cursors: dict[str, float] | None = None

    @property
    def is_final(self) -> bool:
        """Whether the pool is Closed (or failed)."""
        return self.state in FINAL_POOL_STATES

    @property
    def is_open(self) -> bool:
        """Whether the pool still accepts and runs tasks."""
        return self.state not in FINAL_POOL_STATES and self.state not in (
            "Closing",
            "PendingDelete",
        )

    def running_instances(self) -> int:
        """Instances up at the moment (all slots once dispatched, none once closed)."""
        if self.state in ("FullyDispatched", "FullyExecuting", "Closing"):
            return self.slots
        return 0


class Job(_Entity):
    """A job: groups tasks, optionally chained by dependencies."""

    __slots__ = (
        "auto_delete",
        "max_wall_time",
        "pool_uuid",
        "profile",
        "task_uuids",
        "ttl",
        "use_dependencies",
    )

    def __init__(self, uuid: str, seq: int, created: float, name: str, shortname: str) -> None:
        """Create an ``Active`` job."""
        super().__init__(uuid, seq, created, name, shortname)
        self.state = "Active"
        self.pool_uuid: str | None = None
        # Its pool's profile (the official SDKs' fixtures show one on a job of a pool).
        self.profile: str | None = None
        self.use_dependencies = False
        self.max_wall_time: float | None = None
        self.auto_delete = False
        self.ttl = 0.0
        # Insertion-ordered set of the job's tasks.
        self.task_uuids: dict[str, None] = {}

    @property
    def is_final(self) -> bool:
        """Whether the job is Completed."""
        return self.state in FINAL_JOB_STATES
