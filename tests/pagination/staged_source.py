"""A staged page source over ``range(n)`` that records when each page is requested,
answered and read, for the pagination tests (no HTTP, no clock)."""

from __future__ import annotations

import asyncio
from typing import Any

from qarnot_async import ServerError
from qarnot_async.pagination import Page, PageHead


class StagedSource:
    """Token pages over ``range(n)`` (the token is the offset as text), in three steps.

    ``events`` lists ``("request", offset)``, ``("answer", offset)`` and
    ``("read", offset)`` in the order they happened; ``hold`` (when set) keeps every
    request after the first waiting until it is set.
    """

    def __init__(
        self, n: int, *, repeat_token: bool = False, items: list[int] | None = None
    ) -> None:
        self.items = list(range(n)) if items is None else items
        self.n = len(self.items)
        self.fail_at: set[int] = set()
        self.events: list[tuple[str, int]] = []
        self.sizes: list[int] = []
        self.hold: asyncio.Event | None = None
        self.repeat_token = repeat_token
        self.cancelled = 0
        self.requested = asyncio.Event()

    def count(self, kind: str) -> int:
        return sum(1 for event, _ in self.events if event == kind)

    async def request(self, cursor: str | None, size: int) -> dict[str, Any]:
        start = int(cursor or 0)
        self.events.append(("request", start))
        self.sizes.append(size)
        self.requested.set()
        if start in self.fail_at:
            self.fail_at.discard(start)
            raise ServerError(503, "try later", method="POST", path="/x/paginate")
        try:
            if self.hold is not None and cursor is not None:
                await self.hold.wait()
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        end = min(start + size, self.n)
        self.events.append(("answer", start))
        token = "0" if self.repeat_token else str(end)
        return {
            "start": start,
            "items": self.items[start:end],
            "next": token,
            "more": end < self.n,
        }

    def head(self, answer: dict[str, Any]) -> PageHead:
        return PageHead(len(answer["items"]), answer["next"] if answer["more"] else None)

    def read(self, answer: dict[str, Any]) -> Page[int]:
        self.events.append(("read", answer["start"]))
        return Page(
            items=answer["items"],
            next_token=answer["next"] if answer["more"] else None,
            total=self.n,
            is_truncated=answer["more"],
        )

    async def __call__(self, cursor: str | None, size: int) -> Page[int]:
        return self.read(await self.request(cursor, size))

    async def until_requested(self, count: int) -> None:
        """Wait until ``count`` requests were sent."""
        while self.count("request") < count:
            self.requested.clear()
            await self.requested.wait()


class RangedSource:
    """Items ``0..n-1`` whose "creation date" is their value, for parallel streams:
    ``split(k)`` cuts them in ``k`` ranges, ``fetcher(low, high)`` is a
    :class:`StagedSource` over ``[low, high)``."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.splits = 0
        self.ranges: list[StagedSource] = []

    async def split(self, k: int) -> list[int]:
        self.splits += 1
        return [self.n * i // k for i in range(1, k)]

    def fetcher(self, low: int | None, high: int | None) -> StagedSource:
        lo = 0 if low is None else low
        hi = self.n if high is None else high
        source = StagedSource(0, items=list(range(lo, hi)))
        self.ranges.append(source)
        return source

    def requests(self) -> int:
        return sum(r.count("request") for r in self.ranges)
