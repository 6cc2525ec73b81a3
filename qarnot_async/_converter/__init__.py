"""The one cattrs converter between wire JSON and :mod:`qarnot_async.models`.

Resources call only :func:`structure` and :func:`unstructure`.

* Attribute names are snake_case; the wire name is the camelCase of the attribute
  unless the field's metadata names it (``wire("maxFrequencyGHz")``). A dotted wire
  name (``"filtering.prefixFiltering.prefix"``) reads and writes a nested member.
* Every model derives from :class:`~qarnot_async.models.Model`: the members it does
  not declare are kept in its ``extra`` and written back after the declared ones.
  Unstructuring omits every attribute left at its default (``None`` for optional
  ones), so the service applies its own defaults.
* A member the service may spell two ways (``wired(name, also=...)``) is read from
  either and written under its own name.
* Strings, ints, floats and bools are checked, not coerced: ``"12"`` is not an int.
* Structuring runs a fast converter built without detailed validation. Only when it
  fails is the same data structured again by a twin converter that records where
  each error happened, and that path becomes the :class:`~qarnot_async.errors.DecodeError`
  (``status.executionTime: not a TimeSpan (got '1:2')``).

Both converters are built by the same ``configure_*`` functions, one module per kind
of value: :mod:`._scalars` (single values), :mod:`._objects` (models),
:mod:`._collections` (arrays and mappings), :mod:`._optional` (``X | None``),
:mod:`._unions` (tagged unions), each as ``configure_x(converter, registry)``; the
:class:`Registry` (:mod:`._registry`) holds what their hooks share; :mod:`._compile`
writes the fast converter's model readers; :mod:`._explain` turns a failure into the
error.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from cattrs import Converter
from cattrs.errors import StructureHandlerNotFoundError

from ..errors import DecodeError
from ._collections import configure_collections
from ._compile import field_types
from ._explain import explain
from ._objects import configure_objects
from ._optional import configure_optional
from ._registry import ROOT, Registry, also_names, wire_attributes, wire_name
from ._scalars import configure_scalars
from ._unions import configure_unions

__all__ = [
    "Registry",
    "also_names",
    "attribute_type",
    "converter",
    "new_registry",
    "structure",
    "unstructure",
    "wire_attributes",
    "wire_name",
]

T = TypeVar("T")


def new_registry(*, detailed: bool) -> Registry:
    """A new converter with every hook of this package installed, and its registry.

    The order matters where predicates overlap: a hook registered later wins, so
    the unions' writers come after the models' writer they refine.
    """
    conv = Converter(detailed_validation=detailed, forbid_extra_keys=False)
    registry = Registry(conv)
    for configure in (
        configure_scalars,
        configure_objects,
        configure_collections,
        configure_optional,
        configure_unions,
    ):
        configure(conv, registry)
    return registry


#: The configured converter (fast path, no detailed validation).
converter: Final = new_registry(detailed=False).converter
_detailed: Final = new_registry(detailed=True).converter


def structure(data: Any, cls: type[T], *, where: str = "") -> T:
    """Read wire JSON (as ``json.loads`` returns it) into ``cls``.

    ``where`` names the request the data answered (``"POST /v1/tasks"``) so that the
    error says which route sent it.

    Raises :class:`~qarnot_async.errors.DecodeError` naming the dotted wire path of
    the first bad value and the value itself, whatever the data: a wrong kind at the
    top, a missing member, nesting too deep to follow.
    """
    try:
        return converter.structure(data, cls)
    except StructureHandlerNotFoundError:
        raise  # a class the converter cannot read: a bug in the caller, not bad data
    except RecursionError:
        error = DecodeError(ROOT, "nested too deeply", data)
    except Exception as fast_error:
        error = explain(_detailed, data, cls, fast_error)
    if where:
        error = DecodeError(error.field, error.message, error.value, where=where)
    raise error


def unstructure(obj: Any) -> Any:
    """Turn a model (or a list of models) into wire JSON, omitting unset attributes."""
    return converter.unstructure(obj)


def attribute_type(t: Any, name: str) -> Any:
    """The type the converter reads attribute ``name`` of model ``t`` as, type
    variables resolved (``TaskSummary``'s ``state`` is ``TaskState | None``)."""
    return field_types(t)[name]
