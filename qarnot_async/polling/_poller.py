"""The :class:`Poller`: subscriptions, and the waits and watches built on them."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Mapping
from typing import Any

from ..errors import ConfigurationError, InvalidInputError
from . import _waiter
from ._loop import Loop
from ._policy import PollPolicy
from ._registry import Registry, as_uuids
from ._schedule import Schedule
from ._tick import Ticker
from ._types import EntitySubscriber, PollerStats, StateSource, Subscriber
from ._watch import Watch

__all__ = ["Poller"]


class Poller:
    """The shared poller of one client: one background task serves every wait and watch.

    Args:
        sources: the :class:`StateSource` of each kind, keyed by kind.
        policy: the schedule and chunk size.
        sleep: how the poller sleeps; inject it together with ``clock`` (tests run a
            fake clock whose sleep advances it).
        clock: monotonic seconds, in the time base of ``sleep``.
        rng: the random generator of the jitter.

    Waits, ``as_completed`` and watches are :class:`Subscriber` objects; a caller's own
    subscriber registers the same way, with :meth:`subscribe`. The ``timeout`` of
    :meth:`wait` runs on the event loop's own clock, not ``clock``. A poller belongs to
    the event loop it first polls in; :meth:`aclose` it with its client.
    """

    def __init__(
        self,
        sources: Mapping[str, StateSource],
        policy: PollPolicy | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        for kind, source in sources.items():
            if source.kind != kind:
                raise InvalidInputError(
                    "sources", f"the source registered as {kind!r} serves {source.kind!r}", kind
                )
        self.sources: Mapping[str, StateSource] = dict(sources)
        self.policy = policy if policy is not None else PollPolicy()
        self.stats = PollerStats()
        """Requests and ticks so far."""
        self._registry = Registry(list(self.sources))
        self._loop = Loop(
            self._registry,
            Schedule(self.policy, clock, rng or random.Random()),
            Ticker(self.sources, self._registry, self.stats, self.policy.chunk_size),
            sleep,
            crashed=self._fail_everything,
        )
        self._closed = False

    # ------------------------------------------------------------------ state

    @property
    def running(self) -> bool:
        """Whether the background task is alive (something is waited on or watched)."""
        return self._loop.running

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    def check_open(self) -> None:
        """Raise :class:`~qarnot_async.errors.ConfigurationError` once closed."""
        if self._closed:
            raise ConfigurationError("the poller is closed (its client was closed)")

    def source(self, kind: str) -> StateSource:
        """The source of ``kind``.

        Raises:
            InvalidInputError: the poller has no source for ``kind``.
        """
        try:
            return self.sources[kind]
        except KeyError:
            raise InvalidInputError(
                "kind", f"no source for this kind (known: {sorted(self.sources)})", kind
            ) from None

    def watched(self, kind: str) -> frozenset[str]:
        """The uuids of ``kind`` currently polled."""
        self.source(kind)
        return self._registry.watched(kind)

    def last_seen(self, kind: str, uuid: str) -> Any:
        """What was last read of ``uuid`` (what the source's ``states`` answered: a
        :class:`~qarnot_async.resources.StateSighting` for the client's sources, or the
        entity fetched for a wait); ``None`` if nothing yet.

        Only known while ``uuid`` is polled.
        """
        entry = self._registry.entry(kind, uuid)
        return None if entry is None else entry.last_seen

    # ------------------------------------------------------------ subscriptions

    def subscribe(
        self,
        subscriber: Subscriber,
        kind: str,
        uuids: str | Iterable[str],
        *,
        max_interval: float | None = None,
    ) -> None:
        """Poll ``uuids`` of ``kind`` for ``subscriber``, promptly from now on.

        Every tick tells ``subscriber`` what it read (see :class:`Subscriber`) until
        :meth:`unsubscribe`, or until a uuid is gone. Subscribing again to a uuid is a
        no-op (the latest ``max_interval`` holds).

        Args:
            subscriber: told about every poll of these uuids.
            kind: a kind the poller has a source for.
            uuids: one uuid or several.
            max_interval: while subscribed, the shared schedule never backs off past
                this many seconds (at least the policy's ``initial``).

        Raises:
            InvalidInputError: an unknown kind, or a ``max_interval`` below ``initial``.
            ConfigurationError: the poller is closed.
        """
        self.source(kind)
        self.check_open()
        cap = self.policy.check_cap(max_interval)
        added = False
        for uuid in as_uuids(uuids):
            self._registry.add(subscriber, kind, uuid, cap)
            added = True
        if added:
            self._loop.ensure_running()

    def unsubscribe(self, subscriber: Subscriber, kind: str, uuids: str | Iterable[str]) -> None:
        """Stop telling ``subscriber`` about ``uuids`` (those it does not follow: no-op).

        A uuid nobody follows any more is no longer polled; with nothing left, the
        background task stops.
        """
        self.source(kind)
        for uuid in as_uuids(uuids):
            self._registry.remove(subscriber, kind, uuid)
        if not self._registry.busy:
            self._loop.stop()

    def request_entity(self, subscriber: EntitySubscriber, kind: str, uuid: str) -> None:
        """Fetch the full entity of ``uuid`` for ``subscriber`` at the end of this tick.

        Called from :meth:`Subscriber.on_state`, the entity comes in the same tick
        (chunked with every other asked for); called elsewhere, with the next tick.

        Raises:
            InvalidInputError: ``subscriber`` does not follow ``uuid``.
        """
        if not self._registry.subscribed(subscriber, kind, uuid):
            raise InvalidInputError("uuid", "the subscriber does not follow this uuid", uuid)
        self._registry.want_entity(subscriber, kind, uuid)

    # ------------------------------------------------------------ waits and watches

    def wait(
        self,
        kind: str,
        uuid: str,
        *,
        until: Callable[[Any], bool] | None = None,
        timeout: float | None = None,
        max_interval: float | None = None,
    ) -> Coroutine[Any, Any, Any]:
        """Wait until entity ``uuid`` of ``kind`` is in a state ``until`` accepts.

        Args:
            kind: ``"task"``, ``"pool"``, ``"job"``: a kind the poller has a source for.
            uuid: the entity's uuid.
            until: tests a state (the summary's ``.state``); by default the source's
                ``is_final``. Once it held at a tick, the wait returns the entity
                fetched right after, whatever its state by then.
            timeout: seconds before giving up (``None``: no limit).
            max_interval: while this wait is pending, the shared schedule never
                backs off past this many seconds (it can only poll more often, for
                everyone, never less).

        Returns:
            The full entity, from :meth:`StateSource.entities`.

        Raises:
            WaitTimeoutError: ``timeout`` passed; ``last_seen`` holds what was last read
                of the entity (see :meth:`last_seen`), ``None`` if nothing came back yet.
            NotFoundError: the entity no longer exists.
            APIError: a non-transient error answered a request about this uuid.
            ConfigurationError: the poller is (or got) closed.
        """
        # The waiter's coroutine itself, not one awaiting it: a pending wait's frame
        # is most of its memory, and there may be a hundred thousand of them.
        return _waiter.wait(self, kind, uuid, until, timeout, max_interval)

    def as_completed(
        self,
        kind: str,
        uuids: str | Iterable[str],
        *,
        until: Callable[[Any], bool] | None = None,
        return_exceptions: bool = False,
    ) -> AsyncIterator[Any]:
        """Yield the full entities of ``uuids`` as each reaches a final state.

        Entities reaching their state at the same tick are fetched together, chunked.
        Duplicates are yielded once. Leaving the loop early stops waiting for the rest.

        Args:
            kind: a kind the poller has a source for.
            uuids: the entities to wait for.
            until: tests a state instead of the source's ``is_final``.
            return_exceptions: yield the error of an entity that cannot be waited for
                (a :class:`~qarnot_async.errors.NotFoundError`, ...) instead of raising it.
        """
        return _waiter.as_completed(self, kind, uuids, until, return_exceptions)

    def watch(
        self,
        *,
        tasks: str | Iterable[str] = (),
        pools: str | Iterable[str] = (),
        jobs: str | Iterable[str] = (),
        until_final: bool = True,
    ) -> Watch:
        """A :class:`Watch` over these tasks, pools and jobs.

        Polling starts when the watch is iterated or entered (``async with``), not
        before; more uuids can be added or removed while it runs.

        Args:
            tasks: task uuids.
            pools: pool uuids.
            jobs: job uuids.
            until_final: end the iteration once every watched entity is final (or
                gone); with ``False`` the watch runs until it is closed.
        """
        self.check_open()
        watch = Watch(self, until_final=until_final)
        by_keyword = (("tasks", "task", tasks), ("pools", "pool", pools), ("jobs", "job", jobs))
        for keyword, kind, given in by_keyword:
            uuids = as_uuids(given)
            if not uuids:
                continue
            if kind not in self.sources:
                raise InvalidInputError(keyword, f"this poller has no {kind!r} source", uuids)
            watch.add(kind, uuids)
        return watch

    async def aclose(self) -> None:
        """Stop polling for good: pending waits and watches fail with ConfigurationError."""
        self._closed = True
        await self._loop.aclose()
        self._fail_everything(ConfigurationError("the poller is closed (its client was closed)"))

    def _fail_everything(self, error: BaseException) -> None:
        for subscriber in self._registry.clear():
            subscriber.on_error(error)
