"""``client.pools``: every pool operation of the Compute API."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable

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
from ._base import (
    check_uuid_arg,
    expect,
    route,
)
from ._collection import WithOutput, WithSummaries

__all__ = ["Pools"]


def _pool_ready(state: PoolState) -> bool:
    return state is PoolState.FULLY_EXECUTING or state.is_final


POOL_ORDER_FIELDS = ("creationDate", "name", "state", "executionTime")


class Pools(WithSummaries[Pool, PoolSummary], WithOutput):
    """Pools: long-lived groups of machines that run tasks.

    Errors common to every method: :class:`~qarnot_async.AuthenticationError` (401),
    :class:`~qarnot_async.ServerError` (5xx, after retries),
    :class:`~qarnot_async.TransportError`.
    """

    _kind = "pool"
    _collection = "/pools"
    _entity = Pool
    _summary = PoolSummary
    _order_fields = POOL_ORDER_FIELDS

    # -- reading ------------------------------------------------------------------------

    async def jobs(self, uuid: str) -> builtins.list[Job]:
        """``GET /pools/{uuid}/jobs``: the pool's jobs.

        Raises:
            NotFoundError: no such pool.
        """
        return await self._many(Job, "GET", route("pools", check_uuid_arg(uuid), "jobs"))

    async def tasks(self, uuid: str) -> builtins.list[Task]:
        """``GET /pools/{uuid}/tasks``: the pool's tasks.

        Raises:
            NotFoundError: no such pool.
        """
        return await self._many(Task, "GET", route("pools", check_uuid_arg(uuid), "tasks"))

    # -- creating and changing ----------------------------------------------------------

    async def create(self, pool: PoolCreate) -> str:
        """``POST /pools``: create a pool and return its uuid (duplicate-safe, as
        :meth:`Tasks.create <qarnot_async.resources.tasks.Tasks.create>`).

        Raises:
            BadRequestError: the service refused the pool.
            QuotaExceededError: the account's pool quota is reached.
            ConflictError: the shortname you chose is already used by another pool.
        """
        return await self._create(pool, PoolCreate, "pool")

    async def clone(self, uuid: str, overrides: PoolClone | None = None) -> str:
        """``POST /pools/{uuid}/clone``: a new pool like this one; returns its uuid.

        Raises:
            NotFoundError: no such pool.
        """
        return await self._create_from(uuid, "clone", overrides, PoolClone)

    async def update(self, uuid: str, update: PoolUpdate) -> None:
        """``PUT /pools/{uuid}``: change the pool's constants, constraints, elastic
        settings...

        Raises:
            NotFoundError: no such pool.
            BadRequestError: the update was refused.
        """
        expect(update, PoolUpdate, "update")
        await self._send("PUT", route("pools", check_uuid_arg(uuid)), json_body=unstructure(update))

    async def sync_resources(self, uuid: str) -> None:
        """``PATCH /pools/{uuid}``: push the pool's updated resources to its nodes.

        Raises:
            NotFoundError: no such pool.
        """
        await self._send("PATCH", route("pools", check_uuid_arg(uuid)))

    async def close(self, uuid: str) -> None:
        """``POST /pools/{uuid}/close``: stop the pool; it goes Closing, then Closed.

        Raises:
            NotFoundError: no such pool.
        """
        await self._send("POST", route("pools", check_uuid_arg(uuid), "close"), idempotent=True)

    async def delete(self, uuid: str) -> None:
        """``DELETE /pools/{uuid}``: delete the pool.

        Raises:
            NotFoundError: no such pool.
        """
        await self._send("DELETE", route("pools", check_uuid_arg(uuid)))

    # -- scaling ------------------------------------------------------------------------

    async def scaling(self, uuid: str) -> Scaling:
        """``GET /pools/{uuid}/scaling``: the pool's scaling policies.

        Raises:
            NotFoundError: no such pool.
        """
        return await self._one(Scaling, "GET", route("pools", check_uuid_arg(uuid), "scaling"))

    async def update_scaling(self, uuid: str, scaling: Scaling) -> None:
        """``PUT /pools/{uuid}/scaling``: replace the pool's scaling policies.

        Raises:
            NotFoundError: no such pool.
            BadRequestError: the scaling was refused.
        """
        expect(scaling, Scaling, "scaling")
        await self._send(
            "PUT",
            route("pools", check_uuid_arg(uuid), "scaling"),
            json_body=unstructure(scaling),
        )

    async def check_scaling(self, scaling: Scaling) -> None:
        """``POST /sanity-checks/pools/scaling``: validate a scaling without applying it.

        Raises:
            BadRequestError: the scaling is invalid (``field_errors`` says why).
        """
        expect(scaling, Scaling, "scaling")
        await self._send("POST", "/sanity-checks/pools/scaling", json_body=unstructure(scaling))

    # -- waiting ------------------------------------------------------------------------

    async def wait(
        self,
        pool: str | PoolSummary,
        *,
        until: Callable[[PoolState], bool] | Iterable[PoolState] | None = None,
        timeout: float | None = None,
        max_interval: float | None = None,
    ) -> Pool:
        """Wait until the pool runs (FullyExecuting) or is final (Closed, Failure).

        ``until`` names other states to stop at. Served by the client's shared poller.

        ``max_interval`` caps the pause between polls while this wait is pending (the
        client's :class:`~qarnot_async.polling.PollPolicy` sets the rest).

        Raises:
            WaitTimeoutError: ``timeout`` seconds passed (``last_seen``: the last summary).
            NotFoundError: the pool does not exist (or was deleted meanwhile).
        """
        result: Pool = await self._wait(
            pool, until if until is not None else _pool_ready, timeout, max_interval
        )
        return result
