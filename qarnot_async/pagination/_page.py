"""What a paginator reads: pages, and the fetchers that bring them.

A :data:`PageFetcher` is any ``await fetch(cursor, size)`` returning a :class:`Page`. A
:class:`StagedPageFetcher` splits that in two, so the paginator can send the request
for the next page as soon as the current answer is decoded, and read (structure) the
current page while that request travels: the reading overlaps the network.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

import attrs

__all__ = ["Page", "PageFetcher", "PageHead", "StagedPageFetcher", "staged"]

T = TypeVar("T")


@attrs.frozen(slots=True)
class Page(Generic[T]):
    """One page of a paged answer.

    Attributes:
        items: the entities of this page.
        next_token: the cursor of the next page, or ``None`` on the last page.
        total: the number of matching entities the service reported, if it did.
        is_truncated: whether the service said more pages follow.
    """

    items: list[T]
    next_token: str | None
    total: int | None = None
    is_truncated: bool = False


PageFetcher = Callable[[str | None, int], Awaitable[Page[T]]]
"""Fetches the page at a cursor (``None``: the first) with at most ``size`` items."""


@attrs.frozen(slots=True)
class PageHead:
    """What the paginator needs of an answer before reading it: how many items it
    holds, and the cursor of the next page (``None``: the last page, or unknown)."""

    count: int
    next_token: str | None


@runtime_checkable
class StagedPageFetcher(Protocol[T]):
    """A page fetcher in three steps: send and decode, peek, read.

    ``await request(cursor, size)`` returns the decoded answer (JSON as
    ``json.loads`` gives it); ``head(answer)`` its item count and next cursor, cheaply
    and without raising (a malformed answer gives ``PageHead(0, None)``: ``read``
    raises the error); ``read(answer)`` the :class:`Page`.
    """

    async def request(self, cursor: str | None, size: int) -> Any:
        """Send the request of the page at ``cursor``; its decoded answer."""
        ...

    def head(self, answer: Any) -> PageHead:
        """The item count and next cursor of ``answer``."""
        ...

    def read(self, answer: Any) -> Page[T]:
        """``answer`` read into a :class:`Page`."""
        ...


class _Whole(Generic[T]):
    """A plain :data:`PageFetcher` seen as staged: its answer is the page itself."""

    __slots__ = ("_fetch",)

    def __init__(self, fetch: PageFetcher[T]) -> None:
        self._fetch = fetch

    async def request(self, cursor: str | None, size: int) -> Page[T]:
        return await self._fetch(cursor, size)

    def head(self, answer: Page[T]) -> PageHead:
        return PageHead(len(answer.items), answer.next_token if answer.is_truncated else None)

    def read(self, answer: Page[T]) -> Page[T]:
        return answer


def staged(fetch: PageFetcher[T] | StagedPageFetcher[T]) -> StagedPageFetcher[T]:
    """``fetch`` itself when it is staged, else a staged view of it."""
    if isinstance(fetch, StagedPageFetcher):
        return fetch
    return _Whole(fetch)
