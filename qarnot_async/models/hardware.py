"""Hardware constraints: a union discriminated by the ``discriminator`` member.

Each class maps one ``discriminator`` value. A value this SDK does not know parses
into :class:`UnknownHardwareConstraint`, which keeps the whole JSON object and
unstructures back to it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar, dataclass_transform

import attrs

from ._checks import check_int, check_number, check_str, optional
from ._types import INT32_MAX, INT32_MIN, Model, union_member, wire

__all__ = [
    "CpuModelConstraint",
    "GpuConstraint",
    "HardwareConstraint",
    "MaximumCoreConstraint",
    "MaximumRamConstraint",
    "MaximumRamCoreRatioConstraint",
    "MinimumCoreConstraint",
    "MinimumRamConstraint",
    "MinimumRamCoreRatioConstraint",
    "NoGpuConstraint",
    "NoSSDConstraint",
    "SSDConstraint",
    "SpecificHardwareConstraint",
    "UnknownHardwareConstraint",
]


#: The known constraint classes by their wire ``discriminator``.
HARDWARE_CONSTRAINT_TYPES: dict[str, type[HardwareConstraint]] = {}

C = TypeVar("C", bound=type)


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(attrs.field,))
def _constraint(discriminator: str) -> Callable[[C], C]:
    """A known constraint class, read and written with this ``discriminator``."""
    return union_member(HARDWARE_CONSTRAINT_TYPES, "DISCRIMINATOR", discriminator)


_number = optional(check_number)
_name = optional(check_str, non_empty=True)


@attrs.frozen(kw_only=True)
class HardwareConstraint(Model):
    """The base hardware constraint (``HardwareConstraint``).

    Also the concrete class of ``{"discriminator": "HardwareConstraint"}``.
    """

    DISCRIMINATOR: ClassVar[str] = "HardwareConstraint"

    @property
    def discriminator(self) -> str:
        """The wire ``discriminator`` of this constraint."""
        return self.DISCRIMINATOR


HARDWARE_CONSTRAINT_TYPES[HardwareConstraint.DISCRIMINATOR] = HardwareConstraint


@attrs.frozen(kw_only=True)
class _CoreCountConstraint(HardwareConstraint):
    """A bound on the number of cores."""

    core_count: int = attrs.field(validator=optional(check_int, INT32_MIN, INT32_MAX))


@_constraint("MinimumCoreHardwareConstraint")
class MinimumCoreConstraint(_CoreCountConstraint):
    """At least ``core_count`` cores (``MinimumCoreHardware``)."""


@_constraint("MaximumCoreHardwareConstraint")
class MaximumCoreConstraint(_CoreCountConstraint):
    """At most ``core_count`` cores (``MaximumCoreHardware``)."""


@_constraint("MinimumRamHardwareConstraint")
class MinimumRamConstraint(HardwareConstraint):
    """At least ``minimum_memory_mb`` MB of memory (``MinimumRamHardware``)."""

    minimum_memory_mb: float = attrs.field(validator=_number, metadata=wire("minimumMemoryMB"))


@_constraint("MaximumRamHardwareConstraint")
class MaximumRamConstraint(HardwareConstraint):
    """At most ``maximum_memory_mb`` MB of memory (``MaximumRamHardware``)."""

    maximum_memory_mb: float = attrs.field(validator=_number, metadata=wire("maximumMemoryMB"))


@_constraint("SpecificHardwareConstraint")
class SpecificHardwareConstraint(HardwareConstraint):
    """One machine specification (``SpecificHardware``)."""

    specification_key: str = attrs.field(validator=_name)


@_constraint("MinimumRamCoreRatioHardwareConstraint")
class MinimumRamCoreRatioConstraint(HardwareConstraint):
    """At least this many GB of memory per core (``MinimumRamCoreRatioHardware``)."""

    minimum_memory_gb_core_ratio: float = attrs.field(
        validator=_number, metadata=wire("minimumMemoryGBCoreRatio")
    )


@_constraint("MaximumRamCoreRatioHardwareConstraint")
class MaximumRamCoreRatioConstraint(HardwareConstraint):
    """At most this many GB of memory per core (``MaximumRamCoreRatioHardware``)."""

    maximum_memory_gb_core_ratio: float = attrs.field(
        validator=_number, metadata=wire("maximumMemoryGBCoreRatio")
    )


@_constraint("SSDHardwareConstraint")
class SSDConstraint(HardwareConstraint):
    """A machine with an SSD (``SSDHardware``)."""


@_constraint("NoSSDHardwareConstraint")
class NoSSDConstraint(HardwareConstraint):
    """A machine without an SSD (``NoSSDHardware``)."""


@_constraint("GpuHardwareConstraint")
class GpuConstraint(HardwareConstraint):
    """A machine with a GPU (``GpuHardware``)."""


@_constraint("NoGpuHardwareConstraint")
class NoGpuConstraint(HardwareConstraint):
    """A machine without a GPU (``NoGpuHardware``)."""


@_constraint("CpuModelHardwareConstraint")
class CpuModelConstraint(HardwareConstraint):
    """One CPU model (``CpuModelHardware``)."""

    cpu_model: str = attrs.field(validator=_name)


@attrs.frozen(kw_only=True)
class UnknownHardwareConstraint(HardwareConstraint):
    """A constraint whose ``discriminator`` this SDK does not know.

    ``raw`` is the JSON object as received (``discriminator`` included); it is what
    gets sent back when the constraint is unstructured.
    """

    discriminator: str  # an attribute here, a read-only property in the base
    raw: Mapping[str, Any] = attrs.field(factory=dict)
