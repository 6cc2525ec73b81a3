"""``client.jobs``: every job operation of the Compute API."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Sequence

from ..models import Job, JobCreate, JobState, Task
from ._base import (
    CreateResults,
    check_uuid_arg,
    route,
)
from ._collection import Collection

__all__ = ["Jobs"]

JOB_ORDER_FIELDS = ("creationDate", "name", "state")


class Jobs(Collection[Job]):
    """Jobs: groups of tasks, optionally with dependencies between them.

    Errors common to every method: :class:`~qarnot_async.AuthenticationError` (401),
    :class:`~qarnot_async.ServerError` (5xx, after retries),
    :class:`~qarnot_async.TransportError`.
    """

    _kind = "job"
    _collection = "/jobs"
    _entity = Job
    _order_fields = JOB_ORDER_FIELDS

    async def tasks(self, uuid: str) -> builtins.list[Task]:
        """``GET /jobs/{uuid}/tasks``: the job's tasks.

        Raises:
            NotFoundError: no such job.
        """
        return await self._many(Task, "GET", route("jobs", check_uuid_arg(uuid), "tasks"))

    async def create(self, job: JobCreate) -> str:
        """``POST /jobs``: create a job and return its uuid (duplicate-safe, as
        :meth:`Tasks.create <qarnot_async.resources.tasks.Tasks.create>`).

        Raises:
            BadRequestError: the service refused the job.
            QuotaExceededError: the account's job quota is reached.
            ConflictError: the shortname you chose is already used by another job.
            NotFoundError: the pool does not exist.
        """
        return await self._create(job, JobCreate, "job")

    async def create_many(
        self,
        jobs: Sequence[JobCreate],
        *,
        chunk_size: int = 100,
        concurrency: int = 4,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> CreateResults:
        """``POST /jobs`` with arrays: create many jobs; one result per input, in order.

        See :meth:`Tasks.create_many <qarnot_async.resources.tasks.Tasks.create_many>`.

        Raises:
            InvalidInputError: an item is not a JobCreate, or two share a shortname.
        """
        return await self._create_all(
            jobs,
            JobCreate,
            "jobs",
            chunk_size=chunk_size,
            concurrency=concurrency,
            on_progress=on_progress,
        )

    async def wait(
        self,
        job: str | Job,
        *,
        until: Callable[[JobState], bool] | Iterable[JobState] | None = None,
        timeout: float | None = None,
        max_interval: float | None = None,
    ) -> Job:
        """Wait until the job is Completed (or in a state of ``until``); return it.

        Served by the client's shared poller, over ``POST /jobs/paginate``.

        ``max_interval`` caps the pause between polls while this wait is pending (the
        client's :class:`~qarnot_async.polling.PollPolicy` sets the rest).

        Raises:
            WaitTimeoutError: ``timeout`` seconds passed (``last_seen``: the last job seen).
            NotFoundError: the job does not exist (or was deleted meanwhile).
        """
        result: Job = await self._wait(job, until, timeout, max_interval)
        return result

    async def terminate(self, uuid: str) -> None:
        """``POST /jobs/{uuid}/terminate``: cancel the job's tasks; it ends Completed.

        Raises:
            NotFoundError: no such job.
        """
        await self._send("POST", route("jobs", check_uuid_arg(uuid), "terminate"), idempotent=True)

    async def delete(self, uuid: str, *, force: bool = False) -> None:
        """``DELETE /jobs/{uuid}?force=``: delete the job.

        Raises:
            ForbiddenError: the job still has tasks and ``force`` is False.
            NotFoundError: no such job.
        """
        params = {"force": "true"} if force else None
        await self._send("DELETE", route("jobs", check_uuid_arg(uuid)), params=params)
