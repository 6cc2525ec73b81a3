"""What every part of the converter shares.

:class:`BadValue` is what a hook raises for a value it cannot read; the type
predicates choose hooks; :func:`wire_name` maps an attribute to its JSON member,
:func:`also_names` to the other spellings it is read from, and :func:`extra_of`
collects the members a model does not declare; :class:`Registry` holds, for one
converter, the tables the ``configure_*`` functions fill and the readers built lazily
from them.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs
from cattrs import Converter

from ..models._types import ALSO_KEY, EXTRA_KEY, NEWER_KEY, NO_EXTRA, WIRE_KEY, Extra, OpenEnum

__all__ = [
    "ROOT",
    "BadValue",
    "Hook",
    "ObjectFn",
    "Parser",
    "Registry",
    "also_names",
    "elem_type",
    "exactly",
    "expected",
    "extra_of",
    "has_extra",
    "is_extra",
    "is_newer",
    "is_mapping",
    "is_model",
    "is_open_enum",
    "is_optional",
    "is_seq",
    "non_none",
    "known_members",
    "one_of",
    "union_tag",
    "wire_attributes",
    "wire_name",
    "writer",
]

#: A cattrs structure hook: ``hook(value, type)``.
Hook = Callable[[Any, Any], Any]
#: Reads a JSON object (already known to be a ``dict``) into a model.
ObjectFn = Callable[[dict[str, Any]], Any]
#: Reads one JSON value into a value type (a TimeSpan, a date, an enum member...).
Parser = Callable[[Any], Any]

#: The path of the value itself, when the error is not inside a member.
ROOT: Final = "$"


class BadValue(Exception):
    """A hook met a value it cannot read.

    ``subpath`` names members below the one the hook was given (for hooks that read
    nested JSON themselves, such as dotted wire names or ``[{"key", "value"}]``).
    """

    def __init__(self, message: str, value: Any, subpath: Sequence[str | int] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.value = value
        self.subpath = tuple(subpath)


def expected(what: str) -> str:
    """The message of a value of the wrong JSON kind."""
    return f"expected {what}"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def wire_name(attribute: attrs.Attribute[Any]) -> str:
    """The JSON member name of an attrs attribute of a model."""
    explicit = attribute.metadata.get(WIRE_KEY)
    return explicit if isinstance(explicit, str) else _camel(attribute.name)


def also_names(attribute: attrs.Attribute[Any]) -> tuple[str, ...]:
    """The other JSON member names an attribute is read from when its own is absent
    or null (the service's spelling is not known for sure)."""
    names: tuple[str, ...] = attribute.metadata.get(ALSO_KEY, ())
    return names


def is_newer(attribute: attrs.Attribute[Any]) -> bool:
    """Whether ``attribute``'s member is newer than ``openapi.json`` and may be absent
    from an answer (see :func:`~qarnot_async.models._types.newer`)."""
    return bool(attribute.metadata.get(NEWER_KEY))


def is_extra(attribute: attrs.Attribute[Any]) -> bool:
    """Whether ``attribute`` is a model's ``extra``: filled from the members the model
    does not declare, never read from a member of its own."""
    return bool(attribute.metadata.get(EXTRA_KEY))


def wire_attributes(cls: type) -> list[attrs.Attribute[Any]]:
    """The attributes of model ``cls`` that are JSON members (all but ``extra``)."""
    return [a for a in attrs.fields(cls) if not is_extra(a)]


def has_extra(cls: type) -> bool:
    """Whether the models of ``cls`` keep their undeclared members in ``extra``."""
    return any(is_extra(a) for a in attrs.fields(cls))


def known_members(registry: Registry, cls: type) -> frozenset[str]:
    """The top-level JSON members model ``cls`` reads: its attributes' wire names (the
    first level of a dotted one), their other spellings, and the member naming its
    class in a tagged union."""
    names: set[str] = set()
    for a in attrs.fields(cls):
        if not is_extra(a):
            names.add(wire_name(a).partition(".")[0])
            names.update(also_names(a))
    tag = union_tag(registry, cls)
    if tag is not None:
        names.add(tag)
    return frozenset(names)


def union_tag(registry: Registry, cls: type) -> str | None:
    """The member naming the class of ``cls`` in its tagged union, if it is in one."""
    for base in cls.__mro__:
        tag = registry.union_tags.get(base)
        if tag is not None:
            return tag
    return None


def extra_of(v: dict[str, Any], known: frozenset[str]) -> Extra:
    """The members of ``v`` not in ``known``, in their order (most objects have none:
    one set comparison in C tells)."""
    if v.keys() <= known:
        return NO_EXTRA
    return Extra({k: x for k, x in v.items() if k not in known})


# --------------------------------------------------------------------- predicates


def is_optional(t: Any) -> bool:
    """``X | None`` (and nothing wider)."""
    if get_origin(t) not in (typing.Union, types.UnionType):
        return False
    args = get_args(t)
    return len(args) == 2 and type(None) in args


def non_none(t: Any) -> Any:
    """The ``X`` of ``X | None``."""
    a, b = get_args(t)
    return b if a is type(None) else a


def is_seq(t: Any) -> bool:
    """A JSON array: ``list[X]``, ``Sequence[X]`` or ``tuple[X, ...]``."""
    origin = get_origin(t)
    if origin is tuple:
        args = get_args(t)
        return len(args) == 2 and args[1] is Ellipsis
    return origin in (list, Sequence)


def elem_type(t: Any) -> Any:
    """The element type of a sequence type."""
    return get_args(t)[0]


def is_mapping(t: Any) -> bool:
    """A JSON object read as a mapping: ``dict[str, X]`` or ``Mapping[str, X]``."""
    return get_origin(t) in (dict, Mapping) and len(get_args(t)) == 2


def is_model(t: Any) -> bool:
    """An attrs class, or a generic one with its type arguments."""
    cls = get_origin(t) or t
    return isinstance(cls, type) and attrs.has(cls)


def is_open_enum(t: Any) -> bool:
    """One of the models' string enums."""
    return isinstance(t, type) and issubclass(t, OpenEnum)


def exactly(target: Any) -> Callable[[Any], bool]:
    """A hook predicate matching one type."""
    return lambda t: t is target


def one_of(targets: Iterable[Any]) -> Callable[[Any], bool]:
    """A hook predicate matching any of ``targets``."""
    chosen = frozenset(targets)
    return lambda t: t in chosen


def writer(conv: Converter, t: Any) -> Callable[[Any], Any]:
    """The unstructure function of ``t``.

    A page unstructured from its runtime class has lost its type argument: its items
    are then written by their own runtime class.
    """
    if isinstance(t, TypeVar) or t is Any:
        return conv.unstructure
    return conv.get_unstructure_hook(t)


# ----------------------------------------------------------------------- registry


@attrs.define(eq=False, repr=False)
class Registry:
    """The tables and caches the hooks of one converter share.

    The ``configure_*`` functions fill the tables; the caches fill on first use, once
    per type, so that a hook never rebuilds a reader. The fast converter and its
    detailed twin each have their own registry: their model readers differ.
    """

    converter: Converter
    #: Scalar types checked, not coerced: the runtime types each accepts, and what
    #: the error says it expected.
    scalars: dict[Any, tuple[frozenset[type], str]] = attrs.field(factory=dict)
    #: Value types read from one JSON value (TimeSpans, dates, ranges, enums).
    parsers: dict[Any, Parser] = attrs.field(factory=dict)
    #: Values already parsed, by their JSON text, for the value types that repeat
    #: across a page; a hook reads them inline and parses only on a miss.
    value_caches: dict[Any, Mapping[Any, Any]] = attrs.field(factory=dict)
    #: Types read from a JSON object by a hand-written function (unions, secrets).
    special_objects: dict[Any, ObjectFn] = attrs.field(factory=dict)
    #: The reader of every object type met so far (specials and models).
    object_fns: dict[Any, ObjectFn] = attrs.field(factory=dict)
    #: The attrs reader of every model met so far (for a union base, the base alone).
    model_fns: dict[Any, ObjectFn] = attrs.field(factory=dict)
    #: The member naming the class of each tagged union's base (``discriminator``,
    #: ``type``): read by the union, so it is not one of the members' ``extra``.
    union_tags: dict[type, str] = attrs.field(factory=dict)

    @property
    def detailed(self) -> bool:
        """Whether this is the twin that records where each error happened."""
        return bool(self.converter.detailed_validation)
