"""Argument checks and route building: refuse bad input before anything is sent.

Every check raises :class:`~qarnot_async.errors.InvalidInputError` naming the argument,
so a mistake costs no request and reads the same whichever method caught it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._transport import path
from ..errors import InvalidInputError

__all__ = [
    "check_instance_id",
    "check_positive",
    "check_uuid_arg",
    "clamp_page_size",
    "expect",
    "item_route",
    "order_field",
    "route",
    "tag_params",
]

# The sorting fields the service documents, by the names users may write.
_ORDER_FIELDS = {
    "creation_date": "creationDate",
    "creationdate": "creationDate",
    "name": "name",
    "state": "state",
    "execution_time": "executionTime",
    "executiontime": "executionTime",
}


def route(*segments: str | int) -> str:
    """A route with every segment percent-quoted, so a ``/`` or ``?`` in a uuid or
    name can never reach another route (see :func:`qarnot_async._transport.path`)."""
    return path(*segments)


def item_route(collection: str, uuid: str, *tail: str | int) -> str:
    """The route of one entity (``/tasks/{uuid}``) or below it, the uuid checked."""
    return route(collection.strip("/"), check_uuid_arg(uuid), *tail)


def check_uuid_arg(value: Any, name: str = "uuid") -> str:
    """A uuid (or shortname, or name) argument: a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(name, "must be a non-empty uuid or shortname string", value)
    return value


def check_instance_id(instance_id: int | None) -> None:
    """Refuse an instance id the service could never have."""
    if instance_id is not None and (not isinstance(instance_id, int) or instance_id < 0):
        raise InvalidInputError(
            "instance_id", "must be a non-negative integer (instances count from 0)", instance_id
        )


def check_positive(value: int | None, name: str) -> None:
    """Refuse a count below 1 (``None`` passes: no bound)."""
    if value is not None and (not isinstance(value, int) or value < 1):
        raise InvalidInputError(name, "must be an integer >= 1", value)


def clamp_page_size(page_size: int, maximum: int) -> int:
    """``page_size`` checked (>= 1) and capped at the largest page the route serves.

    Capping rather than refusing matches :class:`~qarnot_async.pagination.AsyncPaginator`:
    a page size is a wish, the service decides the most it answers.
    """
    check_positive(page_size, "page_size")
    return min(page_size, maximum)


def expect(value: Any, cls: type | tuple[type, ...], name: str) -> None:
    """Refuse an argument of the wrong type before anything is sent."""
    if not isinstance(value, cls):
        names = cls.__name__ if isinstance(cls, type) else " or ".join(c.__name__ for c in cls)
        raise InvalidInputError(name, f"expected {names}, got {type(value).__name__}", value)


def order_field(order_by: str | None, *, allowed: Sequence[str]) -> str | None:
    """The wire name of a sorting field, or a clear error listing the allowed ones."""
    if order_by is None:
        return None
    if not isinstance(order_by, str):
        raise InvalidInputError("order_by", "must be a field name", order_by)
    wire = _ORDER_FIELDS.get(order_by.replace("-", "_").lower())
    if wire is None or wire not in allowed:
        raise InvalidInputError(
            "order_by", f"cannot sort on this field; use one of: {', '.join(allowed)}", order_by
        )
    return wire


def tag_params(tags: str | Sequence[str] | None) -> list[tuple[str, str]] | None:
    """The ``?tag=a&tag=b`` query of the legacy listing routes (any of the tags)."""
    if tags is None:
        return None
    if isinstance(tags, str):
        tags = [tags]
    for tag in tags:
        if not isinstance(tag, str) or not tag:
            raise InvalidInputError("tags", "each tag must be a non-empty string", tag)
    return [("tag", t) for t in tags]
