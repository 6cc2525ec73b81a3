"""``X | None``: one path whatever X is."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from qarnot_async._converter import new_registry, structure, unstructure
from qarnot_async._converter._optional import optional_hook
from qarnot_async._converter._registry import BadValue
from qarnot_async.errors import DecodeError
from qarnot_async.models import ApiErrorDetail, Constants, InstanceRanges, TaskState

FAST = new_registry(detailed=False)

OPTIONAL_TYPES: list[Any] = [
    str | None,
    int | None,
    float | None,
    bool | None,
    timedelta | None,
    datetime | None,
    date | None,
    InstanceRanges | None,
    TaskState | None,
    ApiErrorDetail | None,
    tuple[str, ...] | None,
    Constants | None,
    dict[str, str] | None,
]


@pytest.mark.parametrize("t", OPTIONAL_TYPES, ids=repr)
def test_null_reads_as_none(t: Any) -> None:
    assert structure(None, t) is None
    assert new_registry(detailed=True).converter.structure(None, t) is None


@pytest.mark.parametrize(
    ("t", "data", "value"),
    [
        (str | None, "x", "x"),
        (float | None, 2, 2),
        (timedelta | None, "00:01:00", timedelta(minutes=1)),
        (date | None, "2020-03-16", date(2020, 3, 16)),
        (TaskState | None, "Success", TaskState.SUCCESS),
        (ApiErrorDetail | None, {"code": "c"}, ApiErrorDetail(code="c")),
        (tuple[str, ...] | None, ["a"], ("a",)),
    ],
)
def test_a_value_reads_as_x(t: Any, data: Any, value: Any) -> None:
    assert structure(data, t) == value
    assert unstructure(value) == data


@pytest.mark.parametrize(
    ("t", "data", "message"),
    [
        (str | None, 1, "expected a string"),
        (int | None, "1", "expected an integer"),
        (bool | None, 0, "expected true or false"),
        (timedelta | None, "soon", "not a TimeSpan"),
        (datetime | None, [], "not an ISO 8601 date-time"),
        (TaskState | None, 1, "expected a TaskState string"),
        (ApiErrorDetail | None, "c", "expected a JSON object"),
        (tuple[str, ...] | None, "a", "expected a JSON array"),
    ],
)
def test_a_wrong_value_is_refused_as_x_would_be(t: Any, data: Any, message: str) -> None:
    with pytest.raises(DecodeError) as info:
        structure(data, t)
    assert info.value.message == message


def test_optional_scalars_are_one_type_check() -> None:
    hook = optional_hook(FAST, int | None)
    assert hook(None, None) is None
    assert hook(3, None) == 3
    with pytest.raises(BadValue):
        hook(3.0, None)


def test_optional_values_are_written_as_x_or_left_out() -> None:
    assert unstructure(None) is None
    assert FAST.converter.unstructure(None, int | None) is None
    assert FAST.converter.unstructure(TaskState.SUCCESS, TaskState | None) == "Success"
    assert FAST.converter.unstructure(timedelta(seconds=1), timedelta | None) == "00:00:01"
