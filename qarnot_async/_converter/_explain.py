"""Turn a failed structuring into one :class:`~qarnot_async.errors.DecodeError`.

The fast converter only says that the data is wrong. The detailed twin, run on the
same data only then, raises cattrs' exception groups with a note per attribute and
per index; :func:`explain` follows the first error down to its leaf and names it by
its dotted wire path (``status.runningInstancesInfo.perRunningInstanceInfo.0.phase``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from cattrs import Converter
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
    StructureHandlerNotFoundError,
)

from ..errors import DecodeError, InvalidInputError
from ._objects import attrs_class
from ._registry import ROOT, BadValue, wire_name

__all__ = ["explain"]


def explain(detailed: Converter, data: Any, cls: Any, fast_error: Exception) -> DecodeError:
    """The error of ``data`` as ``cls``, found by structuring it again with ``detailed``."""
    try:
        detailed.structure(data, cls)
    except StructureHandlerNotFoundError:
        raise
    except RecursionError:
        return DecodeError(ROOT, "nested too deeply", data)
    except Exception as exc:
        path, leaf = _locate(exc, [], cls)
        return _to_decode_error(data, path, leaf)
    # Both converters share one configuration, so this means a bug in a hook.
    return DecodeError(ROOT, f"cannot decode: {fast_error}", data)


def _model_field_wire(cls: Any, name: str) -> str:
    cls = attrs_class(cls)
    if isinstance(cls, type) and attrs.has(cls):
        for a in attrs.fields(cls):
            if a.name == name:
                return wire_name(a)
    return name


def _locate(exc: BaseException, path: list[str], owner: Any) -> tuple[list[str], BaseException]:
    """Follow the first error down cattrs' exception groups, collecting the wire path."""
    while isinstance(exc, ClassValidationError | IterableValidationError):
        sub = exc.exceptions[0]
        for note in getattr(sub, "__notes__", ()):
            if isinstance(note, AttributeValidationNote):
                path = [*path, _model_field_wire(exc.cl, note.name)]
                break
            if isinstance(note, IterableValidationNote):
                path = [*path, str(note.index)]
                break
        if isinstance(exc, ClassValidationError):
            owner = exc.cl
        exc = sub
    if isinstance(exc, InvalidInputError):
        # A validator of an input model names the attribute: name its wire member.
        head, _, tail = exc.field.partition(".")
        return [*path, _model_field_wire(owner, head) + (f".{tail}" if tail else "")], exc
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
    if isinstance(leaf, BadValue):
        full = [*path, *(str(s) for s in leaf.subpath)]
        return DecodeError(".".join(full) or ROOT, leaf.message, leaf.value)
    dotted = ".".join(path) or ROOT
    if isinstance(leaf, InvalidInputError):
        return DecodeError(dotted, leaf.message, leaf.value)
    found, value = _lookup(data, path)
    if isinstance(leaf, KeyError) and not found:
        return DecodeError(dotted, "missing required member", None)
    return DecodeError(dotted, str(leaf) or type(leaf).__name__, value if found else None)
