"""Fetching the pages of one token chain, pipelined and bounded.

:func:`chain` walks a chain of pages. Its request for the next page leaves as soon as
the current answer is decoded and its cursor known; the current page is read
(structured) while that request travels, so with a staged fetcher a page costs about
one round trip, not a round trip plus the reading.

Memory is bounded by *slots*: a request takes one before it is sent, and the consumer
gives it back when it is done with the page. With ``prefetch + 1`` slots, at most that
many pages exist at once, in flight, queued or being consumed.

:class:`ChainStream` runs a chain for one iteration of an
:class:`~qarnot_async.pagination.AsyncPaginator`: inline (``prefetch=0``: fetch, hand
out, fetch) or in a background task that works ahead while the consumer works.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any, Generic, TypeVar

from ..errors import PaginationError
from ._page import Page, StagedPageFetcher
from ._tokens import Position

__all__ = ["MAX_EMPTY_TRUNCATED_PAGES", "ChainStream", "chain"]

T = TypeVar("T")

#: Consecutive empty pages that still claim more data, before a chain gives up.
MAX_EMPTY_TRUNCATED_PAGES = 3


async def chain(
    fetcher: StagedPageFetcher[T],
    start: Position,
    *,
    page_size: int,
    wanted: int | None,
    slots: asyncio.Semaphore,
    pipelined: bool,
    fetched: Callable[[], None],
) -> AsyncGenerator[tuple[Page[T], Position], None]:
    """Each page of the chain from ``start``, with the position it starts at.

    Args:
        fetcher: sends and reads the requests.
        start: the first page's cursor and the items of it already handed out.
        page_size: the size of every later request.
        wanted: items still wanted past ``start`` (``None``: all); the last request
            asks only for what is needed, and none follows.
        slots: taken by each request before it leaves; the consumer releases one per
            page it is done with.
        pipelined: send the next request before reading the current page (the
            consumer runs in another task); otherwise only once the consumer is done.
        fetched: called as each answer arrives.

    Raises:
        PaginationError: the service repeated a cursor, or keeps answering empty pages
            that claim more (raised after handing out the page that showed it).
    """
    position = start
    seen: set[str] = set()
    empty = 0
    pending: Awaitable[Any] | None = None
    try:
        await slots.acquire()
        pending = _send(fetcher, position, wanted, pipelined)
        while pending is not None:
            answer = await pending
            pending = None
            fetched()
            head = fetcher.head(answer)
            if wanted is not None:
                wanted -= max(head.count - position.skip, 0)
            following = head.next_token if wanted is None or wanted > 0 else None
            failure: PaginationError | None = None
            if following is not None:
                empty = 0 if head.count else empty + 1
                failure = _loop_guard(following, position, seen, empty)
                if failure is not None:
                    following = None
            after = Position(following, 0, page_size) if following is not None else None
            if after is not None and pipelined and not slots.locked():
                await slots.acquire()
                pending = _send(fetcher, after, wanted, pipelined)
                # One turn of the loop: the new task sends its request (it runs until
                # it waits for the answer) before this one reads the page.
                await asyncio.sleep(0)
            yield fetcher.read(answer), position
            if failure is not None:
                raise failure
            if after is None:
                return
            if pending is None:
                # Not pipelined, or no slot was free: the request leaves once the
                # consumer is done with a page.
                await slots.acquire()
                pending = _send(fetcher, after, wanted, pipelined)
            position = after
    finally:
        if isinstance(pending, asyncio.Future):
            pending.cancel()
        elif inspect.iscoroutine(pending):
            pending.close()  # created, never awaited: no "never awaited" warning


def _send(
    fetcher: StagedPageFetcher[T], position: Position, wanted: int | None, pipelined: bool
) -> Awaitable[Any]:
    size = position.size if wanted is None else min(position.size, wanted + position.skip)
    request = fetcher.request(position.cursor, size)
    # Pipelined, the request starts at once, in its own task; otherwise it runs when
    # awaited, in the consumer's task.
    return asyncio.ensure_future(request) if pipelined else request


def _loop_guard(
    following: str, position: Position, seen: set[str], empty: int
) -> PaginationError | None:
    """The error that stops a chain going round in circles, if it does."""
    if following in seen or following == position.cursor:
        return PaginationError(
            f"the service repeated the page token {following!r}: stopping instead of "
            "looping forever"
        )
    seen.add(following)
    if empty >= MAX_EMPTY_TRUNCATED_PAGES:
        return PaginationError(
            f"{empty} empty pages in a row claim more data: stopping instead of looping forever"
        )
    return None


class ChainStream(Generic[T]):
    """Runs :func:`chain` for one iteration, ``prefetch`` pages ahead at most.

    Iterating yields ``(page, position)``; the consumer is done with a page when it asks
    for the next one. With ``prefetch=0`` the chain runs inline; otherwise in a
    background task that the consumer's end (break, error, cancellation) cancels.
    """

    def __init__(
        self,
        fetcher: StagedPageFetcher[T],
        start: Position,
        *,
        page_size: int,
        limit: int | None,
        prefetch: int,
        fetched: Callable[[], None],
    ) -> None:
        self._prefetch = prefetch
        self._slots = asyncio.Semaphore(prefetch + 1)
        self._chain = chain(
            fetcher,
            start,
            page_size=page_size,
            wanted=limit,
            slots=self._slots,
            pipelined=prefetch > 0,
            fetched=fetched,
        )
        self._queue: asyncio.Queue[tuple[Page[T], Position] | BaseException | None] = (
            asyncio.Queue()
        )
        self._task: asyncio.Task[None] | None = None

    def __del__(self) -> None:
        # A `break` out of `async for` drops the stream without awaiting anything.
        task = self._task
        if task is not None and not task.done():
            task.cancel()

    async def aclose(self) -> None:
        """Stop fetching: cancel the background task, close the chain."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._chain.aclose()

    def __aiter__(self) -> AsyncIterator[tuple[Page[T], Position]]:
        return self._run()

    async def _run(self) -> AsyncIterator[tuple[Page[T], Position]]:
        if self._prefetch == 0:
            async for entry in self._chain:
                yield entry
                self._slots.release()
            return
        task = self._task = asyncio.create_task(self._feed())
        consumer = asyncio.current_task()
        if consumer is not None:
            # `async for` never closes its iterator when the body raises (a cancelled
            # consumer): stop the prefetch as soon as the consuming task ends instead of
            # waiting for the garbage collector to finalise the generator.
            consumer.add_done_callback(lambda _: task.cancel())
        while True:
            queued = await self._queue.get()
            if queued is None:
                return
            if isinstance(queued, BaseException):
                raise queued
            yield queued
            # The consumer is done with this page: one more may be fetched.
            self._slots.release()

    async def _feed(self) -> None:
        try:
            async for entry in self._chain:
                self._queue.put_nowait(entry)
        except Exception as exc:  # the consumer raises it, with its resume token
            self._queue.put_nowait(exc)
            return
        self._queue.put_nowait(None)
