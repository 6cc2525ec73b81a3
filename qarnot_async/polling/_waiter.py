"""Waits: one :class:`Waiter` subscriber per wait, each with its own future.

A waiter tests every state the poller reads against its condition; once it holds, it
asks the poller for the full entity and resolves with it, whatever the state by then.
Its own future means cancelling one wait disturbs no other on the same uuid.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError, NotFoundError, WaitTimeoutError
from ._registry import as_uuids

if TYPE_CHECKING:
    from ._poller import Poller

__all__ = ["Waiter", "as_completed", "wait"]


class Waiter:
    """An :class:`~qarnot_async.polling.EntitySubscriber` for one wait on one uuid."""

    __slots__ = ("future", "kind", "poller", "satisfied", "until", "uuid")

    def __init__(
        self, poller: Poller, kind: str, uuid: str, until: Callable[[Any], bool] | None
    ) -> None:
        self.poller = poller
        self.kind = kind
        self.uuid = uuid
        poller.source(kind)  # an unknown kind is refused here
        # None: a final state, which the poller tells with each state.
        self.until = until
        self.future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        # The condition held at some tick: only the entity fetch is left, even if the
        # state has moved on since.
        self.satisfied = False

    def start(self, max_interval: float | None = None) -> Waiter:
        """Subscribe to the poller (polled promptly); returns itself."""
        self.poller.subscribe(self, self.kind, self.uuid, max_interval=max_interval)
        return self

    def stop(self) -> None:
        """Unsubscribe (a no-op once the poller dropped it)."""
        self.poller.unsubscribe(self, self.kind, self.uuid)

    def on_state(
        self, kind: str, uuid: str, state: Any, seen_at: datetime, *, summary: Any, final: bool
    ) -> None:
        """Test ``state``; once the condition holds, ask for the entity."""
        if self.satisfied or self.future.done():
            return
        until = self.until
        if until is None:
            holds = final
        else:
            try:
                holds = until(state)
            except Exception as error:  # a caller's predicate: fail this wait only
                self._finish(error)
                return
        if holds:
            self.satisfied = True
            self.poller.request_entity(self, kind, uuid)

    def on_entity(self, kind: str, uuid: str, entity: Any) -> None:
        """The entity: the wait's result."""
        if not self.future.done():
            self.future.set_result(entity)
        self.stop()

    def on_gone(self, kind: str, uuid: str, seen_at: datetime, *, error: NotFoundError) -> None:
        """The entity no longer exists: the wait fails with ``error``."""
        self._finish(error)

    def on_error(self, error: BaseException) -> None:
        """A request about this uuid failed for good: so does the wait."""
        self._finish(error)

    def _finish(self, error: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(error)
        self.stop()

    def discard(self) -> None:
        """Stop waiting: unsubscribe, and settle the future so nothing logs it at GC."""
        if not self.future.done():
            self.future.cancel()
        elif not self.future.cancelled():
            self.future.exception()  # marks an unread error as retrieved
        self.stop()


async def wait(
    poller: Poller,
    kind: str,
    uuid: str,
    until: Callable[[Any], bool] | None,
    timeout: float | None,
    max_interval: float | None,
) -> Any:
    """:meth:`Poller.wait`, which documents it."""
    if timeout is not None and (not isinstance(timeout, int | float) or timeout < 0):
        raise InvalidInputError("timeout", "must be >= 0 seconds (or None)", timeout)
    waiter = Waiter(poller, kind, uuid, until).start(max_interval)
    try:
        if timeout is None:
            return await waiter.future
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                return await waiter.future
        except TimeoutError:
            if not deadline.expired():
                raise
            last = poller.last_seen(kind, uuid)
            seen = "" if last is None else f" (last seen: {getattr(last, 'state', last)!r})"
            raise WaitTimeoutError(
                f"{kind} {uuid} did not reach the awaited state within {timeout:g}s{seen}",
                last_seen=last,
            ) from None
    finally:
        waiter.stop()


async def as_completed(
    poller: Poller,
    kind: str,
    uuids: str | Iterable[str],
    until: Callable[[Any], bool] | None,
    return_exceptions: bool,
) -> AsyncIterator[Any]:
    """:meth:`Poller.as_completed`, which documents it."""
    unique = as_uuids(uuids)
    done: asyncio.Queue[asyncio.Future[Any]] = asyncio.Queue()
    waiters: list[Waiter] = []
    try:
        for uuid in unique:
            waiter = Waiter(poller, kind, uuid, until)
            waiter.future.add_done_callback(done.put_nowait)
            waiters.append(waiter.start())
        for _ in waiters:
            finished = await done.get()
            error = finished.exception()
            if error is None:
                yield finished.result()
            elif return_exceptions:
                yield error
            else:
                raise error
    finally:
        for waiter in waiters:
            waiter.discard()
