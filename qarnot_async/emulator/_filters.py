"""Search filters: ``Node`` (And / Or), ``UnitValueLeaf`` and ``MultipleValueLeaf``.

A filter is compiled once per request into a predicate. Field names are PascalCase
(matched case-insensitively). Semantics the reference leaves open, chosen here:

* ``Tags``: a leaf matches when *any* tag matches; ``NotEqual`` / ``NotIn`` match when
  *no* tag does.
* ``Labels``: each label is the string ``"key=value"``; a value without ``=`` tests
  that the key exists (``Equal "gpu"``) or is absent (``NotEqual "gpu"``).
* ``Like``: SQL-like, ``%`` is any run of characters and ``_`` any one character;
  case-insensitive, and only on text fields.
* ``Uuid``, ``PoolUuid``, ``JobUuid`` and ``State`` compare case-insensitively, other
  text fields case-sensitively (ordinal order for ``LessThan``...).
* ``In`` / ``NotIn`` take ``values``; a single ``value`` is accepted too (the official
  SDK sends that).
* ``And`` of nothing matches everything, ``Or`` of nothing matches nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Final

from ._entities import Pool, Task
from ._render import pool_execution_seconds, task_execution_seconds
from ._wire import WireFormatError, parse_date, parse_timespan

__all__ = ["FIELDS", "FilterError", "Predicate", "compile_filter"]

Predicate = Callable[[Any], bool]
Getter = Callable[[Any, float], Any]

LEAF_OPERATORS: Final = (
    "Equal",
    "NotEqual",
    "In",
    "NotIn",
    "LessThan",
    "LessThanOrEqual",
    "GreaterThan",
    "GreaterThanOrEqual",
    "Like",
)
NODE_OPERATORS: Final = ("And", "Or")
_MAX_DEPTH: Final = 32


class FilterError(ValueError):
    """The filter cannot be applied; answered as 400 with ``errors: {"filter": [...]}``."""


def _labels(entity: Task | Pool, now: float) -> list[str]:
    return [f"{key}={value}" for key, value in entity.labels.items()]


def _common(kind_fields: dict[str, tuple[str, Getter]]) -> dict[str, tuple[str, Getter]]:
    base: dict[str, tuple[str, Getter]] = {
        "Uuid": ("uuid", lambda e, now: e.uuid),
        "Name": ("text", lambda e, now: e.name),
        "Shortname": ("text", lambda e, now: e.shortname),
        "State": ("state", lambda e, now: e.state),
        "PreviousState": ("state", lambda e, now: e.prev_state),
        "Tags": ("tags", lambda e, now: e.tags),
        "CreationDate": ("date", lambda e, now: e.created),
        "LastModified": ("date", lambda e, now: e.modified),
        "StateTransitionTime": ("date", lambda e, now: e.state_at),
    }
    base.update(kind_fields)
    return base


#: kind -> PascalCase field -> (type, getter).
FIELDS: Final[dict[str, dict[str, tuple[str, Getter]]]] = {
    "task": _common(
        {
            "Profile": ("text", lambda e, now: e.profile),
            "PoolUuid": ("uuid", lambda e, now: e.pool_uuid),
            "JobUuid": ("uuid", lambda e, now: e.job_uuid),
            "Labels": ("labels", _labels),
            "InstanceCount": ("number", lambda e, now: len(e.instance_ids)),
            "EndDate": ("date", lambda e, now: e.end_at),
            "ExecutionTime": ("span", task_execution_seconds),
            "SchedulingType": ("text", lambda e, now: e.scheduling),
        }
    ),
    "pool": _common(
        {
            "Profile": ("text", lambda e, now: e.profile),
            "Labels": ("labels", _labels),
            "InstanceCount": ("number", lambda e, now: e.slots),
            "EndDate": ("date", lambda e, now: e.end_at),
            "ExecutionTime": ("span", pool_execution_seconds),
            "SchedulingType": ("text", lambda e, now: e.scheduling),
        }
    ),
    "job": _common(
        {
            "PoolUuid": ("uuid", lambda e, now: e.pool_uuid),
            "UseDependencies": ("bool", lambda e, now: e.use_dependencies),
        }
    ),
}

_LOOKUP: Final = {kind: {name.lower(): name for name in fields} for kind, fields in FIELDS.items()}


def _like_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _convert(kind: str, field: str, value: Any) -> Any:
    """Turn a filter value into the type of the field; raise :class:`FilterError`."""
    if value is None:
        return None
    try:
        if kind in ("uuid", "state"):
            return str(value).lower()
        if kind in ("text", "tags", "labels"):
            return value if isinstance(value, str) else str(value)
        if kind == "date":
            return _microseconds(parse_date(value))
        if kind == "number":
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        if kind == "span":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            return parse_timespan(value)
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "false"):
                return str(value).lower() == "true"
            raise ValueError(value)
    except (ValueError, TypeError, WireFormatError) as exc:
        raise FilterError(f"{value!r} is not a valid value for field {field}") from exc
    raise AssertionError(kind)


def _microseconds(epoch: float) -> int:
    # Dates compare as whole microseconds: a date read back from its ISO text may not be
    # the very same float as the one stored.
    return round(epoch * 1_000_000)


def _normalise(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in ("uuid", "state"):
        return str(value).lower()
    if kind == "number":
        return float(value)
    if kind == "date":
        return _microseconds(value)
    return value


def _scalar_test(operator: str, values: list[Any], kind: str, field: str) -> Callable[[Any], bool]:
    """A test of one (normalised) field value."""
    if operator == "Like":
        if kind not in ("uuid", "state", "text", "tags", "labels"):
            raise FilterError(f"operator Like does not apply to field {field}")
        regexes = [_like_regex(str(v)) for v in values if v is not None]
        return lambda x: x is not None and any(r.fullmatch(str(x)) for r in regexes)
    if operator in ("Equal", "NotEqual", "In", "NotIn"):
        accepted = set(values)
        return lambda x: x in accepted
    if any(v is None for v in values):
        raise FilterError(f"operator {operator} needs a value for field {field}")
    if kind == "bool":
        raise FilterError(f"operator {operator} does not apply to field {field}")
    bound = values[0]
    if operator == "LessThan":
        return lambda x: x is not None and x < bound
    if operator == "LessThanOrEqual":
        return lambda x: x is not None and x <= bound
    if operator == "GreaterThan":
        return lambda x: x is not None and x > bound
    return lambda x: x is not None and x >= bound


def _leaf(raw: dict[str, Any], entity_kind: str, now: float, refused: set[str]) -> Predicate:
    operator: str = raw["operator"]
    field_name = raw.get("field")
    if not isinstance(field_name, str):
        raise FilterError("a leaf filter needs a 'field'")
    canonical = _LOOKUP[entity_kind].get(field_name.lower())
    if canonical is None:
        known = ", ".join(FIELDS[entity_kind])
        raise FilterError(f"unknown field {field_name!r} for {entity_kind}s (known: {known})")
    if canonical.lower() in refused:
        raise FilterError(f"filtering on field {canonical} is not supported")
    kind, getter = FIELDS[entity_kind][canonical]
    if "values" in raw and raw["values"] is not None:
        if not isinstance(raw["values"], list):
            raise FilterError("'values' must be an array")
        values = [_convert(kind, canonical, v) for v in raw["values"]]
        if operator not in ("In", "NotIn") and len(values) != 1:
            raise FilterError(f"operator {operator} takes one value, use In / NotIn for several")
    elif "value" in raw:
        values = [_convert(kind, canonical, raw["value"])]
    else:
        raise FilterError(f"the leaf on {canonical} needs a 'value' or 'values'")
    negate = operator in ("NotEqual", "NotIn")

    if kind == "labels":
        test = _label_test(operator, values)
    else:
        test = _scalar_test(operator, values, kind, canonical)

    if kind in ("tags", "labels"):

        def many(entity: Any) -> bool:
            items = getter(entity, now)
            if kind == "labels" and operator in ("Equal", "NotEqual", "In", "NotIn"):
                hit = test(entity.labels)
            else:
                hit = any(test(item) for item in items)
            return not hit if negate else hit

        return many
    if kind in ("uuid", "state", "number", "date"):

        def normalised(entity: Any) -> bool:
            hit = test(_normalise(kind, getter(entity, now)))
            return not hit if negate else hit

        return normalised

    def plain(entity: Any) -> bool:
        hit = test(getter(entity, now))
        return not hit if negate else hit

    return plain


def _label_test(operator: str, values: list[Any]) -> Callable[[Any], bool]:
    if operator in ("Equal", "NotEqual", "In", "NotIn"):
        pairs = {v for v in values if v is not None and "=" in v}
        keys = {v for v in values if v is not None and "=" not in v}

        def matches(labels: dict[str, str]) -> bool:
            if keys and any(key in labels for key in keys):
                return True
            return any(f"{k}={v}" in pairs for k, v in labels.items())

        return matches
    return _scalar_test(operator, values, "labels", "Labels")


def _compile(raw: Any, entity_kind: str, now: float, refused: set[str], depth: int) -> Predicate:
    if depth > _MAX_DEPTH:
        raise FilterError("the filter is nested too deeply")
    if not isinstance(raw, dict):
        raise FilterError("a filter must be a JSON object")
    operator = raw.get("operator")
    if not isinstance(operator, str):
        raise FilterError("a filter needs an 'operator'")
    canonical_op = next(
        (op for op in (*NODE_OPERATORS, *LEAF_OPERATORS) if op.lower() == operator.lower()), None
    )
    if canonical_op is None:
        raise FilterError(f"unknown operator {operator!r}")
    if canonical_op in NODE_OPERATORS:
        children = raw.get("filters")
        if children is None:
            children = []
        if not isinstance(children, list):
            raise FilterError("'filters' must be an array")
        compiled = [_compile(child, entity_kind, now, refused, depth + 1) for child in children]
        if canonical_op == "And":
            return lambda entity: all(p(entity) for p in compiled)
        return lambda entity: any(p(entity) for p in compiled)
    if raw.get("filters") is not None:
        raise FilterError(f"operator {canonical_op} is a leaf operator and takes no 'filters'")
    return _leaf({**raw, "operator": canonical_op}, entity_kind, now, refused)


def compile_filter(
    raw: Any, entity_kind: str, now: float, refused: Iterable[str] = ()
) -> Predicate | None:
    """Compile a wire filter for ``entity_kind`` ("task", "pool", "job"); ``None`` = all.

    ``refused`` lists fields the (emulated) service will not filter on.
    """
    if raw is None:
        return None
    return _compile(raw, entity_kind, now, {name.lower() for name in refused}, 0)
