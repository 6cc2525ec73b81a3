"""The public types of polling: what a source answers, what subscribers are told.

* :class:`StateSource`: one kind of entity as the poller reads it (the resources
  implement it); :class:`DescribedStateSource` adds the name of its requests.
* :class:`Subscriber`: what the poller tells about the uuids it polls (``on_state``,
  ``on_gone``, ``on_error``); :class:`EntitySubscriber` also receives full entities.
  Waits and watches are subscribers; so can be a caller's own object.
* :class:`StateChange`: one transition, as a :class:`~qarnot_async.polling.Watch`
  reports it; :class:`PollerStats`: what the poller cost so far.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import attrs

if TYPE_CHECKING:
    from ..errors import NotFoundError

__all__ = [
    "DescribedStateSource",
    "EntitySubscriber",
    "PollerStats",
    "SourceCall",
    "StateChange",
    "StateSource",
    "Subscriber",
]

SourceCall = Literal["states", "entities"]
"""Which method of a :class:`StateSource` a request served."""


@runtime_checkable
class StateSource(Protocol):
    """One kind of entity (``"task"``, ``"pool"``, ``"job"``) as the poller sees it.

    The resources implement it; the poller never builds a request itself. Any
    exception a method raises is classified by the poller: transient ones
    (:class:`~qarnot_async.errors.TransportError`,
    :class:`~qarnot_async.errors.ServerError`,
    :class:`~qarnot_async.errors.RateLimitedError`) are retried at the next tick, any
    other fails the waits and watches of the uuids it was called with. A source that
    can recover from an error itself (a ``BadRequestError`` on the bulk endpoint,
    answered by per-uuid GETs) must do so inside :meth:`states`.
    """

    @property
    def kind(self) -> str:
        """The kind this source serves, the key it is registered under."""
        ...

    async def states(self, uuids: Sequence[str]) -> Mapping[str, Any]:
        """The current states of ``uuids`` (at most ``chunk_size`` of them), by uuid.

        A uuid absent from the answer no longer exists. Each value has ``.uuid`` and
        ``.state`` (the client's sources read nothing more: a
        :class:`~qarnot_async.resources.StateSighting`).
        """
        ...

    async def entities(self, uuids: Sequence[str]) -> Mapping[str, Any]:
        """The full entities of ``uuids`` (at most ``chunk_size``), by uuid.

        Called only for the uuids that reached what a waiter waits for; an absent
        uuid no longer exists.
        """
        ...

    def is_final(self, state: Any) -> bool:
        """Whether an entity in ``state`` can no longer change."""
        ...


@runtime_checkable
class DescribedStateSource(StateSource, Protocol):
    """A :class:`StateSource` that can name the request behind each of its answers.

    Optional: when a source has :meth:`describe`, the
    :class:`~qarnot_async.errors.NotFoundError` of a uuid that vanished names the
    request whose answer left it out; otherwise the error says only which call it was.
    """

    def describe(self, call: SourceCall, uuid: str) -> str:
        """The request that asked for ``uuid`` in ``call``: ``"METHOD /path"``.

        For example ``"POST /tasks/summaries/paginate"``; the path is relative to the
        versioned base URL, as in :attr:`~qarnot_async.errors.APIError.path`.
        """
        ...


@runtime_checkable
class Subscriber(Protocol):
    """What the poller tells about the uuids a subscriber subscribed to.

    Register with :meth:`~qarnot_async.polling.Poller.subscribe`. Every callback runs
    inside the poller's loop: it must not block, and may call
    :meth:`~qarnot_async.polling.Poller.unsubscribe` (a subscriber usually drops a uuid
    that is final or gone). An exception escaping a callback is a bug: it stops the
    poller and fails every subscriber with it.
    """

    def on_state(
        self, kind: str, uuid: str, state: Any, seen_at: datetime, *, summary: Any, final: bool
    ) -> None:
        """A poll read ``state`` for ``uuid`` (every tick, changed or not).

        ``summary`` is what the state was read from, ``seen_at`` when it was received
        (UTC), ``final`` whether the source says ``state`` can no longer change.
        """
        ...

    def on_gone(self, kind: str, uuid: str, seen_at: datetime, *, error: NotFoundError) -> None:
        """The service no longer knows ``uuid``: it is unsubscribed already.

        ``error`` says so and names the request that showed it, for a subscriber that
        raises it.
        """
        ...

    def on_error(self, error: BaseException) -> None:
        """A non-transient error answered a request about this subscriber's uuids.

        Transient errors are retried by the poller and never reach subscribers. The
        subscriber stays subscribed: it unsubscribes if it gives up. When the poller
        itself ends (:meth:`~qarnot_async.polling.Poller.aclose`, or a bug stopped its
        loop), every subscriber is told once, and none is subscribed any more.
        """
        ...


@runtime_checkable
class EntitySubscriber(Subscriber, Protocol):
    """A :class:`Subscriber` that also asks for full entities.

    After :meth:`~qarnot_async.polling.Poller.request_entity`, the poller fetches the
    entity with the next entity requests (chunked with everyone else's) and hands it
    to :meth:`on_entity`; an entity the service no longer has goes to ``on_gone``, a
    non-transient error of that fetch to ``on_error``.
    """

    def on_entity(self, kind: str, uuid: str, entity: Any) -> None:
        """The full entity of ``uuid``, fetched after :meth:`Poller.request_entity`."""
        ...


@attrs.frozen(slots=True)
class StateChange:
    """One transition of one watched entity, as a :class:`Watch` reports it.

    Attributes:
        kind: ``"task"``, ``"pool"`` or ``"job"``.
        uuid: the entity's uuid.
        previous: the state reported before for this uuid, ``None`` at its first
            sighting.
        current: the state now, ``None`` when the entity no longer exists (the last
            event for that uuid).
        entity: what the state was read from (``None`` once deleted): for the
            client's sources, a :class:`~qarnot_async.resources.StateSighting` (uuid,
            state, transition time); ``get()`` reads the whole entity.
        seen_at: when the poller received that summary (UTC).
        final: whether ``current`` is final (or the entity is gone): no more events
            follow for this uuid.
    """

    kind: str
    uuid: str
    previous: Any
    current: Any
    entity: Any
    seen_at: datetime
    final: bool = False

    @property
    def gone(self) -> bool:
        """Whether the entity no longer exists."""
        return self.current is None and self.entity is None


@attrs.define(slots=True)
class PollerStats:
    """What the poller has cost so far; every counter only grows.

    Attributes:
        ticks: polling rounds, full or prompt.
        state_requests: calls to :meth:`StateSource.states`.
        entity_requests: calls to :meth:`StateSource.entities`.
        failed_requests: calls that raised, transient or not.
    """

    ticks: int = 0
    state_requests: int = 0
    entity_requests: int = 0
    failed_requests: int = 0
