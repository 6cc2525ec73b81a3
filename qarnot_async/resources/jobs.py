"""``client.jobs``: every job operation of the Compute API."""

from __future__ import annotations

import builtins

from ..models import Job, JobCreate, JobState, Task
from ._collection import Collection, WithBulkCreate

__all__ = ["Jobs"]


class Jobs(Collection[Job, Job, JobState, JobCreate], WithBulkCreate[JobCreate]):
    """Jobs: groups of tasks, optionally with dependencies between them.

    A job has no summaries: waits and watches poll ``POST /jobs/paginate``. For the
    errors common to every method, see :class:`~qarnot_async.resources.Collection`.
    """

    _kind = "job"
    _entity = Job
    _create_input = JobCreate

    async def tasks(self, uuid: str) -> builtins.list[Task]:
        """``GET /jobs/{uuid}/tasks``: the job's tasks.

        Raises:
            NotFoundError: no such job.
        """
        return await self._calls.read(list[Task], "GET", self._item(uuid, "tasks"))

    async def terminate(self, uuid: str) -> None:
        """``POST /jobs/{uuid}/terminate``: cancel the job's tasks; it ends Completed.

        Raises:
            NotFoundError: no such job.
        """
        await self._act("POST", uuid, "terminate", idempotent=True)

    async def delete(self, uuid: str, *, force: bool = False) -> None:
        """``DELETE /jobs/{uuid}?force=``: delete the job.

        Raises:
            ForbiddenError: the job still has tasks and ``force`` is False.
            NotFoundError: no such job.
        """
        await self._act("DELETE", uuid, params={"force": "true"} if force else None)
