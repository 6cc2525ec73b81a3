"""Building blocks of the models: the :class:`Model` base keeping unknown members, wire
names, integer bounds, caches, open enums and read-only mappings."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final, Self, TypeVar

import attrs

from ..errors import InvalidInputError

__all__ = [
    "ALSO_KEY",
    "EXTRA_KEY",
    "INT32_MAX",
    "INT32_MIN",
    "INT64_MAX",
    "INT64_MIN",
    "NEWER",
    "NEWER_KEY",
    "WIRE_KEY",
    "NO_EXTRA",
    "Extra",
    "FrozenMapping",
    "LenientEnum",
    "Model",
    "OpenEnum",
    "remember",
    "to_extra",
    "union_member",
    "newer",
    "wire",
    "wired",
]

INT32_MIN: Final = -(2**31)
INT32_MAX: Final = 2**31 - 1
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1

#: Field metadata key holding the wire (JSON) name when it is not the plain camelCase
#: of the attribute name; a dotted value names a nested member
#: (``"filtering.prefixFiltering.prefix"``).
WIRE_KEY: Final = "qarnot_async.wire"


def wire(name: str) -> dict[str, str]:
    """Field metadata naming the JSON member of an attribute explicitly."""
    return {WIRE_KEY: name}


#: Field metadata key holding the other wire names a member may be read from, when
#: the service's spelling is not known for sure (see :func:`wired`).
ALSO_KEY: Final = "qarnot_async.also"

#: Field metadata key marking :attr:`Model.extra`: the converter fills it, it is not
#: read from a member of its own.
EXTRA_KEY: Final = "qarnot_async.extra"


#: Field metadata key marking a member newer than ``openapi.json`` (see :func:`newer`).
NEWER_KEY: Final = "qarnot_async.newer"


#: The metadata of a member newer than ``openapi.json``, for an :func:`attrs.field`
#: that :func:`newer` cannot express (one with a converter, which type checkers must see).
NEWER: Final = MappingProxyType({NEWER_KEY: True})


def newer() -> Any:
    """An optional attribute (``None`` by default) for a member newer than
    ``openapi.json``, which an answer may leave out.

    The service writes every member of ``openapi.json``, nulls included, so the
    converter's fast reader fetches those together and falls back to one lookup per
    member when any is missing. The newer members are sent only when set
    (``projectUuid``), or not at all by a deployment that predates them: the reader
    fetches these on their own, so that their absence keeps every other member on the
    fast path.
    """
    return attrs.field(default=None, metadata=NEWER)


def wired(name: str, *, also: str | tuple[str, ...] = ()) -> Any:
    """An optional output attribute (``None`` by default) read from the JSON member
    ``name``, for a member whose spelling is not the camelCase of the attribute.

    ``also`` lists other spellings read when ``name`` is absent or null: the official
    SDKs and ``openapi.json`` disagree on a few names (carbon facts in snake_case
    against camelCase, ``runningCoresCount`` against ``runningCoreCount``), and which
    one the live service sends is not known. The attribute is written as ``name``.
    """
    metadata: dict[str, Any] = wire(name)
    if also:
        metadata[ALSO_KEY] = (also,) if isinstance(also, str) else also
    return attrs.field(default=None, metadata=metadata)


C = TypeVar("C", bound=type)


def union_member(known: dict[str, Any], attribute: str, tag: str) -> Callable[[C], C]:
    """A class decorator for the known members of a tagged union.

    The class becomes a frozen, keyword-only attrs class whose class attribute
    ``attribute`` (``DISCRIMINATOR``, ``TYPE``) is ``tag``, and ``known[tag]`` names
    it: the converter reads a JSON object with that tag into it. Each union wraps
    this in a decorator marked with :func:`typing.dataclass_transform`, so that type
    checkers see the attributes.
    """

    def make(cls: C) -> C:
        setattr(cls, attribute, tag)
        member: C = attrs.frozen(kw_only=True)(cls)
        known[tag] = member
        return member

    return make


_CACHE_MAX: Final = 4096


def remember(cache: dict[str, Any], text: str, value: Any) -> None:
    """Keep ``value``, parsed from ``text``, in one of the caches of parsed values.

    Emptied when full rather than frozen: a long-lived client keeps caching the
    values of the pages it reads now, not those of its first pages.
    """
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[text] = value


class OpenEnum(StrEnum):
    """A string enum that accepts values a newer service introduces.

    ``TaskState("Success") is TaskState.SUCCESS``; ``TaskState("Paused")`` (unknown
    to this SDK) returns a pseudo-member of ``TaskState`` whose value and name are
    the raw string, ``is_known`` is ``False`` and that unstructures back to
    ``"Paused"``. Pseudo-members are cached, so the same string gives the same
    object, and they never show in ``list(TaskState)``.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        # Bounded, so a misbehaving server cannot grow the map without end.
        if len(cls._value2member_map_) < 512:
            cls._value2member_map_[value] = member
        return member

    @classmethod
    def by_value(cls) -> Mapping[Any, Self]:
        """Every member, and the pseudo-members met so far, by value.

        A live view, for lookups that must be fast: reading a page looks up each
        state here before building anything.
        """
        return cls._value2member_map_  # type: ignore[return-value]

    @property
    def is_known(self) -> bool:
        """Whether this value is one this SDK knows (not a pseudo-member)."""
        return type(self).__members__.get(self._name_) is self


class LenientEnum(OpenEnum):
    """An :class:`OpenEnum` that also reads its known values in any letter case.

    The official SDK parses snapshot states and dependency conditions this way (its
    mocks send ``"triggered"`` where the service documents ``"Triggered"``); an unknown
    value is still kept as a pseudo-member.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            folded = value.lower()
            for member in cls:
                if member.value.lower() == folded:
                    return member
        return super()._missing_(value)


V = TypeVar("V")


class FrozenMapping(Mapping[str, V]):
    """A read-only mapping over a dict of its own (constants, the public settings).

    Equal to any mapping with the same items.
    """

    __slots__ = ("_data",)
    _data: dict[str, V]

    def __getitem__(self, key: str) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMapping):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    # Defining __eq__ leaves __hash__ None: unhashable unless a subclass whose values
    # are immutable defines one (constants do).


class Extra(FrozenMapping[Any]):
    """The wire members a model does not declare, by wire name, as JSON values.

    Its ``repr`` names the members but not their values: a member this SDK does not
    know may carry a secret.
    """

    __slots__ = ()

    def __init__(self, data: Mapping[str, Any] = {}, /) -> None:
        self._data = dict(data)

    def __repr__(self) -> str:
        return f"Extra(members={list(self._data)!r})"

    __str__ = __repr__


#: The ``extra`` of a model that got no unknown member (shared: it is read-only).
NO_EXTRA: Final = Extra()


def to_extra(value: Mapping[str, Any] | None) -> Extra:
    """The :class:`Extra` of ``value``: an ``Extra`` as is, a mapping copied."""
    if type(value) is Extra:
        return value
    if value is None or not value:
        return NO_EXTRA
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise InvalidInputError("extra", "must be a mapping of wire member names", value)
    return Extra(value)


@attrs.frozen(kw_only=True)
class Model:
    """The base of every model: it keeps what the service sends that it does not declare.

    ``extra`` maps each such wire member to its JSON value, so that nothing the
    service sends is lost (a member added after this release, a field of the
    official SDKs this one does not model yet). A model written back (an update, a
    clone, ``attrs.evolve``) writes them again, after its declared members; on an
    input, ``extra`` sends members this SDK does not know yet. Left out of equality,
    hashing and ``repr``.
    """

    extra: Mapping[str, Any] = attrs.field(
        default=NO_EXTRA,
        converter=to_extra,
        eq=False,
        repr=False,
        metadata={EXTRA_KEY: True},
    )
