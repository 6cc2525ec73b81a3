"""Async pagination streams over the service's paged endpoints.

``client.tasks.paginate(...)`` returns an :class:`AsyncPaginator`::

    async for task in client.tasks.paginate(filter=F.state == "Success"):
        ...
    async for page in client.tasks.paginate(page_size=500).pages():
        await db.insert_many(page.items)

Memory stays constant: at most ``prefetch + 1`` pages are held at once (the page
being consumed and the ones fetched ahead). Breaking out of the loop, ``aclose()`` or
cancelling the consumer cancels what is in flight, which returns its connection.

Every position is resumable: :attr:`AsyncPaginator.resume_token` (and the
``resume_token`` of an error raised while fetching) lets a new paginator, built with
the same query, continue exactly after the last item handed out. The token records
the query it belongs to; resuming another query is refused.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from .errors import InvalidInputError, PaginationError, QarnotError

__all__ = ["AsyncPaginator", "Page", "PageFetcher"]

T = TypeVar("T")

# Consecutive empty pages that still claim more data, before the stream gives up.
MAX_EMPTY_TRUNCATED_PAGES = 3
_TOKEN_PREFIX = "qa1."


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


def _fingerprint(query: Mapping[str, Any]) -> str:
    canonical = json.dumps(query, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@attrs.frozen(slots=True)
class _Position:
    """Where the consumer stands: the page's cursor and the items already taken."""

    cursor: str | None
    skip: int
    size: int


def _encode(position: _Position, fingerprint: str) -> str:
    payload = {"c": position.cursor, "s": position.skip, "n": position.size, "q": fingerprint}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return _TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, fingerprint: str) -> _Position:
    if not isinstance(token, str) or not token.startswith(_TOKEN_PREFIX):
        raise InvalidInputError(
            "start_token", "not a resume token from AsyncPaginator.resume_token", token
        )
    body = token[len(_TOKEN_PREFIX) :]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        position = _Position(cursor=data["c"], skip=int(data["s"]), size=int(data["n"]))
        token_fingerprint = data["q"]
    except (ValueError, KeyError, TypeError):
        raise InvalidInputError("start_token", "the resume token is corrupted", token) from None
    if token_fingerprint != fingerprint:
        raise PaginationError(
            "this resume token belongs to another query (filter, order or endpoint): "
            "resume with the same arguments as the paginator that produced it"
        )
    return position


class AsyncPaginator(Generic[T]):
    """An async stream over every item of a paged query.

    Iterate it for items, or :meth:`pages` for whole pages; :meth:`collect` gathers a
    bounded number. Each iteration starts from ``start_token`` (or the beginning); a
    paginator records in :attr:`resume_token` how far its consumer got.

    Args:
        fetch: fetches one page (supplied by the resource).
        query: what identifies the query (endpoint, filter, order); it is recorded in
            resume tokens so they cannot be replayed against another query.
        page_size: items per request, clamped to ``[1, max_page_size]``.
        limit: stop after this many items, without fetching pages not needed.
        start_token: a :attr:`resume_token` to continue from.
        prefetch: pages fetched ahead while the consumer works (0: none).
        max_page_size: the largest page the service accepts.
    """

    def __init__(
        self,
        fetch: PageFetcher[T],
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
        self._fetch = fetch
        self._fingerprint = _fingerprint(query)
        self.page_size = min(page_size, max_page_size)
        self.limit = limit
        self.prefetch = prefetch
        # Where the consumer stands: the current page's position, and how many of its
        # items were handed out (kept apart: handing out an item allocates nothing).
        self._position = (
            _decode(start_token, self._fingerprint)
            if start_token is not None
            else _Position(None, 0, self.page_size)
        )
        self._skip = self._position.skip
        self._done = False
        self._streams: weakref.WeakSet[_PageStream[T]] = weakref.WeakSet()
        self.pages_fetched = 0
        """Pages received from the service so far, over every iteration."""

    @property
    def resume_token(self) -> str | None:
        """A token to continue after the last item handed out; ``None`` at the end."""
        if self._done:
            return None
        return _encode(attrs.evolve(self._position, skip=self._skip), self._fingerprint)

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        # Holding the stream in this generator's frame means a `break` drops it, and
        # _PageStream.__del__ cancels its fetch at once.
        stream = self._open()
        handed = 0
        try:
            async for page, start in stream:
                self._position, self._skip = start, start.skip
                items = page.items
                for index in range(start.skip, len(items)):
                    if self.limit is not None and handed >= self.limit:
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
            self._position = _Position(page.next_token, 0, self.page_size)
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

    def _open(self) -> _PageStream[T]:
        if self._done:
            raise PaginationError("this paginator reached the end; build a new one to restart")
        stream = _PageStream(self, self._fetch, attrs.evolve(self._position, skip=self._skip))
        self._streams.add(stream)
        return stream


class _PageStream(Generic[T]):
    """Fetches the pages of one iteration, up to ``prefetch`` ahead in a background task.

    Yields ``(page, position)``: ``position`` is the page's cursor, its request size and
    the index of its first item not yet handed out (non-zero only for the page a
    resume token points into).
    """

    def __init__(self, owner: AsyncPaginator[T], fetch: PageFetcher[T], start: _Position) -> None:
        self._owner = owner
        self._fetch = fetch
        self._start = start
        self._queue: asyncio.Queue[tuple[Page[T], _Position] | BaseException | None] = (
            asyncio.Queue()
        )
        # One permit per page that may be fetched ahead of the one being consumed, so at
        # most prefetch + 1 pages are ever held.
        self._permits = asyncio.Semaphore(owner.prefetch)
        self._task: asyncio.Task[None] | None = None

    def __del__(self) -> None:
        # A `break` out of `async for` drops the stream without awaiting anything.
        task = self._task
        if task is not None and not task.done():
            task.cancel()

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def __aiter__(self) -> AsyncIterator[tuple[Page[T], _Position]]:
        return self._run()

    async def _run(self) -> AsyncIterator[tuple[Page[T], _Position]]:
        if self._owner.prefetch == 0:
            async for entry in self._produce():
                yield entry
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
            # The consumer is done with this page: one more may be fetched ahead.
            self._permits.release()

    async def _feed(self) -> None:
        try:
            async for entry in self._produce():
                await self._queue.put(entry)
                await self._permits.acquire()
        except Exception as exc:  # the consumer raises it, with its resume token
            await self._queue.put(exc)
            return
        await self._queue.put(None)

    async def _produce(self) -> AsyncIterator[tuple[Page[T], _Position]]:
        owner = self._owner
        position = self._start
        # Items still wanted past the resume point; None: all of them.
        wanted = owner.limit
        seen_tokens: set[str] = set()
        empty_truncated = 0
        while wanted is None or wanted > 0:
            size = position.size
            if wanted is not None:
                size = min(size, wanted + position.skip)
            page = await self._fetch(position.cursor, size)
            owner.pages_fetched += 1
            yield page, attrs.evolve(position, size=position.size)
            if wanted is not None:
                wanted -= max(len(page.items) - position.skip, 0)
            next_token = page.next_token
            if not page.is_truncated or not next_token:
                return
            if next_token in seen_tokens or next_token == position.cursor:
                raise PaginationError(
                    f"the service repeated the page token {next_token!r}: stopping instead "
                    "of looping forever"
                )
            seen_tokens.add(next_token)
            empty_truncated = 0 if page.items else empty_truncated + 1
            if empty_truncated >= MAX_EMPTY_TRUNCATED_PAGES:
                raise PaginationError(
                    f"{empty_truncated} empty pages in a row claim more data: stopping "
                    "instead of looping forever"
                )
            position = _Position(next_token, 0, owner.page_size)
