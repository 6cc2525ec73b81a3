"""The shared Poller against an in-memory source whose states the tests script.

Time is faked: ``FakeClock.sleep`` records each delay, advances the clock by it and
yields once, so a schedule of minutes runs in microseconds; ``ManualClock.sleep``
blocks until the test advances it, to look at the poller while it sleeps.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
import pytest

from qarnot_async import (
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    WaitTimeoutError,
)
from qarnot_async.polling import Poller, PollPolicy, StateChange, StateSource

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
    """Sleeping blocks until the test calls ``advance``."""

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


async def settle(turns: int = 20) -> None:
    for _ in range(turns):
        await asyncio.sleep(0)


def make(
    script: Mapping[str, Sequence[str | None]] | None = None,
    clock: FakeClock | ManualClock | None = None,
    **policy: Any,
) -> tuple[Poller, FakeSource, Any]:
    clock = clock or FakeClock()
    source = FakeSource(clock, script)
    policy.setdefault("jitter", 0.0)
    poller = Poller({"task": source}, PollPolicy(**policy), sleep=clock.sleep, clock=clock.time)
    return poller, source, clock


def test_the_fake_source_is_a_state_source() -> None:
    assert isinstance(FakeSource(FakeClock()), StateSource)


# --------------------------------------------------------------------------- policy


def test_policy_defaults() -> None:
    policy = PollPolicy()
    assert (policy.initial, policy.max_interval, policy.backoff) == (1.0, 30.0, 1.5)
    assert (policy.jitter, policy.chunk_size) == (0.1, 200)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"initial": 0}, "PollPolicy.initial"),
        ({"initial": -1}, "PollPolicy.initial"),
        ({"initial": math.nan}, "PollPolicy.initial"),
        ({"initial": "1"}, "PollPolicy.initial"),
        ({"initial": 5, "max_interval": 2}, "PollPolicy.max_interval"),
        ({"backoff": 0.5}, "PollPolicy.backoff"),
        ({"jitter": -0.1}, "PollPolicy.jitter"),
        ({"jitter": 1.0}, "PollPolicy.jitter"),
        ({"chunk_size": 0}, "PollPolicy.chunk_size"),
        ({"chunk_size": 2.5}, "PollPolicy.chunk_size"),
        ({"chunk_size": True}, "PollPolicy.chunk_size"),
    ],
)
def test_policy_validation(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        PollPolicy(**kwargs)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


def test_policy_jitter_stays_within_bounds() -> None:
    policy = PollPolicy(initial=1, max_interval=10, jitter=0.2)
    delays = [policy.jittered(5.0) for _ in range(200)]
    assert all(4.0 <= d <= 6.0 for d in delays)
    assert len(set(delays)) > 1
    assert all(policy.jittered(10.0) <= 10.0 for _ in range(50))
    assert policy.grow(8.0) == 10.0


def test_poller_refuses_a_source_of_another_kind() -> None:
    with pytest.raises(InvalidInputError, match="serves 'task'"):
        Poller({"pool": FakeSource(FakeClock())})


# --------------------------------------------------------------------------- waits


async def test_a_thousand_concurrent_waits_cost_a_few_chunked_requests_per_tick() -> None:
    uuids = [f"t{i:04}" for i in range(1000)]
    # Every task runs for a tick or two, then ends; a few fail.
    script: dict[str, list[str | None]] = {
        u: ["Submitted", "FullyExecuting", "Failure" if i % 100 == 0 else "Success"]
        if i % 2
        else ["Submitted", "Success"]
        for i, u in enumerate(uuids)
    }
    poller, source, _ = make(script, chunk_size=200)

    results = await asyncio.gather(*(poller.wait("task", u) for u in uuids))

    assert [r.uuid for r in results] == uuids
    assert all(isinstance(r, Entity) and r.state == source.state(r.uuid) for r in results)
    assert all(r.state in FINAL for r in results)
    # At most ceil(1000 / 200) = 5 state requests a tick, each of at most 200 uuids.
    assert max(source.calls_per_tick().values()) <= 5
    assert all(len(chunk) <= 200 for _, chunk in source.state_calls)
    assert len(source.state_calls) <= 5 * 3
    # Entities were fetched in chunks, once per uuid, never one request per uuid.
    fetched = [u for _, chunk in source.entity_calls for u in chunk]
    assert sorted(fetched) == uuids
    assert all(len(chunk) <= 200 for _, chunk in source.entity_calls)
    assert len(source.entity_calls) == 2 * 3  # 500 at tick 1 (3 chunks), 500 at tick 2
    assert poller.stats.state_requests == len(source.state_calls)
    await settle()
    assert not poller.running


async def test_each_wait_has_its_own_condition_and_future() -> None:
    poller, source, _ = make({"a": ["Submitted", "FullyExecuting", "FullyExecuting", "Success"]})

    running = asyncio.create_task(poller.wait("task", "a", until=lambda s: s == "FullyExecuting"))
    final = asyncio.create_task(poller.wait("task", "a"))

    assert (await running).state == "FullyExecuting"
    assert not final.done()
    assert (await final).state == "Success"
    assert [tick for tick, _ in source.entity_calls] == [1, 3]


async def test_a_predicate_that_raises_fails_only_its_own_wait() -> None:
    poller, _, _ = make({"a": ["Submitted", "Success"]})

    def broken(state: Any) -> bool:
        raise ZeroDivisionError("bad predicate")

    bad = asyncio.create_task(poller.wait("task", "a", until=broken))
    good = asyncio.create_task(poller.wait("task", "a"))
    with pytest.raises(ZeroDivisionError):
        await bad
    assert (await good).state == "Success"


async def test_timeout_raises_wait_timeout_error_with_the_last_seen_summary() -> None:
    # Real (tiny) intervals: the timeout runs on the event loop's clock.
    source = FakeSource(FakeClock(), {"a": ["FullyExecuting"]})
    poller = Poller({"task": source}, PollPolicy(initial=0.001, max_interval=0.01))

    with pytest.raises(WaitTimeoutError) as info:
        await poller.wait("task", "a", timeout=0.05)

    assert info.value.last_seen == Summary("a", "FullyExecuting")
    assert "task a" in str(info.value)
    assert "FullyExecuting" in str(info.value)
    assert len(source.state_calls) >= 2
    await settle()
    assert not poller.running
    assert poller.watched("task") == frozenset()


async def test_timeout_before_any_answer_has_no_last_seen() -> None:
    clock = ManualClock()
    poller, source, _ = make({"a": ["FullyExecuting"]}, clock=clock)
    source.errors = [ServerError(503, "down")]

    with pytest.raises(WaitTimeoutError) as info:
        await poller.wait("task", "a", timeout=0.01)
    assert info.value.last_seen is None


async def test_cancelling_one_wait_leaves_the_others_and_the_poller_stops_then_restarts() -> None:
    clock = ManualClock()
    poller, source, _ = make(
        {"a": ["Submitted", "Success"], "b": ["Submitted", "Success"]}, clock=clock
    )

    first_a = asyncio.create_task(poller.wait("task", "a"))
    second_a = asyncio.create_task(poller.wait("task", "a"))
    b = asyncio.create_task(poller.wait("task", "b"))
    await settle()
    assert poller.running
    assert clock.sleeping
    task = poller._task
    assert task is not None

    first_a.cancel()
    await settle()
    assert first_a.cancelled()
    assert poller.watched("task") == {"a", "b"}  # the other wait on "a" still counts

    await clock.advance()
    assert (await second_a).state == "Success"
    assert (await b).state == "Success"
    await settle()
    assert task.done()
    assert not poller.running

    # The next wait starts a new background task, which polls at once.
    calls = len(source.state_calls)
    again = asyncio.create_task(poller.wait("task", "a"))
    await asyncio.sleep(0)
    assert poller.running
    assert poller._task is not task
    assert (await again).state == "Success"
    assert len(source.state_calls) == calls + 1


async def test_cancelling_every_wait_stops_the_poller_at_once() -> None:
    clock = ManualClock()
    poller, source, _ = make({"a": ["Submitted"], "b": ["Submitted"]}, clock=clock)
    waits = [asyncio.create_task(poller.wait("task", u)) for u in ("a", "b")]
    await settle()
    task = poller._task
    assert task is not None
    assert clock.sleeping

    for wait in waits:
        wait.cancel()
    await settle()

    assert task.done()
    assert not poller.running
    assert not clock.sleeping  # its pause was cancelled too
    assert poller.watched("task") == frozenset()
    assert len(source.state_calls) == 1


async def test_a_deleted_entity_fails_its_waits_with_not_found() -> None:
    poller, _, _ = make({"a": ["Submitted", None], "b": ["Submitted", "Success"]})

    a = asyncio.create_task(poller.wait("task", "a"))
    b = asyncio.create_task(poller.wait("task", "b"))

    with pytest.raises(NotFoundError) as info:
        await a
    assert info.value.status == 404
    assert "no longer exists" in str(info.value)
    assert info.value.path == "/tasks/a"
    assert (await b).state == "Success"


async def test_an_entity_missing_from_the_entity_fetch_is_not_found() -> None:
    poller, source, _ = make({"a": ["Success"]})

    async def no_entities(uuids: Sequence[str]) -> Mapping[str, Any]:
        return {}

    source.entities = no_entities  # type: ignore[method-assign]
    with pytest.raises(NotFoundError):
        await poller.wait("task", "a")


async def test_unknown_kind_and_bad_timeout_are_refused() -> None:
    poller, _, _ = make({"a": ["Success"]})
    with pytest.raises(InvalidInputError, match="no source"):
        await poller.wait("pool", "a")
    with pytest.raises(InvalidInputError):
        await poller.wait("task", "a", timeout=-1)
    assert not poller.running


# --------------------------------------------------------------------------- schedule


async def test_backoff_schedule_starts_fast_grows_caps_and_resets_on_change() -> None:
    script: dict[str, list[str | None]] = {
        "a": ["Submitted"] * 5 + ["FullyExecuting"] * 2 + ["Success"],
    }
    poller, source, clock = make(script, initial=1.0, backoff=2.0, max_interval=5.0)

    entity = await poller.wait("task", "a")

    assert entity.state == "Success"
    # First sighting (a change) -> 1, then x2 while nothing changes, capped at 5; the
    # move to FullyExecuting resets to 1; Success ends the wait: no more sleeping.
    assert clock.sleeps == [1.0, 2.0, 4.0, 5.0, 5.0, 1.0, 2.0]
    assert list(source.calls_per_tick()) == list(range(8))


async def test_a_wait_can_cap_the_backoff_for_everyone() -> None:
    script: dict[str, list[str | None]] = {
        "a": ["Submitted"] * 5 + ["Success"],
    }
    poller, _, clock = make(script, initial=1.0, backoff=2.0, max_interval=5.0)

    entity = await poller.wait("task", "a", max_interval=2.0)

    assert entity.state == "Success"
    assert clock.sleeps == [1.0, 2.0, 2.0, 2.0, 2.0]
    with pytest.raises(InvalidInputError, match="max_interval"):
        await poller.wait("task", "a", max_interval=0.5)  # below the initial interval


async def test_jitter_spreads_the_delays() -> None:
    script: dict[str, list[str | None]] = {"a": ["Submitted"] * 30 + ["Success"]}
    poller, _, clock = make(script, initial=1.0, backoff=1.0, max_interval=1.0, jitter=0.5)
    clock_sleeps = clock.sleeps
    await poller.wait("task", "a")
    # (The poller sleeps until a deadline: allow for floating-point rounding.)
    assert all(0.5 - 1e-9 <= s <= 1.0 + 1e-9 for s in clock_sleeps)
    assert len(set(clock_sleeps)) > 1


async def test_rate_limiting_honours_retry_after() -> None:
    poller, source, clock = make({"a": ["Submitted", "Success"]}, initial=1.0)
    source.errors = [RateLimitedError(429, "slow down", retry_after=7.0)]

    entity = await poller.wait("task", "a")

    assert entity.state == "Success"
    assert clock.sleeps[0] >= 7.0
    assert len(source.state_calls) == 2


async def test_a_rate_limit_holds_back_the_entity_fetches_too() -> None:
    poller, source, clock = make({"a": ["Success"], "b": ["Submitted", "Success"]}, chunk_size=1)
    # Tick 0 asks for "a" then "b", in two requests: the second is refused.
    source.errors = [None, RateLimitedError(429, "slow down", retry_after=5.0)]

    a = asyncio.create_task(poller.wait("task", "a"))
    b = asyncio.create_task(poller.wait("task", "b"))
    assert (await a).state == "Success"
    assert (await b).state == "Success"
    assert clock.sleeps[0] == 5.0
    # "a" was final at tick 0, but its entity waited for the Retry-After.
    assert source.entity_calls == [(1, ["a"]), (1, ["b"])]


async def test_a_new_wait_is_held_back_by_a_rate_limit() -> None:
    clock = ManualClock()
    poller, source, _ = make({"a": ["Submitted"], "b": ["Submitted"]}, clock=clock, initial=1.0)
    source.errors = [RateLimitedError(429, "slow down", retry_after=20.0)]
    a = asyncio.create_task(poller.wait("task", "a"))
    await settle()
    assert clock.sleeps == [20.0]

    b = asyncio.create_task(poller.wait("task", "b"))
    await settle()
    # Not polled at once: the new wait may cut the pause short, but the poller sees
    # the service asked for 20 s and sleeps the rest of them.
    assert len(source.state_calls) == 1
    await clock.advance()
    assert clock.now == 20.0
    assert len(source.state_calls) == 2
    for wait in (a, b):
        wait.cancel()
    await asyncio.gather(a, b, return_exceptions=True)


async def test_transient_errors_are_logged_and_retried_with_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    poller, source, clock = make({"a": ["Submitted"] * 3 + ["Success"]}, initial=1.0, backoff=2.0)
    source.errors = [None, ServerError(503, "unavailable", method="POST", path="/x")] * 2

    with caplog.at_level(logging.WARNING, logger="qarnot_async"):
        entity = await poller.wait("task", "a")

    assert entity.state == "Success"
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]  # failures slow down like "no change"
    records = [r for r in caplog.records if r.name == "qarnot_async"]
    assert len(records) == 2
    assert all("\n" not in r.getMessage() for r in records)
    assert "ServerError" in records[0].getMessage()
    assert poller.stats.failed_requests == 2


async def test_transient_entity_fetch_errors_are_retried() -> None:
    poller, source, _ = make({"a": ["Success"]})
    source.entity_errors = [ServerError(502, "bad gateway")]
    assert (await poller.wait("task", "a")).state == "Success"
    assert len(source.entity_calls) == 2


async def test_a_non_transient_error_fails_the_waits_and_watches_concerned() -> None:
    poller, source, _ = make(
        {
            "a": ["Submitted", "Success"],
            "b": ["Submitted", "Success"],
            "c": ["Submitted", "Success"],
        },
        chunk_size=2,
    )
    denied = AuthenticationError(401, "bad token", method="POST", path="/tasks/summaries/paginate")
    source.fail_for = {"a": denied}

    a = asyncio.create_task(poller.wait("task", "a"))
    b = asyncio.create_task(poller.wait("task", "b"))  # same chunk as "a"
    c = asyncio.create_task(poller.wait("task", "c"))  # another chunk

    for failing in (a, b):
        with pytest.raises(AuthenticationError):
            await failing
    assert (await c).state == "Success"

    watch = poller.watch(tasks=["a"])
    with pytest.raises(AuthenticationError):
        async for _ in watch:
            pass
    assert watch.closed


async def test_a_non_transient_entity_fetch_error_fails_the_satisfied_waits() -> None:
    poller, source, _ = make({"a": ["Success"]})
    source.entity_errors = [AuthenticationError(401, "bad token")]
    with pytest.raises(AuthenticationError):
        await poller.wait("task", "a")


async def test_a_burst_of_new_waits_while_sleeping_costs_one_prompt_tick() -> None:
    clock = ManualClock()
    script: dict[str, list[str | None]] = {"a": ["FullyExecuting"]}
    new = [f"n{i:04}" for i in range(1000)]
    script.update({u: ["Submitted"] for u in new})
    poller, source, _ = make(script, clock=clock, initial=1.0, backoff=4.0, chunk_size=200)

    a = asyncio.create_task(poller.wait("task", "a"))
    await settle()
    await clock.advance()  # tick 1 at t=1: no change -> the next full tick at t=5
    assert clock.sleeps == [1.0, 4.0]
    assert len(source.state_calls) == 2

    clock.now = 3.0  # two seconds into that pause, 1000 waits arrive in one loop turn
    burst = [asyncio.create_task(poller.wait("task", u)) for u in new]
    await settle()

    # One prompt tick, only for the new uuids, in ceil(1000 / 200) requests.
    prompt = source.state_calls[2:]
    assert len(prompt) == 5
    assert sorted(u for _, chunk in prompt for u in chunk) == new
    # First sightings speed the schedule up: the next full tick is at t=4, not t=5.
    assert clock.sleeps[-1] == 1.0
    assert clock.sleeping

    for wait in [a, *burst]:
        wait.cancel()
    await asyncio.gather(a, *burst, return_exceptions=True)
    assert not poller.running


async def test_new_waits_right_after_a_tick_wait_for_the_spacing() -> None:
    clock = ManualClock()
    poller, source, _ = make(
        {"a": ["FullyExecuting"], "b": ["FullyExecuting"]}, clock=clock, initial=1.0
    )
    a = asyncio.create_task(poller.wait("task", "a"))
    await settle()
    assert len(source.state_calls) == 1

    # Trickling new waits never poll sooner than `initial` after the last tick.
    b = asyncio.create_task(poller.wait("task", "b"))
    await settle()
    assert len(source.state_calls) == 1
    assert clock.sleeps == [1.0, 1.0]

    await clock.advance()
    # The full tick was due at the same time: one tick polls both.
    assert len(source.state_calls) == 2
    assert sorted(source.state_calls[-1][1]) == ["a", "b"]
    for wait in (a, b):
        wait.cancel()
    await asyncio.gather(a, b, return_exceptions=True)


async def test_real_sleep_tiny_intervals_never_busy_loop() -> None:
    source = FakeSource(FakeClock(), {"a": ["FullyExecuting"]})
    poller = Poller({"task": source}, PollPolicy(initial=0.001, max_interval=0.01, jitter=0))
    started = time.monotonic()
    wait = asyncio.create_task(poller.wait("task", "a"))
    # A steady trickle of new waits on the same uuid, each asking for a prompt poll.
    for _ in range(200):
        extra = asyncio.create_task(poller.wait("task", "a"))
        await asyncio.sleep(0)
        extra.cancel()
    await asyncio.sleep(0.02)
    wait.cancel()
    await asyncio.gather(wait, return_exceptions=True)
    elapsed = time.monotonic() - started
    # Never more than one tick per `initial`, whatever the trickle.
    assert len(source.state_calls) <= elapsed / 0.001 + 2
    await settle()
    assert not poller.running


# --------------------------------------------------------------------------- watch


async def test_watch_reports_each_transition_once_in_order() -> None:
    script: dict[str, list[str | None]] = {
        "a": ["Submitted", "Submitted", "FullyExecuting", "FullyExecuting", "Success"],
        "b": ["Submitted", "FullyDispatched", "FullyExecuting", "Failure"],
        "c": ["Submitted", "UploadingResults", "Success"],
    }
    poller, _, _ = make(script)

    changes: list[StateChange] = []
    async for change in poller.watch(tasks=["a", "b", "c"]):
        changes.append(change)

    def history(uuid: str) -> list[tuple[Any, Any]]:
        return [(c.previous, c.current) for c in changes if c.uuid == uuid]

    assert history("a") == [
        (None, "Submitted"),
        ("Submitted", "FullyExecuting"),
        ("FullyExecuting", "Success"),
    ]
    # Every state held for one poll interval is reported: none is missed.
    assert history("b") == [
        (None, "Submitted"),
        ("Submitted", "FullyDispatched"),
        ("FullyDispatched", "FullyExecuting"),
        ("FullyExecuting", "Failure"),
    ]
    assert history("c") == [
        (None, "Submitted"),
        ("Submitted", "UploadingResults"),
        ("UploadingResults", "Success"),
    ]
    assert all(c.kind == "task" and isinstance(c.seen_at, datetime) for c in changes)
    assert all(c.entity == Summary(c.uuid, c.current) for c in changes)
    assert [c.final for c in changes if c.final] == [True] * 3
    assert all(c.final == (c.current in FINAL) for c in changes)
    seen = [c.seen_at for c in changes]
    assert seen == sorted(seen)
    await settle()
    assert not poller.running


async def test_watch_add_and_remove_while_running() -> None:
    script: dict[str, list[str | None]] = {
        "a": ["Submitted", "FullyExecuting", "FullyExecuting", "FullyExecuting", "Success"],
        "b": ["Submitted", "Submitted", "Submitted", "FullyExecuting", "Success"],
    }
    poller, source, clock = make(script)

    seen: list[tuple[str, Any]] = []
    async with poller.watch(tasks="a", until_final=False) as watch:
        async for change in watch:
            seen.append((change.uuid, change.current))
            if change.uuid == "a" and change.current == "FullyExecuting":
                watch.add("task", ["b"])
                watch.remove("task", "a")
                assert watch.watched == {"task": frozenset({"b"})}
                removed_at = clock.tick
            if change.final:
                break

    assert seen == [
        ("a", "Submitted"),
        ("a", "FullyExecuting"),
        ("b", "Submitted"),
        ("b", "FullyExecuting"),
        ("b", "Success"),
    ]
    assert "a" not in [u for tick, chunk in source.state_calls if tick > removed_at for u in chunk]
    await settle()
    assert not poller.running


async def test_watch_without_until_final_runs_until_closed() -> None:
    clock = ManualClock()
    poller, _, _ = make({"a": ["Success"]}, clock=clock)
    watch = poller.watch(tasks=["a"], until_final=False)
    received: list[StateChange] = []

    async def consume() -> None:
        async for change in watch:
            received.append(change)

    consumer = asyncio.create_task(consume())
    await settle()
    assert [c.current for c in received] == ["Success"]
    assert not consumer.done()  # nothing left to poll, but the watch still runs
    assert not poller.running  # ... and costs nothing

    await watch.aclose()
    await asyncio.wait_for(consumer, 1)
    assert watch.closed
    with pytest.raises(ConfigurationError):
        watch.add("task", "b")


async def test_break_out_of_a_watch_stops_polling() -> None:
    poller, _, _ = make({"a": ["Submitted", "FullyExecuting"]})
    async for change in poller.watch(tasks=["a"]):
        assert change.current == "Submitted"
        break
    await settle()
    assert not poller.running
    assert poller.watched("task") == frozenset()


async def test_watch_does_not_poll_before_it_is_iterated() -> None:
    poller, source, _ = make({"a": ["Submitted"]})
    watch = poller.watch(tasks=["a"])
    await settle()
    assert not poller.running
    assert source.state_calls == []
    await watch.aclose()


async def test_watch_reports_a_deleted_entity_as_a_last_event() -> None:
    poller, _, _ = make({"a": ["Submitted", None]})
    changes = [c async for c in poller.watch(tasks=["a"])]
    assert [(c.previous, c.current, c.gone) for c in changes] == [
        (None, "Submitted", False),
        ("Submitted", None, True),
    ]


async def test_watch_and_waits_share_the_same_requests() -> None:
    script: dict[str, list[str | None]] = {
        "a": ["Submitted", "Success"],
        "b": ["Submitted", "Success"],
    }
    poller, source, _ = make(script)
    wait = asyncio.create_task(poller.wait("task", "a"))
    changes = [c async for c in poller.watch(tasks=["a", "b"])]
    assert (await wait).state == "Success"
    assert len(changes) == 4
    assert all(len(chunk) == 2 for _, chunk in source.state_calls)


async def test_watch_refuses_a_kind_without_source() -> None:
    poller, _, _ = make({})
    with pytest.raises(InvalidInputError, match="'pool'"):
        poller.watch(pools=["p"])


# --------------------------------------------------------------------------- as_completed


async def test_as_completed_yields_entities_as_they_end() -> None:
    script: dict[str, list[str | None]] = {
        "slow": ["Submitted", "Submitted", "Submitted", "Success"],
        "fast1": ["Submitted", "Success"],
        "fast2": ["Submitted", "Failure"],
        "fast3": ["Submitted", "Cancelled"],
        "mid": ["Submitted", "Submitted", "Success"],
    }
    poller, source, _ = make(script, chunk_size=2)

    got = [e async for e in poller.as_completed("task", list(script))]

    assert [e.uuid for e in got[:3]] == ["fast1", "fast2", "fast3"]
    assert [e.uuid for e in got[3:]] == ["mid", "slow"]
    assert all(isinstance(e, Entity) and e.state in FINAL for e in got)
    # The three ending together were fetched in ceil(3 / 2) = 2 requests.
    assert [(tick, len(chunk)) for tick, chunk in source.entity_calls] == [
        (1, 2),
        (1, 1),
        (2, 1),
        (3, 1),
    ]


async def test_as_completed_stops_waiting_when_left_early() -> None:
    poller, _, _ = make({"a": ["Success"], "b": ["Submitted"]})
    async for entity in poller.as_completed("task", ["a", "b"]):
        assert entity.uuid == "a"
        break
    await settle()
    assert not poller.running


async def test_as_completed_can_yield_errors() -> None:
    poller, _, _ = make({"a": ["Submitted", "Success"], "b": ["Submitted", None]})
    got = [e async for e in poller.as_completed("task", ["a", "b"], return_exceptions=True)]
    assert {type(e) for e in got} == {Entity, NotFoundError}

    poller, _, _ = make({"a": ["Submitted", "Submitted", "Success"], "b": ["Submitted", None]})
    with pytest.raises(NotFoundError):
        async for _ in poller.as_completed("task", ["a", "b"]):
            pass


# --------------------------------------------------------------------------- lifecycle


async def test_aclose_fails_pending_waits_and_watches() -> None:
    clock = ManualClock()
    poller, _, _ = make({"a": ["Submitted"]}, clock=clock)
    wait = asyncio.create_task(poller.wait("task", "a"))
    watch = poller.watch(tasks=["a"])

    async def consume() -> list[StateChange]:
        return [c async for c in watch]

    consumer = asyncio.create_task(consume())
    await settle()

    await poller.aclose()

    with pytest.raises(ConfigurationError):
        await wait
    with pytest.raises(ConfigurationError):
        await consumer
    assert not poller.running
    assert poller.closed
    with pytest.raises(ConfigurationError):
        await poller.wait("task", "a")


async def test_an_unexpected_error_in_a_source_fails_everyone_instead_of_hanging() -> None:
    poller, source, _ = make({"a": ["Submitted"]})

    def broken(state: Any) -> bool:
        raise RuntimeError("bug in is_final")

    source.is_final = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="bug in is_final"):
        await poller.wait("task", "a", until=lambda s: False)
    await settle()
    assert not poller.running


async def test_several_kinds_are_polled_side_by_side() -> None:
    clock = FakeClock()
    tasks = FakeSource(clock, {"t": ["Submitted", "Success"]})
    pools = FakeSource(clock, {"p": ["Submitted", "FullyExecuting", "Closed"]}, kind="pool")
    pools.is_final = lambda state: state == "Closed"  # type: ignore[method-assign]
    poller = Poller(
        {"task": tasks, "pool": pools}, PollPolicy(jitter=0), sleep=clock.sleep, clock=clock.time
    )
    waits: list[Callable[[], Any]] = [
        lambda: poller.wait("task", "t"),
        lambda: poller.wait("pool", "p"),
    ]
    task, pool = await asyncio.gather(*(w() for w in waits))
    assert (task.state, pool.state) == ("Success", "Closed")
    assert [tick for tick, _ in tasks.state_calls] == [0, 1]
    assert [tick for tick, _ in pools.state_calls] == [0, 1, 2]
