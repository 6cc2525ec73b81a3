"""Durations and dates: .NET TimeSpans to the 100 ns tick, ISO 8601 date-times.

TimeSpan precision
------------------
The service writes durations as .NET TimeSpans, counted in 100 ns ticks
(``"23:59:59.9999999"``); :class:`datetime.timedelta` stops at the microsecond.
:func:`parse_timespan` returns a plain ``timedelta`` whenever the value is a whole
number of microseconds (every value with at most 6 fraction digits, and 7-digit ones
ending in ``0``). Otherwise it returns a :class:`TimeSpan`: a ``timedelta`` subclass
whose ``timedelta`` value is truncated toward zero to the microsecond and whose
:attr:`TimeSpan.ticks` keeps the exact tick count. :func:`format_timespan` writes
those ticks back, so every TimeSpan string the service sends round-trips byte for
byte. Arithmetic on a ``TimeSpan`` returns a plain ``timedelta`` (the 7th digit is
dropped, as any ``timedelta`` operation would), and comparisons see the truncated
value. A plain ``timedelta`` is always written exactly (microseconds are whole ticks).

The accepted text is .NET's constant format, ``[-][d.]hh:mm:ss[.fffffff]`` within
±2**63 ticks, with one leniency: hours past 23 are read when there is no day part
(the API reference writes ``"30:00:00"``); such a value is written back as
``"1.06:00:00"``. Shorter forms .NET would also parse (``"1:2"``, ``"01:02"``) are
refused: the service never writes them.

Dates
-----
ISO 8601 strings become timezone-aware UTC :class:`datetime.datetime` values; a
string without an offset is read as UTC (that is how .NET writes an unspecified
``DateTime``), surrounding blanks are ignored, a 7th fraction digit is truncated
(the service's own dates are whole seconds), and ``"0001-01-01T00:00:00Z"`` (.NET's
``DateTime.MinValue``, the service's "not set") becomes ``None``. Dates are written
as ``2021-05-01T19:00:00Z``, with a fraction only when there is one.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from ._types import INT64_MAX, INT64_MIN, remember

__all__ = [
    "DATE_CACHE",
    "TIMESPAN_CACHE",
    "TIMESPAN_MAX_TICKS",
    "TIMESPAN_MIN_TICKS",
    "TimeSpan",
    "format_datetime",
    "format_timespan",
    "parse_date",
    "parse_datetime",
    "parse_timespan",
    "timespan_ticks",
]

# --------------------------------------------------------------------------- TimeSpan

_TICKS_PER_US: Final = 10
_TICKS_PER_SECOND: Final = 10_000_000
_TICKS_PER_MINUTE: Final = 60 * _TICKS_PER_SECOND
_TICKS_PER_HOUR: Final = 60 * _TICKS_PER_MINUTE
_TICKS_PER_DAY: Final = 24 * _TICKS_PER_HOUR

# .NET's "c" format: [-][d.]hh:mm:ss[.fffffff]. Hours take two digits or more: the
# reference itself writes "30:00:00", so hours past 23 are read when no day part is
# given. "1:2" or "01:02" (which .NET would also accept) are refused: the service
# never writes them, and accepting them would hide a corrupted value.
_TIMESPAN_STRICT_RE: Final = re.compile(
    r"(-)?(?:([0-9]{1,8})\.)?([0-9]{2,}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,7}))?",
)


class TimeSpan(timedelta):
    """A ``timedelta`` that also keeps a .NET sub-microsecond tick.

    Built by :func:`parse_timespan` only for values that are not a whole number of
    microseconds; see the module documentation for the rule.
    """

    __slots__ = ("_ticks",)
    _ticks: int

    @classmethod
    def from_ticks(cls, ticks: int) -> timedelta:
        """The duration of ``ticks`` 100 ns ticks: a ``TimeSpan`` only when needed."""
        if ticks >= 0:
            us, below = divmod(ticks, _TICKS_PER_US)
        else:  # truncate toward zero, as .NET's TimeSpan.Ticks / 10 does
            us, below = divmod(-ticks, _TICKS_PER_US)
            us, below = -us, -below
        if not below:
            # Positional arguments: timedelta's keyword path is several times slower.
            return timedelta(0, 0, us)
        self = super().__new__(cls, 0, 0, us)
        self._ticks = ticks
        return self

    @property
    def ticks(self) -> int:
        """The exact duration in 100 ns ticks."""
        return self._ticks

    def __reduce__(self) -> tuple[Any, ...]:
        return (TimeSpan.from_ticks, (self._ticks,))

    def __repr__(self) -> str:
        return f"TimeSpan({format_timespan(self)!r})"


def timespan_ticks(value: timedelta) -> int:
    """The duration of ``value`` in .NET 100 ns ticks (exact for a :class:`TimeSpan`)."""
    if isinstance(value, TimeSpan):
        return value.ticks
    return ((value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds) * 10


# Pages repeat the same spans and dates ("00:00:00", a pool's creation date) many
# times; the parsed values are immutable, so these caches hand out one object.
TIMESPAN_CACHE: dict[str, timedelta] = {}


def parse_timespan(text: str) -> timedelta:
    """Parse a .NET TimeSpan (``"1.03:16:50.5000000"``, ``"-00:00:01"``).

    Raises ``ValueError`` for anything else.
    """
    cached = TIMESPAN_CACHE.get(text)
    if cached is not None:
        return cached
    if type(text) is not str:
        raise ValueError("not a TimeSpan")
    size = len(text)
    digits = text.replace(":", "").replace(".", "")
    if (
        (size == 8 or (size == 16 and text[8] == "."))
        and text[2] == ":"
        and text[5] == ":"
        and len(digits) == (6 if size == 8 else 13)  # no separator anywhere else
        and digits.isascii()
        and digits.isdigit()
    ):
        # "hh:mm:ss[.fffffff]", what the service writes for nearly every span: one
        # int() for all the digits, split by arithmetic (four int() cost more).
        number = int(digits)
        fraction = 0
        if size == 16:
            number, fraction = divmod(number, _TICKS_PER_SECOND)
        rest, seconds = divmod(number, 100)
        hours, minutes = divmod(rest, 100)
        if minutes > 59 or seconds > 59:
            raise ValueError("not a TimeSpan")
        whole = hours * 3600 + minutes * 60 + seconds
        if fraction % _TICKS_PER_US:
            value = TimeSpan.from_ticks(whole * _TICKS_PER_SECOND + fraction)
        else:
            # A whole number of microseconds: a plain timedelta, built positionally.
            value = timedelta(0, whole, fraction // _TICKS_PER_US)
    else:
        value = TimeSpan.from_ticks(_parse_timespan_general(text))
    remember(TIMESPAN_CACHE, text, value)
    return value


def _parse_timespan_general(text: str) -> int:
    m = _TIMESPAN_STRICT_RE.fullmatch(text)
    if m is None:
        raise ValueError("not a TimeSpan")
    sign, days_s, hours_s, minutes_s, seconds_s, frac_s = m.groups()
    hours, minutes, seconds = int(hours_s), int(minutes_s), int(seconds_s)
    if minutes > 59 or seconds > 59 or (days_s is not None and hours > 23):
        raise ValueError("not a TimeSpan")
    ticks = (
        (int(days_s) if days_s else 0) * _TICKS_PER_DAY
        + hours * _TICKS_PER_HOUR
        + minutes * _TICKS_PER_MINUTE
        + seconds * _TICKS_PER_SECOND
        + (int(frac_s.ljust(7, "0")) if frac_s else 0)
    )
    if sign:
        ticks = -ticks
    if not INT64_MIN <= ticks <= INT64_MAX:
        raise ValueError("TimeSpan out of range")
    return ticks


def format_timespan(value: timedelta) -> str:
    """Write ``value`` in .NET's constant ("c") TimeSpan format."""
    ticks = timespan_ticks(value)
    sign = "-" if ticks < 0 else ""
    days, rest = divmod(abs(ticks), _TICKS_PER_DAY)
    hours, rest = divmod(rest, _TICKS_PER_HOUR)
    minutes, rest = divmod(rest, _TICKS_PER_MINUTE)
    seconds, fraction = divmod(rest, _TICKS_PER_SECOND)
    day_part = f"{days}." if days else ""
    frac_part = f".{fraction:07d}" if fraction else ""
    return f"{sign}{day_part}{hours:02d}:{minutes:02d}:{seconds:02d}{frac_part}"


#: The .NET TimeSpan range, in ticks, that inputs must stay within.
TIMESPAN_MIN_TICKS: Final = INT64_MIN
TIMESPAN_MAX_TICKS: Final = INT64_MAX

# ------------------------------------------------------------------------------ dates

_NOT_SET_PREFIX: Final = "0001-01-01T00:00:00"
_DATE_FALLBACK_RE: Final = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]+))?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?",
    re.IGNORECASE,
)


DATE_CACHE: dict[str, datetime | None] = {}


def parse_datetime(text: str) -> datetime | None:
    """Parse an ISO 8601 date-time into an aware UTC ``datetime``.

    ``"0001-01-01T00:00:00Z"`` (and the same instant without an offset) gives
    ``None``. Raises ``ValueError`` for anything that is not a date-time.
    """
    if type(text) is not str:
        raise ValueError("not a date-time")
    if text in DATE_CACHE:
        return DATE_CACHE[text]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _parse_datetime_slow(text)
    value: datetime | None
    if parsed.year == 1 and parsed.replace(tzinfo=None) == datetime.min:
        value = None
    elif parsed.tzinfo is None:
        value = parsed.replace(tzinfo=UTC)
    elif parsed.tzinfo is not UTC:
        value = parsed.astimezone(UTC)
    else:
        value = parsed
    remember(DATE_CACHE, text, value)
    return value


def _parse_datetime_slow(text: str) -> datetime:
    # fromisoformat refuses surrounding blanks (the reference writes
    # "0001-01-01T00:00:00 ") and, before 3.12, more than 6 fraction digits.
    stripped = text.strip()
    m = _DATE_FALLBACK_RE.fullmatch(stripped)
    if m is None:
        raise ValueError("not a date-time")
    day, time_, fraction, offset = m.groups()
    rebuilt = f"{day}T{time_}"
    if fraction:
        rebuilt += "." + fraction[:6].ljust(6, "0")
    if offset:
        rebuilt += "+00:00" if offset in ("Z", "z") else offset
    try:
        return datetime.fromisoformat(rebuilt)
    except ValueError:
        raise ValueError("not a date-time") from None


def format_datetime(value: datetime) -> str:
    """Write ``value`` as ISO 8601 UTC with a ``Z`` (a naive value is taken as UTC)."""
    if value.tzinfo is not None and value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    if value.microsecond:
        text = value.replace(tzinfo=None).isoformat(timespec="microseconds").rstrip("0")
    else:
        text = value.replace(tzinfo=None).isoformat(timespec="seconds")
    return text + "Z"


def parse_date(text: str) -> date:
    """Parse an ISO 8601 calendar date (``"2020-03-16"``)."""
    if type(text) is not str:
        raise ValueError("not a date")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("not a date") from None
