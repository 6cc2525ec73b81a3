"""The one cattrs converter between wire JSON and :mod:`qarnot_async.models`.

Resources call only :func:`structure` and :func:`unstructure`.

* Attribute names are snake_case; the wire name is the camelCase of the attribute
  unless the field's metadata names it (``wire("maxFrequencyGHz")``). A dotted wire
  name (``"filtering.prefixFiltering.prefix"``) reads and writes a nested member.
* Unknown members are ignored. Unstructuring omits every attribute left at its
  default (``None`` for optional ones), so the service applies its own defaults.
* Strings, ints, floats and bools are checked, not coerced: ``"12"`` is not an int.
* Structuring runs a fast converter built without detailed validation. Only when it
  fails is the same data structured again by a twin converter that records where
  each error happened, and that path becomes the :class:`~qarnot_async.errors.DecodeError`
  (``status.executionTime: not a TimeSpan (got '1:2')``). Both converters come from
  the single :func:`_configure` below.
"""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs
from cattrs import Converter
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
    StructureHandlerNotFoundError,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .errors import DecodeError, InvalidInputError
from .models._types import (
    DATE_CACHE,
    RANGES_CACHE,
    TIMESPAN_CACHE,
    WIRE_KEY,
    InstanceRanges,
    OpenEnum,
    format_datetime,
    format_timespan,
    parse_date,
    parse_datetime,
    parse_timespan,
)
from .models.account import Settings
from .models.common import EMPTY_CONSTANTS, Constants, SecretsAccessRights
from .models.hardware import (
    HARDWARE_CONSTRAINT_TYPES,
    HardwareConstraint,
    UnknownHardwareConstraint,
)
from .models.scaling import (
    SCALING_POLICY_TYPES,
    TIME_PERIOD_TYPES,
    ScalingPolicy,
    TimePeriod,
    UnknownScalingPolicy,
    UnknownTimePeriod,
)

__all__ = ["converter", "structure", "unstructure", "wire_name"]

T = TypeVar("T")

Hook = Callable[[Any, Any], Any]
ObjectFn = Callable[[dict[str, Any]], Any]

#: The path of the value itself, when the error is not inside a member.
ROOT: Final = "$"


class _BadValue(Exception):
    """A hook met a value it cannot read.

    ``subpath`` names members below the one the hook was given (for hooks that read
    nested JSON themselves).
    """

    def __init__(self, message: str, value: Any, subpath: Sequence[str | int] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.value = value
        self.subpath = tuple(subpath)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def wire_name(attribute: attrs.Attribute[Any]) -> str:
    """The JSON member name of an attrs attribute of a model."""
    explicit = attribute.metadata.get(WIRE_KEY)
    return explicit if isinstance(explicit, str) else _camel(attribute.name)


def _is_optional(t: Any) -> bool:
    if get_origin(t) not in (typing.Union, types.UnionType):
        return False
    args = get_args(t)
    return len(args) == 2 and type(None) in args


def _non_none(t: Any) -> Any:
    a, b = get_args(t)
    return b if a is type(None) else a


def _is_seq(t: Any) -> bool:
    origin = get_origin(t)
    if origin is tuple:
        args = get_args(t)
        return len(args) == 2 and args[1] is Ellipsis
    return origin in (list, Sequence)


def _is_mapping(t: Any) -> bool:
    return get_origin(t) in (dict, Mapping) and len(get_args(t)) == 2


def _is_model(t: Any) -> bool:
    cls = get_origin(t) or t
    return isinstance(cls, type) and attrs.has(cls)


def _is_open_enum(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, OpenEnum)


def _kind(expected: str) -> str:
    return f"expected {expected}"


_SCALAR_NAMES: Final[Mapping[Any, str]] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
}


_MISSING: Final = object()


def _timespan(v: Any) -> timedelta:
    try:
        return parse_timespan(v)
    except (ValueError, TypeError):
        raise _BadValue("not a TimeSpan", v) from None


def _datetime(v: Any) -> datetime | None:
    try:
        return parse_datetime(v)
    except (ValueError, TypeError):
        raise _BadValue("not an ISO 8601 date-time", v) from None


def _date(v: Any) -> date:
    try:
        return parse_date(v)
    except ValueError:
        raise _BadValue("not an ISO 8601 date", v) from None


def _ranges(v: Any) -> InstanceRanges:
    if type(v) is not str:
        raise _BadValue("not an instance range", v)
    try:
        return InstanceRanges.parse(v)
    except ValueError as exc:
        raise _BadValue(f"not an instance range ({exc})", v) from None


def _str_list(v: Any, member: str, name: str) -> tuple[str, ...] | None:
    """Read ``[{member: "…"}, …]`` as a tuple of strings (secrets access rights)."""
    if v is None:
        return None
    if type(v) is not list:
        raise _BadValue(_kind("a JSON array"), v, (name,))
    out = []
    for i, item in enumerate(v):
        if type(item) is not dict:
            raise _BadValue(_kind("a JSON object"), item, (name, i))
        text = item.get(member)
        if type(text) is not str:
            raise _BadValue(_kind("a string"), text, (name, i, member))
        out.append(text)
    return tuple(out)


def _constants(v: Any, _: Any = None) -> Constants:
    if v is None:
        return EMPTY_CONSTANTS
    if type(v) is not list:
        raise _BadValue(_kind("a JSON array of {key, value}"), v)
    data: dict[str, str] = {}
    for i, item in enumerate(v):
        if type(item) is not dict:
            raise _BadValue(_kind("a JSON object"), item, (i,))
        key = item.get("key")
        value = item.get("value")
        if type(key) is not str:
            raise _BadValue(_kind("a string"), key, (i, "key"))
        if value is None:
            value = ""
        elif type(value) is not str:
            raise _BadValue(_kind("a string"), value, (i, "value"))
        data[key] = value
    return Constants._trusted(data)


def _configure(conv: Converter) -> None:
    """Install every hook on ``conv``; used for both the fast and the detailed twin."""
    detailed = conv.detailed_validation
    object_fns: dict[Any, ObjectFn] = {}

    # ------------------------------------------------------------------ scalars
    def s_str(v: Any, _: Any) -> str:
        if type(v) is str:
            return v
        raise _BadValue(_kind(_SCALAR_NAMES[str]), v)

    def s_int(v: Any, _: Any) -> int:
        if type(v) is int:
            return v
        raise _BadValue(_kind("an integer"), v)

    def s_float(v: Any, _: Any) -> float:
        if type(v) is float or type(v) is int:
            return v
        raise _BadValue(_kind("a number"), v)

    def s_bool(v: Any, _: Any) -> bool:
        if type(v) is bool:
            return v
        raise _BadValue(_kind("true or false"), v)

    scalar_checks: dict[Any, Hook] = {str: s_str, int: s_int, float: s_float, bool: s_bool}
    # cattrs registers str, int and float in its singledispatch table, which wins
    # over predicate hooks and would coerce (str(5) == "5"); replace them there.
    for scalar, hook in scalar_checks.items():
        conv.register_structure_hook(scalar, hook)
    conv.register_structure_hook_func(_exactly(Any), lambda v, _: v)

    parsers: dict[Any, Callable[[Any], Any]] = {
        timedelta: _timespan,
        datetime: _datetime,
        date: _date,
        InstanceRanges: _ranges,
    }
    for target, parse in parsers.items():
        conv.register_structure_hook_func(_exactly(target), _parser_hook(parse))
    conv.register_structure_hook_func(_exactly(Constants), _constants)

    def s_settings(v: Any, _: Any) -> Settings:
        if type(v) is dict:
            return Settings(v)
        raise _BadValue(_kind("a JSON object"), v)

    conv.register_structure_hook_func(_exactly(Settings), s_settings)

    enum_parsers: dict[type[OpenEnum], Callable[[Any], Any]] = {}

    def enum_parser(t: type[OpenEnum]) -> Callable[[Any], Any]:
        parser = enum_parsers.get(t)
        if parser is not None:
            return parser
        members = t._value2member_map_
        expected = _kind(f"a {t.__name__} string")

        def parse(v: Any) -> Any:
            try:
                return members[v]
            except (KeyError, TypeError):
                pass
            if type(v) is not str:
                raise _BadValue(expected, v)
            return t(v)

        enum_parsers[t] = parse
        return parse

    def s_enum(v: Any, t: type[OpenEnum]) -> Any:
        return enum_parser(t)(v)

    # Enums are str subclasses: they must be registered in the same singledispatch
    # table as str, where the most specific class wins.
    conv.register_structure_hook(OpenEnum, s_enum)

    # ------------------------------------------------------------------ objects
    model_fns: dict[Any, ObjectFn] = {}

    def object_fn(t: Any) -> ObjectFn:
        """The function reading a JSON object (already known to be a dict) into ``t``."""
        fn = object_fns.get(t)
        if fn is None:
            fn = special_objects.get(t) or model_fn(t)
            object_fns[t] = fn
        return fn

    def model_fn(t: Any) -> ObjectFn:
        """The attrs reader of ``t`` itself (for a union base: the base class alone)."""
        fn = model_fns.get(t)
        if fn is None:
            fn = model_fns[t] = make_model_fn(t)
        return fn

    def make_model_fn(t: Any) -> ObjectFn:
        cls = get_origin(t) or t
        attrs.resolve_types(cls)
        renames: dict[str, Any] = {}
        nested: list[tuple[str, tuple[str, ...]]] = []
        for a in attrs.fields(cls):
            name = wire_name(a)
            if "." in name:
                # The generated function reads the nested value from a flat key
                # that read_nested adds; no wire member name contains a dot.
                renames[a.name] = override(rename=name)
                nested.append((name, tuple(name.split("."))))
            elif name != a.name:
                renames[a.name] = override(rename=name)
        gen = make_dict_structure_fn(
            t,
            conv,
            _cattrs_forbid_extra_keys=False,
            _cattrs_detailed_validation=detailed,
            **renames,
        )
        if not nested:
            return gen

        def read_nested(v: dict[str, Any]) -> Any:
            flat = dict(v)
            for key, path in nested:
                cur: Any = v
                for i, segment in enumerate(path):
                    if cur is None:
                        break
                    if type(cur) is not dict:
                        raise _BadValue(_kind("a JSON object"), cur, path[:i])
                    cur = cur.get(segment)
                if cur is not None:
                    flat[key] = cur
            return gen(flat)

        return read_nested

    def union_fn(
        member: str,
        known: Mapping[str, type],
        unknown: Callable[[str, dict[str, Any]], Any],
    ) -> ObjectFn:
        def read(v: dict[str, Any]) -> Any:
            kind = v.get(member)
            cls = known.get(kind) if type(kind) is str else None
            if cls is not None:
                return model_fn(cls)(v)
            if type(kind) is not str:
                raise _BadValue(f"missing or invalid {member!r}", kind, (member,))
            return unknown(kind, copy.deepcopy(v))

        return read

    def unknown_named(kind: str, raw: dict[str, Any], cls: Any) -> Any:
        name = raw.get("name")
        return cls(type=kind, name=name if type(name) is str else None, raw=raw)

    def secrets_fn(v: dict[str, Any]) -> SecretsAccessRights:
        return SecretsAccessRights(
            by_secret=_str_list(v.get("bySecret"), "key", "bySecret"),
            by_prefix=_str_list(v.get("byPrefix"), "prefix", "byPrefix"),
        )

    special_objects: dict[Any, ObjectFn] = {
        HardwareConstraint: union_fn(
            "discriminator",
            HARDWARE_CONSTRAINT_TYPES,
            lambda kind, raw: UnknownHardwareConstraint(discriminator=kind, raw=raw),
        ),
        ScalingPolicy: union_fn(
            "type",
            SCALING_POLICY_TYPES,
            lambda kind, raw: unknown_named(kind, raw, UnknownScalingPolicy),
        ),
        TimePeriod: union_fn(
            "type",
            TIME_PERIOD_TYPES,
            lambda kind, raw: unknown_named(kind, raw, UnknownTimePeriod),
        ),
        SecretsAccessRights: secrets_fn,
    }

    def is_object(t: Any) -> bool:
        return t in special_objects or _is_model(t)

    def object_hook(t: Any) -> Hook:
        fn = object_fn(t)

        def hook(v: Any, _: Any) -> Any:
            if type(v) is dict:
                return fn(v)
            raise _BadValue(_kind("a JSON object"), v)

        return hook

    conv.register_structure_hook_factory(is_object, object_hook)

    # ----------------------------------------------------------- optional values
    def optional_hook(t: Any) -> Hook:
        inner_t = _non_none(t)
        if inner_t is str:

            def opt_str(v: Any, _: Any) -> Any:
                if v is None or type(v) is str:
                    return v
                raise _BadValue(_kind("a string"), v)

            return opt_str
        if inner_t is int:

            def opt_int(v: Any, _: Any) -> Any:
                if v is None or type(v) is int:
                    return v
                raise _BadValue(_kind("an integer"), v)

            return opt_int
        if inner_t is float:

            def opt_float(v: Any, _: Any) -> Any:
                if v is None or type(v) is float or type(v) is int:
                    return v
                raise _BadValue(_kind("a number"), v)

            return opt_float
        if inner_t is bool:

            def opt_bool(v: Any, _: Any) -> Any:
                if v is None or type(v) is bool:
                    return v
                raise _BadValue(_kind("true or false"), v)

            return opt_bool
        if is_object(inner_t):
            fn = object_fn(inner_t)

            def opt_object(v: Any, _: Any) -> Any:
                if v is None:
                    return None
                if type(v) is dict:
                    return fn(v)
                raise _BadValue(_kind("a JSON object"), v)

            return opt_object
        # Spans, dates, ranges and enum values repeat across a page: these read a
        # cache (or the enum's value map) inline and call the parser only on a miss.
        caches: dict[Any, Mapping[Any, Any]] = {
            timedelta: TIMESPAN_CACHE,
            datetime: DATE_CACHE,
            InstanceRanges: RANGES_CACHE,
        }
        cache = caches.get(inner_t)
        if _is_open_enum(inner_t):
            cache = inner_t._value2member_map_
        parse = parsers.get(inner_t) or (enum_parser(inner_t) if _is_open_enum(inner_t) else None)
        if cache is not None and parse is not None:
            lookup = cache.get

            def opt_cached(v: Any, _: Any, p: Callable[[Any], Any] = parse) -> Any:
                if v is None:
                    return None
                # .get with a sentinel: a miss raising KeyError would cost more than
                # the parse it leads to. An unhashable value goes to the parser,
                # which reports it.
                try:
                    found = lookup(v, _MISSING)
                except TypeError:
                    return p(v)
                return p(v) if found is _MISSING else found

            return opt_cached
        if parse is not None:

            def opt_parsed(v: Any, _: Any, p: Callable[[Any], Any] = parse) -> Any:
                return None if v is None else p(v)

            return opt_parsed
        if _is_seq(inner_t):
            return seq_hook(inner_t, allow_none=True)
        inner = conv.get_structure_hook(inner_t)

        def opt_any(v: Any, _: Any) -> Any:
            return None if v is None else inner(v, inner_t)

        return opt_any

    conv.register_structure_hook_factory(_is_optional, optional_hook)

    # -------------------------------------------------------------- collections
    def seq_hook(t: Any, allow_none: bool = False) -> Hook:
        elem_t = get_args(t)[0]
        make: Callable[[Iterable[Any]], Any] = list if get_origin(t) is list else tuple
        check = scalar_checks.get(elem_t)
        fn = object_fn(elem_t) if is_object(elem_t) else None
        elem_hook = None if check or fn else conv.get_structure_hook(elem_t)

        def read_elem(e: Any) -> Any:
            if fn is not None:
                if type(e) is dict:
                    return fn(e)
                raise _BadValue(_kind("a JSON object"), e)
            if check is not None:
                return check(e, elem_t)
            assert elem_hook is not None
            return elem_hook(e, elem_t)

        if detailed:

            def seq_detailed(v: Any, _: Any) -> Any:
                if v is None and allow_none:
                    return None
                if type(v) is not list and type(v) is not tuple:
                    raise _BadValue(_kind("a JSON array"), v)
                out = []
                for i, e in enumerate(v):
                    try:
                        out.append(read_elem(e))
                    except Exception as exc:
                        exc.add_note(IterableValidationNote(f"index {i}", i, elem_t))
                        raise IterableValidationError(f"While structuring {t}", [exc], t) from None
                return make(out)

            return seq_detailed

        if check is not None:
            scalar = elem_t

            def seq_scalar(v: Any, _: Any) -> Any:
                if v is None and allow_none:
                    return None
                if type(v) is not list and type(v) is not tuple:
                    raise _BadValue(_kind("a JSON array"), v)
                for e in v:
                    if type(e) is not scalar:
                        raise _BadValue(_kind(_SCALAR_NAMES[scalar]), e)
                return make(v)

            return seq_scalar
        if fn is not None:
            obj_fn = fn

            def seq_objects(v: Any, _: Any) -> Any:
                if v is None and allow_none:
                    return None
                if type(v) is not list and type(v) is not tuple:
                    raise _BadValue(_kind("a JSON array"), v)
                for e in v:
                    if type(e) is not dict:
                        raise _BadValue(_kind("a JSON object"), e)
                return make([obj_fn(e) for e in v])

            return seq_objects

        def seq_other(v: Any, _: Any) -> Any:
            if v is None and allow_none:
                return None
            if type(v) is not list and type(v) is not tuple:
                raise _BadValue(_kind("a JSON array"), v)
            return make([read_elem(e) for e in v])

        return seq_other

    conv.register_structure_hook_factory(_is_seq, seq_hook)

    def mapping_hook(t: Any) -> Hook:
        value_t = get_args(t)[1]  # JSON object keys are always strings
        check = scalar_checks.get(value_t)

        def read_mapping(v: Any, _: Any) -> Any:
            if type(v) is not dict:
                raise _BadValue(_kind("a JSON object"), v)
            if check is not None:
                for key, value in v.items():
                    try:
                        check(value, value_t)
                    except _BadValue as exc:
                        raise _BadValue(exc.message, value, (key,)) from None
            return dict(v)

        return read_mapping

    conv.register_structure_hook_factory(_is_mapping, mapping_hook)

    # ---------------------------------------------------------------- unstructure
    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, timedelta), format_timespan
    )
    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, datetime), format_datetime
    )
    conv.register_unstructure_hook_func(_exactly(date), date.isoformat)
    conv.register_unstructure_hook_func(_exactly(InstanceRanges), str)
    conv.register_unstructure_hook_func(
        _exactly(Constants), lambda c: [{"key": k, "value": v} for k, v in c.items()]
    )
    conv.register_unstructure_hook_func(_exactly(Settings), dict)
    # str() of a StrEnum member (or pseudo-member) is its value, as a plain str.
    conv.register_unstructure_hook(OpenEnum, str)

    def u_hook(t: Any) -> Callable[[Any], Any]:
        # A page unstructured from its runtime class has lost its type argument:
        # its items are written by their own runtime class.
        if isinstance(t, TypeVar) or t is Any:
            return conv.unstructure
        return conv.get_unstructure_hook(t)

    def u_optional(t: Any) -> Callable[[Any], Any]:
        inner_t = _non_none(t)
        if inner_t in scalar_checks:
            return lambda v: v
        inner = u_hook(inner_t)
        return lambda v: None if v is None else inner(v)

    conv.register_unstructure_hook_factory(_is_optional, u_optional)

    def u_seq(t: Any) -> Callable[[Any], Any]:
        elem_t = get_args(t)[0]
        if elem_t in scalar_checks:
            return list
        inner = u_hook(elem_t)
        return lambda v: [inner(e) for e in v]

    conv.register_unstructure_hook_factory(_is_seq, u_seq)

    def u_mapping(t: Any) -> Callable[[Any], Any]:
        value_t = get_args(t)[1]
        if value_t in scalar_checks:
            return dict
        return lambda v: {k: conv.unstructure(x) for k, x in v.items()}

    conv.register_unstructure_hook_factory(_is_mapping, u_mapping)

    def u_model(t: Any) -> Callable[[Any], Any]:
        cls = get_origin(t) or t
        attrs.resolve_types(cls)
        renames: dict[str, Any] = {}
        nested: list[tuple[str, tuple[str, ...]]] = []
        for a in attrs.fields(cls):
            name = wire_name(a)
            if name != a.name:
                renames[a.name] = override(rename=name)
            if "." in name:
                nested.append((name, tuple(name.split("."))))
        gen = make_dict_unstructure_fn(t, conv, _cattrs_omit_if_default=True, **renames)
        if not nested:
            return gen

        def write_nested(obj: Any) -> dict[str, Any]:
            out: dict[str, Any] = gen(obj)
            for key, path in nested:
                if key in out:
                    value = out.pop(key)
                    cur = out
                    for segment in path[:-1]:
                        cur = cur.setdefault(segment, {})
                    cur[path[-1]] = value
            return out

        return write_nested

    conv.register_unstructure_hook_factory(_is_model, u_model)

    def u_tagged(member: str) -> Callable[[Any], Callable[[Any], Any]]:
        """Known union members: the attributes, plus the discriminating member."""

        def factory(t: Any) -> Callable[[Any], Any]:
            gen = u_model(t)

            def write(obj: Any) -> dict[str, Any]:
                return {member: getattr(obj, member), **gen(obj)}

            return write

        return factory

    unions = (
        (HardwareConstraint, "discriminator", HARDWARE_CONSTRAINT_TYPES),
        (ScalingPolicy, "type", SCALING_POLICY_TYPES),
        (TimePeriod, "type", TIME_PERIOD_TYPES),
    )
    for _base, member, known in unions:
        conv.register_unstructure_hook_factory(_one_of(known.values()), u_tagged(member))

    def u_unknown(member: str) -> Callable[[Any], Any]:
        def write(obj: Any) -> Any:
            out = copy.deepcopy(dict(obj.raw))
            out[member] = getattr(obj, member)
            return out

        return write

    conv.register_unstructure_hook_func(
        _exactly(UnknownHardwareConstraint), u_unknown("discriminator")
    )
    conv.register_unstructure_hook_func(
        _one_of((UnknownScalingPolicy, UnknownTimePeriod)), u_unknown("type")
    )

    # A field declared with a union base is written by the runtime class of its value;
    # an instance of the base itself (``{"discriminator": "HardwareConstraint"}``)
    # is written here, as dispatching it again would come straight back.
    base_writers = {base: u_tagged(member)(base) for base, member, _known in unions}

    def u_runtime(obj: Any) -> Any:
        writer = base_writers.get(type(obj))
        return writer(obj) if writer is not None else conv.unstructure(obj)

    conv.register_unstructure_hook_func(_one_of(base_writers), u_runtime)

    def u_secrets(obj: SecretsAccessRights) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if obj.by_secret is not None:
            out["bySecret"] = [{"key": k} for k in obj.by_secret]
        if obj.by_prefix is not None:
            out["byPrefix"] = [{"prefix": p} for p in obj.by_prefix]
        return out

    conv.register_unstructure_hook_func(_exactly(SecretsAccessRights), u_secrets)


def _exactly(target: Any) -> Callable[[Any], bool]:
    return lambda t: t is target


def _one_of(targets: Iterable[Any]) -> Callable[[Any], bool]:
    chosen = frozenset(targets)
    return lambda t: t in chosen


def _parser_hook(parse: Callable[[Any], Any]) -> Hook:
    return lambda v, _: parse(v)


def _new_converter(*, detailed: bool) -> Converter:
    conv = Converter(detailed_validation=detailed, forbid_extra_keys=False)
    _configure(conv)
    return conv


#: The configured converter (fast path, no detailed validation).
converter: Final = _new_converter(detailed=False)
_detailed: Final = _new_converter(detailed=True)


def structure(data: Any, cls: type[T], *, where: str = "") -> T:
    """Read wire JSON (as ``json.loads`` returns it) into ``cls``.

    ``where`` names the request the data answered (``"POST /v1/tasks"``) so that the
    error says which route sent it.

    Raises :class:`~qarnot_async.errors.DecodeError` naming the dotted path of the
    first bad value and the value itself.
    """
    try:
        return converter.structure(data, cls)
    except StructureHandlerNotFoundError:
        raise
    except Exception as fast_error:
        error = _explain(data, cls, fast_error)
    if where:
        error = DecodeError(error.field, error.message, error.value, where=where)
    raise error


def unstructure(obj: Any) -> Any:
    """Turn a model (or a list of models) into wire JSON, omitting unset attributes."""
    return converter.unstructure(obj)


def _explain(data: Any, cls: Any, fast_error: Exception) -> DecodeError:
    try:
        _detailed.structure(data, cls)
    except StructureHandlerNotFoundError:
        raise
    except Exception as exc:
        path, leaf = _locate(exc, [], cls)
        return _to_decode_error(data, path, leaf)
    # Both converters share one configuration, so this means a bug in a hook.
    return DecodeError(ROOT, f"cannot decode: {fast_error}", data)


def _model_field_wire(cls: Any, name: str) -> str:
    cls = get_origin(cls) or cls
    if isinstance(cls, type) and attrs.has(cls):
        for a in attrs.fields(cls):
            if a.name == name:
                return wire_name(a)
    return name


def _locate(exc: BaseException, path: list[str], owner: Any) -> tuple[list[str], BaseException]:
    """Follow the first error down cattrs' exception groups, collecting the wire path."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        sub = exc.exceptions[0]
        segment: str | None = None
        for note in getattr(sub, "__notes__", ()):
            if isinstance(note, AttributeValidationNote):
                segment = _model_field_wire(exc.cl, note.name)
                break
            if isinstance(note, IterableValidationNote):
                segment = str(note.index)
                break
        next_owner = exc.cl if isinstance(exc, ClassValidationError) else owner
        return _locate(sub, [*path, segment] if segment is not None else path, next_owner)
    if isinstance(exc, InvalidInputError):
        head, _, tail = exc.field.partition(".")
        field = _model_field_wire(owner, head) + (f".{tail}" if tail else "")
        return [*path, field], exc
    return path, exc


def _lookup(data: Any, path: Sequence[str]) -> tuple[bool, Any]:
    cur = data
    for segment in path:
        if isinstance(cur, dict) and segment in cur:
            cur = cur[segment]
        elif isinstance(cur, list) and segment.isdigit() and int(segment) < len(cur):
            cur = cur[int(segment)]
        else:
            return False, None
    return True, cur


def _to_decode_error(data: Any, path: list[str], leaf: BaseException) -> DecodeError:
    if isinstance(leaf, _BadValue):
        full = [*path, *(str(s) for s in leaf.subpath)]
        return DecodeError(".".join(full) or ROOT, leaf.message, leaf.value)
    dotted = ".".join(path) or ROOT
    segments = dotted.split(".") if path else []
    found, value = _lookup(data, segments)
    if isinstance(leaf, InvalidInputError):
        return DecodeError(dotted, leaf.message, leaf.value)
    if isinstance(leaf, KeyError) and not found:
        return DecodeError(dotted, "missing required member", None)
    return DecodeError(dotted, str(leaf) or type(leaf).__name__, value if found else None)
