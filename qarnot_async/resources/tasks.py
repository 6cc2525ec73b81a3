"""``client.tasks``: every task operation of the Compute API."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

import attrs

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
from ._checks import check_uuid_arg, expect
from ._collection import WithBulkCreate, WithInstances, WithSummaries
from ._footprint import WithFootprint
from ._snapshots import wait_snapshot
from ._storage import WithStorage, resource_bucket_names

if TYPE_CHECKING:
    from ..storage import TransferSummary

__all__ = ["Tasks"]


class Tasks(
    WithStorage[Task, TaskSummary, TaskState, TaskCreate],
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

    async def delete(
        self, uuid: str, *, purge_resources: bool = False, purge_results: bool = False
    ) -> None:
        """``DELETE /tasks/{uuid}``: delete the task (aborting it if it runs).

        With ``purge_resources``, its resource buckets are deleted too, and with
        ``purge_results`` its results bucket, objects included, as the official SDK's
        ``Task.delete`` does; a bucket already gone is logged, not raised.

        Raises:
            NotFoundError: no such task.
            ConfigurationError: a purge without storage (see ``client.buckets``).
        """
        if not (purge_resources or purge_results):
            await self._act("DELETE", uuid)
            return
        buckets = self._buckets()
        task = await self.get(uuid)
        await self._act("DELETE", task.uuid or uuid)
        doomed = resource_bucket_names(task) if purge_resources else []
        results = task.results_bucket or task.result_bucket
        if purge_results and results:
            doomed.append(results)
        await buckets.delete_if_exists(doomed)

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

    # -- storage ------------------------------------------------------------------------

    async def download_results(
        self, target: str | Task, dest_dir: str | os.PathLike[str]
    ) -> TransferSummary:
        """Download the task's results (its results bucket, under its results prefix)
        into ``dest_dir``; files already there with the same content are skipped.

        ``target``: a uuid (the task is read first) or the task itself.

        Raises:
            NotFoundError: no such task.
            InvalidInputError: the task has no results bucket.
            BucketNotFoundError: the results bucket is gone.
        """
        buckets = self._buckets()  # before any request: fail fast without it
        task = target if isinstance(target, Task) else await self.get(target)
        bucket = task.results_bucket or task.result_bucket
        if not bucket:
            raise InvalidInputError("target", f"task {task.uuid} has no results bucket", task.uuid)
        prefix = task.results_bucket_prefix or ""
        return await buckets.download(bucket, dest_dir, prefix=prefix)

    async def run(
        self,
        task: TaskCreate,
        *,
        resources: str | os.PathLike[str] | None = None,
        output_dir: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
    ) -> Task:
        """Run a task end to end: upload its input, create it, wait, fetch its output.

        ``resources`` (a file or a directory) goes into a new resource bucket added to
        the task's; the task gets a new results bucket unless it names one; once final,
        the results are downloaded into ``output_dir`` (if given). The buckets stay:
        ``delete(uuid, purge_resources=True, purge_results=True)`` removes them.

        Returns:
            The final task.

        Raises:
            TaskFailedError: the task ended in Failure (its results are downloaded
                first); ``error.task`` holds it.
            WaitTimeoutError: ``timeout`` seconds passed first.
            LocalPathError: ``resources`` does not exist.
        """
        expect(task, TaskCreate, "task")
        buckets = self._buckets()
        # A random name per run: bucket names are global, so a fixed one could clash.
        base = f"qarnot-run-{secrets.token_hex(6)}"
        if resources is not None:
            await buckets.create(f"{base}-resources")
            await buckets.upload(f"{base}-resources", resources)
            task = attrs.evolve(
                task, resource_buckets=(*(task.resource_buckets or ()), f"{base}-resources")
            )
        if not task.results_bucket:
            await buckets.create(f"{base}-results")
            task = attrs.evolve(task, results_bucket=f"{base}-results")
        uuid = await self.create(task)
        final = await self.wait(uuid, timeout=timeout)
        if output_dir is not None and final.state in (TaskState.SUCCESS, TaskState.FAILURE):
            await self.download_results(final, output_dir)
        if final.state is TaskState.FAILURE:
            raise TaskFailedError(final, final.errors or ())
        return final

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
