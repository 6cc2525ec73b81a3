"""Wire formats of the Qarnot Compute API: .NET TimeSpans, ISO dates, instance ranges.

These helpers are deliberately independent from the SDK's own parsers, so that a bug in
one cannot hide behind the same bug in the other.
"""

from __future__ import annotations

import functools
import math
import re
import time
from datetime import UTC, datetime

__all__ = [
    "NOT_SET_DATE",
    "WireFormatError",
    "format_date",
    "format_ranges",
    "format_timespan",
    "parse_date",
    "parse_ranges",
    "parse_timespan",
]

#: The service writes this date for "never happened" rather than ``null``.
NOT_SET_DATE = "0001-01-01T00:00:00Z"

_TICKS_PER_SECOND = 10_000_000
_TICKS_PER_DAY = 86_400 * _TICKS_PER_SECOND

# [-][d.]hh:mm:ss[.fffffff]; hours above 23 are tolerated without days because the
# reference itself shows "30:00:00".
_TIMESPAN_RE = re.compile(r"^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$")
_RANGE_PART_RE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")
# Refuse absurd ranges instead of allocating millions of instances.
MAX_RANGE_INSTANCES = 100_000


class WireFormatError(ValueError):
    """A value on the wire does not follow the format the service uses."""


def format_timespan(seconds: float) -> str:
    """Format a duration the way .NET writes a TimeSpan: ``"1.03:16:50.5000000"``."""
    if 0 <= seconds < 86_400 and seconds == int(seconds):
        # The common case (whole seconds, under a day), without tick arithmetic.
        whole = int(seconds)
        return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"
    ticks = round(seconds * _TICKS_PER_SECOND)
    sign = "-" if ticks < 0 else ""
    ticks = abs(ticks)
    days, ticks = divmod(ticks, _TICKS_PER_DAY)
    hours, ticks = divmod(ticks, 3600 * _TICKS_PER_SECOND)
    minutes, ticks = divmod(ticks, 60 * _TICKS_PER_SECOND)
    secs, fraction = divmod(ticks, _TICKS_PER_SECOND)
    text = f"{sign}{days}." if days else sign
    text += f"{hours:02d}:{minutes:02d}:{secs:02d}"
    if fraction:
        text += f".{fraction:07d}"
    return text


def parse_timespan(text: str) -> float:
    """Parse a .NET TimeSpan string into seconds; raise :class:`WireFormatError`."""
    match = _TIMESPAN_RE.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise WireFormatError(f"{text!r} is not a TimeSpan ([d.]hh:mm:ss[.fffffff])")
    negative, days, hours, minutes, secs, fraction = match.groups()
    if int(minutes) > 59 or int(secs) > 59 or (days is not None and int(hours) > 23):
        raise WireFormatError(f"{text!r} is not a TimeSpan: a component is out of range")
    total = int(days or 0) * 86_400 + int(hours) * 3600 + int(minutes) * 60 + int(secs)
    value = total + (int(fraction.ljust(7, "0")) / _TICKS_PER_SECOND if fraction else 0.0)
    return -value if negative else float(value)


# Within one summary the same instant often appears three times (end, last change,
# state change), and pages are fetched again and again: memoising pays.
@functools.lru_cache(maxsize=16_384)
def format_date(epoch: float | None) -> str:
    """Format an epoch timestamp as the service does: ``"2021-05-01T19:00:00Z"``.

    Fractions are written with at most six digits: the official SDK parses dates with
    ``strptime("%f")``, which refuses the seven digits .NET could write.
    """
    if epoch is None:
        return NOT_SET_DATE
    whole = math.floor(epoch)
    micro = round((epoch - whole) * 1_000_000)
    if micro >= 1_000_000:
        whole, micro = whole + 1, 0
    # time.gmtime and an f-string are several times faster than datetime.strftime, and
    # pages of 1000 summaries format 5000 dates.
    t = time.gmtime(whole)
    text = f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}T{t[3]:02d}:{t[4]:02d}:{t[5]:02d}"
    if micro:
        return f"{text}.{micro:06d}".rstrip("0") + "Z"
    return text + "Z"


def parse_date(text: str) -> float:
    """Parse an ISO 8601 date (``Z`` or an offset, up to 7 fraction digits) into epoch seconds.

    A date without a zone is taken as UTC, as the service does.
    """
    if not isinstance(text, str):
        raise WireFormatError(f"{text!r} is not an ISO 8601 date")
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    # .NET writes up to seven fraction digits; datetime takes six.
    cleaned = re.sub(r"(\.\d{6})\d+", r"\1", cleaned)
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError as exc:
        raise WireFormatError(f"{text!r} is not an ISO 8601 date") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def format_ranges(ids: list[int] | tuple[int, ...] | set[int] | frozenset[int]) -> str | None:
    """Compress instance ids into the service's range syntax: ``[0, 1, 2, 4]`` -> ``"0-2,4"``.

    An empty set gives ``None``, as the service writes ``null`` for an empty range.
    """
    ordered = sorted(set(ids))
    if not ordered:
        return None
    parts: list[str] = []
    start = previous = ordered[0]
    for value in ordered[1:]:
        if value == previous + 1:
            previous = value
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = value
    parts.append(str(start) if start == previous else f"{start}-{previous}")
    return ",".join(parts)


def parse_ranges(text: str) -> tuple[int, ...]:
    """Expand ``"0-2,4-5,17"`` into sorted unique instance ids; raise :class:`WireFormatError`."""
    if not isinstance(text, str) or not text.strip():
        raise WireFormatError("a range must be a non-empty string such as '0-2,4'")
    ids: set[int] = set()
    for part in text.split(","):
        match = _RANGE_PART_RE.match(part)
        if match is None:
            raise WireFormatError(f"{part!r} is neither an id nor an 'a-b' range")
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if high < low:
            raise WireFormatError(f"range {part.strip()!r} ends before it starts")
        if high - low + 1 + len(ids) > MAX_RANGE_INSTANCES:
            raise WireFormatError(f"a task cannot have more than {MAX_RANGE_INSTANCES} instances")
        ids.update(range(low, high + 1))
    return tuple(sorted(ids))
