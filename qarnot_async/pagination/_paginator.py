"""The :class:`AsyncPaginator`: one query streamed over one token chain."""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Mapping
from typing import Any, Generic, TypeVar

import attrs

from ..errors import InvalidInputError, PaginationError, QarnotError
from ._feed import ChainStream
from ._page import Page, PageFetcher, StagedPageFetcher, staged
from ._tokens import Position, decode, encode, fingerprint

__all__ = ["AsyncPaginator"]

T = TypeVar("T")


class AsyncPaginator(Generic[T]):
    """An async stream over every item of a paged query.

    Iterate it for items, or :meth:`pages` for whole pages; :meth:`collect` gathers a
    bounded number. Each iteration starts from ``start_token`` (or the beginning); a
    paginator records in :attr:`resume_token` how far its consumer got.

    Args:
        fetch: fetches one page (supplied by the resource); a
            :class:`~qarnot_async.pagination.StagedPageFetcher` lets the request of
            the next page leave while the current one is read.
        query: what identifies the query (endpoint, filter, order); it is recorded in
            resume tokens so they cannot be replayed against another query.
        page_size: items per request, clamped to ``[1, max_page_size]``.
        limit: stop after this many items, without fetching pages not needed.
        start_token: a :attr:`resume_token` to continue from.
        prefetch: pages fetched ahead while the consumer works (0: none, and no
            request leaves before the consumer is done with the page before).
        max_page_size: the largest page the service accepts.
    """

    def __init__(
        self,
        fetch: PageFetcher[T] | StagedPageFetcher[T],
        *,
        query: Mapping[str, Any],
        page_size: int = 100,
        limit: int | None = None,
        start_token: str | None = None,
        prefetch: int = 1,
        max_page_size: int = 1000,
    ) -> None:
        if limit is not None and limit < 0:
            raise InvalidInputError("limit", "must be >= 0 (or None for no limit)", limit)
        if prefetch < 0:
            raise InvalidInputError("prefetch", "must be >= 0", prefetch)
        if page_size < 1:
            raise InvalidInputError("page_size", "must be >= 1", page_size)
        self._fetcher = staged(fetch)
        self._fingerprint = fingerprint(query)
        self.page_size = min(page_size, max_page_size)
        self.limit = limit
        self.prefetch = prefetch
        self._streams: weakref.WeakSet[ChainStream[T]] = weakref.WeakSet()
        self.pages_fetched = 0
        """Pages received from the service so far, over every iteration."""
        self._done = False
        self._start(start_token)

    def _start(self, start_token: str | None) -> None:
        # Where the consumer stands: the current page's position, and how many of its
        # items were handed out (kept apart: handing out an item allocates nothing).
        self._position = Position(None, 0, self.page_size)
        if start_token is not None:
            self._position = _sequential(decode(start_token, self._fingerprint), start_token)
        self._skip = self._position.skip

    @property
    def resume_token(self) -> str | None:
        """A token to continue after the last item handed out; ``None`` at the end."""
        if self._done:
            return None
        at = self._position
        return encode({"c": at.cursor, "s": self._skip, "n": at.size}, self._fingerprint)

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        # Holding the stream in this generator's frame means a `break` drops it, and
        # ChainStream.__del__ cancels its fetch at once.
        stream = self._open()
        handed = 0
        limit = self.limit
        try:
            async for page, start in stream:
                self._position, self._skip = start, start.skip
                items = page.items
                for index in range(start.skip, len(items)):
                    if limit is not None and handed >= limit:
                        return
                    self._skip = index + 1
                    handed += 1
                    yield items[index]
                self._advance(page)
        except QarnotError as exc:
            exc.resume_token = self.resume_token
            raise
        finally:
            await stream.aclose()

    def pages(self) -> AsyncIterator[Page[T]]:
        """Iterate whole pages (a resumed first page starts at the resume point)."""
        return self._pages()

    async def _pages(self) -> AsyncIterator[Page[T]]:
        stream = self._open()
        handed = 0
        try:
            async for page, start in stream:
                items = page.items[start.skip :]
                if self.limit is not None:
                    items = items[: self.limit - handed]
                handed += len(items)
                self._position, self._skip = start, start.skip + len(items)
                if start.skip + len(items) == len(page.items):
                    self._advance(page)
                yield page if len(items) == len(page.items) else attrs.evolve(page, items=items)
                if self.limit is not None and handed >= self.limit:
                    return
        except QarnotError as exc:
            exc.resume_token = self.resume_token
            raise
        finally:
            await stream.aclose()

    def _advance(self, page: Page[T]) -> None:
        """The consumer finished ``page``: stand at the start of the next one."""
        if page.is_truncated and page.next_token:
            self._position = Position(page.next_token, 0, self.page_size)
            self._skip = 0
        else:
            self._done = True

    async def collect(self, limit: int) -> list[T]:
        """Gather at most ``limit`` items into a list (the bound is required)."""
        if not isinstance(limit, int) or limit < 0:
            raise InvalidInputError(
                "limit", "collect() needs a bound, e.g. collect(limit=1000)", limit
            )
        items: list[T] = []
        if limit == 0:
            return items
        async for item in self:
            items.append(item)
            if len(items) >= limit:
                break
        return items

    async def aclose(self) -> None:
        """Cancel every fetch in flight for this paginator."""
        for stream in list(self._streams):
            await stream.aclose()

    def _count_page(self) -> None:
        self.pages_fetched += 1

    def _open(self) -> ChainStream[T]:
        if self._done:
            raise PaginationError("this paginator reached the end; build a new one to restart")
        stream = ChainStream(
            self._fetcher,
            Position(self._position.cursor, self._skip, self._position.size),
            page_size=self.page_size,
            limit=self.limit,
            prefetch=self.prefetch,
            fetched=self._count_page,
        )
        self._streams.add(stream)
        return stream


def _sequential(payload: dict[str, Any], token: str) -> Position:
    try:
        return Position.from_json([payload["c"], payload["s"], payload["n"]])
    except (ValueError, KeyError, TypeError):
        raise InvalidInputError("start_token", "the resume token is corrupted", token) from None
