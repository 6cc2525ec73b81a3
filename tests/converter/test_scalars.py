"""Single JSON values: checked scalars, parsed value types, open enums, constants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qarnot_async._converter import new_registry, structure, unstructure
from qarnot_async._converter._registry import BadValue
from qarnot_async._converter._scalars import parser_for, parser_hook, type_check
from qarnot_async.errors import DecodeError
from qarnot_async.models import (
    Constants,
    DayOfWeek,
    InstanceRanges,
    Settings,
    TaskState,
    TimeSpan,
)
from qarnot_async.models._time import DATE_CACHE, TIMESPAN_CACHE, parse_datetime, parse_timespan

ACCEPTED: list[tuple[type, Any]] = [
    (str, "x"),
    (str, ""),
    (int, 0),
    (int, -(2**70)),
    (float, 1.5),
    (float, 2),
    (bool, False),
]
REFUSED: list[tuple[type, Any, str]] = [
    (str, 5, "a string"),
    (str, None, "a string"),
    (str, ["x"], "a string"),
    (int, "12", "an integer"),
    (int, 1.0, "an integer"),
    (int, True, "an integer"),
    (float, "1.5", "a number"),
    (float, True, "a number"),
    (bool, 1, "true or false"),
    (bool, "true", "true or false"),
]


@pytest.mark.parametrize(("t", "value"), ACCEPTED)
def test_scalars_pass_through_unchanged(t: type, value: Any) -> None:
    assert structure(value, t) is value


@pytest.mark.parametrize(("t", "value", "what"), REFUSED)
def test_scalars_are_checked_not_coerced(t: type, value: Any, what: str) -> None:
    with pytest.raises(DecodeError) as info:
        structure(value, t)
    assert info.value.message == f"expected {what}"
    assert info.value.value == value


def test_type_check_hook() -> None:
    check = type_check(frozenset({int, float}), "a number")
    assert check(3, float) == 3
    with pytest.raises(BadValue) as info:
        check("3", float)
    assert (info.value.message, info.value.value) == ("expected a number", "3")


def test_any_is_kept_as_it_is() -> None:
    value = {"a": [1, {"b": None}]}
    assert structure(value, Any) is value  # type: ignore[arg-type]


def test_parser_hook_reads_its_cache_first() -> None:
    calls: list[Any] = []

    def parse(v: Any) -> Any:
        calls.append(v)
        return f"parsed {v}"

    read = parser_hook(parse, {"known": "cached"}, allow_none=True)
    assert read("known", None) == "cached"
    assert read("new", None) == "parsed new"
    assert read(None, None) is None
    assert read(["unhashable"], None) == "parsed ['unhashable']"
    assert calls == ["new", ["unhashable"]]
    strict = parser_hook(parse, {}, allow_none=False)
    assert strict(None, None) == "parsed None"


def test_parsed_values_come_from_the_shared_caches() -> None:
    TIMESPAN_CACHE.clear()
    first = structure("01:02:03", timedelta)
    assert first == timedelta(hours=1, minutes=2, seconds=3)
    assert structure("01:02:03", timedelta) is first
    assert parse_timespan("01:02:03") is first


@pytest.mark.parametrize(
    ("t", "text", "value"),
    [
        (timedelta, "1.02:03:04.5000000", timedelta(days=1, hours=2, minutes=3, seconds=4.5)),
        (datetime, "2021-05-01T19:00:00Z", datetime(2021, 5, 1, 19, tzinfo=UTC)),
        (date, "2020-03-16", date(2020, 3, 16)),
        (InstanceRanges, "0-2,5", InstanceRanges([0, 1, 2, 5])),
    ],
)
def test_value_types_parse_and_write_back(t: type, text: str, value: Any) -> None:
    assert structure(text, t) == value
    assert unstructure(value) == text


def test_a_timespan_keeps_its_tick() -> None:
    span = structure("00:00:00.0000001", timedelta)
    assert isinstance(span, TimeSpan)
    assert span.ticks == 1
    assert unstructure(span) == "00:00:00.0000001"


@pytest.mark.parametrize(
    ("t", "value", "message"),
    [
        (timedelta, "1:2", "not a TimeSpan"),
        (timedelta, 5, "not a TimeSpan"),
        (timedelta, ["00:00:01"], "not a TimeSpan"),
        (datetime, "yesterday", "not an ISO 8601 date-time"),
        (datetime, 0, "not an ISO 8601 date-time"),
        (date, "16/03/2020", "not an ISO 8601 date"),
        (date, 2020, "not an ISO 8601 date"),
        (InstanceRanges, 3, "not an instance range"),
        (InstanceRanges, "3-1", "not an instance range"),
    ],
)
def test_bad_value_types(t: type, value: Any, message: str) -> None:
    with pytest.raises(DecodeError) as info:
        structure(value, t)
    assert info.value.message.startswith(message)
    assert info.value.value == value


def test_open_enums() -> None:
    assert structure("Success", TaskState) is TaskState.SUCCESS
    unknown = structure("Paused", TaskState)
    assert isinstance(unknown, TaskState)
    assert not unknown.is_known
    assert structure("Paused", TaskState) is unknown
    assert unstructure(unknown) == "Paused"
    assert type(unstructure(TaskState.SUCCESS)) is str
    for bad in (1, None, ["Success"], {"a": 1}):
        with pytest.raises(DecodeError) as info:
            structure(bad, TaskState)
        assert info.value.message == "expected a TaskState string"


def test_an_enum_parser_is_built_once_with_its_value_map_as_cache() -> None:
    registry = new_registry(detailed=False)
    assert DayOfWeek not in registry.parsers
    parse = parser_for(registry, DayOfWeek)
    assert parse is not None
    assert parser_for(registry, DayOfWeek) is parse
    assert registry.value_caches[DayOfWeek] is DayOfWeek.by_value()
    assert parse("monday") is DayOfWeek.MONDAY
    assert parser_for(registry, str) is None


def test_constants_read_from_key_value_pairs() -> None:
    data = [{"key": "A", "value": "1"}, {"key": "B", "value": None}, {"key": "C"}]
    assert structure(data, Constants) == {"A": "1", "B": "", "C": ""}
    assert structure(None, Constants) == {}
    assert unstructure(Constants(A="1")) == [{"key": "A", "value": "1"}]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"A": "1"}, "$", "expected a JSON array of {key, value}"),
        (["A=1"], "0", "expected a JSON object"),
        ([{"value": "1"}], "0.key", "expected a string"),
        ([{"key": "A", "value": 1}], "0.value", "expected a string"),
    ],
)
def test_bad_constants(data: Any, field: str, message: str) -> None:
    with pytest.raises(DecodeError) as info:
        structure(data, Constants)
    assert (info.value.field, info.value.message) == (field, message)


def test_settings_are_any_json_object() -> None:
    data = {"storage": "https://storage.qarnot.com", "nested": {"a": [1]}}
    settings = structure(data, Settings)
    assert settings == data
    assert unstructure(settings) == data
    with pytest.raises(DecodeError):
        structure(["storage"], Settings)


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    ),
    digits=st.integers(min_value=0, max_value=7),
)
def test_the_usual_date_form_reads_as_the_models_parser_reads_it(
    moment: datetime, digits: int
) -> None:
    text = f"{moment.year:04d}-" + moment.strftime("%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{moment.microsecond:06d}0"[:digits]
    text += "Z"
    DATE_CACHE.clear()
    expected = parse_datetime(text)
    DATE_CACHE.clear()
    assert structure(text, datetime) == expected
    assert DATE_CACHE[text] == expected  # and it is remembered


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00Z", "2021-05-01T19:00:00+02:00", "2021-05-01T19:00:00", "x Z"]
)
def test_other_date_forms_go_through_the_models_parser(text: str) -> None:
    DATE_CACHE.clear()
    try:
        expected: Any = parse_datetime(text)
    except ValueError:
        with pytest.raises(DecodeError):
            structure(text, datetime)
        return
    assert structure(text, datetime | None) == expected
