"""The Registry: who follows which uuid, the plans of a tick, the caps."""

from __future__ import annotations

from _polling_fakes import Recorder

from qarnot_async.polling._registry import UNSEEN, Entry, Registry, as_uuids, chunks


def test_as_uuids_keeps_order_drops_duplicates_and_takes_a_lone_string() -> None:
    assert as_uuids("abc") == ["abc"]
    assert as_uuids(["b", "a", "b"]) == ["b", "a"]
    assert as_uuids(iter(())) == []


def test_chunks() -> None:
    assert list(chunks(["a", "b", "c", "d", "e"], 2)) == [["a", "b"], ["c", "d"], ["e"]]
    assert list(chunks([], 3)) == []


def test_an_entry_counts_a_first_sighting_and_each_transition_as_a_change() -> None:
    entry = Entry()
    assert entry.state is UNSEEN
    assert entry.observe(None, "s0")  # None is a state like any other
    assert not entry.observe(None, "s1")
    assert entry.observe("Running", "s2")
    assert (entry.state, entry.last_seen) == ("Running", "s2")


def test_add_and_remove_follow_subscribers_and_forget_idle_uuids() -> None:
    registry = Registry(["task", "pool"])
    a, b = Recorder(), Recorder()
    assert not registry.busy
    registry.add(a, "task", "u1", None)
    registry.add(b, "task", "u1", 5.0)
    registry.add(a, "pool", "p1", None)
    assert registry.busy
    assert registry.watched("task") == {"u1"}
    assert registry.subscribed(b, "task", "u1")
    assert not registry.subscribed(b, "pool", "p1")

    registry.remove(a, "task", "u1")
    assert registry.watched("task") == {"u1"}  # b still follows it
    registry.remove(a, "task", "u1")  # twice: a no-op
    registry.remove(a, "task", "unknown")
    registry.remove(b, "task", "u1")
    assert registry.entry("task", "u1") is None
    registry.remove(a, "pool", "p1")
    assert not registry.busy


def test_the_cap_is_the_smallest_asked_for() -> None:
    registry = Registry(["task"])
    assert registry.cap(30.0) == 30.0
    a, b = Recorder(), Recorder()
    registry.add(a, "task", "u1", 8.0)
    registry.add(b, "task", "u2", 3.0)
    registry.add(b, "task", "u3", None)
    assert registry.cap(30.0) == 3.0
    registry.remove(b, "task", "u2")
    assert registry.cap(30.0) == 8.0


def test_state_plans_chunk_every_uuid_or_only_fresh_ones_and_consume_freshness() -> None:
    registry = Registry(["task", "pool"])
    sub = Recorder()
    for uuid in ("t1", "t2", "t3"):
        registry.add(sub, "task", uuid, None)
    assert registry.has_fresh
    assert registry.state_plan(full=True, chunk_size=2) == [
        ("task", ["t1", "t2"]),
        ("task", ["t3"]),
    ]
    assert not registry.has_fresh
    assert registry.state_plan(full=False, chunk_size=2) == []

    registry.add(sub, "pool", "p1", None)
    registry.add(sub, "task", "t2", None)  # new interest in a polled uuid: fresh again
    assert registry.state_plan(full=False, chunk_size=10) == [("task", ["t2"]), ("pool", ["p1"])]


def test_entity_wants_are_planned_sorted_taken_once_and_dropped_with_the_subscriber() -> None:
    registry = Registry(["task"])
    a, b = Recorder(), Recorder()
    for uuid in ("u3", "u1", "u2"):
        registry.add(a, "task", uuid, None)
        registry.want_entity(a, "task", uuid)
    registry.add(b, "task", "u1", None)
    registry.want_entity(b, "task", "u1")
    registry.want_entity(b, "task", "u1")  # asked twice: told once
    assert registry.entity_plan(chunk_size=2) == [("task", ["u1", "u2"]), ("task", ["u3"])]
    assert registry.take_wanting("task", "u1") == [a, b]
    assert registry.take_wanting("task", "u1") == []

    registry.remove(a, "task", "u2")  # unsubscribing withdraws the want
    assert registry.entity_plan(chunk_size=10) == [("task", ["u3"])]
    registry.forget("task", "u3")
    assert registry.entity_plan(chunk_size=10) == []


def test_forget_and_clear_hand_back_the_subscribers() -> None:
    registry = Registry(["task", "pool"])
    a, b = Recorder(), Recorder()
    registry.add(a, "task", "u1", None)
    registry.add(b, "task", "u1", None)
    registry.add(a, "pool", "p1", None)
    assert registry.forget("task", "u1") == [a, b]
    assert registry.forget("task", "u1") == []
    registry.add(b, "task", "u2", None)
    assert set(registry.clear()) == {a, b}
    assert not registry.busy
    assert not registry.has_fresh
