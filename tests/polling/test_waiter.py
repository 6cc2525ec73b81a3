"""Waits and as_completed through a Poller over a scripted source, on fake clocks."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from _polling_fakes import (
    FINAL,
    DescribedSource,
    Entity,
    FakeClock,
    ManualClock,
    Recorder,
    Summary,
    make,
    settle,
)

from qarnot_async import InvalidInputError, NotFoundError, ServerError, WaitTimeoutError
from qarnot_async.polling import Poller, PollPolicy

# ------------------------------------------------------------------------- wait


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
    clock = ManualClock()
    poller, _, _ = make({"a": ["FullyExecuting"]}, clock=clock)
    # Another subscriber had "a" polled already: the wait starts knowing its state.
    other = Recorder()
    poller.subscribe(other, "task", "a")
    await other.told.wait()

    # (The timeout runs on the event loop's clock: 0 expires at the first await.)
    with pytest.raises(WaitTimeoutError) as info:
        await poller.wait("task", "a", timeout=0)

    assert info.value.last_seen == Summary("a", "FullyExecuting")
    assert "task a did not reach the awaited state within 0s" in str(info.value)
    assert "(last seen: 'FullyExecuting')" in str(info.value)
    assert poller.watched("task") == {"a"}  # the timed-out wait left, the other stays
    poller.unsubscribe(other, "task", "a")
    await settle()
    assert not poller.running
    assert poller.watched("task") == frozenset()


async def test_timeout_before_any_answer_has_no_last_seen() -> None:
    clock = ManualClock()
    poller, source, _ = make({"a": ["FullyExecuting"]}, clock=clock)
    source.errors = [ServerError(503, "down")]
    other = Recorder()
    poller.subscribe(other, "task", "a")
    await settle()
    assert poller.stats.failed_requests == 1  # the first tick is over, with no answer

    with pytest.raises(WaitTimeoutError) as info:
        await poller.wait("task", "a", timeout=0)
    assert info.value.last_seen is None
    assert "last seen" not in str(info.value)
    poller.unsubscribe(other, "task", "a")


async def test_a_wait_that_ends_in_time_is_not_a_timeout() -> None:
    poller, _, _ = make({"a": ["Submitted", "Success"]})
    entity = await poller.wait("task", "a", timeout=60)
    assert entity == Entity("a", "Success")


async def test_a_deleted_entity_fails_its_waits_with_not_found() -> None:
    poller, _, _ = make({"a": ["Submitted", None], "b": ["Submitted", "Success"]})

    a = asyncio.create_task(poller.wait("task", "a"))
    b = asyncio.create_task(poller.wait("task", "b"))

    with pytest.raises(NotFoundError) as info:
        await a
    assert info.value.status == 404
    assert "task a is no longer known to the service" in str(info.value)
    # This source cannot name its requests: no path is made up for it.
    assert (info.value.method, info.value.path) == ("", "")
    assert (await b).state == "Success"


async def test_a_never_known_uuid_fails_with_the_request_that_showed_it() -> None:
    clock = FakeClock()
    source = DescribedSource(clock, {})
    poller = Poller({"task": source}, PollPolicy(jitter=0), sleep=clock.sleep, clock=clock.time)
    with pytest.raises(NotFoundError) as info:
        await poller.wait("task", "nope")
    assert (info.value.method, info.value.path) == ("POST", "/tasks/summaries/paginate")
    assert "task nope is not known to the service" in str(info.value)


async def test_an_entity_missing_from_the_entity_fetch_is_not_found() -> None:
    poller, source, _ = make({"a": ["Success"]})

    async def no_entities(uuids: Sequence[str]) -> Mapping[str, Any]:
        return {}

    source.entities = no_entities  # type: ignore[method-assign]
    with pytest.raises(NotFoundError, match="task a is no longer known"):
        await poller.wait("task", "a")


async def test_unknown_kind_and_bad_timeout_are_refused() -> None:
    poller, _, _ = make({"a": ["Success"]})
    with pytest.raises(InvalidInputError, match="no source"):
        await poller.wait("pool", "a")
    with pytest.raises(InvalidInputError):
        await poller.wait("task", "a", timeout=-1)
    assert not poller.running


# ------------------------------------------------------------------ as_completed


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
