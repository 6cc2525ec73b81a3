"""The verbs tasks, pools and jobs share, written once.

``Tasks``, ``Pools`` and ``Jobs`` derive from :class:`Collection` (get, list, search,
one page, a stream) and, where the service has them, :class:`WithSummaries` (the same
over summaries) and :class:`WithOutput` (stdout and stderr).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..filters import FilterLike
from ..models import TokenPage
from ..pagination import AsyncPaginator
from ._base import MAX_PAGE_SIZE, Resource, check_uuid_arg, order_field, route
from ._watching import PagedStateSource

if TYPE_CHECKING:
    from ..polling import StateSource

__all__ = ["Collection", "WithOutput", "WithSummaries"]

E = TypeVar("E")
S = TypeVar("S")
T = TypeVar("T")


class Collection(Resource, Generic[E]):
    """Reading a collection (``/tasks``, ``/pools``, ``/jobs``).

    Errors common to every method: :class:`~qarnot_async.AuthenticationError` (401),
    :class:`~qarnot_async.ServerError` (5xx, after retries),
    :class:`~qarnot_async.TransportError`.
    """

    _entity: type[E]
    _order_fields: tuple[str, ...] = ("creationDate", "name", "state")

    @property
    def kind(self) -> str:
        """The poller's name for this collection: ``"task"``, ``"pool"`` or ``"job"``."""
        return self._kind

    def state_source(self) -> StateSource:
        """How the shared poller reads this collection's states and final entities.

        States come from the summaries where the collection has them (lighter), else
        from the full entities.
        """
        summary: type[Any] = getattr(self, "_summary", self._entity)
        summary_route = "/summaries/paginate" if summary is not self._entity else "/paginate"
        return PagedStateSource(
            self,
            kind=self._kind,
            collection=self._collection,
            summary_cls=summary,
            summary_route=self._collection + summary_route,
            entity_cls=self._entity,
            entity_route=self._collection + "/paginate",
            is_final=self._is_final,
        )

    @property
    def _name(self) -> str:
        return self._collection.strip("/")

    async def get(self, uuid_or_shortname: str) -> E:
        """``GET /<collection>/{uuid}``: one entity, by uuid or shortname.

        Raises:
            NotFoundError: nothing has this uuid or shortname.
        """
        return await self._one(
            self._entity, "GET", route(self._name, check_uuid_arg(uuid_or_shortname))
        )

    async def list(self, tags: str | Sequence[str] | None = None) -> builtins.list[E]:
        """``GET /<collection>?tag=``: every entity (with any of ``tags``), in one answer.

        Prefer :meth:`paginate` on large accounts: this legacy route answers all at once.
        """
        return await self._many(self._entity, "GET", self._collection, params=self._tags(tags))

    async def search(
        self,
        filter: FilterLike | None = None,
        *,
        select: Sequence[str] | None = None,
        max_results: int | None = None,
    ) -> builtins.list[E]:
        """``POST /<collection>/search``: the entities matching ``filter``, as one list.

        ``select`` names the fields the service fills in (PascalCase, e.g. ``["Uuid",
        "State"]``); the others come back unset.

        Raises:
            BadRequestError: the service refused the filter.
        """
        return await self._search(
            self._entity,
            f"{self._collection}/search",
            filter=filter,
            select=select,
            max_results=max_results,
        )

    async def page(
        self,
        *,
        filter: FilterLike | None = None,
        token: str | None = None,
        max_results: int = 100,
        order_by: str | None = None,
        descending: bool = False,
    ) -> TokenPage[E]:
        """``POST /<collection>/paginate``: one page; :meth:`paginate` streams them all.

        Raises:
            BadRequestError: the service refused the filter, order or token.
        """
        return await self._page_of(
            self._entity, "/paginate", filter, token, max_results, order_by, descending
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
    ) -> AsyncPaginator[E]:
        """Stream every matching entity over ``POST /<collection>/paginate``.

        ``order_by``: creationDate, name, state (and executionTime for tasks and
        pools). See :class:`~qarnot_async.pagination.AsyncPaginator` for resuming,
        prefetch and memory bounds.
        """
        return self._paginator(
            self._entity,
            self._collection + "/paginate",
            filter=filter,
            order_by=order_by,
            descending=descending,
            page_size=page_size,
            limit=limit,
            start_token=start_token,
            prefetch=prefetch,
            order_fields=self._order_fields,
        )

    async def _page_of(
        self,
        cls: type[T],
        suffix: str,
        filter: FilterLike | None,
        token: str | None,
        max_results: int,
        order_by: str | None,
        descending: bool,
    ) -> TokenPage[T]:
        return await self._token_page(
            cls,
            self._collection + suffix,
            token=token,
            filter=filter,
            max_results=min(max_results, MAX_PAGE_SIZE),
            order_by=order_field(order_by, allowed=self._order_fields),
            descending=descending,
        )


class WithSummaries(Collection[E], Generic[E, S]):
    """A collection that also serves lighter summaries (tasks and pools)."""

    _summary: type[S]

    async def list_summaries(self, tags: str | Sequence[str] | None = None) -> builtins.list[S]:
        """``GET /<collection>/summaries?tag=``: every summary, in one answer."""
        return await self._many(
            self._summary, "GET", f"{self._collection}/summaries", params=self._tags(tags)
        )

    async def summaries_page(
        self,
        *,
        filter: FilterLike | None = None,
        token: str | None = None,
        max_results: int = 100,
        order_by: str | None = None,
        descending: bool = False,
    ) -> TokenPage[S]:
        """``POST /<collection>/summaries/paginate``: one page of summaries.

        Raises:
            BadRequestError: the service refused the filter, order or token.
        """
        return await self._page_of(
            self._summary, "/summaries/paginate", filter, token, max_results, order_by, descending
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
    ) -> AsyncPaginator[S]:
        """Stream every matching summary over ``POST /<collection>/summaries/paginate``."""
        return self._paginator(
            self._summary,
            self._collection + "/summaries/paginate",
            filter=filter,
            order_by=order_by,
            descending=descending,
            page_size=page_size,
            limit=limit,
            start_token=start_token,
            prefetch=prefetch,
            order_fields=self._order_fields,
        )


class WithOutput(Resource):
    """Standard output and error of tasks and pools."""

    async def stdout(
        self, uuid: str, instance_id: int | None = None, *, fresh: bool = False
    ) -> str:
        """The standard output, as text.

        ``GET /<collection>/{uuid}/stdout[/{instanceId}]`` returns what the service
        keeps; with ``fresh=True``, ``POST`` on the same path returns only what was
        written since the previous fresh read.

        Raises:
            InvalidInputError: a negative ``instance_id``.
            NotFoundError: no such task, pool or instance.
        """
        return await self._output(self._collection.strip("/"), uuid, "stdout", instance_id, fresh)

    async def stderr(
        self, uuid: str, instance_id: int | None = None, *, fresh: bool = False
    ) -> str:
        """The standard error, as text (see :meth:`stdout`)."""
        return await self._output(self._collection.strip("/"), uuid, "stderr", instance_id, fresh)
