"""Inserting entities directly, without HTTP, validation or quotas (fast test setup)."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ._catalog import PROFILES
from ._entities import FINAL_POOL_STATES, FINAL_TASK_STATES, Job, Pool, Task
from ._state import EmulatorState
from ._wire import parse_date, parse_ranges

__all__ = ["seed_jobs", "seed_pools", "seed_tasks"]

_TASK_FIELDS = frozenset(
    {
        "name",
        "shortname",
        "profile",
        "state",
        "tags",
        "labels",
        "constants",
        "instance_count",
        "advanced_ranges",
        "pool_uuid",
        "job_uuid",
        "creation_date",
        "duration",
        "fail_instances",
        "run",
    }
)
_POOL_FIELDS = frozenset(
    {
        "name",
        "shortname",
        "profile",
        "state",
        "tags",
        "labels",
        "constants",
        "instance_count",
        "creation_date",
        "run",
    }
)
_JOB_FIELDS = frozenset(
    {"name", "shortname", "state", "tags", "pool_uuid", "use_dependencies", "creation_date"}
)


class _Fields:
    """Seed fields split into fixed values and per-index ones (callables, ``{i}`` names),
    so that seeding 100,000 entities evaluates only what varies."""

    def __init__(self, fields: dict[str, Any], defaults: dict[str, Any]) -> None:
        self.fixed: dict[str, Any] = {}
        self.varying: dict[str, Any] = {}
        for name, default in defaults.items():
            value = fields.get(name, default)
            if callable(value):
                self.varying[name] = value
            elif isinstance(value, str) and name in ("name", "shortname") and "{i}" in value:
                self.varying[name] = lambda index, text=value: text.format(i=index)
            else:
                self.fixed[name] = value

    def row(self, index: int) -> dict[str, Any]:
        """The fields of the ``index``-th entity."""
        if not self.varying:
            return self.fixed
        row = dict(self.fixed)
        for name, make in self.varying.items():
            row[name] = make(index)
        return row


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while inserting: with 100,000 new long-lived objects, its full
    collections would otherwise double the seeding time, and they find no garbage."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _uuids(count: int) -> list[str]:
    """``count`` random (version 4) uuids, several times faster than ``uuid.uuid4()``."""
    raw = os.urandom(16 * count)
    out = []
    for offset in range(0, 16 * count, 16):
        value = int.from_bytes(raw[offset : offset + 16], "big")
        value = (value & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
        text = f"{value:032x}"
        out.append(f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}")
    return out


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str):
        return parse_date(value)
    return float(value)


def _check(fields: dict[str, Any], allowed: frozenset[str], count: int, kind: str) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"seed_{kind}s() got unknown field(s): {', '.join(sorted(unknown))}")
    if count < 0:
        raise ValueError("count cannot be negative")
    shortname = fields.get("shortname")
    if count > 1 and isinstance(shortname, str) and "{i}" not in shortname:
        raise ValueError("with several entities, shortname needs '{i}' (shortnames are unique)")


def _created(date: Any, index: int, count: int, now: float) -> float:
    if date is not None:
        return _epoch(date)
    # One second apart, the last one a second ago: distinct, in seeding order, and before
    # anything created over HTTP from now on.
    return now - (count - index)


def seed_tasks(st: EmulatorState, count: int, fields: dict[str, Any]) -> list[str]:
    """Insert ``count`` tasks; see :meth:`Emulator.seed_tasks`."""
    _check(fields, _TASK_FIELDS, count, "task")
    store, now = st.store, st.sync()
    spec = _Fields(
        fields,
        {
            "name": "task-{i}",
            "shortname": None,
            "profile": "docker-batch",
            "state": "Success",
            "tags": (),
            "labels": {},
            "constants": (),
            "instance_count": 1,
            "advanced_ranges": None,
            "pool_uuid": None,
            "job_uuid": None,
            "creation_date": None,
            "duration": st.task_duration,
            "fail_instances": None,
            "run": False,
        },
    )
    ranges_of: dict[Any, tuple[int, ...]] = {}
    uuids = _uuids(count)
    # Built first, inserted once all are valid: a bad row leaves the store untouched.
    tasks: list[Task] = []
    shortnames: set[str] = set()
    with _gc_paused():
        for index, uuid in enumerate(uuids):
            row = spec.row(index)
            state, run = row["state"], bool(row["run"])
            if run and state != "Submitted":
                raise ValueError("a seeded task that runs starts in state Submitted")
            key = (row["advanced_ranges"], row["instance_count"])
            ids = ranges_of.get(key)
            if ids is None:
                ranges = row["advanced_ranges"]
                ids = ranges_of[key] = (
                    parse_ranges(ranges) if ranges else tuple(range(int(row["instance_count"])))
                )
            shortname = row["shortname"] or uuid
            if shortname in store.task_shortnames or shortname in shortnames:
                raise ValueError(f"a task with shortname {shortname} already exists")
            shortnames.add(shortname)
            if row["profile"] is not None and row["profile"] not in PROFILES:
                raise ValueError(
                    f"unknown profile {row['profile']!r} (known: {', '.join(PROFILES)})"
                )
            if row["job_uuid"] is not None and row["job_uuid"] not in store.jobs:
                raise ValueError(f"no job {row['job_uuid']}")
            if row["pool_uuid"] is not None and row["pool_uuid"] not in store.pools:
                raise ValueError(f"no pool {row['pool_uuid']}")
            created = _created(row["creation_date"], index, count, now)
            task = Task(uuid, store.next_seq(), created, row["name"], shortname, ids)
            task.profile = row["profile"]
            task.ranges = row["advanced_ranges"]
            task.tags = list(row["tags"])
            task.labels = dict(row["labels"])
            task.constants = list(row["constants"])
            task.pool_uuid = row["pool_uuid"]
            task.job_uuid = row["job_uuid"]
            task.duration = float(row["duration"])
            fail = row["fail_instances"]
            task.fail_ids = frozenset(parse_ranges(fail)) if fail else frozenset()
            task.run = run
            task.state = state
            if state in FINAL_TASK_STATES:
                task.end_at = min(now, created + task.duration + 3)
                task.state_at = task.modified = task.end_at
                task.prev_state, task.prev_state_at = "Submitted", created
                if state == "Failure":
                    task.errors = [
                        {
                            "code": "EMULATOR_INSTANCE_FAILURE",
                            "message": "Seeded as failed",
                            "debug": None,
                        }
                    ]
            tasks.append(task)
        for task in tasks:
            store.after_seeding(min(task.created, now))
            store.add_task(task)
            if task.run:
                st.engine.submit_task(task, now)
    st.engine.flush(now)
    return uuids


def seed_pools(st: EmulatorState, count: int, fields: dict[str, Any]) -> list[str]:
    """Insert ``count`` pools; see :meth:`Emulator.seed_pools`."""
    _check(fields, _POOL_FIELDS, count, "pool")
    store, now = st.store, st.sync()
    run_default = fields.get("run", False)
    spec = _Fields(
        fields,
        {
            "name": "pool-{i}",
            "shortname": None,
            "profile": "docker-batch",
            "state": "Submitted" if run_default is True else "FullyExecuting",
            "tags": (),
            "labels": {},
            "constants": (),
            "instance_count": 1,
            "creation_date": None,
            "run": False,
        },
    )
    uuids = _uuids(count)
    pools: list[Pool] = []
    shortnames: set[str] = set()
    with _gc_paused():
        for index, uuid in enumerate(uuids):
            row = spec.row(index)
            state, run = row["state"], bool(row["run"])
            if run and state != "Submitted":
                raise ValueError("a seeded pool that runs starts in state Submitted")
            shortname = row["shortname"] or uuid
            if shortname in store.pool_shortnames or shortname in shortnames:
                raise ValueError(f"a pool with shortname {shortname} already exists")
            shortnames.add(shortname)
            if row["profile"] not in PROFILES:
                raise ValueError(
                    f"unknown profile {row['profile']!r} (known: {', '.join(PROFILES)})"
                )
            created = _created(row["creation_date"], index, count, now)
            pool = Pool(uuid, store.next_seq(), created, row["name"], shortname)
            pool.profile = row["profile"]
            pool.slots = max(1, int(row["instance_count"]))
            pool.tags = list(row["tags"])
            pool.labels = dict(row["labels"])
            pool.constants = list(row["constants"])
            pool.run = run
            pool.state = state
            if not run and state == "FullyExecuting":
                # A static executing pool accepts tasks at once.
                pool.exec_start = created
            if state in FINAL_POOL_STATES:
                pool.end_at = created
            pools.append(pool)
        for pool in pools:
            store.after_seeding(min(pool.created, now))
            store.add_pool(pool)
            if pool.run:
                st.engine.submit_pool(pool, now)
    st.engine.flush(now)
    return uuids


def seed_jobs(st: EmulatorState, count: int, fields: dict[str, Any]) -> list[str]:
    """Insert ``count`` jobs; see :meth:`Emulator.seed_jobs`."""
    _check(fields, _JOB_FIELDS, count, "job")
    store, now = st.store, st.sync()
    spec = _Fields(
        fields,
        {
            "name": "job-{i}",
            "shortname": None,
            "state": "Active",
            "tags": (),
            "pool_uuid": None,
            "use_dependencies": False,
            "creation_date": None,
        },
    )
    uuids = _uuids(count)
    jobs: list[Job] = []
    shortnames: set[str] = set()
    with _gc_paused():
        for index, uuid in enumerate(uuids):
            row = spec.row(index)
            shortname = row["shortname"] or uuid
            if shortname in store.job_shortnames or shortname in shortnames:
                raise ValueError(f"a job with shortname {shortname} already exists")
            shortnames.add(shortname)
            if row["pool_uuid"] is not None and row["pool_uuid"] not in store.pools:
                raise ValueError(f"no pool {row['pool_uuid']}")
            created = _created(row["creation_date"], index, count, now)
            job = Job(uuid, store.next_seq(), created, row["name"], shortname)
            job.state = row["state"]
            job.tags = list(row["tags"])
            job.pool_uuid = row["pool_uuid"]
            job.use_dependencies = bool(row["use_dependencies"])
            jobs.append(job)
        for job in jobs:
            store.after_seeding(min(job.created, now))
            store.add_job(job)
    return uuids
