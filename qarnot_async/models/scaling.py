"""Pool scaling: policies (union on ``type``) active during periods (union on ``type``).

A policy or period ``type`` this SDK does not know parses into
:class:`UnknownScalingPolicy` / :class:`UnknownTimePeriod`, which keep the JSON object
as received and unstructure back to it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any, ClassVar, TypeVar, dataclass_transform

import attrs

from ..errors import InvalidInputError
from ._checks import check_int, check_number, check_str, checked, to_tuple
from ._types import INT64_MAX, INT64_MIN, Model, union_member
from .enums import DayOfWeek

__all__ = [
    "AlwaysPeriod",
    "FixedScalingPolicy",
    "ManagedTasksQueueScalingPolicy",
    "Scaling",
    "ScalingPolicy",
    "TimePeriod",
    "UnknownScalingPolicy",
    "UnknownTimePeriod",
    "WeeklyPeriod",
]

_ONE_DAY = timedelta(days=1)

#: The known period classes by their wire ``type``.
TIME_PERIOD_TYPES: dict[str, type[TimePeriod]] = {}
#: The known policy classes by their wire ``type``.
SCALING_POLICY_TYPES: dict[str, type[ScalingPolicy]] = {}

C = TypeVar("C", bound=type)


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(attrs.field,))
def _period(type: str) -> Callable[[C], C]:
    """A known period class, read and written with this ``type``."""
    return union_member(TIME_PERIOD_TYPES, "TYPE", type)


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(attrs.field,))
def _policy(type: str) -> Callable[[C], C]:
    """A known policy class, read and written with this ``type``."""
    return union_member(SCALING_POLICY_TYPES, "TYPE", type)


def _days(value: Iterable[DayOfWeek | str] | None) -> tuple[DayOfWeek, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        raise InvalidInputError("days", "must be a list of days", value)
    days = []
    for i, day in enumerate(value):
        if not isinstance(day, str):
            raise InvalidInputError(f"days.{i}", "must be a DayOfWeek", day)
        days.append(DayOfWeek(day))
    return tuple(days)


def _check_time_of_day(field: str, value: object) -> None:
    if not isinstance(value, timedelta) or not timedelta(0) <= value < _ONE_DAY:
        raise InvalidInputError(
            field, "must be a timedelta between 00:00:00 and 23:59:59.9999999", value
        )


@attrs.frozen(kw_only=True)
class _Typed(Model):
    """A member of a union told apart by its ``type``, with an optional name."""

    TYPE: ClassVar[str] = ""
    name: str | None = checked(check_str)

    @property
    def type(self) -> str:
        """The wire ``type`` of this member."""
        return self.TYPE


@attrs.frozen(kw_only=True)
class TimePeriod(_Typed):
    """When a scaling policy is enabled (``TimePeriodSpecification``)."""


@_period("Always")
class AlwaysPeriod(TimePeriod):
    """Always enabled (``TimePeriodAlways``)."""


@_period("Weekly")
class WeeklyPeriod(TimePeriod):
    """Enabled on some days between two times of day, UTC (``TimePeriodWeeklyRecurring``).

    The times are offsets from midnight (``timedelta``), so the service's
    ``"23:59:59.9999999"`` end of day is kept exactly.
    """

    days: tuple[DayOfWeek, ...] | None = attrs.field(default=None, converter=_days)
    start_time_utc: timedelta | None = checked(_check_time_of_day)
    end_time_utc: timedelta | None = checked(_check_time_of_day)


@attrs.frozen(kw_only=True)
class UnknownTimePeriod(TimePeriod):
    """A period whose ``type`` this SDK does not know; ``raw`` is sent back as is."""

    type: str  # an attribute here, a read-only property in the base
    raw: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class ScalingPolicy(_Typed):
    """One scaling policy, enabled during ``enabled_periods`` (``ScalingPolicy``)."""

    enabled_periods: tuple[TimePeriod, ...] | None = attrs.field(default=None, converter=to_tuple)


@_policy("Fixed")
class FixedScalingPolicy(ScalingPolicy):
    """A fixed number of slots (``FixedScalingPolicy``)."""

    slots_count: int | None = checked(check_int, INT64_MIN, INT64_MAX)


@_policy("ManagedTasksQueue")
class ManagedTasksQueueScalingPolicy(ScalingPolicy):
    """Slots following the queue of tasks (``ManagedTasksQueueScalingPolicy``)."""

    min_total_slots: int | None = checked(check_int, INT64_MIN, INT64_MAX)
    max_total_slots: int | None = checked(check_int, INT64_MIN, INT64_MAX)
    min_idle_slots: int | None = checked(check_int, INT64_MIN, INT64_MAX)
    min_idle_time_seconds: int | None = checked(check_int, INT64_MIN, INT64_MAX)
    scaling_factor: float | None = checked(check_number)


@attrs.frozen(kw_only=True)
class UnknownScalingPolicy(ScalingPolicy):
    """A policy whose ``type`` this SDK does not know; ``raw`` is sent back as is.

    ``name`` is read from ``raw`` for convenience; ``enabled_periods`` stays ``None``.
    """

    type: str  # an attribute here, a read-only property in the base
    raw: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class Scaling(Model):
    """How a pool scales (``ScalingInput`` / ``ScalingOutput``).

    ``active_policy_name`` is only ever set by the service.
    """

    policies: tuple[ScalingPolicy, ...] | None = attrs.field(default=None, converter=to_tuple)
    active_policy_name: str | None = None
