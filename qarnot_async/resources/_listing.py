"""One family of listing routes: everything at once, one page, or a stream of pages.

``client.tasks`` lists tasks over ``GET /tasks`` and ``POST /tasks/paginate``;
``client.tasks.summaries`` lists task summaries over ``GET /tasks/summaries`` and
``POST /tasks/summaries/paginate``. Both are a :class:`Listing`, so they take the same
arguments and return the same :class:`~qarnot_async.pagination.Page` type.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from ..filters import FilterLike
from ..pagination import AsyncPaginator, Page
from ._checks import clamp_page_size, order_field, tag_params
from ._paging import MAX_PAGE_SIZE, PageReader, stream
from ._requests import Calls

__all__ = ["Listing"]

T = TypeVar("T")


class Listing(Generic[T]):
    """Reading ``<route>``: :meth:`list`, :meth:`page` and :meth:`paginate`.

    Args:
        calls: the requests of the resource.
        cls: what each item is read as.
        route: the listing route, e.g. ``/tasks`` or ``/tasks/summaries``.
        order_fields: the wire names :meth:`page` and :meth:`paginate` may sort on.

    Errors common to every method: :class:`~qarnot_async.AuthenticationError` (401),
    :class:`~qarnot_async.ServerError` (5xx, after retries),
    :class:`~qarnot_async.TransportError`, :class:`~qarnot_async.DecodeError` (a
    malformed answer, naming the route and the field).
    """

    def __init__(self, calls: Calls, cls: type[T], route: str, order_fields: Sequence[str]) -> None:
        self._calls = calls
        self._cls = cls
        self._route = route
        self._order_fields = tuple(order_fields)
        self._many: Any = list[cls]  # type: ignore[valid-type]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._route} of {self._calls.requester!r}>"

    async def list(self, tags: str | Sequence[str] | None = None) -> builtins.list[T]:
        """``GET <route>?tag=``: every item (with any of ``tags``), in one answer.

        Prefer :meth:`paginate` on large accounts: this legacy route answers all at once.
        """
        items: builtins.list[T] = await self._calls.read(
            self._many, "GET", self._route, params=tag_params(tags)
        )
        return items

    def reader(
        self,
        filter: FilterLike | None = None,
        *,
        order_by: str | None = None,
        descending: bool = False,
    ) -> PageReader[T]:
        """The page reader of one query over ``POST <route>/paginate``.

        ``await reader(token, size)`` returns one :class:`~qarnot_async.pagination.Page`;
        :meth:`page` and :meth:`paginate` are built on it.

        Raises:
            InvalidInputError: an ``order_by`` this listing cannot sort on, or a filter
                that is neither a Filter nor a dict.
        """
        return PageReader(
            self._calls,
            self._cls,
            f"{self._route}/paginate",
            filter=filter,
            order_by=order_field(order_by, allowed=self._order_fields),
            descending=descending,
        )

    async def page(
        self,
        filter: FilterLike | None = None,
        *,
        token: str | None = None,
        page_size: int = 100,
        order_by: str | None = None,
        descending: bool = False,
    ) -> Page[T]:
        """``POST <route>/paginate``: one page; pass its ``next_token`` as ``token`` for
        the next one (``None``: that was the last). :meth:`paginate` streams them all.

        ``page_size`` is capped at 1,000.

        Raises:
            InvalidInputError: a ``page_size`` below 1 or an unknown ``order_by``.
            BadRequestError: the service refused the filter, order or token.
        """
        size = clamp_page_size(page_size, MAX_PAGE_SIZE)
        return await self.reader(filter, order_by=order_by, descending=descending)(token, size)

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
        parallel: int = 1,
    ) -> AsyncPaginator[T]:
        """Stream every matching item over ``POST <route>/paginate``.

        ``page_size`` items per request; ``limit`` stops after that many items in all.
        ``order_by``: the fields of the collection (creationDate, name, state, and
        executionTime for tasks and pools). See
        :class:`~qarnot_async.pagination.AsyncPaginator` for resuming, prefetch and
        memory bounds.

        ``parallel=K`` (K >= 2, opt-in) streams faster than one token chain can: the
        query is split into K disjoint ranges of creation dates (found from its first
        and last items, two more requests) read by K chains at once. Items come as their
        pages arrive, each exactly once, in no global order (each range keeps
        ``order_by``); the resume token records every chain
        (:class:`~qarnot_async.pagination.ParallelPaginator`).

        Raises:
            InvalidInputError: an unknown ``order_by``, a bad ``page_size``, ``limit``,
                ``prefetch``, ``parallel`` or ``start_token``.
        """
        return stream(
            self.reader(filter, order_by=order_by, descending=descending),
            page_size=page_size,
            limit=limit,
            start_token=start_token,
            prefetch=prefetch,
            parallel=parallel,
        )
