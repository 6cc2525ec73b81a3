"""``client.tasks``: every task operation of the Compute API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import timedelta

from .._converter import unstructure
from ..errors import InvalidInputError, TaskFailedError, WaitTimeoutError
from ..models import (
    PeriodicSnapshot,
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
from ._base import (
    CreateResults,
    check_uuid_arg,
    expect,
    route,
)
from ._collection import WithOutput, WithSummaries

__all__ = ["Tasks"]

TASK_ORDER_FIELDS = ("creationDate", "name", "state", "executionTime")


class Tasks(WithSummaries[Task, TaskSummary], WithOutput):
    """Tasks: create them (one or thousands), read, search, page, steer and delete.

    Errors common to every method: :class:`~qarnot_async.AuthenticationError` (401),
    :class:`~qarnot_async.ServerError` (5xx, after retries),
    :class:`~qarnot_async.TransportError`.
    """

    _kind = "task"
    _collection = "/tasks"
    _entity = Task
    _summary = TaskSummary
    _order_fields = TASK_ORDER_FIELDS

    # -- creating -----------------------------------------------------------------------

    async def create(self, task: TaskCreate) -> str:
        """``POST /tasks``: create one task and return its uuid.

        Duplicate-safe: the task gets a generated shortname when it has none, the
        request is retried when it may have been lost, and a retry that finds its
        shortname taken answers the uuid of the task the lost attempt created.

        Raises:
            BadRequestError: the service refused the task (``field_errors`` says why).
            QuotaExceededError: the account's task quota is reached.
            NotEnoughCreditsError: not enough credits.
            ConflictError: the shortname you chose is already used by another task.
            NotFoundError: the pool, job or profile does not exist.
        """
        return await self._create(task, TaskCreate, "task")

    async def create_many(
        self,
        tasks: Sequence[TaskCreate],
        *,
        chunk_size: int = 100,
        concurrency: int = 4,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> CreateResults:
        """``POST /tasks`` with arrays: create many tasks, ``chunk_size`` per request.

        Chunks go out ``concurrency`` at a time. Returns one result per input, in input
        order: its uuid, or the status and message of its failure; partial failure is
        returned, not raised (``results.raise_for_errors()`` raises it). Duplicate-safe
        like :meth:`create`: a chunk whose answer was lost is retried, and items found
        already created by shortname are reported with their uuid.
        ``on_progress(done, total)`` is called as each chunk completes (a progress bar).

        Raises:
            InvalidInputError: an item is not a TaskCreate (nothing is sent).
        """
        return await self._create_all(
            tasks,
            TaskCreate,
            "tasks",
            chunk_size=chunk_size,
            concurrency=concurrency,
            on_progress=on_progress,
        )

    async def clone(self, uuid: str, overrides: TaskClone | None = None) -> str:
        """``POST /tasks/{uuid}/clone``: a new task like this one; returns its uuid.

        Raises:
            NotFoundError: no such task.
        """
        return await self._create_from(uuid, "clone", overrides, TaskClone)

    async def retry(self, uuid: str, overrides: TaskRetry | None = None) -> str:
        """``POST /tasks/{uuid}/retry``: rerun the failed instances in a new task.

        Raises:
            NotFoundError: no such task.
            ForbiddenError: the task has no failed instance or is not final.
        """
        return await self._create_from(uuid, "retry", overrides, TaskRetry)

    async def recover(self, uuid: str, overrides: TaskRecover | None = None) -> str:
        """``POST /tasks/{uuid}/recover``: rerun failed and cancelled instances.

        Raises:
            NotFoundError: no such task.
        """
        return await self._create_from(uuid, "recover", overrides, TaskRecover)

    async def resume(self, uuid: str, overrides: TaskResume | None = None) -> str:
        """``POST /tasks/{uuid}/resume``: rerun the cancelled instances in a new task.

        Raises:
            NotFoundError: no such task.
        """
        return await self._create_from(uuid, "resume", overrides, TaskResume)

    # -- changing -----------------------------------------------------------------------

    async def update(self, uuid: str, update: TaskUpdate) -> None:
        """``PUT /tasks/{uuid}``: change a task's constants, constraints, tags...

        Raises:
            NotFoundError: no such task.
            BadRequestError: the update was refused.
        """
        expect(update, TaskUpdate, "update")
        await self._send("PUT", route("tasks", check_uuid_arg(uuid)), json_body=unstructure(update))

    async def sync_resources(self, uuid: str) -> None:
        """``PATCH /tasks/{uuid}``: push the task's updated resources to its instances.

        Raises:
            NotFoundError: no such task.
        """
        await self._send("PATCH", route("tasks", check_uuid_arg(uuid)))

    async def abort(self, uuid: str) -> None:
        """``POST /tasks/{uuid}/abort``: stop the task; it ends Cancelled.

        Raises:
            NotFoundError: no such task.
        """
        await self._send("POST", route("tasks", check_uuid_arg(uuid), "abort"), idempotent=True)

    async def delete(self, uuid: str) -> None:
        """``DELETE /tasks/{uuid}``: delete the task (aborting it if it runs).

        Raises:
            NotFoundError: no such task.
        """
        await self._send("DELETE", route("tasks", check_uuid_arg(uuid)))

    async def snapshot(
        self,
        uuid: str,
        *,
        whitelist: str | None = None,
        blacklist: str | None = None,
        bucket: str | None = None,
        bucket_prefix: str | None = None,
    ) -> None:
        """``POST /tasks/{uuid}/snapshot``: upload the instances' files once, now.

        Raises:
            NotFoundError: no such task.
        """
        body = UniqueSnapshot(
            whitelist=whitelist, blacklist=blacklist, bucket=bucket, bucket_prefix=bucket_prefix
        )
        await self._send(
            "POST", route("tasks", check_uuid_arg(uuid), "snapshot"), json_body=unstructure(body)
        )

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
            InvalidInputError: ``interval`` is not positive (stop with
                :meth:`stop_periodic_snapshot`).
            NotFoundError: no such task.
        """
        seconds = interval.total_seconds() if isinstance(interval, timedelta) else interval
        if not isinstance(seconds, int | float) or seconds < 1 or seconds != int(seconds):
            raise InvalidInputError(
                "interval",
                "must be a whole number of seconds >= 1; use stop_periodic_snapshot() to stop",
                interval,
            )
        await self._periodic(uuid, int(seconds), whitelist, blacklist, bucket, bucket_prefix)

    async def stop_periodic_snapshot(self, uuid: str) -> None:
        """``POST /tasks/{uuid}/snapshot/periodic`` with interval 0: stop snapshots.

        Raises:
            NotFoundError: no such task.
        """
        await self._periodic(uuid, 0, None, None, None, None)

    async def _periodic(
        self,
        uuid: str,
        interval: int,
        whitelist: str | None,
        blacklist: str | None,
        bucket: str | None,
        bucket_prefix: str | None,
    ) -> None:
        body = PeriodicSnapshot(
            interval=interval,
            whitelist=whitelist,
            blacklist=blacklist,
            bucket=bucket,
            bucket_prefix=bucket_prefix,
        )
        await self._send(
            "POST",
            route("tasks", check_uuid_arg(uuid), "snapshot", "periodic"),
            json_body=unstructure(body),
        )

    # -- waiting ------------------------------------------------------------------------

    async def wait(
        self,
        task: str | TaskSummary,
        *,
        until: Callable[[TaskState], bool] | Iterable[TaskState] | None = None,
        timeout: float | None = None,
        max_interval: float | None = None,
        raise_on_failure: bool = False,
    ) -> Task:
        """Wait until the task is final (or in a state of ``until``); return it.

        Served by the client's shared poller: a thousand concurrent waits cost a few
        coalesced ``POST /tasks/summaries/paginate`` per tick, and the final tasks are
        fetched in chunks with ``POST /tasks/paginate`` (see
        :class:`~qarnot_async.polling.PollPolicy` for the schedule).

        ``max_interval`` caps the pause between polls while this wait is pending (the
        client's :class:`~qarnot_async.polling.PollPolicy` sets the rest).

        Raises:
            WaitTimeoutError: ``timeout`` seconds passed; ``last_seen`` holds the last
                summary seen.
            TaskFailedError: the task ended in Failure and ``raise_on_failure`` is set.
            NotFoundError: the task does not exist (or was deleted meanwhile).
        """
        result: Task = await self._wait(task, until, timeout, max_interval)
        if raise_on_failure and result.state is TaskState.FAILURE:
            raise TaskFailedError(result, result.errors or ())
        return result

    def as_completed(self, tasks: Iterable[str | TaskSummary]) -> AsyncIterator[Task]:
        """Yield each task as it reaches a final state (full entities, fetched in chunks).

        Raises:
            NotFoundError: (while iterating) a task was deleted.
        """
        uuids = [t if isinstance(t, str) else t.uuid for t in tasks]
        return self._requester.poller.as_completed("task", uuids)

    def follow_stdout(self, uuid: str, *, interval: float = 2.0) -> AsyncIterator[str]:
        """Yield the task's new standard output until the task is final, then the rest.

        Each chunk is what ``POST /tasks/{uuid}/stdout`` returns: what was written
        since the previous read. Between reads the task's state is watched through the
        shared poller, at most ``interval`` seconds apart.
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
            chunk = await self._output("tasks", uuid, stream, None, True)
            if chunk:
                yield chunk
            if final:
                return
            try:
                await self._wait(uuid, None, interval)
                final = True  # one last read drains what the last moments wrote
            except WaitTimeoutError:
                pass
