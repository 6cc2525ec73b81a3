"""``client.tasks``: every task operation of the Compute API."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from .._converter import unstructure
from ..errors import InvalidInputError, TaskFailedError, WaitTimeoutError
from ..filters import FilterLike
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
    TokenPage,
    UniqueSnapshot,
)
from ..pagination import AsyncPaginator
from ._base import (
    MAX_PAGE_SIZE,
    CreateResults,
    Resource,
    check_unique_shortnames,
    check_uuid_arg,
    expect,
    order_field,
    payload_with_shortname,
    route,
)

__all__ = ["Tasks"]

TASK_ORDER_FIELDS = ("creationDate", "name", "state", "executionTime")


class Tasks(Resource):
    """Tasks: create them (one or thousands), read, search, page, steer and delete.

    Errors common to every method: :class:`~qarnot_async.AuthenticationError` (401),
    :class:`~qarnot_async.ServerError` (5xx, after retries),
    :class:`~qarnot_async.TransportError`.
    """

    _kind = "task"
    _collection = "/tasks"

    # -- reading ------------------------------------------------------------------------

    async def get(self, uuid_or_shortname: str) -> Task:
        """``GET /tasks/{uuid}``: one task, by uuid or shortname.

        Raises:
            NotFoundError: no such task.
        """
        return await self._one(Task, "GET", route("tasks", check_uuid_arg(uuid_or_shortname)))

    async def list(self, tags: str | Sequence[str] | None = None) -> builtins.list[Task]:
        """``GET /tasks?tag=``: every task (with any of ``tags``), in one answer.

        Prefer :meth:`paginate` for large accounts: this legacy route answers at once.
        """
        return await self._many(Task, "GET", "/tasks", params=self._tags(tags))

    async def list_summaries(
        self, tags: str | Sequence[str] | None = None
    ) -> builtins.list[TaskSummary]:
        """``GET /tasks/summaries?tag=``: every task's summary, in one answer."""
        return await self._many(TaskSummary, "GET", "/tasks/summaries", params=self._tags(tags))

    async def search(
        self,
        filter: FilterLike | None = None,
        *,
        select: Sequence[str] | None = None,
        max_results: int | None = None,
    ) -> builtins.list[Task]:
        """``POST /tasks/search``: the tasks matching ``filter``, as one list.

        ``select`` names the fields the service fills in (PascalCase, e.g. ``["Uuid",
        "State"]``); the others come back unset.

        Raises:
            BadRequestError: the service refused the filter.
        """
        return await self._search(
            Task, "/tasks/search", filter=filter, select=select, max_results=max_results
        )

    async def page(
        self,
        *,
        filter: FilterLike | None = None,
        token: str | None = None,
        max_results: int = 100,
        order_by: str | None = None,
        descending: bool = False,
    ) -> TokenPage[Task]:
        """``POST /tasks/paginate``: one page of tasks; :meth:`paginate` streams them all.

        Raises:
            BadRequestError: the service refused the filter, order or token.
        """
        return await self._token_page(
            Task,
            "/tasks/paginate",
            token=token,
            filter=filter,
            max_results=min(max_results, MAX_PAGE_SIZE),
            order_by=order_field(order_by, allowed=TASK_ORDER_FIELDS),
            descending=descending,
        )

    async def summaries_page(
        self,
        *,
        filter: FilterLike | None = None,
        token: str | None = None,
        max_results: int = 100,
        order_by: str | None = None,
        descending: bool = False,
    ) -> TokenPage[TaskSummary]:
        """``POST /tasks/summaries/paginate``: one page of task summaries.

        Raises:
            BadRequestError: the service refused the filter, order or token.
        """
        return await self._token_page(
            TaskSummary,
            "/tasks/summaries/paginate",
            token=token,
            filter=filter,
            max_results=min(max_results, MAX_PAGE_SIZE),
            order_by=order_field(order_by, allowed=TASK_ORDER_FIELDS),
            descending=descending,
        )

    def paginate(
        self,
        filter: FilterLike | None = None,
        *,
        order_by: str | None = None,
        descending: bool = False,
        page_size: int = 100,
        limit: int | None = None,
        start_token: str | None = None,
        prefetch: int = 1,
    ) -> AsyncPaginator[Task]:
        """Stream every matching task over ``POST /tasks/paginate``.

        See :class:`~qarnot_async.pagination.AsyncPaginator` for resuming, prefetch
        and memory bounds. ``order_by``: creationDate, name, state or executionTime.
        """
        return self._paginator(
            Task,
            "/tasks/paginate",
            filter=filter,
            order_by=order_by,
            descending=descending,
            page_size=page_size,
            limit=limit,
            start_token=start_token,
            prefetch=prefetch,
            order_fields=TASK_ORDER_FIELDS,
        )

    def paginate_summaries(
        self,
        filter: FilterLike | None = None,
        *,
        order_by: str | None = None,
        descending: bool = False,
        page_size: int = 100,
        limit: int | None = None,
        start_token: str | None = None,
        prefetch: int = 1,
    ) -> AsyncPaginator[TaskSummary]:
        """Stream every matching task summary over ``POST /tasks/summaries/paginate``."""
        return self._paginator(
            TaskSummary,
            "/tasks/summaries/paginate",
            filter=filter,
            order_by=order_by,
            descending=descending,
            page_size=page_size,
            limit=limit,
            start_token=start_token,
            prefetch=prefetch,
            order_fields=TASK_ORDER_FIELDS,
        )

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
        expect(task, TaskCreate, "task")
        return await self._create_one("/tasks", payload_with_shortname(task), name=task.name)

    async def create_many(
        self,
        tasks: Sequence[TaskCreate],
        *,
        chunk_size: int = 100,
        concurrency: int = 4,
    ) -> CreateResults:
        """``POST /tasks`` with arrays: create many tasks, ``chunk_size`` per request.

        Chunks go out ``concurrency`` at a time. Returns one result per input, in input
        order: its uuid, or the status and message of its failure; partial failure is
        returned, not raised (``results.raise_for_errors()`` raises it). Duplicate-safe
        like :meth:`create`: a chunk whose answer was lost is retried, and items found
        already created by shortname are reported with their uuid.

        Raises:
            InvalidInputError: an item is not a TaskCreate (nothing is sent).
        """
        for i, task in enumerate(tasks):
            expect(task, TaskCreate, f"tasks[{i}]")
        payloads = [payload_with_shortname(t) for t in tasks]
        check_unique_shortnames(payloads, "tasks")
        return await self._create_many(
            "/tasks", payloads, chunk_size=chunk_size, concurrency=concurrency
        )

    async def _derive(self, uuid: str, action: str, overrides: Any, cls: type) -> str:
        if overrides is None:
            overrides = cls()
        expect(overrides, cls, "overrides")
        return await self._create_one(
            route("tasks", check_uuid_arg(uuid), action),
            payload_with_shortname(overrides),
            name=getattr(overrides, "name", None),
        )

    async def clone(self, uuid: str, overrides: TaskClone | None = None) -> str:
        """``POST /tasks/{uuid}/clone``: a new task like this one; returns its uuid.

        Raises:
            NotFoundError: no such task.
        """
        return await self._derive(uuid, "clone", overrides, TaskClone)

    async def retry(self, uuid: str, overrides: TaskRetry | None = None) -> str:
        """``POST /tasks/{uuid}/retry``: rerun the failed instances in a new task.

        Raises:
            NotFoundError: no such task.
            ForbiddenError: the task has no failed instance or is not final.
        """
        return await self._derive(uuid, "retry", overrides, TaskRetry)

    async def recover(self, uuid: str, overrides: TaskRecover | None = None) -> str:
        """``POST /tasks/{uuid}/recover``: rerun failed and cancelled instances.

        Raises:
            NotFoundError: no such task.
        """
        return await self._derive(uuid, "recover", overrides, TaskRecover)

    async def resume(self, uuid: str, overrides: TaskResume | None = None) -> str:
        """``POST /tasks/{uuid}/resume``: rerun the cancelled instances in a new task.

        Raises:
            NotFoundError: no such task.
        """
        return await self._derive(uuid, "resume", overrides, TaskResume)

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
        raise_on_failure: bool = False,
    ) -> Task:
        """Wait until the task is final (or in a state of ``until``); return it.

        Served by the client's shared poller: a thousand concurrent waits cost a few
        coalesced ``POST /tasks/summaries/paginate`` per tick, and the final tasks are
        fetched in chunks with ``POST /tasks/paginate`` (see
        :class:`~qarnot_async.polling.PollPolicy` for the schedule).

        Raises:
            WaitTimeoutError: ``timeout`` seconds passed; ``last_seen`` holds the last
                summary seen.
            TaskFailedError: the task ended in Failure and ``raise_on_failure`` is set.
            NotFoundError: the task does not exist (or was deleted meanwhile).
        """
        result: Task = await self._wait(task, until, timeout)
        if raise_on_failure and result.state is TaskState.FAILURE:
            raise TaskFailedError(result, result.errors or ())
        return result

    def as_completed(self, tasks: Iterable[str | TaskSummary]) -> AsyncIterator[Task]:
        """Yield each task as it reaches a final state (full entities, fetched in chunks).

        Raises:
            NotFoundError: (while iterating) a task was deleted.
        """
        uuids = [t if isinstance(t, str) else t.uuid for t in tasks]
        return self._client._get_poller().as_completed("task", uuids)

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

    # -- output -------------------------------------------------------------------------

    async def stdout(
        self, uuid: str, instance_id: int | None = None, *, fresh: bool = False
    ) -> str:
        """The task's standard output, as text.

        ``GET /tasks/{uuid}/stdout[/{instanceId}]`` returns what the service keeps;
        with ``fresh=True``, ``POST`` on the same path returns only what was written
        since the previous fresh read.

        Raises:
            InvalidInputError: a negative ``instance_id``.
            NotFoundError: no such task or instance.
        """
        return await self._output("tasks", uuid, "stdout", instance_id, fresh)

    async def stderr(
        self, uuid: str, instance_id: int | None = None, *, fresh: bool = False
    ) -> str:
        """The task's standard error, as text (see :meth:`stdout`)."""
        return await self._output("tasks", uuid, "stderr", instance_id, fresh)
