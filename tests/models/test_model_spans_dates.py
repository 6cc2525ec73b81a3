""".NET TimeSpans and ISO 8601 dates, both ways."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qarnot_async._converter import structure, unstructure
from qarnot_async.models import TimeSpan, _time
from qarnot_async.models._time import (
    TIMESPAN_CACHE,
    _parse_timespan_general,
    format_datetime,
    format_timespan,
    parse_datetime,
    parse_timespan,
    timespan_ticks,
)
from qarnot_async.models._types import INT64_MAX
from qarnot_async.models.status import TaskStatus

# .NET's TimeSpan.MinValue is -2**63 ticks, whose magnitude exceeds MaxValue; the
# "c" format writes it, but it is not a duration anyone sends.
TICKS = st.integers(min_value=-INT64_MAX, max_value=INT64_MAX)
US = 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00:30:00", timedelta(minutes=30)),
        ("10:00:00", timedelta(hours=10)),
        ("1.03:16:50.5000000", timedelta(days=1, hours=3, minutes=16, seconds=50.5)),
        ("00:00:00.5", timedelta(milliseconds=500)),
        ("-00:00:01", timedelta(seconds=-1)),
        ("-1.02:00:00", -timedelta(days=1, hours=2)),
        ("30:00:00", timedelta(hours=30)),
        ("10675199.02:48:05.4775807", timedelta(microseconds=(INT64_MAX // 10))),
    ],
)
def test_parse_timespan(text: str, expected: timedelta) -> None:
    assert parse_timespan(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "00:30:00",
        "1.03:16:50.5000000",
        "23:59:59.9999999",
        "-00:00:01",
        "-1.02:00:00",
        "00:00:00.0000001",
        "-00:00:00.0000001",
        "10675199.02:48:05.4775807",
        "-10675199.02:48:05.4775808",
    ],
)
def test_timespan_strings_round_trip_exactly(text: str) -> None:
    assert format_timespan(parse_timespan(text)) == text


def test_seventh_digit_is_kept_in_ticks() -> None:
    value = parse_timespan("23:59:59.9999999")
    assert isinstance(value, TimeSpan)
    assert value.ticks == 863_999_999_999
    # As a timedelta it is truncated toward zero to the microsecond.
    assert value == timedelta(hours=23, minutes=59, seconds=59, microseconds=999_999)
    negative = parse_timespan("-00:00:00.0000015")
    assert isinstance(negative, TimeSpan)
    assert negative == timedelta(microseconds=-1)
    assert format_timespan(negative) == "-00:00:00.0000015"


def test_whole_microseconds_give_a_plain_timedelta() -> None:
    assert type(parse_timespan("00:00:01.1234560")) is timedelta
    assert type(parse_timespan("00:00:01.123456")) is timedelta


def test_timespan_subclass_behaves_as_a_timedelta() -> None:
    value = parse_timespan("00:00:00.0000001")
    assert isinstance(value, TimeSpan)
    assert repr(value) == "TimeSpan('00:00:00.0000001')"
    assert pickle.loads(pickle.dumps(value)).ticks == 1
    assert copy.deepcopy(value).ticks == 1
    # Arithmetic is timedelta arithmetic: the sub-microsecond tick is dropped.
    total = value + timedelta(seconds=1)
    assert type(total) is timedelta
    assert total == timedelta(seconds=1)


@pytest.mark.parametrize(
    "text",
    [
        "1:2",
        "01:02",
        "1:02:03",
        "00:60:00",
        "00:00:60",
        "1.24:00:00",
        "00:00:00.12345678",
        "00:00:00.",
        " 00:00:00",
        "00:00:00 ",
        "P1D",
        "",
        "abc",
        "1.2.03:00:00",
        "+00:00:01",
        "\u0661\u0660:\u0660\u0660:\u0660\u0660",  # Arabic-Indic digits match \d, not .NET
        "10675199.02:48:05.4775808",
        "-10675199.02:48:05.4775809",
    ],
)
def test_malformed_timespans_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="TimeSpan"):
        parse_timespan(text)


@given(
    st.text(alphabet="0123456789:.+-_ \u00b2a", min_size=8, max_size=8)
    | st.text(alphabet="0123456789:.+-_ \u00b2a", min_size=16, max_size=16)
    | st.from_regex(r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{7})?", fullmatch=True)
)
def test_the_short_form_reads_as_the_general_form(text: str) -> None:
    """The fast path for "hh:mm:ss[.fffffff]" agrees with the general .NET format."""
    TIMESPAN_CACHE.clear()
    try:
        expected: timedelta | None = TimeSpan.from_ticks(_parse_timespan_general(text))
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(ValueError, match="TimeSpan"):
            parse_timespan(text)
    else:
        value = parse_timespan(text)
        assert value == expected
        assert timespan_ticks(value) == timespan_ticks(expected)
        assert type(value) is type(expected)


@pytest.mark.parametrize("text", ["00:00:01", "23:59:59.9999999", "10:20:30.1000000"])
def test_the_short_form_skips_the_general_parser(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the service writes for nearly every span is read without the regex."""

    def general(_: str) -> int:
        raise AssertionError("the general parser was used")

    monkeypatch.setattr(_time, "_parse_timespan_general", general)
    TIMESPAN_CACHE.clear()
    assert format_timespan(parse_timespan(text)) == text


@given(TICKS)
def test_any_tick_count_round_trips(ticks: int) -> None:
    text = format_timespan(TimeSpan.from_ticks(ticks))
    parsed = parse_timespan(text)
    assert timespan_ticks(parsed) == ticks
    assert format_timespan(parsed) == text


@given(st.integers(min_value=-(INT64_MAX // US), max_value=INT64_MAX // US))
def test_timedeltas_round_trip_through_the_converter(microseconds: int) -> None:
    value = timedelta(microseconds=microseconds)
    wire = unstructure(TaskStatus(execution_time=value))["executionTime"]
    back = structure({"executionTime": wire}, TaskStatus).execution_time
    assert back == value
    assert type(back) is timedelta


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-05-01T19:00:00Z", datetime(2021, 5, 1, 19, tzinfo=UTC)),
        ("2021-05-01T19:00:00.5Z", datetime(2021, 5, 1, 19, 0, 0, 500000, tzinfo=UTC)),
        ("2021-05-01T19:00:00.1234567Z", datetime(2021, 5, 1, 19, 0, 0, 123456, tzinfo=UTC)),
        ("2021-05-01T21:00:00+02:00", datetime(2021, 5, 1, 19, tzinfo=UTC)),
        ("2021-05-01T19:00:00", datetime(2021, 5, 1, 19, tzinfo=UTC)),
        ("2021-05-01T19:00:00 ", datetime(2021, 5, 1, 19, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),
        ("0001-01-01T00:00:00 ", None),
        ("0001-01-01T00:00:00.0000000Z", None),
        ("0001-01-01T00:00:00", None),
        ("0001-01-01T00:00:01Z", datetime(1, 1, 1, 0, 0, 1, tzinfo=UTC)),
    ],
)
def test_parse_datetime(text: str, expected: datetime | None) -> None:
    value = parse_datetime(text)
    assert value == expected
    if value is not None:
        assert value.tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2021-13-01T00:00:00Z", "2021-05-01T25:00:00Z", "19:00:00"]
)
def test_malformed_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="date-time"):
        parse_datetime(text)


def test_format_datetime() -> None:
    assert format_datetime(datetime(2021, 5, 1, 19, tzinfo=UTC)) == "2021-05-01T19:00:00Z"
    assert (
        format_datetime(datetime(2021, 5, 1, 19, 0, 0, 500000, tzinfo=UTC))
        == "2021-05-01T19:00:00.5Z"
    )
    paris = timezone(timedelta(hours=2))
    assert format_datetime(datetime(2021, 5, 1, 21, tzinfo=paris)) == "2021-05-01T19:00:00Z"
    assert format_datetime(datetime(5, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0005-01-02T03:04:05Z"


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone.max]),
    )
)
def test_aware_datetimes_round_trip(value: datetime) -> None:
    wire = unstructure(TaskStatus(timestamp=value))["timestamp"]
    assert wire.endswith("Z")
    back = structure({"timestamp": wire}, TaskStatus).timestamp
    assert back == value
    assert back is not None
    assert back.tzinfo is UTC
    assert format_datetime(back) == wire
