"""Members the service may spell two ways: read either, expose one attribute.

The official SDKs and ``openapi.json`` disagree on a few names (carbon facts in
snake_case against camelCase, ``runningCoresCount`` against ``runningCoreCount``), and
which one the live service sends is not known. A model then declares the public
attribute under one spelling and a hidden :func:`twin` under the other; its
``__attrs_post_init__`` calls :func:`fold_twins`, so the public attribute holds
whichever spelling was sent. The converter needs no special case: the twin is an
ordinary attribute with its own wire name.
"""

from __future__ import annotations

from typing import Any

import attrs

from ._types import OpenEnum, wire

__all__ = ["LenientEnum", "fold_twins", "twin"]


def twin(wire_name: str) -> Any:
    """A hidden attribute reading the other spelling ``wire_name`` of a member.

    Left out of ``repr`` and equality: the public attribute carries the value.
    """
    return attrs.field(default=None, repr=False, eq=False, metadata=wire(wire_name))


def fold_twins(instance: Any, pairs: tuple[tuple[str, str], ...]) -> None:
    """Fill each public attribute left ``None`` from its twin: ``(public, twin)`` pairs."""
    for public, hidden in pairs:
        if getattr(instance, public) is None:
            value = getattr(instance, hidden)
            if value is not None:
                object.__setattr__(instance, public, value)


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
