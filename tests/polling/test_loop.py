"""The Loop alone: its background task starts, pauses, is cut short, stops, crashes."""

from __future__ import annotations

import random
from typing import Any

import pytest
from _polling_fakes import FakeClock, FakeSource, ManualClock, Recorder, settle

from qarnot_async.polling import PollerStats, PollPolicy
from qarnot_async.polling._loop import Loop
from qarnot_async.polling._registry import Registry
from qarnot_async.polling._schedule import Schedule
from qarnot_async.polling._tick import Ticker


class Rig:
    """A Loop over one FakeSource, with the parts it runs on in reach."""

    def __init__(self, clock: FakeClock | ManualClock, script: dict[str, list[str | None]]):
        self.clock = clock
        self.source = FakeSource(clock, script)
        self.registry = Registry(["task"])
        self.stats = PollerStats()
        self.crashes: list[BaseException] = []
        policy = PollPolicy(initial=1.0, backoff=2.0, max_interval=8.0, jitter=0)
        self.schedule = Schedule(policy, clock.time, random.Random(0))
        self.loop = Loop(
            self.registry,
            self.schedule,
            Ticker({"task": self.source}, self.registry, self.stats, 200),
            clock.sleep,
            crashed=self.crashes.append,
        )

    def follow(self, subscriber: Any, uuid: str) -> None:
        self.registry.add(subscriber, "task", uuid, None)
        self.loop.ensure_running()


async def test_it_ticks_at_once_then_pauses_on_the_schedule() -> None:
    rig = Rig(ManualClock(), {"a": ["Submitted"]})
    rig.follow(Recorder(), "a")
    await settle()
    assert rig.loop.running
    assert rig.stats.ticks == 1
    assert rig.clock.sleeps == [1.0]  # a first sighting is a change: `initial`
    await rig.clock.advance()
    assert rig.stats.ticks == 2
    assert rig.clock.sleeps == [1.0, 2.0]  # no change: backed off
    await rig.loop.aclose()
    assert not rig.loop.running


async def test_a_new_uuid_cuts_the_pause_short_and_waits_only_for_the_spacing() -> None:
    rig = Rig(ManualClock(), {"a": ["Submitted"], "b": ["Submitted"]})
    rig.follow(Recorder(), "a")
    await settle()
    await rig.clock.advance()  # t=1: second full tick; the next is due at t=3
    rig.follow(Recorder(), "b")
    await settle()
    # The pause until t=3 was cut; the new uuid waits for t=2 (one `initial` after).
    assert rig.clock.sleeps == [1.0, 2.0, 1.0]
    await rig.clock.advance()
    assert rig.source.state_calls[-1] == (3, ["b"])
    await rig.loop.aclose()


async def test_stop_cancels_the_task_and_its_pause_at_once() -> None:
    rig = Rig(ManualClock(), {"a": ["Submitted"]})
    recorder = Recorder()
    rig.follow(recorder, "a")
    await settle()
    assert rig.clock.sleeping
    rig.registry.remove(recorder, "task", "a")
    rig.loop.stop()
    assert not rig.loop.running
    await settle()
    assert not rig.clock.sleeping
    await rig.loop.aclose()  # nothing left to wait for


async def test_it_ends_by_itself_when_nothing_is_polled_after_a_tick() -> None:
    rig = Rig(FakeClock(), {"a": ["Submitted", None]})
    recorder = Recorder()
    rig.follow(recorder, "a")
    await settle()
    assert recorder.kinds() == ["state", "gone"]
    assert not rig.loop.running
    assert rig.crashes == []


async def test_an_unexpected_error_is_handed_to_crashed_and_ends_the_task(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rig = Rig(FakeClock(), {"a": ["Submitted"]})

    def broken(state: Any) -> bool:
        raise RuntimeError("bug in is_final")

    rig.source.is_final = broken  # type: ignore[method-assign]
    rig.follow(Recorder(), "a")
    await settle()
    assert [str(e) for e in rig.crashes] == ["bug in is_final"]
    assert not rig.loop.running
    assert "the poller stopped on an unexpected error" in caplog.text


async def test_a_failing_injected_sleep_is_a_crash_too() -> None:
    clock = FakeClock()

    async def broken_sleep(delay: float) -> None:
        raise OSError("no sleep")

    clock.sleep = broken_sleep  # type: ignore[method-assign]
    rig = Rig(clock, {"a": ["Submitted"]})
    rig.follow(Recorder(), "a")
    await settle()
    assert [type(e) for e in rig.crashes] == [OSError]


async def test_ticks_keep_their_cadence_however_long_a_tick_takes() -> None:
    clock = ManualClock()
    rig = Rig(clock, {"a": ["Submitted", "Running", "Success"]})
    real_states = rig.source.states

    async def slow_states(uuids: Any) -> Any:
        clock.now += 0.25  # every request takes a quarter of a second
        return await real_states(uuids)

    rig.source.states = slow_states  # type: ignore[method-assign]
    rig.follow(Recorder(), "a")
    await settle()
    await clock.advance()
    await clock.advance()
    # Each tick saw a change: one second between the starts of the ticks, the time the
    # requests took included, not one second after their end.
    assert rig.source.state_times == [0.25, 1.25, 2.25]
    assert clock.sleeps == [0.75, 0.75, 0.75]
    await rig.loop.aclose()
