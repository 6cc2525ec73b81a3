"""Single JSON values: checked scalars, value types parsed from text, open enums.

Strings, integers, numbers and booleans are checked, not coerced (``"12"`` is not an
int, ``True`` is not a number). TimeSpans, dates and instance ranges are parsed
through the caches of :mod:`qarnot_async.models._types`; an enum value unknown to
this SDK becomes a pseudo-member instead of an error.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from cattrs import Converter

from ..models._ranges import RANGES_CACHE, InstanceRanges
from ..models._time import (
    DATE_CACHE,
    TIMESPAN_CACHE,
    format_datetime,
    format_timespan,
    parse_date,
    parse_datetime,
    parse_timespan,
)
from ..models._types import OpenEnum, remember
from ..models.account import Settings
from ..models.common import EMPTY_CONSTANTS, Constants, trusted_constants
from ._registry import BadValue, Hook, Parser, Registry, exactly, expected, is_open_enum

__all__ = ["configure_scalars", "parser_for", "parser_hook", "type_check"]

_MISSING: Final = object()


def type_check(accepted: frozenset[type], what: str) -> Hook:
    """A hook passing through a value whose runtime type is one of ``accepted``."""
    message = expected(what)

    def check(v: Any, _: Any) -> Any:
        if type(v) in accepted:
            return v
        raise BadValue(message, v)

    return check


def parser_hook(parse: Parser, cache: Any, *, allow_none: bool) -> Hook:
    """A hook reading ``cache`` inline and calling ``parse`` only on a miss.

    Spans, dates, ranges and enum values repeat across a page, so most values are
    found in the cache. ``.get`` with a sentinel: a miss raising KeyError would cost
    more than the parse it leads to. An unhashable value goes to the parser, which
    reports it.
    """
    lookup = cache.get

    def read(v: Any, _: Any) -> Any:
        if v is None and allow_none:
            return None
        try:
            found = lookup(v, _MISSING)
        except TypeError:
            return parse(v)
        return parse(v) if found is _MISSING else found

    return read


def parser_for(registry: Registry, t: Any) -> Parser | None:
    """The parser of value type ``t``; an enum's is built (and cached) on first use."""
    parse = registry.parsers.get(t)
    if parse is None and is_open_enum(t):
        parse = registry.parsers[t] = _enum_parser(t)
        registry.value_caches[t] = t.by_value()
    return parse


def _enum_parser(t: type[OpenEnum]) -> Parser:
    members = t.by_value()
    message = expected(f"a {t.__name__} string")

    def parse(v: Any) -> Any:
        try:
            return members[v]
        except (KeyError, TypeError):
            pass
        if type(v) is not str:
            raise BadValue(message, v)
        return t(v)

    return parse


def _timespan(v: Any) -> timedelta:
    try:
        return parse_timespan(v)
    except (ValueError, TypeError):
        raise BadValue("not a TimeSpan", v) from None


_fromisoformat: Final = datetime.fromisoformat


def _datetime(v: Any) -> datetime | None:
    # A page of new tasks brings new dates: the service's usual form (UTC, a "Z") is
    # read by datetime itself, as parse_datetime would (it starts the same way), minus
    # its other checks. Any other form, and the "not set" 0001-01-01, go through it.
    if type(v) is str and v[-1:] == "Z" and not v.startswith("0001-"):
        try:
            value = _fromisoformat(v)
        except ValueError:
            pass
        else:
            if value.tzinfo is UTC:
                remember(DATE_CACHE, v, value)
                return value
    try:
        return parse_datetime(v)
    except (ValueError, TypeError):
        raise BadValue("not an ISO 8601 date-time", v) from None


def _date(v: Any) -> date:
    try:
        return parse_date(v)
    except ValueError:
        raise BadValue("not an ISO 8601 date", v) from None


def _ranges(v: Any) -> InstanceRanges:
    if type(v) is not str:
        raise BadValue("not an instance range", v)
    try:
        return InstanceRanges.parse(v)
    except ValueError as exc:
        raise BadValue(f"not an instance range ({exc})", v) from None


def _constants(v: Any, _: Any) -> Constants:
    """Read ``[{"key", "value"}, ...]``; a null list is empty, a null value is ``""``."""
    if v is None:
        return EMPTY_CONSTANTS
    if type(v) is not list:
        raise BadValue(expected("a JSON array of {key, value}"), v)
    data: dict[str, str] = {}
    for i, item in enumerate(v):
        if type(item) is not dict:
            raise BadValue(expected("a JSON object"), item, (i,))
        key = item.get("key")
        value = item.get("value")
        if type(key) is not str:
            raise BadValue(expected("a string"), key, (i, "key"))
        if value is None:
            value = ""
        elif type(value) is not str:
            raise BadValue(expected("a string"), value, (i, "value"))
        data[key] = value
    return trusted_constants(data)


def _settings(v: Any, _: Any) -> Settings:
    if type(v) is dict:
        return Settings(v)
    raise BadValue(expected("a JSON object"), v)


def _constants_wire(constants: Constants) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in constants.items()]


def configure_scalars(conv: Converter, registry: Registry) -> None:
    """Install the hooks of single values, both ways, and fill their tables."""
    registry.scalars.update(
        {
            str: (frozenset({str}), "a string"),
            int: (frozenset({int}), "an integer"),
            float: (frozenset({float, int}), "a number"),
            bool: (frozenset({bool}), "true or false"),
        }
    )
    # cattrs registers str, int and float in its singledispatch table, which wins
    # over predicate hooks and would coerce (str(5) == "5"); replace them there.
    for scalar, (accepted, what) in registry.scalars.items():
        conv.register_structure_hook(scalar, type_check(accepted, what))
    conv.register_structure_hook_func(exactly(Any), lambda v, _: v)

    registry.parsers.update(
        {timedelta: _timespan, datetime: _datetime, date: _date, InstanceRanges: _ranges}
    )
    registry.value_caches.update(
        {timedelta: TIMESPAN_CACHE, datetime: DATE_CACHE, InstanceRanges: RANGES_CACHE}
    )
    for target, parse in registry.parsers.items():
        cache = registry.value_caches.get(target, {})
        conv.register_structure_hook_func(
            exactly(target), parser_hook(parse, cache, allow_none=False)
        )
    conv.register_structure_hook_func(exactly(Constants), _constants)
    conv.register_structure_hook_func(exactly(Settings), _settings)

    def read_enum(v: Any, t: Any) -> Any:
        parse = parser_for(registry, t)
        assert parse is not None  # only registered for enums
        return parse(v)

    # Enums are str subclasses: they must be registered in the same singledispatch
    # table as str, where the most specific class wins.
    conv.register_structure_hook(OpenEnum, read_enum)

    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, timedelta), format_timespan
    )
    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, datetime), format_datetime
    )
    conv.register_unstructure_hook_func(exactly(date), date.isoformat)
    conv.register_unstructure_hook_func(exactly(InstanceRanges), str)
    conv.register_unstructure_hook_func(exactly(Constants), _constants_wire)
    conv.register_unstructure_hook_func(exactly(Settings), dict)
    # str() of a StrEnum member (or pseudo-member) is its value, as a plain str.
    conv.register_unstructure_hook(OpenEnum, str)
