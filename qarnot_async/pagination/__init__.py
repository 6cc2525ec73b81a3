"""Async pagination streams over the service's paged endpoints.

``client.tasks.paginate(...)`` returns an :class:`AsyncPaginator`::

    async for task in client.tasks.paginate(filter=F.state == "Success"):
        ...
    async for page in client.tasks.paginate(page_size=500).pages():
        await db.insert_many(page.items)

Speed: the request for the next page leaves as soon as the current answer is decoded,
and the current page is read into models while it travels, so a stream costs about one
round trip per page. A token chain cannot go faster than that; for everything, fast, in
no particular order, ``paginate(..., parallel=8)`` splits the query into disjoint
ranges streamed by several cursors at once (:class:`ParallelPaginator`).

Memory stays constant: at most ``prefetch + 1`` pages are held at once per cursor (the
page being consumed and the ones fetched or in flight ahead). Breaking out of the
loop, ``aclose()`` or cancelling the consumer cancels what is in flight, which returns
its connection.

Every position is resumable: :attr:`AsyncPaginator.resume_token` (and the
``resume_token`` of an error raised while fetching) lets a new paginator, built with
the same query, continue exactly after the last item handed out. The token records
the query it belongs to; resuming another query is refused.

Inside: ``_page`` (pages and fetchers), ``_tokens`` (resume tokens), ``_feed`` (one
pipelined token chain), ``_paginator`` (:class:`AsyncPaginator`) and ``_parallel``
(:class:`ParallelPaginator`).
"""

from ._feed import MAX_EMPTY_TRUNCATED_PAGES
from ._page import Page, PageFetcher, PageHead, StagedPageFetcher
from ._paginator import AsyncPaginator
from ._parallel import Bound, ParallelPaginator, RangeFetcher, Splitter

__all__ = [
    "MAX_EMPTY_TRUNCATED_PAGES",
    "AsyncPaginator",
    "Bound",
    "Page",
    "PageFetcher",
    "PageHead",
    "ParallelPaginator",
    "RangeFetcher",
    "Splitter",
    "StagedPageFetcher",
]
