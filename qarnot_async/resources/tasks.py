"""``client.tasks``: every task operation of the Compute API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from datetime import timedelta

from .._converter import structure, unstructure
from ..errors import InvalidInputError, TaskFailedError, WaitTimeoutError
from ..models import (
    PeriodicSnapshot,
    Snapshot,
    SnapshotId,
    Task,
    TaskClone,
    TaskCreate,
    TaskRecover,
    TaskResume,
    TaskRetry,
    TaskState,
    TaskSummary,
    TaskUpdate,
    UniqueSnapshot,
)
from ._checks import check_uuid_arg
from ._collection import WithBulkCreate, WithInstances, WithSummaries
from ._footprint import WithFootprint
from ._snapshots import wait_snapshot

__all__ = ["Tasks"]


class Tasks(
    WithSummaries[Task, TaskSummary, TaskState, TaskCreate],
    WithInstances[TaskUpdate],
    WithBulkCreate[TaskCreate],
    WithFootprint,
):
    """Tasks: create them (one or thousands), read, search, page, steer, wait on, delete.

    ``client.tasks.summaries`` lists the lighter task summaries. For the errors common
    to every method, see :class:`~qarnot_async.resources.Collection`.
    """

    _kind = "task"
    _entity = Task
    _summary = TaskSummary
    _create_input = TaskCreate
    _update_input = TaskUpdate

    # -- new tasks from old ones ----------------------------------------------------------

    async def clone(self, uuid: str, overrides: TaskClone | None = None) -> str:
        """``POST /tasks/{uuid}/clone``: a new task like this one; returns its uuid.

        Raises:
            NotFoundError: no such task.
        """
        return await self._creator.create_from(uuid, "clone", overrides, TaskClone)

    async def retry(self, uuid: str, overrides: TaskRetry | None = None) -> str:
        """``POST /tasks/{uuid}/retry``: rerun the failed instances in a new task.

        Raises:
            NotFoundError: no such task.
            ForbiddenError: the task has no failed instance or is not final.
        """
        return await self._creator.create_from(uuid, "retry", overrides, TaskRetry)

    async def recover(self, uuid: str, overrides: TaskRecover | None = None) -> str:
        """``POST /tasks/{uuid}/recover``: rerun failed and cancelled instances."""
        return await self._creator.create_from(uuid, "recover", overrides, TaskRecover)

    async def resume(self, uuid: str, overrides: TaskResume | None = None) -> str:
        """``POST /tasks/{uuid}/resume``: rerun the cancelled instances in a new task.

        Raises:
            NotFoundError: no such task.
        """
        return await self._creator.create_from(uuid, "resume", overrides, TaskResume)

    # -- changing -----------------------------------------------------------------------

    async def abort(self, uuid: str) -> None:
        """``POST /tasks/{uuid}/abort``: stop the task; it ends Cancelled."""
        await self._act("POST", uuid, "abort", idempotent=True)

    async def delete(self, uuid: str) -> None:
        """``DELETE /tasks/{uuid}``: delete the task (aborting it if it runs).

        Raises:
            NotFoundError: no such task.
        """
        await self._act("DELETE", uuid)

    async def snapshot(
        self,
        uuid: str,
        *,
        whitelist: str | None = None,
        blacklist: str | None = None,
        bucket: str | None = None,
        bucket_prefix: str | None = None,
    ) -> str | None:
        """``POST /tasks/{uuid}/snapshot``: upload the instances' files once, now.

        Returns the snapshot's id the service answers (``None`` if it answers none),
        for :meth:`snapshot_status` and :meth:`wait_snapshot`.

        Raises:
            NotFoundError: no such task.
            ForbiddenError: the task is final.
        """
        body = UniqueSnapshot(
            whitelist=whitelist, blacklist=blacklist, bucket=bucket, bucket_prefix=bucket_prefix
        )
        response = await self._calls.send(
            "POST", self._item(uuid, "snapshot"), json_body=unstructure(body)
        )
        # The service documents no answer body; it sends {"id"} (the official SDKs read it).
        answer = response.json()
        if answer is None:
            return None
        return structure(answer, SnapshotId, where="POST /tasks/{uuid}/snapshot").id

    async def periodic_snapshot(
        self,
        uuid: str,
        interval: int | timedelta,
        *,
        whitelist: str | None = None,
        blacklist: str | None = None,
        bucket: str | None = None,
        bucket_prefix: str | None = None,
    ) -> None:
        """``POST /tasks/{uuid}/snapshot/periodic``: snapshot every ``interval`` seconds.

        Raises:
            InvalidInputError: ``interval`` is not a whole number of seconds >= 1 (stop
                with :meth:`stop_periodic_snapshot`).
        """
        seconds = interval.total_seconds() if isinstance(interval, timedelta) else interval
        if not isinstance(seconds, int | float) or seconds < 1 or seconds != int(seconds):
            raise InvalidInputError(
                "interval",
                "must be a whole number of seconds >= 1; use stop_periodic_snapshot() to stop",
                interval,
            )
        body = PeriodicSnapshot(
            interval=int(seconds),
            whitelist=whitelist,
            blacklist=blacklist,
            bucket=bucket,
            bucket_prefix=bucket_prefix,
        )
        await self._act("POST", uuid, "snapshot", "periodic", json_body=unstructure(body))

    async def stop_periodic_snapshot(self, uuid: str) -> None:
        """``POST /tasks/{uuid}/snapshot/periodic`` with interval 0: stop snapshots."""
        body = PeriodicSnapshot(interval=0)
        await self._act("POST", uuid, "snapshot", "periodic", json_body=unstructure(body))

    # -- waiting ------------------------------------------------------------------------

    async def wait(
        self,
        target: str | Task | TaskSummary,
        *,
        until: Callable[[TaskState], bool] | Iterable[TaskState] | None = None,
        timeout: float | None = None,
        max_interval: float | None = None,
        raise_on_failure: bool = False,
    ) -> Task:
        """Wait until the task is final (or in a state of ``until``); return it.

        As :meth:`Collection.wait <qarnot_async.resources.Collection.wait>`, over
        ``POST /tasks/summaries/paginate``; with ``raise_on_failure``, a task that
        ended in Failure raises :class:`~qarnot_async.TaskFailedError`.
        """
        task = await super().wait(target, until=until, timeout=timeout, max_interval=max_interval)
        if raise_on_failure and task.state is TaskState.FAILURE:
            raise TaskFailedError(task, task.errors or ())
        return task

    def follow_stdout(self, uuid: str, *, interval: float = 2.0) -> AsyncIterator[str]:
        """Yield the task's new standard output until the task is final, then the rest.

        Each chunk is what ``POST /tasks/{uuid}/stdout`` returns: what was written
        since the previous read. Between reads the task's state is watched through the
        shared poller, at most ``interval`` seconds apart.

        Raises:
            InvalidInputError: a non-positive ``interval``.
        """
        return self._follow(uuid, "stdout", interval)

    def follow_stderr(self, uuid: str, *, interval: float = 2.0) -> AsyncIterator[str]:
        """Like :meth:`follow_stdout`, for the standard error."""
        return self._follow(uuid, "stderr", interval)

    async def _follow(self, uuid: str, stream: str, interval: float) -> AsyncIterator[str]:
        check_uuid_arg(uuid)
        if interval <= 0:
            raise InvalidInputError("interval", "must be > 0 seconds", interval)
        final = False
        while True:
            chunk = await self._output(uuid, stream, None, True)
            if chunk:
                yield chunk
            if final:
                return
            try:
                await self.wait(uuid, timeout=interval)
                final = True  # one last read drains what the last moments wrote
            except WaitTimeoutError:
                pass

    # -- beyond the seed: snapshot status ---------------------------------------------------

    async def snapshot_status(self, uuid: str, snapshot_id: str) -> Snapshot:
        """``GET /tasks/{uuid}/snapshot/{snapshotId}`` (not in openapi.json): a snapshot
        :meth:`snapshot` started, and how far it went.

        Raises:
            InvalidInputError: an empty ``snapshot_id``.
            NotFoundError: no such task or snapshot.
        """
        snapshot_id = check_uuid_arg(snapshot_id, "snapshot_id")
        return await self._calls.read(Snapshot, "GET", self._item(uuid, "snapshot", snapshot_id))

    async def wait_snapshot(
        self,
        uuid: str,
        snapshot_id: str,
        *,
        timeout: float | None = None,
        max_interval: float | None = None,
    ) -> Snapshot:
        """Read the snapshot's status until it ends (Success or Failure); return it.

        Polls on the client's poll policy (``initial``, ``backoff``), at most every
        ``max_interval`` seconds and never less often than every 10 s. A snapshot
        that ends in Failure is returned, not raised: check ``snapshot.status``.

        Raises:
            WaitTimeoutError: ``timeout`` seconds passed first.
            NotFoundError: no such task or snapshot.
        """
        check_uuid_arg(snapshot_id, "snapshot_id")
        return await wait_snapshot(
            lambda: self.snapshot_status(uuid, snapshot_id),
            policy=self._requester.poller.policy,
            timeout=timeout,
            max_interval=max_interval,
        )
