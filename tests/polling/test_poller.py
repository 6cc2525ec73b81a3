"""The Poller against scripted in-memory sources, on fake clocks.

Coalescing, the schedule as the loop applies it, failures, the background task's
lifecycle, and the public subscriber protocol (``subscribe``, ``unsubscribe``,
``request_entity``). Waits and watches have their own modules.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from typing import Any

import pytest
from _polling_fakes import (
    FINAL,
    Entity,
    FakeClock,
    FakeSource,
    ManualClock,
    Recorder,
    make,
    settle,
)

from qarnot_async import (
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    RateLimitedError,
    ServerError,
)
from qarnot_async.polling import Poller, PollPolicy, StateChange

# --------------------------------------------------------------- construction


def test_poller_refuses_a_source_of_another_kind() -> None:
    with pytest.raises(InvalidInputError, match="serves 'task'"):
        Poller({"pool": FakeSource(FakeClock())})


# ----------------------------------------------------------------- coalescing


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


# ------------------------------------------------------------------ lifecycle


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

    first_a.cancel()
    await settle()
    assert first_a.cancelled()
    assert poller.watched("task") == {"a", "b"}  # the other wait on "a" still counts

    await clock.advance()
    assert (await second_a).state == "Success"
    assert (await b).state == "Success"
    await settle()
    assert not poller.running
    assert not clock.sleeping

    # The next wait starts the background task again, which polls at once.
    calls = len(source.state_calls)
    again = asyncio.create_task(poller.wait("task", "a"))
    await asyncio.sleep(0)
    assert poller.running
    assert (await again).state == "Success"
    assert len(source.state_calls) == calls + 1


async def test_cancelling_every_wait_stops_the_poller_at_once() -> None:
    clock = ManualClock()
    poller, source, _ = make({"a": ["Submitted"], "b": ["Submitted"]}, clock=clock)
    waits = [asyncio.create_task(poller.wait("task", u)) for u in ("a", "b")]
    await settle()
    assert poller.running
    assert clock.sleeping

    for wait in waits:
        wait.cancel()
    await settle()

    assert not poller.running
    assert not clock.sleeping  # its pause was cancelled too
    assert poller.watched("task") == frozenset()
    assert len(source.state_calls) == 1


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


# ------------------------------------------------------------------- schedule


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


async def test_a_trickle_of_new_waits_never_polls_more_than_once_per_initial() -> None:
    clock = ManualClock()
    poller, source, _ = make({"a": ["FullyExecuting"]}, clock=clock, initial=1.0, max_interval=1.0)
    wait = asyncio.create_task(poller.wait("task", "a"))
    await settle()
    # A steady trickle of new waits on the same uuid, each asking for a prompt poll,
    # while 10 s pass in steps of 50 ms.
    for _ in range(200):
        extra = asyncio.create_task(poller.wait("task", "a"))
        await settle(3)
        extra.cancel()
        await clock.pass_time(0.05)
    wait.cancel()
    await asyncio.gather(wait, return_exceptions=True)
    # One tick at t=0, then never more than one per `initial`, whatever the trickle.
    times = source.state_times
    assert len(times) <= 11
    assert all(later - earlier >= 1.0 - 1e-9 for earlier, later in itertools.pairwise(times))
    assert len(times) >= 9  # and the schedule kept going meanwhile
    await settle()
    assert not poller.running


# ------------------------------------------------------------------- failures


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


# ------------------------------------------------------------- subscribers


async def test_a_subscriber_of_its_own_is_told_every_tick_until_it_leaves() -> None:
    poller, source, _ = make({"a": ["Submitted", "Running", "Success"]})
    recorder = Recorder()

    def ask_when_final(kind: str, uuid: str, state: Any) -> None:
        if state in FINAL:
            poller.request_entity(recorder, kind, uuid)

    recorder.on_state_do = ask_when_final
    poller.subscribe(recorder, "task", "a")
    assert poller.running
    while not any(event[0] == "entity" for event in recorder.events):
        recorder.told.clear()
        await recorder.told.wait()
    assert recorder.events == [
        ("state", "task", "a", "Submitted", False),
        ("state", "task", "a", "Running", False),
        ("state", "task", "a", "Success", True),
        ("entity", "task", "a", Entity("a", "Success")),
    ]
    assert poller.last_seen("task", "a") == Entity("a", "Success")
    assert poller.running  # still subscribed: still polled

    poller.unsubscribe(recorder, "task", "a")
    await settle()
    assert not poller.running
    assert poller.last_seen("task", "a") is None  # forgotten with its last subscriber
    assert source.entity_calls == [(2, ["a"])]


async def test_subscribe_checks_its_arguments_and_the_poller() -> None:
    poller, _, _ = make({"a": ["Submitted"]}, initial=1.0)
    recorder = Recorder()
    with pytest.raises(InvalidInputError, match="no source"):
        poller.subscribe(recorder, "pool", "p")
    with pytest.raises(InvalidInputError, match="max_interval"):
        poller.subscribe(recorder, "task", "a", max_interval=0.5)
    with pytest.raises(InvalidInputError, match="does not follow"):
        poller.request_entity(recorder, "task", "a")
    poller.subscribe(recorder, "task", [])  # nothing to poll: nothing starts
    assert not poller.running
    with pytest.raises(InvalidInputError, match="no source"):
        poller.unsubscribe(recorder, "job", "j")
    poller.unsubscribe(recorder, "task", "never-subscribed")

    await poller.aclose()
    with pytest.raises(ConfigurationError, match="closed"):
        poller.subscribe(recorder, "task", "a")
    with pytest.raises(ConfigurationError):
        poller.check_open()


async def test_a_subscriber_cap_holds_the_backoff_down_while_subscribed() -> None:
    clock = FakeClock()
    source = FakeSource(clock, {"a": ["Submitted"] * 6 + ["Success"]})
    poller = Poller(
        {"task": source},
        PollPolicy(initial=1.0, backoff=2.0, max_interval=30.0, jitter=0),
        sleep=clock.sleep,
        clock=clock.time,
    )
    capped = Recorder()
    poller.subscribe(capped, "task", "a", max_interval=3.0)
    assert (await poller.wait("task", "a")).state == "Success"
    assert clock.sleeps[:6] == [1.0, 2.0, 3.0, 3.0, 3.0, 3.0]
    poller.unsubscribe(capped, "task", "a")


async def test_aclose_tells_each_subscriber_once_and_forgets_them() -> None:
    clock = ManualClock()
    poller, _, _ = make({"a": ["Submitted"], "b": ["Submitted"]}, clock=clock)
    recorder = Recorder()
    poller.subscribe(recorder, "task", ["a", "b"])
    await settle()
    await poller.aclose()
    assert [type(e) for e in recorder.errors] == [ConfigurationError]
    assert poller.watched("task") == frozenset()
    assert not poller.running
