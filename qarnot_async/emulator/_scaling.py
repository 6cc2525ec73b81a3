"""Pool scaling: the sanity check of ``ScalingInput`` and the active policy."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Final

from ._errors import ValidationErrors
from ._validate import Body

__all__ = ["active_policy", "check_scaling", "default_scaling", "scaling_slots"]

_POLICY_TYPES: Final = ("Fixed", "ManagedTasksQueue")
_PERIOD_TYPES: Final = ("Always", "Weekly")
_DAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME_RE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$")


def _time_of_day(body: Body, name: str) -> float | None:
    value = body.string(name)
    if value is None:
        body.fail(name, f"The {name} field is required for a Weekly period.")
        return None
    match = _TIME_RE.match(value)
    if (
        match is None
        or int(match.group(1)) > 23
        or int(match.group(2)) > 59
        or int(match.group(3)) > 59
    ):
        body.fail(name, f"The {name} field must be a time of day (hh:mm:ss[.fffffff]).")
        return None
    fraction = match.group(4)
    return (
        int(match.group(1)) * 3600
        + int(match.group(2)) * 60
        + int(match.group(3))
        + (int(fraction.ljust(7, "0")) / 1e7 if fraction else 0.0)
    )


def _check_period(body: Body) -> dict[str, Any]:
    kind = body.choice("type", _PERIOD_TYPES)
    if kind is None and not body.present("type"):
        body.fail("type", "The type field is required (Always or Weekly).")
    period: dict[str, Any] = {"type": kind, "name": body.string("name")}
    if kind == "Weekly":
        days = body.strings("days")
        if not days:
            body.fail("days", "A Weekly period needs at least one day.")
        else:
            unknown = [day for day in days if day.lower() not in _DAYS]
            if unknown:
                body.fail("days", f"Unknown day(s): {', '.join(unknown)}.")
            period["days"] = [day.lower() for day in days]
        start = _time_of_day(body, "startTimeUtc")
        end = _time_of_day(body, "endTimeUtc")
        if start is not None and end is not None and start >= end:
            body.fail("endTimeUtc", "The endTimeUtc field must be after startTimeUtc.")
        period["startTimeUtc"] = body.raw("startTimeUtc")
        period["endTimeUtc"] = body.raw("endTimeUtc")
    return period


def _check_policy(body: Body, names: set[str]) -> dict[str, Any]:
    kind = body.choice("type", _POLICY_TYPES)
    if kind is None and not body.present("type"):
        body.fail("type", "The type field is required (Fixed or ManagedTasksQueue).")
    name = body.string("name", required=True)
    if name is not None:
        if name in names:
            body.fail("name", f"The policy name {name!r} is used twice.")
        names.add(name)
    policy: dict[str, Any] = {"type": kind, "name": name}
    if kind == "Fixed":
        slots = body.integer("slotsCount", minimum=0)
        if slots is None and not body.present("slotsCount"):
            body.fail("slotsCount", "The slotsCount field is required for a Fixed policy.")
        policy["slotsCount"] = slots
    elif kind == "ManagedTasksQueue":
        low = body.integer("minTotalSlots", minimum=0)
        high = body.integer("maxTotalSlots", minimum=0)
        idle = body.integer("minIdleSlots", minimum=0)
        if low is not None and high is not None and high < low:
            body.fail("maxTotalSlots", "The maxTotalSlots field must be at least minTotalSlots.")
        if idle is not None and high is not None and idle > high:
            body.fail("minIdleSlots", "The minIdleSlots field must be at most maxTotalSlots.")
        factor = body.number("scalingFactor")
        if factor is not None and not 0 < factor <= 1:
            body.fail("scalingFactor", "The scalingFactor field must be in (0, 1].")
        policy.update(
            minTotalSlots=low,
            maxTotalSlots=high,
            minIdleSlots=idle,
            minIdleTimeSeconds=body.integer("minIdleTimeSeconds", minimum=0),
            scalingFactor=factor,
        )
    periods: list[dict[str, Any]] = []
    raw_periods = body.objects("enabledPeriods")
    if raw_periods is None:
        periods.append({"type": "Always", "name": None})
    elif not raw_periods:
        body.fail("enabledPeriods", "A policy needs at least one enabled period.")
    else:
        for index, raw in enumerate(raw_periods):
            periods.append(
                _check_period(Body(raw, body.errors, f"{body.prefix}enabledPeriods[{index}]."))
            )
    policy["enabledPeriods"] = periods
    return policy


def check_scaling(raw: Any, errors: ValidationErrors, field: str = "") -> dict[str, Any] | None:
    """Check a ``ScalingInput``; return its normalised form (``None`` if invalid)."""
    if not isinstance(raw, dict):
        errors.add(field or "$", "A scaling specification must be a JSON object.")
        return None
    prefix = f"{field}." if field else ""
    body = Body(raw, errors, prefix)
    before = len(errors.errors)
    policies = body.raw("policies")
    if not isinstance(policies, list) or not policies:
        body.fail("policies", "At least one scaling policy is required.")
        return None
    names: set[str] = set()
    checked: list[dict[str, Any]] = []
    for index, item in enumerate(policies):
        if not isinstance(item, dict):
            body.fail(f"policies[{index}]", "A policy must be a JSON object.")
            continue
        checked.append(_check_policy(Body(item, errors, f"{prefix}policies[{index}]."), names))
    if len(errors.errors) != before:
        return None
    return {"policies": checked}


def _period_active(period: dict[str, Any], moment: datetime) -> bool:
    if period.get("type") == "Always":
        return True
    if moment.strftime("%A").lower() not in period.get("days", []):
        return False
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    start = _parse_time(period.get("startTimeUtc"))
    end = _parse_time(period.get("endTimeUtc"))
    return start <= seconds <= end


def _parse_time(text: Any) -> float:
    match = _TIME_RE.match(text) if isinstance(text, str) else None
    if match is None:
        return 0.0
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60 + float(match.group(3))


def active_policy(scaling: dict[str, Any], now: float) -> dict[str, Any] | None:
    """The first policy with an enabled period at ``now`` (policies are in priority order)."""
    moment = datetime.fromtimestamp(now, tz=UTC)
    policies: list[dict[str, Any]] = scaling.get("policies", [])
    for policy in policies:
        if any(_period_active(period, moment) for period in policy.get("enabledPeriods", [])):
            return policy
    return None


def scaling_slots(scaling: dict[str, Any], now: float) -> int:
    """Slots a scaled pool provisions for tasks: Fixed gives ``slotsCount``, a
    ManagedTasksQueue policy its ``maxTotalSlots`` (the emulator scales up at once)."""
    policy = active_policy(scaling, now) or (scaling.get("policies") or [{}])[0]
    if policy.get("type") == "Fixed":
        return int(policy.get("slotsCount") or 0)
    return int(policy.get("maxTotalSlots") or policy.get("minTotalSlots") or 0)


def default_scaling(slots: int) -> dict[str, Any]:
    """The scaling a pool created without one reports: a fixed policy of its size."""
    return {
        "policies": [
            {
                "type": "Fixed",
                "name": "default",
                "slotsCount": slots,
                "enabledPeriods": [{"type": "Always", "name": None}],
            }
        ]
    }
