"""The emulator's state: entities, the indexes requests need, quotas and counters."""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from typing import Final, TypeVar

from ._entities import Job, Pool, Task, _Entity

__all__ = ["DEFAULT_QUOTAS", "CreationOrder", "Store"]

#: Quotas the emulator enforces, as ``GET /info`` reports them. Generous by default so
#: that tests with thousands of tasks work; override any of them with ``quotas=``.
DEFAULT_QUOTAS: Final[Mapping[str, int]] = {
    "maxBucket": 100,
    "maxTask": 1_000_000,
    "maxJob": 100_000,
    "maxPool": 10_000,
    "maxRunningTask": 100_000,
    "maxRunningPool": 1_000,
    "maxFlexInstances": 10_000,
    "maxFlexCores": 80_000,
    "maxOnDemandInstances": 1_000,
    "maxOnDemandCores": 8_000,
}

_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)

E = TypeVar("E", bound=_Entity)


def _lookup(by_uuid: dict[str, E], by_short: dict[str, str], key: str) -> E | None:
    found = by_uuid.get(key)
    if found is not None:
        return found
    if _UUID_RE.match(key):
        found = by_uuid.get(key.lower())
        if found is not None:
            return found
    uuid = by_short.get(key)
    return by_uuid.get(uuid) if uuid is not None else None


class CreationOrder:
    """The ``(creation date, uuid)`` of every entity of one kind, kept sorted.

    Token pages in creation order (the default order) read it directly: no filter, no
    sort, whatever changed meanwhile. Entities created over HTTP come in increasing
    order and are appended; seeded ones, given any date, are sorted once before the
    next read.
    """

    __slots__ = ("_keys", "_sorted")

    def __init__(self) -> None:
        self._keys: list[tuple[float, str]] = []
        self._sorted = True

    def add(self, created: float, uuid: str) -> None:
        """Record a new entity."""
        key = (created, uuid)
        keys = self._keys
        if self._sorted and keys and key < keys[-1]:
            self._sorted = False
        keys.append(key)

    def remove(self, created: float, uuid: str) -> None:
        """Forget an entity (a no-op for one never added)."""
        keys = self.keys()
        key = (created, uuid)
        index = bisect.bisect_left(keys, key)
        if index < len(keys) and keys[index] == key:
            del keys[index]

    def keys(self) -> list[tuple[float, str]]:
        """Every key, in order (the list itself: read it, do not keep it across changes)."""
        if not self._sorted:
            self._keys.sort()
            self._sorted = True
        return self._keys


class Store:
    """Every entity of the emulated account, with the indexes requests need."""

    def __init__(self, quotas: Mapping[str, int] | None = None) -> None:
        """Start empty; ``quotas`` overrides :data:`DEFAULT_QUOTAS` key by key."""
        unknown = set(quotas or {}) - set(DEFAULT_QUOTAS)
        if unknown:
            raise ValueError(f"unknown quota(s): {', '.join(sorted(unknown))}")
        self.quotas: dict[str, int] = {**DEFAULT_QUOTAS, **(quotas or {})}
        self._reset()

    def _reset(self) -> None:
        self.tasks: dict[str, Task] = {}
        self.pools: dict[str, Pool] = {}
        self.jobs: dict[str, Job] = {}
        self.task_shortnames: dict[str, str] = {}
        self.pool_shortnames: dict[str, str] = {}
        self.job_shortnames: dict[str, str] = {}
        # Creation order of each kind, for the default order of token pages.
        self.order: dict[str, CreationOrder] = {
            "task": CreationOrder(),
            "pool": CreationOrder(),
            "job": CreationOrder(),
        }
        # pool uuid -> its tasks (insertion-ordered set), so closing a pool is cheap.
        self.pool_tasks: dict[str, dict[str, None]] = {}
        self.nonfinal_tasks = 0
        self.nonfinal_pools = 0
        # Instances reserved per scheduling class ("flex", "onDemand").
        self.used_instances: dict[str, int] = {"flex": 0, "onDemand": 0}
        self._seq = 0
        self._last_stamp = 0.0
        # Bumped on every change; paging caches compare it.
        self.version = 0

    def next_seq(self) -> int:
        """A strictly increasing creation number."""
        self._seq += 1
        return self._seq

    def stamp(self, now: float) -> float:
        """A creation date: ``now``, but always after the previous one.

        On a manual clock many entities are created at the same instant; a microsecond
        apart, creation-date order stays creation order (the uuid only breaks ties
        between seeded entities given the same date).
        """
        stamp = max(now, round((self._last_stamp + 1e-6) * 1e6) / 1e6)
        self._last_stamp = stamp
        return stamp

    def after_seeding(self, latest: float) -> None:
        """Keep later creation dates after seeded ones."""
        self._last_stamp = max(self._last_stamp, latest)

    def touch(self) -> None:
        """Record that something changed."""
        self.version += 1

    # -- lookups: uuid (any case) or shortname ---------------------------------------

    def find_task(self, key: str) -> Task | None:
        """The task with this uuid or shortname."""
        return _lookup(self.tasks, self.task_shortnames, key)

    def find_pool(self, key: str) -> Pool | None:
        """The pool with this uuid or shortname."""
        return _lookup(self.pools, self.pool_shortnames, key)

    def find_job(self, key: str) -> Job | None:
        """The job with this uuid or shortname."""
        return _lookup(self.jobs, self.job_shortnames, key)

    # -- insertion and removal ----------------------------------------------------------

    def add_task(self, task: Task) -> None:
        """Insert a task (its shortname must be free)."""
        self.tasks[task.uuid] = task
        self.task_shortnames[task.shortname] = task.uuid
        self.order["task"].add(task.created, task.uuid)
        if task.pool_uuid is not None:
            self.pool_tasks.setdefault(task.pool_uuid, {})[task.uuid] = None
        if task.job_uuid is not None and task.job_uuid in self.jobs:
            self.jobs[task.job_uuid].task_uuids[task.uuid] = None
        if not task.is_final:
            self.nonfinal_tasks += 1
        self.touch()

    def remove_task(self, task: Task) -> None:
        """Forget a task."""
        task.deleted = True
        if self.tasks.pop(task.uuid, None) is not None:
            self.order["task"].remove(task.created, task.uuid)
        if self.task_shortnames.get(task.shortname) == task.uuid:
            del self.task_shortnames[task.shortname]
        if task.pool_uuid is not None:
            self.pool_tasks.get(task.pool_uuid, {}).pop(task.uuid, None)
        if task.job_uuid is not None and task.job_uuid in self.jobs:
            self.jobs[task.job_uuid].task_uuids.pop(task.uuid, None)
        if not task.is_final:
            self.nonfinal_tasks -= 1
        self.touch()

    def add_pool(self, pool: Pool) -> None:
        """Insert a pool (its shortname must be free)."""
        self.pools[pool.uuid] = pool
        self.pool_shortnames[pool.shortname] = pool.uuid
        self.order["pool"].add(pool.created, pool.uuid)
        if not pool.is_final:
            self.nonfinal_pools += 1
        self.touch()

    def remove_pool(self, pool: Pool) -> None:
        """Forget a pool (its tasks stay, pointing at a pool that no longer exists)."""
        pool.deleted = True
        if self.pools.pop(pool.uuid, None) is not None:
            self.order["pool"].remove(pool.created, pool.uuid)
        if self.pool_shortnames.get(pool.shortname) == pool.uuid:
            del self.pool_shortnames[pool.shortname]
        if not pool.is_final:
            self.nonfinal_pools -= 1
        self.touch()

    def add_job(self, job: Job) -> None:
        """Insert a job (its shortname must be free)."""
        self.jobs[job.uuid] = job
        self.job_shortnames[job.shortname] = job.uuid
        self.order["job"].add(job.created, job.uuid)
        self.touch()

    def remove_job(self, job: Job) -> None:
        """Forget a job."""
        job.deleted = True
        if self.jobs.pop(job.uuid, None) is not None:
            self.order["job"].remove(job.created, job.uuid)
        if self.job_shortnames.get(job.shortname) == job.uuid:
            del self.job_shortnames[job.shortname]
        self.touch()

    def clear(self) -> None:
        """Forget every entity (quotas stay)."""
        for entity in [*self.tasks.values(), *self.pools.values(), *self.jobs.values()]:
            entity.deleted = True
        self._reset()
