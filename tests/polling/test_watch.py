"""Watches through a Poller over a scripted source, on fake clocks."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from _polling_fakes import FINAL, ManualClock, Summary, make, settle

from qarnot_async import ConfigurationError, InvalidInputError, NotFoundError
from qarnot_async.polling import StateChange, Watch


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


# ------------------------------------------------- a watch alone, told by hand


class Hub:
    """Stands in for the poller: records (un)subscriptions, polls nothing."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, list[str]]] = []
        self.open = True

    def source(self, kind: str) -> object:
        if kind not in ("task", "pool"):
            raise InvalidInputError("kind", "no source for this kind", kind)
        return object()

    def check_open(self) -> None:
        if not self.open:
            raise ConfigurationError("closed")

    def subscribe(self, subscriber: object, kind: str, uuids: Any) -> None:
        self.calls.append(("subscribe", kind, sorted([uuids] if isinstance(uuids, str) else uuids)))

    def unsubscribe(self, subscriber: object, kind: str, uuids: Any) -> None:
        self.calls.append(("unsub", kind, sorted([uuids] if isinstance(uuids, str) else uuids)))


NOW = datetime(2025, 1, 1)


async def drain(watch: Watch) -> list[tuple[Any, Any, bool]]:
    return [(c.previous, c.current, c.final) async for c in watch]


async def test_a_watch_subscribes_when_started_and_reports_transitions_only() -> None:
    hub = Hub()
    watch = Watch(hub, until_final=True)  # type: ignore[arg-type]
    watch.add("task", ["a", "a"])
    assert hub.calls == []  # nothing polled before the watch starts
    async with watch:
        assert hub.calls == [("subscribe", "task", ["a"])]
        watch.on_state("task", "a", "Queued", NOW, summary="s1", final=False)
        watch.on_state("task", "a", "Queued", NOW, summary="s2", final=False)
        watch.on_state("task", "a", "Done", NOW, summary="s3", final=True)
        # Final: the uuid leaves the watch, which is then over.
        assert hub.calls[-1] == ("unsub", "task", ["a"])
        assert watch.watched == {}
        assert await drain(watch) == [(None, "Queued", False), ("Queued", "Done", True)]


async def test_a_gone_entity_is_a_last_event_from_its_last_state() -> None:
    hub = Hub()
    watch = Watch(hub)  # type: ignore[arg-type]
    watch.add("task", ["a", "b"])
    async with watch:
        watch.on_state("task", "a", "Queued", NOW, summary="s", final=False)
        gone = NotFoundError(404, "gone")
        watch.on_gone("task", "a", NOW, error=gone)
        watch.on_gone("task", "b", NOW, error=gone)
        changes = [c async for c in watch]
    assert [(c.uuid, c.previous, c.current, c.gone, c.final) for c in changes] == [
        ("a", None, "Queued", False, False),
        ("a", "Queued", None, True, True),
        ("b", None, None, True, True),
    ]


async def test_an_error_ends_the_watch_after_the_events_queued_before_it() -> None:
    hub = Hub()
    watch = Watch(hub, until_final=False)  # type: ignore[arg-type]
    watch.add("task", "a")
    received: list[Any] = []

    async def consume() -> None:
        async for change in watch:
            received.append(change.current)

    async with watch:
        watch.on_state("task", "a", "Queued", NOW, summary="s", final=False)
        watch.on_error(RuntimeError("boom"))
        watch.on_error(RuntimeError("told twice: ignored"))
        with pytest.raises(RuntimeError, match="boom"):
            await consume()
    assert received == ["Queued"]
    assert watch.closed
    assert ("unsub", "task", ["a"]) in hub.calls


async def test_removing_then_adding_back_reports_a_first_sighting_again() -> None:
    hub = Hub()
    watch = Watch(hub, until_final=False)  # type: ignore[arg-type]
    watch.add("task", "a")
    async with watch:
        watch.on_state("task", "a", "Queued", NOW, summary="s", final=False)
        watch.remove("task", ["a", "unknown"])
        watch.add("task", "a")
        watch.on_state("task", "a", "Queued", NOW, summary="s", final=False)
        assert hub.calls == [
            ("subscribe", "task", ["a"]),
            ("unsub", "task", ["a"]),
            ("subscribe", "task", ["a"]),
        ]
        await watch.aclose()  # drops what was queued and not read
        assert await drain(watch) == []
    with pytest.raises(InvalidInputError):
        watch.add("job", "j")  # a kind the poller has no source for


async def test_a_watch_of_a_closed_poller_does_not_start() -> None:
    hub = Hub()
    hub.open = False
    watch = Watch(hub)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        await drain(watch)
