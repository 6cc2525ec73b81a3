"""The public types of qarnot_async.polling: protocols, StateChange, PollerStats."""

from __future__ import annotations

from datetime import UTC, datetime

from _polling_fakes import DescribedSource, FakeClock, FakeSource, Recorder, make

import qarnot_async
from qarnot_async import polling
from qarnot_async.polling import (
    DescribedStateSource,
    EntitySubscriber,
    PollerStats,
    StateChange,
    StateSource,
    Subscriber,
    Watch,
)
from qarnot_async.polling._waiter import Waiter


def test_the_public_names_and_the_package_reexports() -> None:
    assert set(polling.__all__) >= {
        "Poller",
        "PollPolicy",
        "PollerStats",
        "StateChange",
        "StateSource",
        "Subscriber",
        "Watch",
    }
    assert qarnot_async.PollPolicy is polling.PollPolicy
    assert qarnot_async.StateChange is polling.StateChange


def test_sources_with_and_without_describe() -> None:
    assert isinstance(FakeSource(FakeClock()), StateSource)
    assert not isinstance(FakeSource(FakeClock()), DescribedStateSource)
    assert isinstance(DescribedSource(FakeClock()), DescribedStateSource)
    assert not isinstance(object(), StateSource)


async def test_waits_and_watches_are_subscribers() -> None:
    poller, _, _ = make({})
    assert isinstance(Watch(poller), Subscriber)
    assert not isinstance(Watch(poller), EntitySubscriber)  # a watch reads states only
    assert isinstance(Waiter(poller, "task", "a", None), EntitySubscriber)
    assert isinstance(Recorder(), EntitySubscriber)


def test_state_change_gone_only_without_state_and_entity() -> None:
    now = datetime.now(UTC)
    alive = StateChange("task", "a", None, "Submitted", object(), now)
    gone = StateChange("task", "a", "Submitted", None, None, now, final=True)
    assert not alive.gone
    assert not alive.final
    assert gone.gone
    # A source may report a None state with a summary: that entity still exists.
    assert not StateChange("task", "a", None, None, object(), now).gone


def test_poller_stats_start_at_zero() -> None:
    stats = PollerStats()
    assert (stats.ticks, stats.state_requests, stats.entity_requests) == (0, 0, 0)
    assert stats.failed_requests == 0
