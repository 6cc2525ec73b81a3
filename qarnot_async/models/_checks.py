"""Checks of input values, raising :class:`~qarnot_async.errors.InvalidInputError`.

Each ``check_*`` names the field it was given; :func:`optional` turns one into an
attrs validator that lets ``None`` through, and :func:`checked` into a whole optional
attribute, so that each input class declares an attribute on one line.
"""

from __future__ import annotations

import uuid as _uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from enum import Enum
from typing import Any, Final, TypeVar

import attrs

from ..errors import InvalidInputError
from ._time import TIMESPAN_MAX_TICKS, TIMESPAN_MIN_TICKS, timespan_ticks
from ._types import wire

__all__ = [
    "NAME_MAX_LENGTH",
    "check_bool",
    "check_duration",
    "check_instances",
    "check_int",
    "check_name",
    "check_number",
    "check_str",
    "check_str_mapping",
    "check_str_sequence",
    "check_uuid",
    "checked",
    "name_validator",
    "optional",
    "str_tuple",
    "to_enum",
    "to_tuple",
]

E = TypeVar("E", bound=Enum)


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


#: The longest name or shortname the SDK lets through.
NAME_MAX_LENGTH: Final = 2048


def check_name(field: str, value: object) -> None:
    """Raise unless ``value`` is a name or shortname: non-empty, at most 2,048 characters."""
    check_str(field, value, non_empty=True, max_len=NAME_MAX_LENGTH)


#: attrs validator of a name or shortname (``None`` passes).
name_validator: Final = optional(check_name)


def checked(check: Callable[..., None], *args: Any, wire_name: str = "", **kwargs: Any) -> Any:
    """An optional input attribute: ``None`` by default, else checked by ``check``.

    ``check(field, value, *args, **kwargs)`` raises
    :class:`~qarnot_async.errors.InvalidInputError` naming the attribute;
    ``wire_name`` names its JSON member when it is not the camelCase of the attribute.
    """
    return attrs.field(
        default=None,
        validator=optional(check, *args, **kwargs),
        metadata=wire(wire_name) if wire_name else None,
    )


# attrs (and its mypy plugin) want plain named functions as converters: the few below
# serve every attribute of their kind.


def to_tuple(value: Iterable[Any] | None) -> tuple[Any, ...] | None:
    """attrs converter: any iterable as a tuple, so that a frozen input stays frozen."""
    return None if value is None else tuple(value)


def str_tuple(value: Iterable[str] | None) -> tuple[str, ...] | None:
    """attrs converter: strings as a tuple (each is checked by the class)."""
    return None if value is None else tuple(value)


def to_enum(cls: type[E], field: str, value: E | str | None) -> E | None:
    """A member of ``cls`` from a member or its wire string; ``None`` stays ``None``."""
    if value is None or isinstance(value, cls):
        return value
    if not isinstance(value, str):
        raise InvalidInputError(field, f"must be a {cls.__name__}", value)
    return cls(value)
