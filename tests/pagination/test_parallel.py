"""Several token chains over disjoint ranges (qarnot_async/pagination/_parallel.py)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from staged_source import RangedSource

from qarnot_async import InvalidInputError, PaginationError, ServerError
from qarnot_async.pagination import AsyncPaginator, ParallelPaginator


def parallel(src: RangedSource, **options: Any) -> ParallelPaginator[int]:
    options.setdefault("cursors", 4)
    options.setdefault("page_size", 10)
    options.setdefault("query", {"q": "items"})
    return ParallelPaginator(src.split, src.fetcher, **options)


def in_range_order(items: list[int], bounds: list[int]) -> bool:
    """Whether the items of each range come in their own order."""
    edges = [0, *bounds, 10**9]
    return all(
        [i for i in items if lo <= i < hi] == sorted(i for i in items if lo <= i < hi)
        for lo, hi in itertools.pairwise(edges)
    )


@pytest.mark.parametrize("prefetch", [0, 1, 2])
async def test_every_item_exactly_once(prefetch: int) -> None:
    src = RangedSource(1003)
    items = [i async for i in parallel(src, prefetch=prefetch)]
    assert sorted(items) == list(range(1003))
    assert in_range_order(items, await src.split(4))
    assert items != sorted(items)  # the chains ran side by side
    assert src.splits == 2  # once for the stream (and once above)
    # One request per page of each range, nothing more.
    assert src.requests() == sum(-(-len(r.items) // 10) for r in src.ranges)


async def test_resume_continues_every_chain_where_it_stands() -> None:
    src = RangedSource(500)
    first = parallel(src)
    taken: list[int] = []
    async for i in first:
        taken.append(i)
        if len(taken) == 137:
            break
    await first.aclose()
    token = first.resume_token
    assert token is not None
    rest = [i async for i in parallel(src, start_token=token)]
    assert sorted(taken + rest) == list(range(500))
    assert not set(taken) & set(rest)
    assert src.splits == 1  # the bounds came with the token


async def test_pages_and_limit() -> None:
    src = RangedSource(400)
    p = parallel(src, limit=95)
    pages = [page.items async for page in p.pages()]
    assert sum(len(page) for page in pages) == 95
    assert len({i for page in pages for i in page}) == 95
    token = p.resume_token
    assert token is not None
    rest = [i async for i in parallel(src, start_token=token)]
    assert sorted([i for page in pages for i in page] + rest) == list(range(400))


async def test_an_error_carries_a_token_that_resumes_every_chain() -> None:
    src = RangedSource(400)
    seen: list[int] = []
    p = parallel(src)

    async def consume() -> None:
        async for i in p:
            seen.append(i)
            if len(seen) == 50:
                src.ranges[2].fail_at.add(50)  # a later page of the third range fails

    with pytest.raises(ServerError) as info:
        await consume()
    token = info.value.resume_token
    assert token is not None
    rest = [i async for i in parallel(src, start_token=token)]
    assert sorted(seen + rest) == list(range(400))


async def test_a_token_belongs_to_its_query_and_parallelism() -> None:
    src = RangedSource(100)
    p = parallel(src)
    assert p.resume_token is not None  # not started: resumes from the start
    assert sorted([i async for i in parallel(src, start_token=p.resume_token)]) == list(range(100))
    with pytest.raises(PaginationError, match="another query"):
        parallel(src, cursors=3, start_token=p.resume_token)

    async def fetch(cursor: str | None, size: int) -> Any:
        raise AssertionError

    with pytest.raises(PaginationError, match="another query"):
        AsyncPaginator(fetch, query={"q": "items"}, start_token=p.resume_token)
    with pytest.raises(InvalidInputError, match="parallel"):
        parallel(src, cursors=1)


async def test_nothing_to_split_is_one_range_and_the_end_has_no_token() -> None:
    src = RangedSource(5)

    async def no_bounds(k: int) -> list[int]:
        return []

    p = ParallelPaginator(no_bounds, src.fetcher, cursors=8, query={}, page_size=2)
    assert [i async for i in p] == [0, 1, 2, 3, 4]
    assert len(src.ranges) == 1
    assert p.resume_token is None


async def test_breaking_out_stops_every_chain() -> None:
    src = RangedSource(10_000)
    p = parallel(src, prefetch=1)
    async for _ in p:
        break
    await p.aclose()
    pending = [r for r in src.ranges if r.count("request") > r.count("answer")]
    # Whatever was in flight was cancelled, and nothing more was asked.
    assert sum(r.cancelled for r in src.ranges) == len(pending)
    assert src.requests() <= 4 * 2
