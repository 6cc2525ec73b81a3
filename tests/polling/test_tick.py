"""One tick at a time: what the Ticker asks the sources and tells the subscribers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _polling_fakes import DescribedSource, Entity, FakeClock, FakeSource, Recorder, Summary

from qarnot_async import (
    AuthenticationError,
    ConnectError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from qarnot_async.polling import DescribedStateSource, PollerStats, StateSource
from qarnot_async.polling._registry import Registry
from qarnot_async.polling._tick import Outcome, Ticker, gone_error, is_transient, report


def ticker(
    script: dict[str, list[str | None]], *, chunk_size: int = 200, described: bool = False
) -> tuple[Ticker, FakeSource, Registry]:
    clock = FakeClock()
    source = (DescribedSource if described else FakeSource)(clock, script)
    registry = Registry(["task"])
    return Ticker({"task": source}, registry, PollerStats(), chunk_size), source, registry


def test_transient_errors() -> None:
    for error in (ServerError(503, "x"), RateLimitedError(429, "x"), ConnectError("x")):
        assert is_transient(error)
    assert is_transient(asyncio.CancelledError())
    for error in (AuthenticationError(401, "x"), NotFoundError(404, "x"), RuntimeError("x")):
        assert not is_transient(error)


def test_a_vanished_uuid_error_names_the_request_that_showed_it() -> None:
    source = DescribedSource(FakeClock())
    assert isinstance(source, DescribedStateSource)
    error = gone_error(source, "states", "abc", seen=True)
    assert isinstance(error, NotFoundError)
    assert (error.method, error.path, error.status) == ("POST", "/tasks/summaries/paginate", 404)
    assert "task abc is no longer known to the service" in str(error)
    assert str(error).startswith("POST /tasks/summaries/paginate: ")
    entities = gone_error(source, "entities", "abc", seen=True)
    assert entities.path == "/tasks/paginate"

    never = gone_error(source, "states", "abc", seen=False)
    assert "task abc is not known to the service" in str(never)


def test_a_vanished_uuid_error_invents_no_path_for_a_source_that_cannot_say() -> None:
    source = FakeSource(FakeClock())
    assert isinstance(source, StateSource)
    assert not isinstance(source, DescribedStateSource)
    error = gone_error(source, "entities", "abc", seen=True)
    assert (error.method, error.path) == ("", "")
    assert str(error) == (
        "404 task abc is no longer known to the service "
        "(left out of the answer to the task source's entities request)"
    )


def test_report_logs_one_line_only_when_something_failed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("WARNING", logger="qarnot_async"):
        report(Outcome(requests=3), 2.0)
        assert caplog.records == []
        failures: list[BaseException] = [ServerError(502, "bad\ngateway"), ConnectError("reset")]
        report(Outcome(requests=3, failures=failures), 2.0)
    (record,) = caplog.records
    assert record.getMessage().startswith("polling: 2 of 3 requests failed (ServerError: ")
    assert "and 1 more" in record.getMessage()
    assert "retrying in 2.0s" in record.getMessage()


async def test_every_subscriber_is_told_every_state_and_the_first_sighting_is_a_change() -> None:
    t, _, registry = ticker({"a": ["Submitted"], "b": ["Success"]})
    one, two = Recorder(), Recorder()
    registry.add(one, "task", "a", None)
    registry.add(one, "task", "b", None)
    registry.add(two, "task", "a", None)

    outcome = await t.tick(full=True)
    assert outcome.changed
    assert outcome.requests == 1
    assert one.events == [
        ("state", "task", "a", "Submitted", False),
        ("state", "task", "b", "Success", True),
    ]
    assert two.events == [("state", "task", "a", "Submitted", False)]
    assert registry.entry("task", "a").last_seen == Summary("a", "Submitted")  # type: ignore[union-attr]

    again = await t.tick(full=True)
    assert not again.changed  # same states: told again, but no change
    assert len(one.events) == 4
    assert t.stats.ticks == 2
    assert t.stats.state_requests == 2


async def test_a_fresh_tick_asks_only_for_new_uuids() -> None:
    t, source, registry = ticker({"a": ["Submitted"], "b": ["Submitted"]})
    sub = Recorder()
    registry.add(sub, "task", "a", None)
    await t.tick(full=True)
    registry.add(sub, "task", "b", None)
    await t.tick(full=False)
    assert [chunk for _, chunk in source.state_calls] == [["a"], ["b"]]
    assert await t.tick(full=False) == Outcome()  # nothing fresh: no request


async def test_a_callback_may_unsubscribe_another_subscriber_of_the_same_uuid() -> None:
    t, _, registry = ticker({"a": ["Submitted"]})
    first, second = Recorder(), Recorder()
    first.on_state_do = lambda kind, uuid, state: registry.remove(second, kind, uuid)
    registry.add(first, "task", "a", None)
    registry.add(second, "task", "a", None)
    await t.tick(full=True)
    assert len(first.events) == 1
    assert second.events == []


async def test_a_vanished_uuid_is_forgotten_and_its_subscribers_told_once() -> None:
    t, source, registry = ticker({"a": ["Submitted", None]}, described=True)
    sub, late = Recorder(), Recorder()
    registry.add(sub, "task", "a", None)
    await t.tick(full=True)
    registry.add(late, "task", "a", None)
    await source.clock.sleep(1.0)  # the script's next step: "a" is gone
    outcome = await t.tick(full=True)
    assert outcome.changed
    assert sub.kinds() == ["state", "gone"]
    assert late.kinds() == ["gone"]
    assert late.gone[0] is not sub.gone[0]  # one error each: raised in different tasks
    assert not registry.busy
    (error,) = sub.gone
    assert error.path == "/tasks/summaries/paginate"
    assert "no longer known" in str(error)


async def test_asked_entities_are_fetched_chunked_in_the_same_tick() -> None:
    t, source, registry = ticker(
        {"a": ["Success"], "b": ["Success"], "c": ["Running"]}, chunk_size=2
    )
    sub = Recorder()
    sub.on_state_do = lambda kind, uuid, state: (
        registry.want_entity(sub, kind, uuid) if state == "Success" else None
    )
    for uuid in "cba":
        registry.add(sub, "task", uuid, None)
    outcome = await t.tick(full=True)
    assert outcome.requests == 3  # two state chunks, one entity chunk
    assert source.entity_calls == [(0, ["a", "b"])]
    assert [e for e in sub.events if e[0] == "entity"] == [
        ("entity", "task", "a", Entity("a", "Success")),
        ("entity", "task", "b", Entity("b", "Success")),
    ]
    assert registry.entry("task", "a").last_seen == Entity("a", "Success")  # type: ignore[union-attr]
    assert registry.entity_plan(chunk_size=2) == []


async def test_an_entity_missing_from_the_fetch_unsubscribes_and_tells_gone() -> None:
    t, source, registry = ticker({"a": ["Success"]})
    source.entities = _no_entities  # type: ignore[method-assign]
    asking, watching = Recorder(), Recorder()
    asking.on_state_do = lambda kind, uuid, state: registry.want_entity(asking, kind, uuid)
    registry.add(asking, "task", "a", None)
    registry.add(watching, "task", "a", None)
    await t.tick(full=True)
    assert asking.kinds() == ["state", "gone"]
    assert watching.kinds() == ["state"]  # told at the next state poll, not before
    assert not registry.subscribed(asking, "task", "a")
    assert registry.subscribed(watching, "task", "a")


async def _no_entities(uuids: Any) -> dict[str, Any]:
    return {}


async def test_transient_errors_are_kept_for_the_schedule_and_tell_nobody() -> None:
    t, source, registry = ticker({"a": ["Submitted"], "b": ["Submitted"]}, chunk_size=1)
    source.errors = [ServerError(503, "down"), RateLimitedError(429, "slow", retry_after=4.0)]
    sub = Recorder()
    registry.add(sub, "task", "a", None)
    registry.add(sub, "task", "b", None)
    outcome = await t.tick(full=True)
    assert len(outcome.failures) == 2
    assert outcome.retry_after == 4.0
    assert t.stats.failed_requests == 2
    assert sub.events == []
    assert registry.busy


async def test_a_rate_limit_holds_the_entity_fetches_back_to_the_next_tick() -> None:
    t, source, registry = ticker({"a": ["Success"], "b": ["Submitted"]}, chunk_size=1)
    source.errors = [None, RateLimitedError(429, "slow", retry_after=5.0)]
    sub = Recorder()
    sub.on_state_do = lambda kind, uuid, state: registry.want_entity(sub, kind, uuid)
    registry.add(sub, "task", "a", None)
    registry.add(sub, "task", "b", None)
    await t.tick(full=True)
    assert source.entity_calls == []
    await t.tick(full=True)
    assert sorted(chunk[0] for _, chunk in source.entity_calls) == ["a", "b"]


async def test_a_non_transient_error_is_told_once_per_request_to_those_concerned() -> None:
    t, source, registry = ticker({u: ["Submitted"] for u in "abc"}, chunk_size=2)
    denied = AuthenticationError(401, "bad token")
    source.fail_for = {"a": denied}
    both, other = Recorder(), Recorder()
    registry.add(both, "task", "a", None)
    registry.add(both, "task", "b", None)  # same chunk as "a"
    registry.add(other, "task", "c", None)  # another chunk
    await t.tick(full=True)
    assert both.errors == [denied]
    assert other.errors == []
    # Subscribers decide: nobody unsubscribed, so the uuids are still polled.
    assert registry.watched("task") == {"a", "b", "c"}


async def test_entity_fetch_errors_go_to_the_askers_only_or_retry_when_transient() -> None:
    t, source, registry = ticker({"a": ["Success"]})
    asking, watching = Recorder(), Recorder()
    asking.on_state_do = lambda kind, uuid, state: registry.want_entity(asking, kind, uuid)
    registry.add(asking, "task", "a", None)
    registry.add(watching, "task", "a", None)
    source.entity_errors = [ServerError(502, "bad gateway"), AuthenticationError(401, "no")]
    outcome = await t.tick(full=True)
    assert outcome.failures
    assert asking.errors == []
    assert registry.entity_plan(chunk_size=10) == [("task", ["a"])]  # retried next tick
    asking.on_state_do = None
    await t.tick(full=True)
    assert [type(e) for e in asking.errors] == [AuthenticationError]
    assert watching.errors == []
    assert registry.entity_plan(chunk_size=10) == []
