"""One token chain (qarnot_async/pagination/_feed.py): pipelined, bounded, guarded."""

from __future__ import annotations

import asyncio

import pytest
from staged_source import StagedSource

from qarnot_async import PaginationError
from qarnot_async.pagination._feed import ChainStream, chain
from qarnot_async.pagination._tokens import Position


def stream(src: StagedSource, *, prefetch: int, limit: int | None = None) -> ChainStream[int]:
    return ChainStream(
        src,
        Position(None, 0, 10),
        page_size=10,
        limit=limit,
        prefetch=prefetch,
        fetched=lambda: None,
    )


async def test_the_next_request_leaves_before_the_page_is_read() -> None:
    src = StagedSource(30)
    pages = [page.items async for page, _ in stream(src, prefetch=1)]
    assert pages == [list(range(0, 10)), list(range(10, 20)), list(range(20, 30))]
    # The request of each next page was sent before the current page was read: the
    # reading overlaps the round trip.
    for offset in (0, 10):
        assert src.events.index(("request", offset + 10)) < src.events.index(("read", offset))
    assert src.count("request") == 3


async def test_without_prefetch_nothing_leaves_before_the_consumer_is_done() -> None:
    src = StagedSource(30)
    seen: list[int] = []
    async for page, _ in stream(src, prefetch=0):
        # Nothing was asked past this page while the consumer holds it.
        assert src.count("request") == len(seen) + 1
        seen.append(page.items[0])
    assert seen == [0, 10, 20]
    assert src.events.index(("read", 0)) < src.events.index(("request", 10))


@pytest.mark.parametrize("prefetch", [1, 2])
async def test_pages_held_never_exceed_prefetch_plus_one(prefetch: int) -> None:
    src = StagedSource(200)
    consumed = 0
    async for _ in stream(src, prefetch=prefetch):
        # Give the chain every chance to run ahead: it stops at prefetch + 1 pages
        # requested and not yet consumed.
        for _ in range(50):
            await asyncio.sleep(0)
        assert src.count("request") - consumed <= prefetch + 1
        consumed += 1
    assert consumed == 20


async def test_the_last_request_asks_only_for_what_the_limit_needs() -> None:
    src = StagedSource(100)
    pages = [page.items async for page, _ in stream(src, prefetch=1, limit=25)]
    assert [len(p) for p in pages] == [10, 10, 5]
    assert src.sizes == [10, 10, 5]


async def test_a_repeated_token_stops_the_chain_without_another_request() -> None:
    src = StagedSource(100, repeat_token=True)
    pages: list[list[int]] = []

    async def consume() -> None:
        async for page, _ in stream(src, prefetch=1):
            pages.append(page.items)

    with pytest.raises(PaginationError, match="repeated"):
        await consume()
    # Page 1 ("0" after the first) is handed out, then its repeated cursor stops it.
    assert len(pages) == 2
    assert src.count("request") == 2


async def test_closing_cancels_the_request_in_flight() -> None:
    src = StagedSource(100)
    src.hold = asyncio.Event()
    chained = stream(src, prefetch=1)
    iterator = chained.__aiter__()
    await iterator.__anext__()
    await src.until_requested(2)  # the pipelined request of page 2 is on its way
    await chained.aclose()
    assert src.cancelled == 1


async def test_an_unreadable_answer_sends_nothing_more() -> None:
    class Broken(StagedSource):
        def head(self, answer: dict[str, object]) -> object:  # type: ignore[override]
            from qarnot_async.pagination import PageHead

            return PageHead(0, None)

        def read(self, answer: dict[str, object]) -> object:  # type: ignore[override]
            raise ValueError("malformed")

    src = Broken(100)
    slots = asyncio.Semaphore(2)
    pages = chain(
        src,
        Position(None, 0, 10),
        page_size=10,
        wanted=None,
        slots=slots,
        pipelined=True,
        fetched=lambda: None,
    )
    with pytest.raises(ValueError, match="malformed"):
        await pages.__anext__()
    assert src.count("request") == 1
