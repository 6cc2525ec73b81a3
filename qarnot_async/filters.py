"""Build the service's search and pagination filters with Python operators.

::

    from qarnot_async.filters import F

    f = (F.state == "Success") & F.tags.any_of(["render", "urgent"])
    f = F.name.like("render-%") | (F.creation_date >= datetime(2026, 1, 1, tzinfo=UTC))
    f.to_wire()   # {"operator": "And", "filters": [...]}

Field names are checked as you type them (``F.stat`` raises, listing the known
fields); a field the SDK does not know yet is reachable with ``F.field("NewField")``.
Anywhere a filter is accepted, a raw wire ``dict`` is accepted too.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final, TypeAlias

import attrs

from .errors import InvalidInputError

__all__ = ["F", "Field", "Filter", "FilterLike", "Leaf", "ManyLeaf", "Node", "to_wire"]

# snake_case attribute -> the PascalCase name the service filters on.
KNOWN_FIELDS: Final[Mapping[str, str]] = {
    "uuid": "Uuid",
    "name": "Name",
    "shortname": "Shortname",
    "profile": "Profile",
    "state": "State",
    "tags": "Tags",
    "labels": "Labels",
    "pool_uuid": "PoolUuid",
    "job_uuid": "JobUuid",
    "creation_date": "CreationDate",
    "instance_count": "InstanceCount",
}


def _wire_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInputError(
                "filter", "datetimes in filters must be timezone-aware (tzinfo=UTC)", value
            )
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise InvalidInputError(
        "filter", f"cannot filter on a value of type {type(value).__name__}", value
    )


class Filter(abc.ABC):
    """A filter expression; combine with ``&`` and ``|``."""

    __slots__ = ()

    @abc.abstractmethod
    def to_wire(self) -> dict[str, Any]:
        """The JSON the service expects."""

    def __and__(self, other: Filter) -> Node:
        return Node("And", _flatten("And", self, other))

    def __or__(self, other: Filter) -> Node:
        return Node("Or", _flatten("Or", self, other))

    def __bool__(self) -> bool:
        # `a == 1 and b == 2` would silently keep only one side: refuse it loudly.
        raise TypeError("combine filters with & and |, not `and` / `or`")


def _flatten(operator: str, left: Filter, right: Filter) -> tuple[Filter, ...]:
    if not isinstance(right, Filter):
        raise InvalidInputError("filter", "only filters combine with & and |", right)
    parts: list[Filter] = []
    for side in (left, right):
        if isinstance(side, Node) and side.operator == operator:
            parts.extend(side.filters)
        else:
            parts.append(side)
    return tuple(parts)


@attrs.frozen(slots=True, eq=False)
class Leaf(Filter):
    """One comparison: ``{"operator", "field", "value"}`` (``UnitValueLeaf``)."""

    operator: str
    field: str
    value: Any

    def to_wire(self) -> dict[str, Any]:
        """The JSON the service expects."""
        return {"operator": self.operator, "field": self.field, "value": self.value}


@attrs.frozen(slots=True, eq=False)
class ManyLeaf(Filter):
    """A membership test: ``{"operator", "field", "values"}`` (``MultipleValueLeaf``)."""

    operator: str
    field: str
    values: tuple[Any, ...]

    def to_wire(self) -> dict[str, Any]:
        """The JSON the service expects."""
        return {"operator": self.operator, "field": self.field, "values": list(self.values)}


@attrs.frozen(slots=True, eq=False)
class Node(Filter):
    """An ``And`` / ``Or`` of filters (``Node``)."""

    operator: str
    filters: tuple[Filter, ...]

    def to_wire(self) -> dict[str, Any]:
        """The JSON the service expects."""
        return {"operator": self.operator, "filters": [f.to_wire() for f in self.filters]}


class Field:
    """A filterable field; compare it to build a :class:`Filter`."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Field({self.name!r})"

    def _leaf(self, operator: str, value: Any) -> Leaf:
        return Leaf(operator, self.name, _wire_value(value))

    def __eq__(self, value: Any) -> Leaf:  # type: ignore[override]
        return self._leaf("Equal", value)

    def __ne__(self, value: Any) -> Leaf:  # type: ignore[override]
        return self._leaf("NotEqual", value)

    def __lt__(self, value: Any) -> Leaf:
        return self._leaf("LessThan", value)

    def __le__(self, value: Any) -> Leaf:
        return self._leaf("LessThanOrEqual", value)

    def __gt__(self, value: Any) -> Leaf:
        return self._leaf("GreaterThan", value)

    def __ge__(self, value: Any) -> Leaf:
        return self._leaf("GreaterThanOrEqual", value)

    __hash__ = None  # type: ignore[assignment]

    def like(self, pattern: str) -> Leaf:
        """Match a pattern where ``%`` stands for any run of characters."""
        if not isinstance(pattern, str):
            raise InvalidInputError(f"filter.{self.name}", "like() needs a string", pattern)
        return Leaf("Like", self.name, pattern)

    def in_(self, values: Iterable[Any]) -> ManyLeaf:
        """Match any of ``values`` (for ``Tags``: entities with any of these tags)."""
        return ManyLeaf("In", self.name, self._values(values))

    any_of = in_

    def not_in(self, values: Iterable[Any]) -> ManyLeaf:
        """Match none of ``values``."""
        return ManyLeaf("NotIn", self.name, self._values(values))

    none_of = not_in

    def _values(self, values: Iterable[Any]) -> tuple[Any, ...]:
        if isinstance(values, str | bytes):
            raise InvalidInputError(
                f"filter.{self.name}",
                "expected a list of values, got a single string; wrap it in a list",
                values,
            )
        return tuple(_wire_value(v) for v in values)


class _UnknownFieldError(InvalidInputError, AttributeError):
    pass


class _Fields:
    """The namespace of known fields: ``F.state``, ``F.tags``, ``F.creation_date``..."""

    __slots__ = ()

    def __getattr__(self, attribute: str) -> Field:
        try:
            return Field(KNOWN_FIELDS[attribute])
        except KeyError:
            known = ", ".join(sorted(KNOWN_FIELDS))
            raise _UnknownFieldError(
                f"F.{attribute}",
                f"unknown filter field; known fields: {known} "
                '(use F.field("Name") for a field the SDK does not know)',
                attribute,
            ) from None

    def __dir__(self) -> list[str]:
        return sorted(KNOWN_FIELDS)

    @staticmethod
    def field(name: str) -> Field:
        """Any field by its PascalCase wire name, known to the SDK or not."""
        if not name or not isinstance(name, str):
            raise InvalidInputError("filter", "a field name must be a non-empty string", name)
        return Field(name)


F: Final = _Fields()
"""The entry point of the filter builder: ``F.state == TaskState.SUCCESS``."""

FilterLike: TypeAlias = Filter | Mapping[str, Any]
"""What methods taking a filter accept: a :class:`Filter` or its wire ``dict``."""


def to_wire(value: FilterLike | None) -> dict[str, Any] | None:
    """The wire form of a filter given as a :class:`Filter`, a dict, or ``None``."""
    if value is None:
        return None
    if isinstance(value, Filter):
        return value.to_wire()
    if isinstance(value, Mapping):
        return dict(value)
    raise InvalidInputError(
        "filter", "expected a Filter (from qarnot_async.filters.F) or a dict", value
    )
