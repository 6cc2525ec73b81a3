"""Instance ranges: sets of instance ids written ``"0-2,4-5,17"``."""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Iterable, Iterator
from typing import Any, Final

from ._types import INT32_MAX, remember

__all__ = ["RANGES_CACHE", "InstanceRanges"]

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
