"""AsyncPaginator against an in-memory paged source (the emulator tests cover HTTP)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

import pytest
from staged_source import StagedSource

from qarnot_async import InvalidInputError, PaginationError, ServerError
from qarnot_async.pagination import AsyncPaginator, Page


class Source:
    """Token pages over range(n): the token is the offset as text.

    Every change of its counters sets ``changed``, so a test waits for what it expects
    to happen (:meth:`until`) instead of sleeping.
    """

    def __init__(self, n: int, *, fail_at: set[int] | None = None) -> None:
        self.n = n
        self.calls: list[tuple[str | None, int]] = []
        self.fail_at = set(fail_at or ())
        self.in_flight = 0
        self.gated = 0  # fetches waiting at the gate right now
        self.gate: asyncio.Event | None = None
        self.cancelled = 0
        self.consumed = 0  # pages the consumer has finished (set by the test)
        self.most_held = 0  # the most pages fetched and not yet finished, at any fetch
        self.changed = asyncio.Event()

    async def until(self, condition: Callable[[], bool]) -> None:
        """Wait (5 s at most) until ``condition()`` holds."""

        async def wait() -> None:
            while not condition():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(wait(), 5)

    async def fetch(self, cursor: str | None, size: int) -> Page[int]:
        self.calls.append((cursor, size))
        self.most_held = max(self.most_held, len(self.calls) - self.consumed)
        self.changed.set()
        start = int(cursor or 0)
        if start in self.fail_at:
            self.fail_at.discard(start)
            raise ServerError(503, "try later", method="POST", path="/x/paginate")
        self.in_flight += 1
        try:
            if self.gate is not None and cursor is not None:
                self.gated += 1
                self.changed.set()
                try:
                    await self.gate.wait()  # the first page passes; later ones hang
                finally:
                    self.gated -= 1
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1
            self.changed.set()
        end = min(start + size, self.n)
        return Page(
            items=list(range(start, end)),
            next_token=str(end) if end < self.n else None,
            total=self.n,
            is_truncated=end < self.n,
        )


async def settle(turns: int = 50) -> None:
    """Give every runnable task ``turns`` turns of the event loop.

    A bound in loop turns, not in time: asyncio runs ready tasks in order, so a task
    that can make progress does within a few turns.
    """
    for _ in range(turns):
        await asyncio.sleep(0)


def paginator(src: Source, **kwargs: Any) -> AsyncPaginator[int]:
    kwargs.setdefault("query", {"endpoint": "test", "filter": None})
    return AsyncPaginator(src.fetch, **kwargs)


@pytest.mark.parametrize("prefetch", [0, 1, 3])
async def test_every_item_once_in_order(prefetch: int) -> None:
    src = Source(1005)
    items = [i async for i in paginator(src, page_size=100, prefetch=prefetch)]
    assert items == list(range(1005))
    assert len(src.calls) == 11


@pytest.mark.parametrize("prefetch", [0, 1, 3])
async def test_a_staged_fetcher_streams_every_item_once_and_resumes(prefetch: int) -> None:
    src = StagedSource(1005)
    p = AsyncPaginator(src, query={"q": 1}, page_size=100, prefetch=prefetch)
    taken: list[int] = []
    async for i in p:
        taken.append(i)
        if len(taken) == 437:
            break
    await p.aclose()
    token = p.resume_token
    assert token is not None
    rest = [i async for i in AsyncPaginator(src, query={"q": 1}, start_token=token)]
    assert taken + rest == list(range(1005))
    assert p.pages_fetched <= 5 + prefetch


async def test_pages_and_limit() -> None:
    src = Source(1000)
    p = paginator(src, page_size=100, limit=250)
    pages = [page async for page in p.pages()]
    assert [len(pg.items) for pg in pages] == [100, 100, 50]
    assert src.calls[-1] == ("200", 50)  # the last request asks only for what is needed
    assert len(src.calls) == 3


async def test_limit_does_not_fetch_extra_pages() -> None:
    src = Source(1000)
    items = [i async for i in paginator(src, page_size=100, limit=100, prefetch=2)]
    assert items == list(range(100))
    assert len(src.calls) == 1


async def test_resume_mid_page_yields_exactly_the_rest() -> None:
    src = Source(350)
    p = paginator(src, page_size=100, prefetch=1)
    taken: list[int] = []
    async for i in p:
        taken.append(i)
        if len(taken) == 137:
            break
    token = p.resume_token
    assert token is not None
    rest = [i async for i in paginator(src, page_size=100, start_token=token)]
    assert taken + rest == list(range(350))


async def test_resume_after_whole_page() -> None:
    src = Source(300)
    p = paginator(src, page_size=100, prefetch=0)
    first = [pg async for pg in p.pages() if True]
    assert len(first) == 3
    assert p.resume_token is None  # at the end


async def test_resume_token_is_bound_to_its_query() -> None:
    src = Source(300)
    p = paginator(src, page_size=100)
    await p.collect(limit=10)
    token = p.resume_token
    assert token is not None
    with pytest.raises(PaginationError, match="another query"):
        paginator(src, query={"endpoint": "test", "filter": "other"}, start_token=token)
    with pytest.raises(InvalidInputError, match="resume token"):
        paginator(src, start_token="garbage")


@pytest.mark.parametrize("prefetch", [0, 1])
async def test_error_carries_resume_token(prefetch: int) -> None:
    src = Source(500, fail_at={300})
    p = paginator(src, page_size=100, prefetch=prefetch)
    seen: list[int] = []

    async def consume() -> None:
        async for i in p:
            seen.append(i)

    with pytest.raises(ServerError) as info:
        await consume()
    assert seen == list(range(300))
    token = info.value.resume_token
    assert token is not None
    rest = [i async for i in paginator(src, page_size=100, start_token=token)]
    assert seen + rest == list(range(500))


@pytest.mark.parametrize("prefetch", [0, 1, 2])
async def test_break_fetches_at_most_prefetch_plus_one(prefetch: int) -> None:
    src = Source(10_000)
    p = paginator(src, page_size=100, prefetch=prefetch)
    n = 0
    async for _ in p:
        n += 1
        if n == 5:
            # The prefetch reaches its bound while the consumer works on page 1...
            await src.until(lambda: len(src.calls) == prefetch + 1)
            await settle()  # ...and goes no further, given every chance to
            break
    await p.aclose()  # cancel and await whatever this paginator still runs
    assert len(src.calls) == prefetch + 1
    assert src.most_held == prefetch + 1


@pytest.mark.parametrize("prefetch", [1, 2])
async def test_pages_held_never_exceed_prefetch_plus_one(prefetch: int) -> None:
    src = Source(2000)
    pages = 0
    async for page in paginator(src, page_size=100, prefetch=prefetch).pages():
        # Let the prefetch run as far ahead as it will: it must reach prefetch pages
        # past this one and, checked at every fetch, never go further.
        ahead = min(pages + 1 + prefetch, 20)
        await src.until(lambda ahead=ahead: len(src.calls) >= ahead)  # type: ignore[misc]
        pages += 1
        src.consumed = pages
        assert page.items[0] == (pages - 1) * 100
    assert pages == 20
    assert src.most_held == prefetch + 1


async def test_cancelling_consumer_cancels_prefetch() -> None:
    src = Source(10_000)
    p = paginator(src, page_size=100, prefetch=1)
    got_first = asyncio.Event()
    src.gate = asyncio.Event()

    async def consume() -> None:
        async for _ in p:
            got_first.set()
            await asyncio.Event().wait()  # busy with the first item until cancelled

    task = asyncio.create_task(consume())
    await asyncio.wait_for(got_first.wait(), 5)
    await src.until(lambda: src.gated == 1)  # the prefetch of page 2 hangs
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await src.until(lambda: src.in_flight == 0)  # the cancellation reached the fetch
    assert src.cancelled == 1


async def test_break_cancels_prefetch_promptly() -> None:
    src = Source(10_000)
    src.gate = asyncio.Event()
    p = paginator(src, page_size=100, prefetch=1)
    async for _ in p:
        await src.until(lambda: src.gated == 1)  # the prefetch of page 2 hangs
        break
    gc.collect()
    await src.until(lambda: src.in_flight == 0)  # without aclose(): the break did it
    assert src.cancelled == 1


async def test_repeated_token_raises() -> None:
    async def fetch(cursor: str | None, size: int) -> Page[int]:
        return Page(items=[1], next_token="same", is_truncated=True)

    with pytest.raises(PaginationError, match="repeated"):
        [i async for i in AsyncPaginator(fetch, query={})]


async def test_endless_empty_pages_raise() -> None:
    count = 0

    async def fetch(cursor: str | None, size: int) -> Page[int]:
        nonlocal count
        count += 1
        return Page(items=[], next_token=f"t{count}", is_truncated=True)

    with pytest.raises(PaginationError, match="empty pages"):
        [i async for i in AsyncPaginator(fetch, query={}, prefetch=0)]
    assert count == 3


async def test_collect_needs_a_bound_and_page_size_is_clamped() -> None:
    src = Source(50)
    p = paginator(src, page_size=10**9, max_page_size=20)
    assert p.page_size == 20
    assert await p.collect(limit=30) == list(range(30))
    with pytest.raises(InvalidInputError, match="bound"):
        await p.collect(limit=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        paginator(src, page_size=0)
    with pytest.raises(InvalidInputError):
        paginator(src, prefetch=-1)


async def test_aclose_cancels_what_is_in_flight() -> None:
    src = Source(10_000)
    src.gate = asyncio.Event()  # pages after the first hang
    p = paginator(src, page_size=100, prefetch=1)
    iterator = p.__aiter__()
    assert await iterator.__anext__() == 0
    await src.until(lambda: src.gated == 1)  # the prefetch of page 2 hangs
    await p.aclose()
    assert src.in_flight == 0
    assert src.cancelled == 1
