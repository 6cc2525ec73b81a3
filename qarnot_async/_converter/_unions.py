"""Tagged unions: hardware constraints, scaling policies and their time periods.

A member of the JSON object (``discriminator`` or ``type``) names the class. A value
this SDK does not know becomes the union's ``Unknown…`` class, which keeps the JSON
object as received and writes it back unchanged.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from cattrs import Converter

from ..models.hardware import (
    HARDWARE_CONSTRAINT_TYPES,
    HardwareConstraint,
    UnknownHardwareConstraint,
)
from ..models.scaling import (
    SCALING_POLICY_TYPES,
    TIME_PERIOD_TYPES,
    ScalingPolicy,
    TimePeriod,
    UnknownScalingPolicy,
    UnknownTimePeriod,
)
from ._objects import model_fn, model_writer
from ._registry import BadValue, ObjectFn, Registry, exactly, one_of

__all__ = ["UNIONS", "TaggedUnion", "configure_unions"]


@attrs.frozen
class TaggedUnion:
    """One union: its base class, the member naming the class, the known classes."""

    base: type
    member: str
    known: Mapping[str, type]
    unknown: type

    def read_unknown(self, kind: str, v: dict[str, Any]) -> Any:
        """The ``Unknown…`` instance keeping ``v`` (its ``name`` read when it has one)."""
        try:
            raw = copy.deepcopy(v)
        except RecursionError:
            raise BadValue("nested too deeply", v) from None
        fields: dict[str, Any] = {self.member: kind, "raw": raw}
        if "name" in attrs.fields_dict(self.unknown):
            name = v.get("name")
            fields["name"] = name if type(name) is str else None
        return self.unknown(**fields)


UNIONS: tuple[TaggedUnion, ...] = (
    TaggedUnion(
        HardwareConstraint, "discriminator", HARDWARE_CONSTRAINT_TYPES, UnknownHardwareConstraint
    ),
    TaggedUnion(ScalingPolicy, "type", SCALING_POLICY_TYPES, UnknownScalingPolicy),
    TaggedUnion(TimePeriod, "type", TIME_PERIOD_TYPES, UnknownTimePeriod),
)


def _reader(registry: Registry, union: TaggedUnion) -> ObjectFn:
    member, known = union.member, union.known

    def read(v: dict[str, Any]) -> Any:
        kind = v.get(member)
        cls = known.get(kind) if type(kind) is str else None
        if cls is not None:
            return model_fn(registry, cls)(v)
        if type(kind) is not str:
            raise BadValue(f"missing or invalid {member!r}", kind, (member,))
        return union.read_unknown(kind, v)

    return read


def _tagged_writer(conv: Converter, member: str, t: Any) -> Callable[[Any], Any]:
    """A known member: its attributes, plus the discriminating member."""
    gen = model_writer(conv, t)
    return lambda obj: {member: getattr(obj, member), **gen(obj)}


def _unknown_writer(member: str) -> Callable[[Any], Any]:
    def write(obj: Any) -> Any:
        out = copy.deepcopy(dict(obj.raw))
        out[member] = getattr(obj, member)
        return out

    return write


def configure_unions(conv: Converter, registry: Registry) -> None:
    """Install the hooks of the tagged unions, both ways (after the models' hooks)."""
    base_writers: dict[type, Callable[[Any], Any]] = {}
    for union in UNIONS:
        registry.special_objects[union.base] = _reader(registry, union)
        registry.union_tags[union.base] = union.member
        conv.register_unstructure_hook_factory(
            one_of(union.known.values()),
            lambda t, member=union.member: _tagged_writer(conv, member, t),
        )
        conv.register_unstructure_hook_func(exactly(union.unknown), _unknown_writer(union.member))
        base_writers[union.base] = _tagged_writer(conv, union.member, union.base)

    # A field declared with a union base is written by the runtime class of its
    # value; an instance of the base itself (``{"discriminator": "HardwareConstraint"}``)
    # is written here, as dispatching it again would come straight back.
    def write_runtime(obj: Any) -> Any:
        write = base_writers.get(type(obj))
        return write(obj) if write is not None else conv.unstructure(obj)

    conv.register_unstructure_hook_func(one_of(base_writers), write_runtime)
