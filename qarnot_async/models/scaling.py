"""Pool scaling: policies (union on ``type``) active during periods (union on ``type``).

A policy or period ``type`` this SDK does not know parses into
:class:`UnknownScalingPolicy` / :class:`UnknownTimePeriod`, which keep the JSON object
as received and unstructure back to it unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, ClassVar

import attrs

from ..errors import InvalidInputError
from ._checks import check_int, check_number, check_str, checked, to_tuple
from ._types import INT64_MAX, INT64_MIN
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
class _Typed:
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


@attrs.frozen(kw_only=True)
class AlwaysPeriod(TimePeriod):
    """Always enabled (``TimePeriodAlways``)."""

    TYPE: ClassVar[str] = "Always"


@attrs.frozen(kw_only=True)
class WeeklyPeriod(TimePeriod):
    """Enabled on some days between two times of day, UTC (``TimePeriodWeeklyRecurring``).

    The times are offsets from midnight (``timedelta``), so the service's
    ``"23:59:59.9999999"`` end of day is kept exactly.
    """

    TYPE: ClassVar[str] = "Weekly"
    days: tuple[DayOfWeek, ...] | None = attrs.field(default=None, converter=_days)
    start_time_utc: timedelta | None = checked(_check_time_of_day)  # noqa: RUF009 (an attrs field)
    end_time_utc: timedelta | None = checked(_check_time_of_day)  # noqa: RUF009 (an attrs field)


@attrs.frozen(kw_only=True)
class UnknownTimePeriod(TimePeriod):
    """A period whose ``type`` this SDK does not know; ``raw`` is sent back as is."""

    type: str  # an attribute here, a read-only property in the base
    raw: Mapping[str, Any] = attrs.field(factory=dict)


#: The known period classes by their wire ``type``.
TIME_PERIOD_TYPES: Mapping[str, type[TimePeriod]] = {
    cls.TYPE: cls for cls in (AlwaysPeriod, WeeklyPeriod)
}


@attrs.frozen(kw_only=True)
class ScalingPolicy(_Typed):
    """One scaling policy, enabled during ``enabled_periods`` (``ScalingPolicy``)."""

    enabled_periods: tuple[TimePeriod, ...] | None = attrs.field(default=None, converter=to_tuple)


@attrs.frozen(kw_only=True)
class FixedScalingPolicy(ScalingPolicy):
    """A fixed number of slots (``FixedScalingPolicy``)."""

    TYPE: ClassVar[str] = "Fixed"
    slots_count: int | None = checked(check_int, INT64_MIN, INT64_MAX)


@attrs.frozen(kw_only=True)
class ManagedTasksQueueScalingPolicy(ScalingPolicy):
    """Slots following the queue of tasks (``ManagedTasksQueueScalingPolicy``)."""

    TYPE: ClassVar[str] = "ManagedTasksQueue"
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


#: The known policy classes by their wire ``type``.
SCALING_POLICY_TYPES: Mapping[str, type[ScalingPolicy]] = {
    cls.TYPE: cls for cls in (FixedScalingPolicy, ManagedTasksQueueScalingPolicy)
}


@attrs.frozen(kw_only=True)
class Scaling:
    """How a pool scales (``ScalingInput`` / ``ScalingOutput``).

    ``active_policy_name`` is only ever set by the service.
    """

    policies: tuple[ScalingPolicy, ...] | None = attrs.field(default=None, converter=to_tuple)
    active_policy_name: str | None = None
