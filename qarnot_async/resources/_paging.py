"""Reading paged routes: request bodies built from the paging models, answers read into
the one :class:`~qarnot_async.pagination.Page` type.

A page reader is a small function object: ``await reader(cursor, size)`` returns the
page at ``cursor`` (``None``: the first). :class:`~qarnot_async.pagination.AsyncPaginator`
streams over it, ``page()`` calls it once, and the poller's state source reads the
states of many uuids with it. A token-page reader is also a
:class:`~qarnot_async.pagination.StagedPageFetcher`: the paginator sends the next
request as soon as an answer is decoded, and reads the answer into models while that
request travels.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import attrs

from .._converter import structure, unstructure
from ..errors import DecodeError, InvalidInputError
from ..filters import F, FilterLike, Leaf, to_wire
from ..models import DataDetailRequest, OffsetPage, OrderType, PageRequest, TokenPage
from ..pagination import AsyncPaginator, Page, PageHead, ParallelPaginator
from ._checks import check_positive
from ._requests import Calls

__all__ = [
    "MAX_PAGE_SIZE",
    "OffsetPageReader",
    "PageReader",
    "creation_bounds",
    "page_request",
    "search_request",
    "stream",
]

T = TypeVar("T")

MAX_PAGE_SIZE = 1000
"""The largest ``maximumResults`` the SDK asks for: no document states the service's
limit, and larger pages only cost memory."""


def page_request(
    *,
    filter: dict[str, Any] | None,
    token: str | None,
    page_size: int,
    order_by: str | None,
    descending: bool,
) -> dict[str, Any]:
    """The body of ``POST …/paginate`` (a :class:`~qarnot_async.models.PageRequest`).

    ``filter`` is already in wire form; ``order_by`` is a wire field name.
    """
    order_type = None
    if order_by is not None:  # the service reads orderType only alongside orderBy
        order_type = OrderType.DESC if descending else OrderType.ASC
    body: dict[str, Any] = unstructure(
        PageRequest(
            token=token,
            filter=filter,
            maximum_results=page_size,
            order_by=order_by,
            order_type=order_type,
        )
    )
    return body


def search_request(
    filter: FilterLike | None, *, select: Sequence[str] | None, limit: int | None
) -> dict[str, Any]:
    """The body of ``POST …/search`` (a :class:`~qarnot_async.models.DataDetailRequest`).

    Raises:
        InvalidInputError: a ``limit`` below 1, a ``select`` that is not a list of names,
            or a filter that is neither a Filter nor a dict.
    """
    check_positive(limit, "limit")
    body: dict[str, Any] = unstructure(
        DataDetailRequest(select=select or None, filter=to_wire(filter), maximum_results=limit)
    )
    return body


@attrs.frozen(slots=True)
class _Head:
    """What a token page says of the page after it, read before its items are: the
    items themselves are passed through untouched (``Any``), only counted."""

    data: Any = None
    is_truncated: bool | None = None
    next_token: str | None = None


class PageReader(Generic[T]):
    """Reads the pages of one query on a token-paged route (``POST …/paginate``).

    Args:
        calls: the requests of the resource.
        cls: what each item is read as (``Task``, ``TaskSummary``...).
        route: the paginate route, e.g. ``/tasks/summaries/paginate``.
        filter: which items (a :class:`~qarnot_async.filters.Filter` or its wire dict).
        order_by: the wire name of the field to sort on, or ``None``.
        descending: sort in descending order (with ``order_by``).
    """

    __slots__ = (
        "_calls",
        "_cls",
        "_page_cls",
        "_where",
        "descending",
        "filter",
        "order_by",
        "route",
    )

    def __init__(
        self,
        calls: Calls,
        cls: type[T],
        route: str,
        *,
        filter: FilterLike | None = None,
        order_by: str | None = None,
        descending: bool = False,
    ) -> None:
        self._calls = calls
        self._cls = cls
        self._page_cls: Any = TokenPage[cls]  # type: ignore[valid-type]
        self.route = route
        self._where = f"POST {route}"
        self.filter = to_wire(filter)  # once, not per page
        self.order_by = order_by
        self.descending = descending

    @property
    def query(self) -> dict[str, Any]:
        """What identifies this query; resume tokens record it."""
        return {
            "route": self.route,
            "filter": self.filter,
            "order": self.order_by,
            "desc": self.descending,
        }

    async def __call__(self, cursor: str | None, size: int) -> Page[T]:
        """The page at ``cursor`` (``None``: the first), with at most ``size`` items."""
        return self.read(await self.request(cursor, size))

    def within(self, low: str | None, high: str | None) -> PageReader[T]:
        """The same query restricted to creation dates in ``[low, high)`` (wire dates;
        ``None``: unbounded on that side)."""
        parts = [self.filter] if self.filter is not None else []
        if low is not None:
            parts.append(Leaf("GreaterThanOrEqual", "CreationDate", low).to_wire())
        if high is not None:
            parts.append(Leaf("LessThan", "CreationDate", high).to_wire())
        wire = parts[0] if len(parts) == 1 else {"operator": "And", "filters": parts}
        return PageReader(
            self._calls,
            self._cls,
            self.route,
            filter=wire if parts else None,
            order_by=self.order_by,
            descending=self.descending,
        )

    def ordered(self, *, descending: bool) -> PageReader[T]:
        """The same query in creation order (ascending or not)."""
        return PageReader(
            self._calls,
            self._cls,
            self.route,
            filter=self.filter,
            order_by="creationDate",
            descending=descending,
        )

    async def request(self, cursor: str | None, size: int) -> Any:
        """Send the request of the page at ``cursor``; its answer, decoded, not read."""
        body = page_request(
            filter=self.filter,
            token=cursor,
            page_size=size,
            order_by=self.order_by,
            descending=self.descending,
        )
        response = await self._calls.send("POST", self.route, json_body=body)
        return response.json()

    def head(self, answer: Any) -> PageHead:
        """How many items ``answer`` holds and the cursor after it (``None``: the last
        page, or an answer :meth:`read` will refuse)."""
        try:
            head = structure(answer, _Head)
        except DecodeError:
            return PageHead(0, None)
        count = len(head.data) if type(head.data) is list else 0
        return PageHead(count, head.next_token if head.is_truncated else None)

    def read(self, answer: Any) -> Page[T]:
        """``answer`` read into a :class:`~qarnot_async.pagination.Page`.

        Raises:
            DecodeError: the answer is not a token page of ``T``.
        """
        page: TokenPage[T] = structure(answer, self._page_cls, where=self._where)
        more = page.has_more
        return Page(
            items=list(page.data),
            next_token=page.next_token if more else None,
            total=page.total,
            is_truncated=more,
        )


class OffsetPageReader(Generic[T]):
    """Reads the pages of a ``Limit``/``Offset`` route (``GET /hardware-constraints``).

    The cursor is the offset of the page's first item, as decimal text, so offset
    paging looks like token paging to the caller.
    """

    __slots__ = ("_calls", "_page_cls", "route")

    def __init__(self, calls: Calls, cls: type[T], route: str) -> None:
        self._calls = calls
        self._page_cls: Any = OffsetPage[cls]  # type: ignore[valid-type]
        self.route = route

    @property
    def query(self) -> dict[str, Any]:
        """What identifies this query; resume tokens record it."""
        return {"route": self.route}

    async def __call__(self, cursor: str | None, size: int) -> Page[T]:
        """The page starting at offset ``cursor`` (``None``: 0), with at most ``size`` items.

        Raises:
            InvalidInputError: ``cursor`` is not a ``next_token`` of this route.
        """
        offset = _offset(cursor)
        page: OffsetPage[T] = await self._calls.read(
            self._page_cls, "GET", self.route, params={"Limit": str(size), "Offset": str(offset)}
        )
        end = offset + len(page.data)
        more = bool(page.data) and (page.total is None or end < page.total)
        return Page(
            items=list(page.data),
            next_token=str(end) if more else None,
            total=page.total,
            is_truncated=more,
        )


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not isinstance(cursor, str) or not cursor.isdigit():
        raise InvalidInputError("token", "not a next_token of this listing", cursor)
    return int(cursor)


def stream(
    reader: PageReader[T] | OffsetPageReader[T],
    *,
    page_size: int,
    limit: int | None,
    start_token: str | None,
    prefetch: int,
    parallel: int = 1,
    max_page_size: int = MAX_PAGE_SIZE,
) -> AsyncPaginator[T]:
    """An :class:`~qarnot_async.pagination.AsyncPaginator` over ``reader``'s pages.

    ``parallel`` K >= 2: a :class:`~qarnot_async.pagination.ParallelPaginator` over K
    ranges of creation dates (see :func:`creation_bounds`; token pages only).

    Raises:
        InvalidInputError: ``parallel`` on an offset-paged listing, or below 1.
    """
    options: dict[str, Any] = {
        "query": reader.query,
        "page_size": page_size,
        "limit": limit,
        "start_token": start_token,
        "prefetch": prefetch,
        "max_page_size": max_page_size,
    }
    if parallel == 1:
        return AsyncPaginator(reader, **options)
    if not isinstance(reader, PageReader):
        raise InvalidInputError("parallel", "only token-paged listings split in ranges", parallel)
    token_reader = reader

    async def split(count: int) -> list[str]:
        return await creation_bounds(token_reader, count)

    return ParallelPaginator(split, token_reader.within, cursors=parallel, **options)


async def creation_bounds(reader: PageReader[Any], cursors: int) -> list[str]:
    """At most ``cursors - 1`` creation dates cutting ``reader``'s query in ranges of
    equal length of time, from its first and last items (two requests, at once).

    Fewer (none) when the query holds too few distinct dates to cut.
    """
    first, last = await asyncio.gather(
        reader.ordered(descending=False)(None, 1), reader.ordered(descending=True)(None, 1)
    )
    if not first.items or not last.items:
        return []
    low = getattr(first.items[0], "creation_date", None)
    high = getattr(last.items[0], "creation_date", None)
    if low is None or high is None or high <= low:
        return []
    step = (high - low) / cursors
    bounds: list[str] = []
    for i in range(1, cursors):
        bound = (F.creation_date >= low + step * i).value
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds
