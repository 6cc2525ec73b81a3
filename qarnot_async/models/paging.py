"""Paged answers and the requests that ask for them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

import attrs

from ._checks import check_int, check_str, check_str_sequence, checked
from ._types import INT32_MAX, Model
from .common import freeze_lists
from .enums import OrderType

__all__ = ["DataDetailRequest", "OffsetPage", "PageRequest", "TokenPage"]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class _Page(Model, Generic[T]):
    """One page of a listing; iterating a page iterates ``data``."""

    data: tuple[T, ...]

    def __iter__(self) -> Iterator[T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


@attrs.frozen(kw_only=True)
class TokenPage(_Page[T]):
    """One page of a token-paginated listing (``…TokenPagedResponse``).

    There is a next page while ``is_truncated`` and ``next_token`` is not None.
    """

    count: int | None = None
    total: int | None = None
    is_truncated: bool | None = None
    next_token: str | None = None

    @property
    def has_more(self) -> bool:
        """Whether another page follows."""
        return bool(self.is_truncated) and self.next_token is not None


@attrs.frozen(kw_only=True)
class OffsetPage(_Page[T]):
    """One page of an offset-paginated listing (``…OffsetPagedResponse``)."""

    offset: int | None = None
    limit: int | None = None
    total: int | None = None


def _order_type(value: OrderType | str | None) -> OrderType | None:
    if value is None or isinstance(value, OrderType):
        return value
    return OrderType(str(value).upper())


@attrs.frozen(kw_only=True)
class PageRequest(Model):
    """The body of a ``…/paginate`` call (``PageDetailRequest``).

    ``filter`` is the wire JSON of a filter (``{"operator": "Equal", ...}``), sent as is.
    """

    token: str | None = checked(check_str)
    filter: Mapping[str, Any] | None = None
    maximum_results: int | None = checked(check_int, 1, INT32_MAX)
    order_by: str | None = checked(check_str)
    order_type: OrderType | None = attrs.field(default=None, converter=_order_type)


@attrs.frozen(kw_only=True)
class DataDetailRequest(Model):
    """The body of a ``…/search`` call (``DataDetailRequest``).

    ``select`` lists the fields to return (``{"select": {"fields": [...]}}`` on the
    wire); ``filter`` is the wire JSON of a filter, sent as is.
    """

    select: Sequence[str] | None = checked(check_str_sequence, wire_name="select.fields")
    filter: Mapping[str, Any] | None = None
    maximum_results: int | None = checked(check_int, 1, INT32_MAX)

    def __attrs_post_init__(self) -> None:
        freeze_lists(self)
