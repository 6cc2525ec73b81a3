"""TimeSpans, dates and instance ranges as the service writes them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from qarnot import _util as official

from qarnot_async.emulator._wire import (
    NOT_SET_DATE,
    WireFormatError,
    format_date,
    format_ranges,
    format_timespan,
    parse_date,
    parse_ranges,
    parse_timespan,
)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "00:00:00"),
        (1800, "00:30:00"),
        (36_000, "10:00:00"),
        (86_400 + 3 * 3600 + 16 * 60 + 50.5, "1.03:16:50.5000000"),
        (86_399.9999999, "23:59:59.9999999"),
        (30 * 3600, "1.06:00:00"),
    ],
)
def test_timespans_round_trip(seconds: float, text: str) -> None:
    assert format_timespan(seconds) == text
    assert parse_timespan(text) == pytest.approx(seconds)


def test_timespans_the_official_sdk_reads() -> None:
    # The official SDK parses our spans with its own code: they must agree.
    assert official.parse_timedelta(format_timespan(3723)) == timedelta(
        hours=1, minutes=2, seconds=3
    )


def test_lenient_hours_without_days_as_in_the_reference() -> None:
    assert parse_timespan("30:00:00") == 30 * 3600


@pytest.mark.parametrize(
    "bad", ["abc", "10:99:00", "1.25:00:00", "00:00", "1:2:3", "00:00:00.12345678", ""]
)
def test_bad_timespans_are_refused(bad: str) -> None:
    with pytest.raises(WireFormatError):
        parse_timespan(bad)


def test_dates_as_the_service_writes_them() -> None:
    assert format_date(1_619_895_600) == "2021-05-01T19:00:00Z"
    assert format_date(1_619_895_600.25) == "2021-05-01T19:00:00.25Z"
    assert format_date(None) == NOT_SET_DATE == "0001-01-01T00:00:00Z"
    # The official SDK's strptime formats accept both forms.
    assert official.parse_datetime(format_date(1_619_895_600)).year == 2021
    assert official.parse_datetime(format_date(1_619_895_600.123456)).microsecond == 123_456


@pytest.mark.parametrize(
    "text",
    [
        "2021-05-01T19:00:00Z",
        "2021-05-01T21:00:00+02:00",
        "2021-05-01T19:00:00.0000000Z",
        "2021-05-01T19:00:00",
    ],
)
def test_dates_parse_from_any_iso_form(text: str) -> None:
    assert parse_date(text) == 1_619_895_600


def test_bad_dates_are_refused() -> None:
    with pytest.raises(WireFormatError):
        parse_date("yesterday")


def test_ranges() -> None:
    assert format_ranges([0, 1, 2, 4]) == "0-2,4"
    assert format_ranges({17, 4, 5, 0, 1, 2}) == "0-2,4-5,17"
    assert format_ranges([]) is None
    assert parse_ranges("0-2,4-5,17") == (0, 1, 2, 4, 5, 17)
    assert parse_ranges(" 3 , 1-2 ") == (1, 2, 3)


@pytest.mark.parametrize("bad", ["", "a", "3-1", "1-", "1,,2", "0-200000"])
def test_bad_ranges_are_refused(bad: str) -> None:
    with pytest.raises(WireFormatError):
        parse_ranges(bad)
