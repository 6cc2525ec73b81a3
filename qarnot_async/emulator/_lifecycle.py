"""The lifecycle engine: an event queue on the emulated clock.

Every future state change is an event ``(time, kind, entity)`` in a heap. Each request
(and :meth:`Engine.sync`) first applies the events up to "now", in time order, so the
state observed is exactly the state at that instant whatever the clock speed. Aborting,
closing or deleting bumps the entity's ``gen``, which voids its pending events.

Timings (emulated seconds), with ``d`` the instance duration (``EMULATOR_DURATION``)::

    task    t0 Submitted -> (eligible at te) -> te+1 FullyDispatched -> te+2 FullyExecuting
            -> te+2+d*attempts UploadingResults -> +1 Success | Failure
    pool    t0 Submitted -> +1 FullyDispatched -> +2 FullyExecuting
            close: Closing (tasks of the pool cancelled) -> +1 Closed
    job     Active; terminate (or maxWallTime): Terminating (tasks cancelled) -> +1 Completed

A task is eligible when its dependencies (jobs with ``useDependencies``) all ended in
Success (an advanced dependency: in one of the final states it accepts; in another,
the task is cancelled), its pool is FullyExecuting with enough free slots, and the
account's instance and core quotas leave room for it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Final

from ._catalog import CORES_PER_INSTANCE
from ._entities import Job, Pool, Task, _Entity
from ._store import Store
from ._wire import format_ranges

__all__ = ["Engine"]

_T_DISPATCHED: Final = 1
_T_EXECUTING: Final = 2
_T_UPLOADING: Final = 3
_T_FINISHED: Final = 4
_T_EXPIRE: Final = 5
_P_DISPATCHED: Final = 11
_P_EXECUTING: Final = 12
_P_CLOSED: Final = 13
_P_EXPIRE: Final = 14
_J_COMPLETED: Final = 21
_J_WALL_TIME: Final = 22
_J_EXPIRE: Final = 23

#: Seconds between the dispatch decision and FullyDispatched, then FullyExecuting.
STEP: Final = 1.0


class Engine:
    """Moves tasks, pools and jobs through their states as emulated time passes."""

    def __init__(self, store: Store) -> None:
        """Drive the entities of ``store``."""
        self.store = store
        self._heap: list[tuple[float, int, int, _Entity, int]] = []
        self._counter = 0
        self._waiting_tasks: dict[str, Task] = {}
        self._waiting_pools: dict[str, Pool] = {}
        self._dirty = False
        self.on_task_end: Callable[[Task], None] | None = None
        """Called when a task's instances have all ended (Success or Failure): the
        emulator's storage writes the task's results then."""

    # -- the event queue ----------------------------------------------------------------

    def _at(self, when: float, kind: int, entity: _Entity) -> None:
        self._counter += 1
        heapq.heappush(self._heap, (when, self._counter, kind, entity, entity.gen))

    def sync(self, now: float) -> None:
        """Apply every event due at or before ``now``, in time order."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            moment = heap[0][0]
            while heap and heap[0][0] == moment:
                _, _, kind, entity, gen = heapq.heappop(heap)
                if entity.deleted or gen != entity.gen:
                    continue
                self._apply(kind, entity, moment)
            if self._dirty:
                self._dispatch(moment)
        if self._dirty:
            self._dispatch(now)

    def clear(self) -> None:
        """Forget every pending event and waiting entity."""
        self._heap.clear()
        self._waiting_tasks.clear()
        self._waiting_pools.clear()
        self._dirty = False

    def _apply(self, kind: int, entity: _Entity, at: float) -> None:
        store = self.store
        store.touch()
        if kind == _T_DISPATCHED:
            entity.set_state("FullyDispatched", at)
        elif kind == _T_EXECUTING:
            entity.set_state("FullyExecuting", at)
        elif kind == _T_UPLOADING:
            assert isinstance(entity, Task)
            entity.set_state("UploadingResults", at)
            self._release(entity)
        elif kind == _T_FINISHED:
            assert isinstance(entity, Task)
            self._finish_task(entity, at)
        elif kind == _P_DISPATCHED:
            entity.set_state("FullyDispatched", at)
        elif kind == _P_EXECUTING:
            entity.set_state("FullyExecuting", at)
            self._dirty = True
        elif kind == _P_CLOSED:
            assert isinstance(entity, Pool)
            self._set_pool_final(entity, "Closed", at)
        elif kind == _J_COMPLETED:
            assert isinstance(entity, Job)
            entity.set_state("Completed", at)
            entity.end_at = at
            if entity.ttl > 0:
                self._at(at + entity.ttl, _J_EXPIRE, entity)
        elif kind == _J_WALL_TIME:
            assert isinstance(entity, Job)
            self.terminate_job(entity, at)
        elif kind == _T_EXPIRE:
            assert isinstance(entity, Task)
            self.delete_task(entity, at)
        elif kind == _P_EXPIRE:
            assert isinstance(entity, Pool)
            self.delete_pool(entity, at)
        elif kind == _J_EXPIRE:
            assert isinstance(entity, Job)
            store.remove_job(entity)

    # -- capacity -------------------------------------------------------------------------

    def _limits(self, scheduling: str) -> tuple[int, int]:
        quotas = self.store.quotas
        if scheduling == "onDemand":
            return quotas["maxOnDemandInstances"], quotas["maxOnDemandCores"]
        return quotas["maxFlexInstances"], quotas["maxFlexCores"]

    def _bucket(self, scheduling: str) -> str:
        return "onDemand" if scheduling == "onDemand" else "flex"

    def _fits(self, scheduling: str, instances: int) -> bool:
        max_instances, max_cores = self._limits(scheduling)
        used = self.store.used_instances[self._bucket(scheduling)] + instances
        return used <= max_instances and used * CORES_PER_INSTANCE <= max_cores

    def quota_refusal(self, scheduling: str, instances: int) -> str | None:
        """Why an entity of ``instances`` instances could never run, or ``None``."""
        max_instances, max_cores = self._limits(scheduling)
        if instances > max_instances:
            return (
                f"maximum number of instances reached: {instances} requested, "
                f"the {scheduling} quota is {max_instances}"
            )
        if instances * CORES_PER_INSTANCE > max_cores:
            return (
                f"maximum number of cores reached: {instances * CORES_PER_INSTANCE} requested, "
                f"the {scheduling} quota is {max_cores}"
            )
        return None

    def _release(self, task: Task) -> None:
        if task.reserved:
            if task.pool_uuid is not None:
                pool = self.store.pools.get(task.pool_uuid)
                if pool is not None:
                    pool.used_slots = max(0, pool.used_slots - task.reserved)
            else:
                self.store.used_instances[self._bucket(task.scheduling)] -= task.reserved
            task.reserved = 0
            self._dirty = True

    # -- dispatching ----------------------------------------------------------------------

    def submit_task(self, task: Task, now: float) -> None:
        """Queue a new (already stored) task for dispatch."""
        if task.run and not task.is_final:
            self._waiting_tasks[task.uuid] = task
            self._dirty = True

    def submit_pool(self, pool: Pool, now: float) -> None:
        """Queue a new (already stored) pool for dispatch."""
        if pool.run and not pool.is_final:
            self._waiting_pools[pool.uuid] = pool
            self._dirty = True

    def submit_job(self, job: Job, now: float) -> None:
        """Arm the job's ``maxWallTime``."""
        if job.max_wall_time is not None and job.max_wall_time > 0:
            self._at(job.created + job.max_wall_time, _J_WALL_TIME, job)

    def wake(self) -> None:
        """Something may have made room (a pool grew): re-check waiting entities."""
        self._dirty = True

    def flush(self, now: float) -> None:
        """Dispatch whatever became eligible (after a batch of creations, say)."""
        if self._dirty:
            self._dispatch(now)

    def _dispatch(self, now: float) -> None:
        self._dirty = False
        store = self.store
        for pool in list(self._waiting_pools.values()):
            if self._fits(pool.scheduling, pool.slots):
                del self._waiting_pools[pool.uuid]
                pool.reserved = pool.slots
                store.used_instances[self._bucket(pool.scheduling)] += pool.slots
                pool.exec_start = now + 2 * STEP
                self._at(now + STEP, _P_DISPATCHED, pool)
                self._at(now + 2 * STEP, _P_EXECUTING, pool)
        # With thousands of queued tasks and a full account, skip quickly the standalone
        # tasks of a scheduling class that has no free instance at all.
        full = {bucket for bucket in ("flex", "onDemand") if not self._fits(bucket, 1)}
        for task in list(self._waiting_tasks.values()):
            standalone = task.pool_uuid is None and not task.depends_on and not task.advanced
            if standalone and self._bucket(task.scheduling) in full:
                continue
            self._try_dispatch(task, now)
            if task.reserved and task.pool_uuid is None and not self._fits(task.scheduling, 1):
                full.add(self._bucket(task.scheduling))

    def _try_dispatch(self, task: Task, now: float) -> None:
        store = self.store
        for dependency in task.depends_on:
            other = store.tasks.get(dependency)
            # A deleted dependency no longer holds anything back.
            if other is None or other.state == "Success":
                continue
            if other.is_final:
                self._cancel_waiting(
                    task,
                    now,
                    "DEPENDENCY_FAILED",
                    f"Dependency {dependency} ended in {other.state}",
                )
                return
            return
        if task.advanced and not self._advanced_met(task, now):
            return
        count = len(task.instance_ids)
        if task.pool_uuid is not None:
            pool = store.pools.get(task.pool_uuid)
            if pool is None or not pool.is_open:
                self._cancel_waiting(task, now, "POOL_CLOSED", f"Pool {task.pool_uuid} is closed")
                return
            if pool.state != "FullyExecuting":
                return
            need = min(count, pool.slots)
            if pool.slots - pool.used_slots < need:
                return
            pool.used_slots += need
        else:
            need = count
            if not self._fits(task.scheduling, need):
                return
            store.used_instances[self._bucket(task.scheduling)] += need
        task.reserved = need
        del self._waiting_tasks[task.uuid]
        task.dispatch_at = now + STEP
        task.exec_start = now + 2 * STEP
        self._at(now + STEP, _T_DISPATCHED, task)
        self._at(now + 2 * STEP, _T_EXECUTING, task)
        last_end = task.last_planned_end()
        self._at(last_end, _T_UPLOADING, task)
        self._at(last_end + STEP, _T_FINISHED, task)
        store.touch()

    def _advanced_met(self, task: Task, now: float) -> bool:
        """Whether every advanced dependency of ``task`` ended in a state it accepts;
        cancels the task when one ended in another. Each final state seen is kept for
        the task's answers (``actualFinalState``)."""
        pending = False
        for uuid, accepted in task.advanced:
            other = self.store.tasks.get(uuid)
            if other is None:
                continue  # deleted: as for dependsOn, it no longer holds anything back
            if not other.is_final:
                pending = True
                continue
            ended = other.state.lower()
            fulfilled = accepted is None or ended in accepted
            task.outcomes[uuid] = (ended, fulfilled)
            if not fulfilled:
                self._cancel_waiting(
                    task,
                    now,
                    "DEPENDENCY_CONDITIONS_NOT_FULFILLED",
                    f"Dependency {uuid} ended in {other.state}, not in "
                    f"{', '.join(sorted(accepted or ()))}",
                )
                return False
        return not pending

    def _cancel_waiting(self, task: Task, now: float, code: str, message: str) -> None:
        self._waiting_tasks.pop(task.uuid, None)
        task.errors = [{"code": code, "message": message, "debug": None}]
        self._set_task_final(task, "Cancelled", now)
        task.cancel_at = now

    # -- tasks ----------------------------------------------------------------------------

    def _finish_task(self, task: Task, at: float) -> None:
        failed = sorted(i for i in task.instance_ids if i in task.fail_ids)
        if failed:
            ranges = format_ranges(failed)
            task.errors = [
                {
                    "code": "EMULATOR_INSTANCE_FAILURE",
                    "message": f"Instance(s) {ranges} failed with exit code 1",
                    "debug": f"EMULATOR_FAIL_INSTANCES={ranges}",
                }
            ]
            self._set_task_final(task, "Failure", at)
        else:
            self._set_task_final(task, "Success", at)
        if self.on_task_end is not None:
            self.on_task_end(task)

    def _set_task_final(self, task: Task, state: str, at: float) -> None:
        was_final = task.is_final
        task.set_state(state, at)
        task.end_at = at
        if not was_final:
            self.store.nonfinal_tasks -= 1
        self.store.touch()
        self._dirty = True
        if task.ttl > 0:
            self._at(at + task.ttl, _T_EXPIRE, task)

    def abort_task(self, task: Task, now: float) -> None:
        """Cancel a task that has not ended (the caller checks it has not)."""
        task.gen += 1
        self._waiting_tasks.pop(task.uuid, None)
        self._release(task)
        task.cancel_at = now
        self._set_task_final(task, "Cancelled", now)

    def delete_task(self, task: Task, now: float) -> None:
        """Remove a task, cancelling it first if it runs."""
        if not task.is_final:
            self.abort_task(task, now)
        task.gen += 1
        self._release(task)
        self._waiting_tasks.pop(task.uuid, None)
        self.store.remove_task(task)
        self._dirty = True

    # -- pools ----------------------------------------------------------------------------

    def _set_pool_final(self, pool: Pool, state: str, at: float) -> None:
        was_final = pool.is_final
        pool.set_state(state, at)
        pool.end_at = at
        if not was_final:
            self.store.nonfinal_pools -= 1
        if pool.reserved:
            self.store.used_instances[self._bucket(pool.scheduling)] -= pool.reserved
            pool.reserved = 0
        self._dirty = True
        if pool.ttl > 0:
            self._at(at + pool.ttl, _P_EXPIRE, pool)

    def close_pool(self, pool: Pool, now: float) -> None:
        """Close a pool: its unfinished tasks are cancelled, it is Closed a step later."""
        pool.gen += 1
        self._waiting_pools.pop(pool.uuid, None)
        pool.close_at = now
        pool.set_state("Closing", now)
        for task_uuid in list(self.store.pool_tasks.get(pool.uuid, {})):
            task = self.store.tasks.get(task_uuid)
            if task is not None and not task.is_final:
                self.abort_task(task, now)
        self.store.touch()
        self._at(now + STEP, _P_CLOSED, pool)

    def delete_pool(self, pool: Pool, now: float) -> None:
        """Remove a pool, closing it (and cancelling its tasks) first."""
        if pool.is_open:
            self.close_pool(pool, now)
        if not pool.is_final:
            self._set_pool_final(pool, "Closed", now)
        pool.gen += 1
        self.store.remove_pool(pool)

    # -- jobs -----------------------------------------------------------------------------

    def terminate_job(self, job: Job, now: float) -> None:
        """Cancel the job's unfinished tasks; the job is Completed a step later."""
        if job.state != "Active":
            return
        job.set_state("Terminating", now)
        for task_uuid in list(job.task_uuids):
            task = self.store.tasks.get(task_uuid)
            if task is not None and not task.is_final:
                self.abort_task(task, now)
        self.store.touch()
        self._at(now + STEP, _J_COMPLETED, job)

    def delete_job(self, job: Job, now: float) -> None:
        """Remove a job and its tasks (cancelled first if they run)."""
        for task_uuid in list(job.task_uuids):
            task = self.store.tasks.get(task_uuid)
            if task is not None:
                self.delete_task(task, now)
        job.gen += 1
        self.store.remove_job(job)

    # -- quotas ---------------------------------------------------------------------------

    def evict_for_task(self, now: float) -> bool:
        """Delete the oldest finished auto-delete task to make room; ``False`` if none."""
        candidates = [t for t in self.store.tasks.values() if t.is_final and t.auto_delete]
        if not candidates:
            return False
        self.delete_task(min(candidates, key=lambda t: (t.end_at or 0.0, t.seq)), now)
        return True

    def evict_for_pool(self, now: float) -> bool:
        """Delete the oldest closed auto-delete pool to make room; ``False`` if none."""
        candidates = [p for p in self.store.pools.values() if p.is_final and p.auto_delete]
        if not candidates:
            return False
        self.delete_pool(min(candidates, key=lambda p: (p.end_at or 0.0, p.seq)), now)
        return True

    def evict_for_job(self, now: float) -> bool:
        """Delete the oldest completed auto-delete job to make room; ``False`` if none."""
        candidates = [j for j in self.store.jobs.values() if j.is_final and j.auto_delete]
        if not candidates:
            return False
        self.store.remove_job(min(candidates, key=lambda j: (j.end_at or 0.0, j.seq)))
        return True
