"""Fakes for the polling tests: clocks, a scripted state source, a recording subscriber.

Time is faked: ``FakeClock.sleep`` records each delay, advances the clock by it and
yields once, so a schedule of minutes runs in microseconds; ``ManualClock.sleep``
blocks until the test moves the clock (``advance`` to the next deadline, or
``pass_time``), to look at the poller while it sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from qarnot_async.errors import NotFoundError
from qarnot_async.polling import Poller, PollPolicy

FINAL = frozenset({"Success", "Failure", "Cancelled"})


@attrs.frozen
class Summary:
    uuid: str
    state: str


@attrs.frozen
class Entity:
    uuid: str
    state: str
    full: bool = True


async def settle(turns: int = 20) -> None:
    """Let every runnable task run a few loop turns."""
    for _ in range(turns):
        await asyncio.sleep(0)


class FakeClock:
    """Sleeping advances the clock at once; ``tick`` counts the pauses so far."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    @property
    def tick(self) -> int:
        return len(self.sleeps)

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        self.now += delay
        await asyncio.sleep(0)


class ManualClock:
    """Sleeping blocks until the test moves the clock past the sleep's deadline."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._pending: list[tuple[float, asyncio.Future[None]]] = []

    def time(self) -> float:
        return self.now

    @property
    def tick(self) -> int:
        return len(self.sleeps)

    @property
    def sleeping(self) -> bool:
        return any(not f.done() for _, f in self._pending)

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        future = asyncio.get_running_loop().create_future()
        entry = (self.now + delay, future)
        self._pending.append(entry)
        try:
            await future
        finally:
            self._pending.remove(entry)

    async def advance(self) -> None:
        """Wake the pending sleep, at its deadline."""
        (deadline, future) = next((d, f) for d, f in self._pending if not f.done())
        self.now = max(self.now, deadline)
        future.set_result(None)
        await settle()

    async def pass_time(self, seconds: float) -> None:
        """Move the clock by ``seconds``, waking every sleep due by then."""
        self.now += seconds
        for deadline, future in list(self._pending):
            if deadline <= self.now and not future.done():
                future.set_result(None)
        await settle()


class FakeSource:
    """A scripted StateSource: ``script[uuid]`` lists the state at each tick.

    The state of a uuid at tick *n* (counted by the clock's pauses) is the script's
    entry *n*, or its last one; a uuid scripted as ``None`` at a tick is gone.
    """

    def __init__(
        self,
        clock: FakeClock | ManualClock,
        script: Mapping[str, Sequence[str | None]] | None = None,
        kind: str = "task",
    ) -> None:
        self.kind = kind
        self.clock = clock
        self.script: dict[str, list[str | None]] = {u: list(s) for u, s in (script or {}).items()}
        self.state_calls: list[tuple[int, list[str]]] = []
        # The clock's time at each states() call.
        self.state_times: list[float] = []
        self.entity_calls: list[tuple[int, list[str]]] = []
        # Raised by the next states() calls, in order (None: answer normally).
        self.errors: list[BaseException | None] = []
        # Raised by any states() call that asks for one of these uuids.
        self.fail_for: dict[str, BaseException] = {}
        self.entity_errors: list[BaseException | None] = []

    def state(self, uuid: str) -> str | None:
        timeline = self.script.get(uuid)
        if not timeline:
            return None
        return timeline[min(self.clock.tick, len(timeline) - 1)]

    async def states(self, uuids: Sequence[str]) -> Mapping[str, Any]:
        self.state_calls.append((self.clock.tick, list(uuids)))
        self.state_times.append(self.clock.now)
        await asyncio.sleep(0)
        if self.errors and (error := self.errors.pop(0)) is not None:
            raise error
        for uuid in uuids:
            if uuid in self.fail_for:
                raise self.fail_for[uuid]
        answer = {}
        for uuid in uuids:
            state = self.state(uuid)
            if state is not None:
                answer[uuid] = Summary(uuid, state)
        return answer

    async def entities(self, uuids: Sequence[str]) -> Mapping[str, Any]:
        self.entity_calls.append((self.clock.tick, list(uuids)))
        await asyncio.sleep(0)
        if self.entity_errors and (error := self.entity_errors.pop(0)) is not None:
            raise error
        answer = {}
        for uuid in uuids:
            state = self.state(uuid)
            if state is not None:
                answer[uuid] = Entity(uuid, state)
        return answer

    def is_final(self, state: Any) -> bool:
        return state in FINAL

    def calls_per_tick(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for tick, _ in self.state_calls:
            counts[tick] = counts.get(tick, 0) + 1
        return counts

    def polled(self) -> list[str]:
        return [u for _, chunk in self.state_calls for u in chunk]


class DescribedSource(FakeSource):
    """A FakeSource that names its requests, as the resources' sources do."""

    def describe(self, call: str, uuid: str) -> str:
        return "POST /tasks/summaries/paginate" if call == "states" else "POST /tasks/paginate"


class Recorder:
    """A subscriber (entities included) that records every callback in ``events``.

    ``on_state_do`` runs after each recorded ``on_state`` (to unsubscribe, ask for the
    entity...). ``told`` is set at every callback.
    """

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.errors: list[BaseException] = []
        self.gone: list[NotFoundError] = []
        self.on_state_do: Any = None
        self.told = asyncio.Event()

    def on_state(
        self, kind: str, uuid: str, state: Any, seen_at: datetime, *, summary: Any, final: bool
    ) -> None:
        self.events.append(("state", kind, uuid, state, final))
        self.told.set()
        if self.on_state_do is not None:
            self.on_state_do(kind, uuid, state)

    def on_entity(self, kind: str, uuid: str, entity: Any) -> None:
        self.events.append(("entity", kind, uuid, entity))
        self.told.set()

    def on_gone(self, kind: str, uuid: str, seen_at: datetime, *, error: NotFoundError) -> None:
        self.events.append(("gone", kind, uuid))
        self.gone.append(error)
        self.told.set()

    def on_error(self, error: BaseException) -> None:
        self.events.append(("error", type(error).__name__))
        self.errors.append(error)
        self.told.set()

    def kinds(self) -> list[str]:
        return [event[0] for event in self.events]


def make(
    script: Mapping[str, Sequence[str | None]] | None = None,
    clock: FakeClock | ManualClock | None = None,
    **policy: Any,
) -> tuple[Poller, FakeSource, Any]:
    """A poller over one FakeSource of tasks, on ``clock`` (a FakeClock by default)."""
    clock = clock or FakeClock()
    source = FakeSource(clock, script)
    policy.setdefault("jitter", 0.0)
    poller = Poller({"task": source}, PollPolicy(**policy), sleep=clock.sleep, clock=clock.time)
    return poller, source, clock
