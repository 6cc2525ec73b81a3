"""Instance ranges: ``"0-2,4-5,17"`` <-> a set of instance ids."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qarnot_async._converter import structure, unstructure
from qarnot_async.models import InstanceRanges, TaskSummary
from qarnot_async.models._types import INT32_MAX


def test_parse_and_query() -> None:
    ranges = InstanceRanges.parse("0-2,4-5,17")
    assert list(ranges) == [0, 1, 2, 4, 5, 17]
    assert len(ranges) == 6
    assert 4 in ranges
    assert 3 not in ranges
    assert 18 not in ranges
    not_an_id: object = "4"
    assert not_an_id not in ranges
    assert str(ranges) == "0-2,4-5,17"
    assert repr(ranges) == "InstanceRanges('0-2,4-5,17')"
    assert ranges.spans == ((0, 2), (4, 5), (17, 17))
    assert set(ranges) == {0, 1, 2, 4, 5, 17}


def test_text_is_normalised() -> None:
    assert str(InstanceRanges.parse("17, 4-5 ,0-2,1")) == "0-2,4-5,17"
    assert str(InstanceRanges.parse("0-1,2-3")) == "0-3"
    assert str(InstanceRanges([5, 3, 4, 9])) == "3-5,9"
    assert InstanceRanges.parse("") == InstanceRanges()
    assert len(InstanceRanges.parse("")) == 0


def test_huge_ranges_are_not_expanded() -> None:
    ranges = InstanceRanges.parse(f"0-{INT32_MAX}")
    assert len(ranges) == INT32_MAX + 1
    assert INT32_MAX in ranges


def test_equality_hash_and_pickle() -> None:
    a = InstanceRanges.parse("1-3")
    b = InstanceRanges([3, 2, 1])
    assert a == b
    assert hash(a) == hash(b)
    assert a != InstanceRanges.parse("1-4")
    assert pickle.loads(pickle.dumps(a)) == a


@pytest.mark.parametrize(
    "text",
    ["1-", "-1", "a", "3-1", "1,,2", "1-2-3", "0x1", "1.5", "²", f"0-{INT32_MAX + 1}", ","],
)
def test_malformed_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="instance"):
        InstanceRanges.parse(text)


def test_bad_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        InstanceRanges([1, -2])
    with pytest.raises(ValueError, match="integers"):
        InstanceRanges([1.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="exceed"):
        InstanceRanges([INT32_MAX + 1])


IDS = st.sets(st.integers(min_value=0, max_value=INT32_MAX), max_size=60) | st.sets(
    st.integers(min_value=0, max_value=200), max_size=120
)


@given(IDS)
def test_sets_round_trip_through_text(ids: set[int]) -> None:
    ranges = InstanceRanges(ids)
    assert list(ranges) == sorted(ids)
    assert len(ranges) == len(ids)
    assert all(i in ranges for i in ids)
    assert InstanceRanges.parse(str(ranges)) == ranges


@given(IDS)
def test_ranges_round_trip_through_the_converter(ids: set[int]) -> None:
    summary = TaskSummary(uuid="u", advanced_ranges=InstanceRanges(ids))
    wire = unstructure(summary)
    assert wire["advancedRanges"] == str(InstanceRanges(ids))
    assert structure(wire, TaskSummary) == summary
