"""What every part of the converter shares.

:class:`BadValue` is what a hook raises for a value it cannot read; the type
predicates choose hooks; :func:`wire_name` maps an attribute to its JSON member; and
:class:`Registry` holds, for one converter, the tables the ``configure_*`` functions
fill and the readers built lazily from them.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs
from cattrs import Converter

from ..models._types import WIRE_KEY, OpenEnum

__all__ = [
    "ROOT",
    "BadValue",
    "Hook",
    "ObjectFn",
    "Parser",
    "Registry",
    "elem_type",
    "exactly",
    "expected",
    "is_mapping",
    "is_model",
    "is_open_enum",
    "is_optional",
    "is_seq",
    "non_none",
    "one_of",
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

    @property
    def detailed(self) -> bool:
        """Whether this is the twin that records where each error happened."""
        return bool(self.converter.detailed_validation)
