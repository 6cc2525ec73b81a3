"""``client.pools``: every pool operation of the Compute API."""

from __future__ import annotations

import builtins

from .._converter import unstructure
from ..models import (
    Job,
    Pool,
    PoolClone,
    PoolCreate,
    PoolState,
    PoolSummary,
    PoolUpdate,
    Scaling,
    Task,
)
from ._checks import expect
from ._collection import WithInstances, WithSummaries
from ._footprint import WithFootprint
from ._storage import WithStorage, resource_bucket_names
from ._waiting import Until

__all__ = ["Pools"]


def _pool_ready(state: PoolState) -> bool:
    return state is PoolState.FULLY_EXECUTING


class Pools(
    WithStorage[Pool, PoolSummary, PoolState, PoolCreate],
    WithSummaries[Pool, PoolSummary, PoolState, PoolCreate],
    WithInstances[PoolUpdate],
    WithFootprint,
):
    """Pools: long-lived groups of machines that run tasks.

    ``client.pools.summaries`` lists the lighter pool summaries. :meth:`wait` without
    ``until`` returns as soon as the pool runs (FullyExecuting) or is final (Closed,
    Failure). For the errors common to every method, see
    :class:`~qarnot_async.resources.Collection`.
    """

    _kind = "pool"
    _entity = Pool
    _summary = PoolSummary
    _create_input = PoolCreate
    _update_input = PoolUpdate

    def _default_until(self) -> Until:
        """A pool is ready to use once it runs: waiting for Closed would wait forever."""
        return _pool_ready

    # -- reading ------------------------------------------------------------------------

    async def jobs(self, uuid: str) -> builtins.list[Job]:
        """``GET /pools/{uuid}/jobs``: the pool's jobs.

        Raises:
            NotFoundError: no such pool.
        """
        return await self._calls.read(list[Job], "GET", self._item(uuid, "jobs"))

    async def tasks(self, uuid: str) -> builtins.list[Task]:
        """``GET /pools/{uuid}/tasks``: the pool's tasks (``NotFoundError``: no such pool)."""
        return await self._calls.read(list[Task], "GET", self._item(uuid, "tasks"))

    # -- creating and changing ----------------------------------------------------------

    async def clone(self, uuid: str, overrides: PoolClone | None = None) -> str:
        """``POST /pools/{uuid}/clone``: a new pool like this one; returns its uuid.

        Raises:
            NotFoundError: no such pool.
        """
        return await self._creator.create_from(uuid, "clone", overrides, PoolClone)

    async def close(self, uuid: str) -> None:
        """``POST /pools/{uuid}/close``: stop the pool; it goes Closing, then Closed.

        Raises:
            NotFoundError: no such pool.
        """
        await self._act("POST", uuid, "close", idempotent=True)

    async def delete(self, uuid: str, *, purge_resources: bool = False) -> None:
        """``DELETE /pools/{uuid}``: delete the pool; with ``purge_resources``, its
        resource buckets too, objects included (a bucket already gone is logged).

        Raises:
            NotFoundError: no such pool.
            ConfigurationError: a purge without storage (see ``client.buckets``).
        """
        if not purge_resources:
            await self._act("DELETE", uuid)
            return
        buckets = self._buckets()
        pool = await self.get(uuid)
        await self._act("DELETE", pool.uuid or uuid)
        await buckets.delete_if_exists(resource_bucket_names(pool))

    # -- scaling ------------------------------------------------------------------------

    async def scaling(self, uuid: str) -> Scaling:
        """``GET /pools/{uuid}/scaling``: the pool's scaling policies.

        Raises:
            NotFoundError: no such pool.
        """
        return await self._calls.read(Scaling, "GET", self._item(uuid, "scaling"))

    async def update_scaling(self, uuid: str, scaling: Scaling) -> None:
        """``PUT /pools/{uuid}/scaling``: replace the pool's scaling policies.

        Raises:
            NotFoundError: no such pool.
            BadRequestError: the scaling was refused.
        """
        expect(scaling, Scaling, "scaling")
        await self._act("PUT", uuid, "scaling", json_body=unstructure(scaling))

    async def check_scaling(self, scaling: Scaling) -> None:
        """``POST /sanity-checks/pools/scaling``: validate a scaling without applying it.

        Raises:
            BadRequestError: the scaling is invalid (``field_errors`` says why).
        """
        expect(scaling, Scaling, "scaling")
        await self._calls.send(
            "POST", "/sanity-checks/pools/scaling", json_body=unstructure(scaling)
        )
