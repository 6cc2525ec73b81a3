"""The Schedule on a hand-moved clock: no poller, no sleeping, no requests."""

from __future__ import annotations

import random

import pytest

from qarnot_async.polling import PollPolicy
from qarnot_async.polling._schedule import Schedule, Step


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def schedule(clock: Clock, **policy: float) -> Schedule:
    policy.setdefault("jitter", 0.0)
    return Schedule(PollPolicy(**policy), clock, random.Random(1))  # type: ignore[arg-type]


def no_cap() -> float:
    raise AssertionError("the cap is only asked for after a full tick without change")


def test_a_fresh_schedule_ticks_in_full_at_once() -> None:
    s = schedule(Clock())
    assert s.next_step(has_fresh=True) == Step("full")
    # What was due is consumed: nothing new is due before its time.
    step = s.next_step(has_fresh=False)
    assert step.tick is None
    assert step.wake == "full"


def test_interval_starts_fast_grows_caps_and_resets_on_change() -> None:
    clock = Clock()
    s = schedule(clock, initial=1.0, backoff=2.0, max_interval=5.0)
    delays = []
    for changed in (True, False, False, False, False, True, False):
        delays.append(
            s.record("full", changed=changed, retry_after=None, cap=lambda: s.policy.max_interval)
        )
        clock.now += delays[-1]
    assert delays == [1.0, 2.0, 4.0, 5.0, 5.0, 1.0, 2.0]


def test_a_cap_below_the_maximum_stops_the_growth() -> None:
    s = schedule(Clock(), initial=1.0, backoff=2.0, max_interval=30.0)
    delays = [s.record("full", changed=False, retry_after=None, cap=lambda: 3.0) for _ in range(4)]
    assert delays == [2.0, 3.0, 3.0, 3.0]


def test_the_next_full_tick_is_paused_for_then_due_on_waking() -> None:
    clock = Clock()
    s = schedule(clock, initial=1.0, backoff=2.0)
    assert s.next_step(has_fresh=False).tick == "full"
    assert s.record("full", changed=True, retry_after=None, cap=no_cap) == 1.0
    pause = s.next_step(has_fresh=False)
    assert pause == Step(None, until=101.0, wake="full", interruptible=True)
    # Woken a hair early by an imprecise sleep: the full tick is due all the same.
    clock.now = 100.9999999
    s.woke(pause)
    assert s.next_step(has_fresh=False) == Step("full")


def test_an_interrupted_pause_makes_nothing_due() -> None:
    clock = Clock()
    s = schedule(clock, initial=1.0)
    s.next_step(has_fresh=False)
    s.record("full", changed=True, retry_after=None, cap=no_cap)
    s.next_step(has_fresh=False)  # pausing until 101; a new uuid cuts it short at 100.5
    clock.now = 100.5
    step = s.next_step(has_fresh=True)
    # Fresh uuids wait for the spacing, in a pause no new uuid may interrupt.
    assert step == Step(None, until=101.0, wake="full", interruptible=False)


def test_fresh_uuids_wait_for_the_spacing_then_tick_alone() -> None:
    clock = Clock()
    s = schedule(clock, initial=1.0, backoff=4.0)
    s.next_step(has_fresh=False)
    s.record("full", changed=False, retry_after=None, cap=lambda: 30.0)  # next full at 104
    assert s.next_full == 104.0
    clock.now = 100.2
    step = s.next_step(has_fresh=True)
    assert step == Step(None, until=101.0, wake="fresh", interruptible=False)
    s.woke(step)
    assert s.next_step(has_fresh=True) == Step("fresh")
    clock.now = 101.0
    # First sightings are a change: the next full tick comes sooner, not later.
    assert s.record("fresh", changed=True, retry_after=None, cap=no_cap) == 1.0
    assert s.next_full == 102.0


def test_a_fresh_tick_without_change_keeps_the_full_schedule() -> None:
    clock = Clock()
    s = schedule(clock, initial=1.0, backoff=4.0)
    s.next_step(has_fresh=False)
    s.record("full", changed=False, retry_after=None, cap=lambda: 30.0)
    clock.now = 101.5
    assert s.next_step(has_fresh=True) == Step("fresh")  # the spacing has passed
    assert s.record("fresh", changed=False, retry_after=None, cap=no_cap) == pytest.approx(2.5)
    assert s.next_full == 104.0
    assert s.interval == 4.0


def test_retry_after_holds_every_tick_back_even_across_a_restart() -> None:
    clock = Clock()
    s = schedule(clock, initial=1.0)
    s.next_step(has_fresh=False)
    assert s.record("full", changed=False, retry_after=20.0, cap=lambda: 30.0) == 20.0
    assert s.hold_until == 120.0
    clock.now = 105.0
    # A new uuid is polled at the end of the hold, not after the spacing.
    assert s.next_step(has_fresh=True) == Step(None, until=120.0, wake="full")
    s.restart()  # the poller went idle and came back: still held
    assert s.next_step(has_fresh=True) == Step(None, until=120.0, wake="full")
    clock.now = 120.0
    s.restart()
    assert s.next_step(has_fresh=True) == Step("full")


def test_a_fresh_tick_answered_with_retry_after_pushes_the_full_tick() -> None:
    clock = Clock()
    s = schedule(clock, initial=1.0)
    s.next_step(has_fresh=False)
    s.record("full", changed=False, retry_after=None, cap=lambda: 30.0)  # full at 101.5
    clock.now = 101.0
    assert s.record("fresh", changed=True, retry_after=7.0, cap=no_cap) == 7.0
    assert s.next_full == 108.0


def test_jitter_spreads_delays_within_bounds_and_under_the_maximum() -> None:
    s = schedule(Clock(), initial=1.0, backoff=1.0, max_interval=1.0, jitter=0.5)
    delays = [s.record("full", changed=False, retry_after=None, cap=lambda: 1.0) for _ in range(50)]
    assert all(0.5 <= d <= 1.0 for d in delays)
    assert len(set(delays)) > 1


def test_the_next_tick_is_counted_from_the_start_of_the_last_one() -> None:
    clock = Clock()
    s = schedule(clock, initial=1.0, backoff=2.0)
    assert s.next_step(has_fresh=False) == Step("full")  # the first tick, at 100
    clock.now = 100.3  # it took 0.3 s
    assert s.record("full", changed=True, retry_after=None, cap=no_cap, started=100.0) == (
        pytest.approx(0.7)
    )
    assert s.next_full == 101.0  # a fixed cadence: 100, 101, ...
    assert s.last_tick == 100.0
    # A tick longer than the interval: the next one is due at once.
    clock.now = 102.5
    assert s.record("full", changed=True, retry_after=None, cap=no_cap, started=101.0) < 0
    # The pause it asks for is already over.
    assert s.next_step(has_fresh=False) == Step(None, until=102.0, wake="full", interruptible=True)
    assert s.next_step(has_fresh=False).until < clock()


def test_a_retry_after_counts_from_the_end_of_the_tick_that_was_answered() -> None:
    clock = Clock()
    s = schedule(clock, initial=1.0)
    clock.now = 100.5
    assert s.record("full", changed=True, retry_after=3.0, cap=no_cap, started=100.0) == 3.0
    assert s.hold_until == 103.5
