"""Hardware constraints: a union discriminated by the ``discriminator`` member.

Each class maps one ``discriminator`` value. A value this SDK does not know parses
into :class:`UnknownHardwareConstraint`, which keeps the whole JSON object and
unstructures back to it unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from ._checks import check_int, check_number, check_str, optional
from ._types import INT32_MAX, INT32_MIN, wire

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


@attrs.frozen(kw_only=True)
class HardwareConstraint:
    """The base hardware constraint (``HardwareConstraint``).

    Also the concrete class of ``{"discriminator": "HardwareConstraint"}``.
    """

    DISCRIMINATOR: ClassVar[str] = "HardwareConstraint"

    @property
    def discriminator(self) -> str:
        """The wire ``discriminator`` of this constraint."""
        return self.DISCRIMINATOR


@attrs.frozen(kw_only=True)
class _CoreCountConstraint(HardwareConstraint):
    """A bound on the number of cores."""

    core_count: int = attrs.field(validator=optional(check_int, INT32_MIN, INT32_MAX))


@attrs.frozen(kw_only=True)
class MinimumCoreConstraint(_CoreCountConstraint):
    """At least ``core_count`` cores (``MinimumCoreHardware``)."""

    DISCRIMINATOR: ClassVar[str] = "MinimumCoreHardwareConstraint"


@attrs.frozen(kw_only=True)
class MaximumCoreConstraint(_CoreCountConstraint):
    """At most ``core_count`` cores (``MaximumCoreHardware``)."""

    DISCRIMINATOR: ClassVar[str] = "MaximumCoreHardwareConstraint"


@attrs.frozen(kw_only=True)
class MinimumRamConstraint(HardwareConstraint):
    """At least ``minimum_memory_mb`` MB of memory (``MinimumRamHardware``)."""

    DISCRIMINATOR: ClassVar[str] = "MinimumRamHardwareConstraint"
    minimum_memory_mb: float = attrs.field(
        validator=optional(check_number), metadata=wire("minimumMemoryMB")
    )


@attrs.frozen(kw_only=True)
class MaximumRamConstraint(HardwareConstraint):
    """At most ``maximum_memory_mb`` MB of memory (``MaximumRamHardware``)."""

    DISCRIMINATOR: ClassVar[str] = "MaximumRamHardwareConstraint"
    maximum_memory_mb: float = attrs.field(
        validator=optional(check_number), metadata=wire("maximumMemoryMB")
    )


@attrs.frozen(kw_only=True)
class SpecificHardwareConstraint(HardwareConstraint):
    """One machine specification (``SpecificHardware``)."""

    DISCRIMINATOR: ClassVar[str] = "SpecificHardwareConstraint"
    specification_key: str = attrs.field(validator=optional(check_str, non_empty=True))


@attrs.frozen(kw_only=True)
class MinimumRamCoreRatioConstraint(HardwareConstraint):
    """At least this many GB of memory per core (``MinimumRamCoreRatioHardware``)."""

    DISCRIMINATOR: ClassVar[str] = "MinimumRamCoreRatioHardwareConstraint"
    minimum_memory_gb_core_ratio: float = attrs.field(
        validator=optional(check_number), metadata=wire("minimumMemoryGBCoreRatio")
    )


@attrs.frozen(kw_only=True)
class MaximumRamCoreRatioConstraint(HardwareConstraint):
    """At most this many GB of memory per core (``MaximumRamCoreRatioHardware``)."""

    DISCRIMINATOR: ClassVar[str] = "MaximumRamCoreRatioHardwareConstraint"
    maximum_memory_gb_core_ratio: float = attrs.field(
        validator=optional(check_number), metadata=wire("maximumMemoryGBCoreRatio")
    )


@attrs.frozen(kw_only=True)
class SSDConstraint(HardwareConstraint):
    """A machine with an SSD (``SSDHardware``)."""

    DISCRIMINATOR: ClassVar[str] = "SSDHardwareConstraint"


@attrs.frozen(kw_only=True)
class NoSSDConstraint(HardwareConstraint):
    """A machine without an SSD (``NoSSDHardware``)."""

    DISCRIMINATOR: ClassVar[str] = "NoSSDHardwareConstraint"


@attrs.frozen(kw_only=True)
class GpuConstraint(HardwareConstraint):
    """A machine with a GPU (``GpuHardware``)."""

    DISCRIMINATOR: ClassVar[str] = "GpuHardwareConstraint"


@attrs.frozen(kw_only=True)
class NoGpuConstraint(HardwareConstraint):
    """A machine without a GPU (``NoGpuHardware``)."""

    DISCRIMINATOR: ClassVar[str] = "NoGpuHardwareConstraint"


@attrs.frozen(kw_only=True)
class CpuModelConstraint(HardwareConstraint):
    """One CPU model (``CpuModelHardware``)."""

    DISCRIMINATOR: ClassVar[str] = "CpuModelHardwareConstraint"
    cpu_model: str = attrs.field(validator=optional(check_str, non_empty=True))


@attrs.frozen(kw_only=True)
class UnknownHardwareConstraint(HardwareConstraint):
    """A constraint whose ``discriminator`` this SDK does not know.

    ``raw`` is the JSON object as received (``discriminator`` included); it is what
    gets sent back when the constraint is unstructured.
    """

    discriminator: str  # an attribute here, a read-only property in the base
    raw: Mapping[str, Any] = attrs.field(factory=dict)


#: The known constraint classes by their wire ``discriminator``.
HARDWARE_CONSTRAINT_TYPES: Mapping[str, type[HardwareConstraint]] = {
    cls.DISCRIMINATOR: cls
    for cls in (
        HardwareConstraint,
        MinimumCoreConstraint,
        MaximumCoreConstraint,
        MinimumRamConstraint,
        MaximumRamConstraint,
        SpecificHardwareConstraint,
        MinimumRamCoreRatioConstraint,
        MaximumRamCoreRatioConstraint,
        SSDConstraint,
        NoSSDConstraint,
        GpuConstraint,
        NoGpuConstraint,
        CpuModelConstraint,
    )
}
