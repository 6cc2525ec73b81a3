"""The poller's bookkeeping: which uuids are polled, for whom, and what was last seen.

Pure and synchronous: the :class:`Registry` makes no request and knows no clock, so the
poller's loop and the tests drive it directly. Per uuid it keeps one small
:class:`Entry` (the last state and summary, and the subscribers with their cap on the
interval); the uuids with new interest (polled promptly) and those whose entity a
subscriber asked for live in per-kind sets beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ._types import EntitySubscriber, Subscriber

__all__ = ["UNSEEN", "Entry", "Registry", "as_uuids", "chunks"]

UNSEEN: Any = object()
"""The state of a uuid not read yet (``None`` is a state a source may report)."""


def as_uuids(uuids: str | Iterable[str]) -> list[str]:
    """The distinct uuids of ``uuids``, in order; a lone string is one uuid."""
    # A lone uuid string would otherwise be iterated character by character.
    if isinstance(uuids, str):
        return [uuids]
    return list(dict.fromkeys(uuids))


def chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    """``items`` in consecutive lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


class Entry:
    """What the poller knows of one uuid, and who is interested in it."""

    __slots__ = ("last_seen", "state", "subscribers")

    def __init__(self) -> None:
        self.state: Any = UNSEEN
        self.last_seen: Any = None
        # Each subscriber with the longest pause it tolerates (None: the policy's).
        self.subscribers: dict[Subscriber, float | None] = {}

    def observe(self, state: Any, summary: Any) -> bool:
        """Record a sighting; whether it is a change (a first one counts).

        A sighting equal to the one kept is not kept: most ticks see what the last one
        saw, and the new object then dies young instead of joining the long-lived
        ones the garbage collector walks again and again (with ten thousand waits,
        that walk was a quarter of the poller's CPU).
        """
        changed = self.state is UNSEEN or state != self.state
        if changed or (summary is not self.last_seen and summary != self.last_seen):
            self.state, self.last_seen = state, summary
        return changed


class Registry:
    """Every polled uuid of every kind, and its subscribers."""

    def __init__(self, kinds: Sequence[str]) -> None:
        self.kinds = tuple(kinds)
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in self.kinds}
        # uuids with new interest since the last tick: polled promptly.
        self._fresh: dict[str, set[str]] = {kind: set() for kind in self.kinds}
        # uuid -> the subscribers waiting for its entity, in the order they asked.
        self._wanted: dict[str, dict[str, list[EntitySubscriber]]] = {
            kind: {} for kind in self.kinds
        }

    # ------------------------------------------------------------------ reading

    @property
    def busy(self) -> bool:
        """Whether any uuid is polled."""
        return any(self._entries.values())

    @property
    def has_fresh(self) -> bool:
        """Whether a uuid has new interest not polled yet."""
        return any(self._fresh.values())

    def watched(self, kind: str) -> frozenset[str]:
        """The uuids of ``kind`` polled."""
        return frozenset(self._entries[kind])

    def entries(self, kind: str) -> Mapping[str, Entry]:
        """The entry of every uuid of ``kind`` polled, by uuid (a live view)."""
        return self._entries[kind]

    def entry(self, kind: str, uuid: str) -> Entry | None:
        """The entry of ``uuid``, ``None`` when nobody polls it."""
        return self._entries[kind].get(uuid)

    def subscribed(self, subscriber: Subscriber, kind: str, uuid: str) -> bool:
        """Whether ``subscriber`` still follows ``uuid``."""
        entry = self._entries[kind].get(uuid)
        return entry is not None and subscriber in entry.subscribers

    def cap(self, default: float) -> float:
        """The longest pause every subscriber tolerates (``default`` if none asks)."""
        caps = [
            cap
            for entries in self._entries.values()
            for entry in entries.values()
            for cap in entry.subscribers.values()
            if cap is not None
        ]
        return min(caps, default=default)

    # ------------------------------------------------------------------ changing

    def add(self, subscriber: Subscriber, kind: str, uuid: str, max_interval: float | None) -> None:
        """Subscribe ``subscriber`` to ``uuid``; its next poll comes promptly."""
        entries = self._entries[kind]
        entry = entries.get(uuid)
        if entry is None:
            entry = entries[uuid] = Entry()
        entry.subscribers[subscriber] = max_interval
        self._fresh[kind].add(uuid)

    def remove(self, subscriber: Subscriber, kind: str, uuid: str) -> None:
        """Unsubscribe; forget ``uuid`` once nobody follows it (unknown ones: no-op)."""
        entry = self._entries[kind].get(uuid)
        if entry is None or entry.subscribers.pop(subscriber, UNSEEN) is UNSEEN:
            return
        wanting = self._wanted[kind].get(uuid)
        if wanting is not None and subscriber in wanting:
            wanting.remove(subscriber)
            if not wanting:
                del self._wanted[kind][uuid]
        if not entry.subscribers:
            self.forget(kind, uuid)

    def forget(self, kind: str, uuid: str) -> list[Subscriber]:
        """Drop ``uuid`` altogether; its subscribers, which are no longer subscribed."""
        entry = self._entries[kind].pop(uuid, None)
        self._fresh[kind].discard(uuid)
        self._wanted[kind].pop(uuid, None)
        return list(entry.subscribers) if entry is not None else []

    def want_entity(self, subscriber: EntitySubscriber, kind: str, uuid: str) -> None:
        """Have the entity of ``uuid`` fetched for ``subscriber`` (already subscribed)."""
        wanting = self._wanted[kind].setdefault(uuid, [])
        if subscriber not in wanting:
            wanting.append(subscriber)

    def take_wanting(self, kind: str, uuid: str) -> list[EntitySubscriber]:
        """The subscribers waiting for ``uuid``'s entity, no longer waiting for it."""
        return self._wanted[kind].pop(uuid, [])

    def clear(self) -> list[Subscriber]:
        """Forget everything; every subscriber that was subscribed, once each."""
        everyone: dict[Subscriber, None] = {}
        for entries in self._entries.values():
            for entry in entries.values():
                everyone.update(dict.fromkeys(entry.subscribers))
        for kind in self.kinds:
            self._entries[kind].clear()
            self._fresh[kind].clear()
            self._wanted[kind].clear()
        return list(everyone)

    # ------------------------------------------------------------------ planning

    def state_plan(self, *, full: bool, chunk_size: int) -> list[tuple[str, list[str]]]:
        """The state requests of a tick: every uuid (``full``) or only fresh ones.

        Taking the plan marks every fresh uuid as polled.
        """
        plan: list[tuple[str, list[str]]] = []
        for kind, entries in self._entries.items():
            fresh = self._fresh[kind]
            uuids = list(entries) if full else [u for u in entries if u in fresh]
            self._fresh[kind] = set()
            plan.extend((kind, chunk) for chunk in chunks(uuids, chunk_size))
        return plan

    def entity_plan(self, *, chunk_size: int) -> list[tuple[str, list[str]]]:
        """The entity requests due: every uuid a subscriber asked the entity of."""
        return [
            (kind, chunk)
            for kind, wanted in self._wanted.items()
            for chunk in chunks(sorted(wanted), chunk_size)
        ]
