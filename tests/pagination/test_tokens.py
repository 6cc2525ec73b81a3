"""Resume tokens (qarnot_async/pagination/_tokens.py): positions bound to their query."""

from __future__ import annotations

import base64
import json

import pytest

from qarnot_async import InvalidInputError, PaginationError
from qarnot_async.pagination._tokens import Position, decode, encode, fingerprint


def test_a_token_carries_its_payload_for_its_query_only() -> None:
    query = fingerprint({"route": "/tasks/paginate", "filter": None})
    token = encode({"c": "abc", "s": 3, "n": 100}, query)
    assert token.startswith("qa1.")
    assert decode(token, query) == {"c": "abc", "s": 3, "n": 100}
    other = fingerprint({"route": "/tasks/paginate", "filter": {"operator": "Equal"}})
    with pytest.raises(PaginationError, match="another query"):
        decode(token, other)


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "qa1.!!!",
        "qa1." + base64.urlsafe_b64encode(b"[1, 2]").decode(),
        "qa1." + base64.urlsafe_b64encode(json.dumps({"c": None}).encode()).decode(),
        None,
    ],
)
def test_anything_else_is_refused(token: object) -> None:
    with pytest.raises(InvalidInputError, match="start_token"):
        decode(token, "q")  # type: ignore[arg-type]


def test_fingerprints_ignore_key_order_and_see_values() -> None:
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


def test_positions_round_trip_through_json() -> None:
    position = Position("t", 4, 100)
    assert Position.from_json(position.to_json()) == position
    assert Position.from_json([None, 0, 50]) == Position(None, 0, 50)
    for bad in ([5, 0, 1], [None, "x", 1], [None, 0]):
        with pytest.raises((ValueError, TypeError)):
            Position.from_json(bad)
