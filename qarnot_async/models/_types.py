"""Value types shared by the models: .NET TimeSpans, dates, instance ranges, open enums.

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

import bisect
import re
import uuid as _uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Self

import attrs

from ..errors import InvalidInputError

__all__ = [
    "INT32_MAX",
    "INT32_MIN",
    "INT64_MAX",
    "INT64_MIN",
    "WIRE_KEY",
    "InstanceRanges",
    "OpenEnum",
    "TimeSpan",
    "format_datetime",
    "format_timespan",
    "parse_date",
    "parse_datetime",
    "parse_timespan",
    "timespan_ticks",
    "wire",
]

INT32_MIN: Final = -(2**31)
INT32_MAX: Final = 2**31 - 1
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1

#: Field metadata key holding the wire (JSON) name when it is not the plain camelCase
#: of the attribute name; a dotted value names a nested member
#: (``"filtering.prefixFiltering.prefix"``).
WIRE_KEY: Final = "qarnot_async.wire"


def wire(name: str) -> dict[str, str]:
    """Field metadata naming the JSON member of an attribute explicitly."""
    return {WIRE_KEY: name}


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


# Pages repeat the same spans, dates and ranges ("00:00:00", a pool's creation date)
# many times; the parsed values are immutable, so these caches hand out one object.
TIMESPAN_CACHE: dict[str, timedelta] = {}
_CACHE_MAX: Final = 4096


def remember(cache: dict[str, Any], text: str, value: Any) -> None:
    # Emptied when full rather than frozen: a long-lived client keeps caching the
    # values of the pages it reads now, not those of its first pages.
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[text] = value


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
    if (
        (size == 8 or (size == 16 and text[8] == "."))
        and text[2] == ":"
        and text[5] == ":"
        and text.isascii()
        and text[:2].isdigit()
        and text[3:5].isdigit()
        and text[6:8].isdigit()
        and (size == 8 or text[9:].isdigit())
    ):
        # "hh:mm:ss[.fffffff]", what the service writes for nearly every span.
        hours, minutes, seconds = int(text[:2]), int(text[3:5]), int(text[6:8])
        if minutes > 59 or seconds > 59:
            raise ValueError("not a TimeSpan")
        whole = hours * 3600 + minutes * 60 + seconds
        fraction = int(text[9:]) if size == 16 else 0
        if fraction % _TICKS_PER_US:
            value = TimeSpan.from_ticks(whole * _TICKS_PER_SECOND + fraction)
        else:
            # A whole number of microseconds (nearly always): skip from_ticks' divmod.
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


# ----------------------------------------------------------------------------- ranges

_RANGE_ITEM_RE: Final = re.compile(r"\s*([0-9]+)\s*(?:-\s*([0-9]+)\s*)?")


RANGES_CACHE: dict[str, InstanceRanges] = {}


def _parse_canonical_ranges(
    text: str,
) -> tuple[tuple[int, ...], tuple[int, ...], int] | None:
    """Read text already in the service's canonical form ("0-2,4-5,17": increasing,
    separate runs, no blanks) in one pass; None for anything else."""
    if not text.isascii():
        return None
    starts: list[int] = []
    ends: list[int] = []
    count = 0
    previous = -2
    for item in text.split(","):
        first, dash, last = item.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            return None
        start = int(first)
        end = int(last) if dash else start
        if start <= previous + 1 or end < start:
            return None
        starts.append(start)
        ends.append(end)
        count += end - start + 1
        previous = end
    if previous > INT32_MAX:
        return None
    return tuple(starts), tuple(ends), count


class InstanceRanges(Collection[int]):
    """A set of instance ids, written by the service as ``"0-2,4-5,17"``.

    Iterates in increasing order, supports ``in`` and ``len`` without expanding the
    ranges, and ``str()`` gives the canonical text (sorted, merged runs). Build it from
    text with :meth:`parse` or from ids with the constructor; both raise
    ``ValueError`` for malformed text, negative ids or ids beyond int32.
    """

    __slots__ = ("_ends", "_len", "_starts")

    _starts: tuple[int, ...]
    _ends: tuple[int, ...]
    _len: int

    def __init__(self, ids: Iterable[int] = ()) -> None:
        spans: list[tuple[int, int]] = []
        for i in ids:
            if type(i) is not int:
                raise ValueError(f"instance ids must be integers, not {i!r}")
            spans.append((i, i))
        self._set_spans(spans)

    @classmethod
    def parse(cls, text: str) -> InstanceRanges:
        """Read ``"0-2,4-5,17"``; an empty string is the empty set."""
        cached = RANGES_CACHE.get(text) if type(text) is str else None
        if cached is not None:
            return cached
        if not isinstance(text, str):
            raise ValueError("instance ranges must be text such as '0-2,4-5,17'")
        fast = _parse_canonical_ranges(text)
        if fast is not None:
            self = cls.__new__(cls)
            self._starts, self._ends, self._len = fast
            remember(RANGES_CACHE, text, self)
            return self
        spans: list[tuple[int, int]] = []
        if text.strip():
            for item in text.split(","):
                # Plain "17" and "0-2" skip the regex: pages carry many ranges.
                if item.isascii() and item.isdigit():
                    start = end = int(item)
                else:
                    first, dash, last = item.partition("-")
                    if dash and item.isascii() and first.isdigit() and last.isdigit():
                        start, end = int(first), int(last)
                    else:
                        m = _RANGE_ITEM_RE.fullmatch(item)
                        if m is None:
                            raise ValueError(f"malformed instance range {item.strip()!r}")
                        start = int(m.group(1))
                        end = int(m.group(2)) if m.group(2) is not None else start
                if end < start:
                    raise ValueError(f"instance range {item.strip()!r} ends before it starts")
                spans.append((start, end))
        self = cls.__new__(cls)
        self._set_spans(spans)
        remember(RANGES_CACHE, text, self)
        return self

    @classmethod
    def from_spans(cls, spans: Iterable[tuple[int, int]]) -> InstanceRanges:
        """Build from inclusive ``(first, last)`` pairs."""
        self = cls.__new__(cls)
        self._set_spans(list(spans))
        return self

    def _set_spans(self, spans: list[tuple[int, int]]) -> None:
        spans.sort()
        if spans and spans[0][0] < 0:
            raise ValueError(f"instance ids cannot be negative (got {spans[0][0]})")
        if spans and spans[-1][1] > INT32_MAX:
            raise ValueError(f"instance ids cannot exceed {INT32_MAX} (got {spans[-1][1]})")
        starts: list[int] = []
        ends: list[int] = []
        count = 0
        for start, end in spans:
            if ends and start <= ends[-1] + 1:
                if end > ends[-1]:
                    count += end - ends[-1]
                    ends[-1] = end
            else:
                starts.append(start)
                ends.append(end)
                count += end - start + 1
        self._starts = tuple(starts)
        self._ends = tuple(ends)
        self._len = count

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """The merged inclusive ``(first, last)`` runs, in order."""
        return tuple(zip(self._starts, self._ends, strict=True))

    def __contains__(self, item: object) -> bool:
        if type(item) is not int:
            return False
        i = bisect.bisect_right(self._starts, item) - 1
        return i >= 0 and item <= self._ends[i]

    def __iter__(self) -> Iterator[int]:
        for start, end in zip(self._starts, self._ends, strict=True):
            yield from range(start, end + 1)

    def __len__(self) -> int:
        return self._len

    def __eq__(self, other: object) -> bool:
        if isinstance(other, InstanceRanges):
            return self._starts == other._starts and self._ends == other._ends
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._starts, self._ends))

    def __str__(self) -> str:
        return ",".join(
            str(s) if s == e else f"{s}-{e}" for s, e in zip(self._starts, self._ends, strict=True)
        )

    def __repr__(self) -> str:
        return f"InstanceRanges({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (InstanceRanges.parse, (str(self),))


# ------------------------------------------------------------------------------ enums


class OpenEnum(StrEnum):
    """A string enum that accepts values a newer service introduces.

    ``TaskState("Success") is TaskState.SUCCESS``; ``TaskState("Paused")`` (unknown
    to this SDK) returns a pseudo-member of ``TaskState`` whose value and name are
    the raw string, ``is_known`` is ``False`` and that unstructures back to
    ``"Paused"``. Pseudo-members are cached, so the same string gives the same
    object, and they never show in ``list(TaskState)``.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        # Bounded, so a misbehaving server cannot grow the map without end.
        if len(cls._value2member_map_) < 512:
            cls._value2member_map_[value] = member
        return member

    @property
    def is_known(self) -> bool:
        """Whether this value is one this SDK knows (not a pseudo-member)."""
        return type(self).__members__.get(self._name_) is self


# --------------------------------------------------------------------- input checking


def check_int(field: str, value: object, low: int, high: int) -> None:
    """Raise :class:`InvalidInputError` unless ``value`` is an int in ``[low, high]``."""
    if type(value) is not int:
        raise InvalidInputError(field, "must be an integer", value)
    if not low <= value <= high:
        raise InvalidInputError(field, f"must be between {low} and {high}", value)


def check_number(field: str, value: object) -> None:
    """Raise unless ``value`` is a real number (an int or a float, not a bool)."""
    if type(value) is not float and type(value) is not int:
        raise InvalidInputError(field, "must be a number", value)


def check_str(field: str, value: object, *, non_empty: bool = False, max_len: int = 0) -> None:
    """Raise unless ``value`` is a string, optionally non-empty and bounded."""
    if not isinstance(value, str):
        raise InvalidInputError(field, "must be a string", value)
    if non_empty and not value.strip():
        raise InvalidInputError(field, "must not be empty", value)
    if max_len and len(value) > max_len:
        raise InvalidInputError(field, f"must be at most {max_len} characters", value)


def check_uuid(field: str, value: object) -> None:
    """Raise unless ``value`` is a UUID string."""
    if not isinstance(value, str):
        raise InvalidInputError(field, "must be a UUID string", value)
    try:
        _uuid.UUID(value)
    except ValueError:
        raise InvalidInputError(field, "must be a UUID", value) from None


def check_bool(field: str, value: object) -> None:
    """Raise unless ``value`` is a bool."""
    if type(value) is not bool:
        raise InvalidInputError(field, "must be True or False", value)


def check_duration(field: str, value: object, *, allow_negative: bool = False) -> None:
    """Raise unless ``value`` is a ``timedelta`` a .NET TimeSpan can hold."""
    if not isinstance(value, timedelta):
        raise InvalidInputError(field, "must be a datetime.timedelta", value)
    ticks = timespan_ticks(value)
    if not TIMESPAN_MIN_TICKS <= ticks <= TIMESPAN_MAX_TICKS:
        raise InvalidInputError(field, "is beyond the range of a .NET TimeSpan", value)
    if ticks < 0 and not allow_negative:
        raise InvalidInputError(field, "must not be negative", value)


def check_str_sequence(field: str, value: object) -> None:
    """Raise unless ``value`` is a sequence (not a string) of strings."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidInputError(field, "must be a list of strings", value)
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise InvalidInputError(f"{field}.{i}", "must be a string", item)


def check_str_mapping(field: str, value: object) -> None:
    """Raise unless ``value`` maps strings to strings."""
    if not isinstance(value, Mapping):
        raise InvalidInputError(field, "must be a mapping of strings to strings", value)
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise InvalidInputError(f"{field}.{k}", "keys and values must be strings", v)


def check_instances(field: str, value: object, cls: type | tuple[type, ...]) -> None:
    """Raise unless ``value`` is a sequence whose items are instances of ``cls``."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidInputError(field, "must be a list", value)
    for i, item in enumerate(value):
        if not isinstance(item, cls):
            names = cls.__name__ if isinstance(cls, type) else "/".join(c.__name__ for c in cls)
            raise InvalidInputError(f"{field}.{i}", f"must be a {names}", item)


def optional(
    check: Callable[..., None], *args: Any, **kwargs: Any
) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """An attrs validator running ``check(field, value, ...)`` unless the value is None."""

    def validate(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            check(attribute.name, value, *args, **kwargs)

    return validate
