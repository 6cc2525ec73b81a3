"""The :class:`ParallelPaginator`: one query split into disjoint ranges, streamed by
several token chains at once.

A token chain sends one request per round trip, whatever the client does. For the
caller who wants everything fast and needs no global order (a dashboard syncing all
its tasks), the query is split into ``K`` disjoint ranges by *bounds* (the resources
use creation dates found from the first and last items: ``[b0, b1)``, ``[b1, b2)``...,
the first and last ranges open-ended, so nothing created meanwhile falls between
them). Each range is its own pipelined chain; items are handed out as their pages
arrive, each exactly once. The resume token records the bounds and where each chain
stands, so a resumed stream neither repeats nor skips an item.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from ..errors import InvalidInputError, QarnotError
from ._feed import chain
from ._page import Page, PageFetcher, StagedPageFetcher, staged
from ._paginator import AsyncPaginator
from ._tokens import Position, decode, encode

__all__ = ["Bound", "ParallelPaginator", "RangeFetcher", "Splitter"]

T = TypeVar("T")

Bound = Any
"""A range boundary, as JSON (the resources use ISO creation dates)."""
Splitter = Callable[[int], Awaitable[Sequence[Bound]]]
"""``await split(k)``: at most ``k - 1`` increasing bounds cutting the query in ranges."""
RangeFetcher = Callable[[Bound | None, Bound | None], PageFetcher[T] | StagedPageFetcher[T]]
"""``fetcher(low, high)``: the page fetcher of the items in ``[low, high)`` (``None``:
unbounded on that side)."""

# What a chain puts in the shared queue: (range, page and where it starts) at each
# page, (range, None) at its end, (range, error) when it fails.
_Entry = tuple[int, tuple[Page[Any], Position] | BaseException | None]


class ParallelPaginator(AsyncPaginator[T]):
    """An async stream over every item of a query, read by ``cursors`` chains at once.

    Items come in no global order (each range's own order is kept). Iterate it, or
    :meth:`pages`; :attr:`resume_token` continues every chain where it stands.

    Args:
        split: finds the bounds of the ranges (called once, when iteration starts).
        fetcher: the page fetcher of one range.
        cursors: how many ranges (and chains at once), at least 2.
        query: what identifies the query (the parallelism is added to it).
        options: ``page_size``, ``limit``, ``start_token``, ``prefetch`` (pages ahead
            per chain), ``max_page_size``, as :class:`AsyncPaginator`.
    """

    def __init__(
        self,
        split: Splitter,
        fetcher: RangeFetcher[T],
        *,
        cursors: int,
        query: Mapping[str, Any],
        **options: Any,
    ) -> None:
        if not isinstance(cursors, int) or isinstance(cursors, bool) or cursors < 2:
            raise InvalidInputError("parallel", "must be an integer >= 2", cursors)
        self.cursors = cursors
        self._split = split
        self._range_fetcher = fetcher
        self._bounds: list[Bound] | None = None
        # Where the consumer stands in each range (None: the range is done).
        self._at: list[Position | None] = []
        self._tasks: set[asyncio.Task[None]] = set()
        super().__init__(_unused, query={**query, "parallel": cursors}, **options)

    def _start(self, start_token: str | None) -> None:
        if start_token is None:
            return
        payload = decode(start_token, self._fingerprint)
        try:
            bounds, positions = payload["b"], payload["p"]
            if bounds is not None:
                if not isinstance(bounds, list) or len(positions) != len(bounds) + 1:
                    raise ValueError(bounds)
                self._at = [None if p is None else Position.from_json(p) for p in positions]
                self._bounds = bounds
        except (ValueError, KeyError, TypeError):
            raise InvalidInputError(
                "start_token", "the resume token is corrupted", start_token
            ) from None

    @property
    def resume_token(self) -> str | None:
        """A token to continue after the last item handed out, every chain where it
        stands; ``None`` once every range is done."""
        if self._bounds is None:
            return encode({"b": None, "p": None}, self._fingerprint)
        if all(position is None for position in self._at):
            return None
        positions = [None if p is None else p.to_json() for p in self._at]
        return encode({"b": self._bounds, "p": positions}, self._fingerprint)

    async def _items(self) -> AsyncIterator[T]:
        handed = 0
        async for index, page, start in self._stream():
            items = page.items
            for item_index in range(start.skip, len(items)):
                if self.limit is not None and handed >= self.limit:
                    return
                self._at[index] = Position(start.cursor, item_index + 1, start.size)
                handed += 1
                yield items[item_index]
            self._advance_range(index, page)

    async def _pages(self) -> AsyncIterator[Page[T]]:
        handed = 0
        async for index, page, start in self._stream():
            items = page.items[start.skip :]
            if self.limit is not None:
                items = items[: self.limit - handed]
            handed += len(items)
            if start.skip + len(items) == len(page.items):
                self._advance_range(index, page)
            else:
                self._at[index] = Position(start.cursor, start.skip + len(items), start.size)
            yield (
                page
                if len(items) == len(page.items)
                else Page(items, page.next_token, page.total, page.is_truncated)
            )
            if self.limit is not None and handed >= self.limit:
                return

    def _advance_range(self, index: int, page: Page[T]) -> None:
        """The consumer finished ``page`` of range ``index``."""
        if page.is_truncated and page.next_token:
            self._at[index] = Position(page.next_token, 0, self.page_size)
        else:
            self._at[index] = None

    async def _stream(self) -> AsyncIterator[tuple[int, Page[T], Position]]:
        """Every page of every range, as it comes, with its range and start."""
        try:
            if self._bounds is None:
                self._bounds = list(await self._split(self.cursors))
                self._at = [Position(None, 0, self.page_size) for _ in range(len(self._bounds) + 1)]
            queue: asyncio.Queue[_Entry] = asyncio.Queue()
            slots: dict[int, asyncio.Semaphore] = {}
            edges = [None, *self._bounds, None]
            for index, position in enumerate(self._at):
                if position is None:
                    continue
                slots[index] = asyncio.Semaphore(self.prefetch + 1)
                fetcher = staged(self._range_fetcher(edges[index], edges[index + 1]))
                task = asyncio.create_task(
                    self._feed(index, fetcher, position, slots[index], queue)
                )
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            consumer = asyncio.current_task()
            if consumer is not None:
                # A consumer that ends (cancelled, or done with the loop) stops the
                # chains at once rather than when this generator is collected.
                consumer.add_done_callback(lambda _: self._cancel())
            running = len(slots)
            while running:
                index, got = await queue.get()
                if got is None:
                    running -= 1
                    continue
                if isinstance(got, BaseException):
                    raise got
                page, start = got
                yield index, page, start
                # The consumer is done with the page: its chain may fetch one more.
                slots[index].release()
        except QarnotError as exc:
            exc.resume_token = self.resume_token
            raise
        finally:
            await self.aclose()

    async def _feed(
        self,
        index: int,
        fetcher: StagedPageFetcher[T],
        start: Position,
        slots: asyncio.Semaphore,
        queue: asyncio.Queue[_Entry],
    ) -> None:
        pages = chain(
            fetcher,
            start,
            page_size=self.page_size,
            wanted=None,
            slots=slots,
            pipelined=True,
            fetched=self._count_page,
        )
        try:
            async for page, position in pages:
                queue.put_nowait((index, (page, position)))
        except Exception as exc:  # the consumer raises it, with its resume token
            queue.put_nowait((index, exc))
            return
        finally:
            await pages.aclose()
        queue.put_nowait((index, None))

    def _cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def aclose(self) -> None:
        """Cancel every chain still fetching."""
        tasks = list(self._tasks)
        self._cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _unused(cursor: str | None, size: int) -> Page[Any]:
    """The single-chain fetcher a parallel paginator never calls (each range has its own)."""
    raise AssertionError("a parallel paginator fetches through its ranges")
