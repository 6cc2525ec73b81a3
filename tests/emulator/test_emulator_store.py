"""The store's indexes (qarnot_async/emulator/_store.py): the creation order of each kind."""

from __future__ import annotations

from qarnot_async.emulator._store import CreationOrder


def test_the_creation_order_stays_sorted_whatever_the_arrival_order() -> None:
    order = CreationOrder()
    for created, uuid in [(3.0, "c"), (5.0, "e"), (1.0, "a"), (5.0, "d"), (4.0, "x")]:
        order.add(created, uuid)
    assert order.keys() == [(1.0, "a"), (3.0, "c"), (4.0, "x"), (5.0, "d"), (5.0, "e")]
    order.remove(4.0, "x")
    order.remove(4.0, "never-added")
    order.add(6.0, "f")  # appended: already in order
    assert order.keys() == [(1.0, "a"), (3.0, "c"), (5.0, "d"), (5.0, "e"), (6.0, "f")]
