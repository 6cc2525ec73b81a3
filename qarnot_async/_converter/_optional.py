"""``X | None``: one path for every optional type.

A checked scalar accepts ``None`` as one more runtime type; a parsed value type reads
its cache inline; anything else reads ``None`` as ``None`` and the rest with X's hook.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from cattrs import Converter

from ._registry import Hook, Registry, is_optional, non_none, writer
from ._scalars import parser_for, parser_hook, type_check

__all__ = ["configure_optional", "optional_hook"]

_NONE: Final = frozenset({type(None)})


def optional_hook(registry: Registry, t: Any) -> Hook:
    """The structure hook of ``X | None``."""
    inner = non_none(t)
    scalar = registry.scalars.get(inner)
    if scalar is not None:
        accepted, what = scalar
        return type_check(accepted | _NONE, what)
    parse = parser_for(registry, inner)
    if parse is not None:
        return parser_hook(parse, registry.value_caches.get(inner, {}), allow_none=True)
    read = registry.converter.get_structure_hook(inner)

    def read_optional(v: Any, _: Any) -> Any:
        return None if v is None else read(v, inner)

    return read_optional


def _optional_writer(conv: Converter, registry: Registry, t: Any) -> Callable[[Any], Any]:
    inner = non_none(t)
    if inner in registry.scalars:
        return lambda v: v
    write = writer(conv, inner)
    return lambda v: None if v is None else write(v)


def configure_optional(conv: Converter, registry: Registry) -> None:
    """Install the hooks of optional types, both ways."""
    conv.register_structure_hook_factory(is_optional, lambda t: optional_hook(registry, t))
    conv.register_unstructure_hook_factory(
        is_optional, lambda t: _optional_writer(conv, registry, t)
    )
