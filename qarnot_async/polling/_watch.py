"""Watches: an async iterator of every transition of the entities watched.

A :class:`Watch` is a subscriber of the poller: it turns the states it is told into
:class:`~qarnot_async.polling.StateChange` events, one per transition, queued for its
consumer, and unsubscribes from each uuid once it is final or gone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError, NotFoundError
from ._registry import UNSEEN, as_uuids
from ._types import StateChange

if TYPE_CHECKING:
    from ._poller import Poller

__all__ = ["Watch"]


class Watch:
    """An async iterator of :class:`StateChange`: every transition of watched entities.

    Built by :meth:`Poller.watch`. Each transition of each uuid is reported exactly
    once and in order (first sighting, with ``previous=None``, included); a state held
    for at least one poll interval is never missed. A uuid leaves the watch once final
    or gone. The iteration ends when every watched entity is final (with
    ``until_final``) or when the watch is closed: :meth:`aclose`, leaving
    ``async with``, or ``break`` out of ``async for``. A watch is iterated once.

    A non-transient error polling a watched uuid ends the iteration with that error.
    """

    def __init__(self, poller: Poller, *, until_final: bool = True) -> None:
        self._poller = poller
        self.until_final = until_final
        self._wanted: dict[str, set[str]] = {}
        # The state last reported per (kind, uuid), to report each transition once.
        self._last: dict[tuple[str, str], Any] = {}
        # None is a nudge: re-check whether the iteration is over.
        self._queue: asyncio.Queue[StateChange | BaseException | None] = asyncio.Queue()
        self._started = False
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether the watch was closed (or ended on an error)."""
        return self._closed

    @property
    def watched(self) -> Mapping[str, frozenset[str]]:
        """The uuids still watched, by kind (final and gone ones have left)."""
        return {kind: frozenset(uuids) for kind, uuids in self._wanted.items() if uuids}

    def add(self, kind: str, uuids: str | Iterable[str]) -> None:
        """Watch more entities of ``kind``, also while the watch runs."""
        self._poller.source(kind)
        if self._closed:
            raise ConfigurationError("this watch is closed")
        wanted = self._wanted.setdefault(kind, set())
        new = [uuid for uuid in as_uuids(uuids) if uuid not in wanted]
        wanted.update(new)
        if self._started and new:
            self._poller.subscribe(self, kind, new)

    def remove(self, kind: str, uuids: str | Iterable[str]) -> None:
        """Stop watching these entities of ``kind`` (unknown ones are ignored).

        Adding one back later reports it again from a first sighting.
        """
        self._poller.source(kind)
        for uuid in as_uuids(uuids):
            self._drop(kind, uuid)
        self._queue.put_nowait(None)

    async def aclose(self) -> None:
        """Stop watching: the iteration ends and nothing more is polled for it."""
        self._close(discard=True)

    async def __aenter__(self) -> Watch:
        self._start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._close(discard=True)

    def __aiter__(self) -> AsyncIterator[StateChange]:
        return self._iterate()

    # ------------------------------------------------------------ the subscriber

    def on_state(
        self, kind: str, uuid: str, state: Any, seen_at: datetime, *, summary: Any, final: bool
    ) -> None:
        """Queue a :class:`StateChange` if ``state`` differs from the last reported."""
        previous = self._last.get((kind, uuid), UNSEEN)
        if previous is UNSEEN or previous != state:
            self._last[kind, uuid] = state
            self._emit(kind, uuid, previous, state, summary, seen_at, final)
        if final:
            self._drop(kind, uuid)

    def on_gone(self, kind: str, uuid: str, seen_at: datetime, *, error: NotFoundError) -> None:
        """Queue the last event of ``uuid``: ``current`` is ``None``."""
        previous = self._last.get((kind, uuid), UNSEEN)
        self._emit(kind, uuid, previous, None, None, seen_at, True)
        self._drop(kind, uuid)

    def on_error(self, error: BaseException) -> None:
        """End the watch: the consumer gets ``error`` after the events queued before."""
        if self._closed:
            return
        self._close()
        self._queue.put_nowait(error)

    # ------------------------------------------------------------ inside

    def _emit(
        self,
        kind: str,
        uuid: str,
        previous: Any,
        current: Any,
        summary: Any,
        seen_at: datetime,
        final: bool,
    ) -> None:
        previous = None if previous is UNSEEN else previous
        change = StateChange(kind, uuid, previous, current, summary, seen_at, final)
        self._queue.put_nowait(change)

    def _over(self) -> bool:
        # Events already queued are delivered first, then an error that ended the
        # watch; after aclose() the queue was emptied.
        return self._queue.empty() and (self._closed or (self.until_final and not self.watched))

    async def _iterate(self) -> AsyncIterator[StateChange]:
        # An async generator: `break` drops it, and its finaliser closes the watch.
        self._start()
        try:
            while not self._over():
                item = await self._queue.get()
                if isinstance(item, BaseException):
                    raise item
                if item is not None:
                    yield item
        finally:
            self._close()

    def _start(self) -> None:
        if self._started or self._closed:
            return
        self._poller.check_open()
        self._started = True
        for kind, uuids in self._wanted.items():
            if uuids:
                self._poller.subscribe(self, kind, list(uuids))

    def _close(self, *, discard: bool = False) -> None:
        if discard:
            while not self._queue.empty():
                self._queue.get_nowait()
        if self._closed:
            return
        self._closed = True
        if self._started:
            for kind, uuids in self._wanted.items():
                self._poller.unsubscribe(self, kind, list(uuids))
        self._wanted.clear()
        self._last.clear()
        # Wakes a consumer blocked on the queue, which then sees the watch closed.
        self._queue.put_nowait(None)

    def _drop(self, kind: str, uuid: str) -> None:
        wanted = self._wanted.get(kind)
        if wanted is None or uuid not in wanted:
            return
        wanted.discard(uuid)
        self._last.pop((kind, uuid), None)
        if self._started:
            self._poller.unsubscribe(self, kind, uuid)
