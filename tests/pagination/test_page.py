"""Pages and fetchers (qarnot_async/pagination/_page.py): a plain fetcher seen as staged."""

from __future__ import annotations

from staged_source import StagedSource

from qarnot_async.pagination import Page, PageHead, StagedPageFetcher
from qarnot_async.pagination._page import staged


async def test_a_plain_fetcher_is_staged_around_its_pages() -> None:
    async def fetch(cursor: str | None, size: int) -> Page[int]:
        more = cursor is None
        return Page(items=[1, 2], next_token="next" if more else "stale", is_truncated=more)

    fetcher = staged(fetch)
    assert isinstance(fetcher, StagedPageFetcher)
    first = await fetcher.request(None, 2)
    assert fetcher.head(first) == PageHead(2, "next")
    assert fetcher.read(first) is first
    # A page that is not truncated has no next cursor, whatever its token says.
    assert fetcher.head(await fetcher.request("next", 2)) == PageHead(2, None)


def test_a_staged_fetcher_is_used_as_it_is() -> None:
    src = StagedSource(10)
    assert staged(src) is src
