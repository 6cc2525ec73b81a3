"""JSON arrays and objects read as mappings, both ways.

Every sequence type (``list[X]``, ``tuple[X, ...]``, ``Sequence[X]``) is read by one
hook that checks the array and hands each element to the element type's own hook;
the detailed twin also records the index of a failing element.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final, get_args, get_origin

import attrs
from cattrs import Converter
from cattrs.errors import IterableValidationError, IterableValidationNote

from ._objects import is_object, object_fn
from ._registry import BadValue, Hook, Registry, elem_type, expected, is_mapping, is_seq, writer
from ._scalars import parser_for

__all__ = ["ElementReader", "configure_collections", "element_reader", "list_hook", "mapping_hook"]

_ARRAY = expected("a JSON array")
_OBJECT = expected("a JSON object")


@attrs.frozen
class ElementReader:
    """How one element of an array is read.

    ``accepts`` lists the runtime types an element may have (``None``: any, the
    reader checks); ``read`` turns an accepted element into its value (``None``: the
    element is the value). Checked scalars need no call per element, objects one.
    """

    accepts: frozenset[type] | None
    read: Callable[[Any], Any] | None
    what: str = ""

    def one(self, e: Any) -> Any:
        """Read one element."""
        if self.accepts is not None and type(e) not in self.accepts:
            raise BadValue(self.what, e)
        return e if self.read is None else self.read(e)


def element_reader(registry: Registry, t: Any) -> ElementReader:
    """The reader of an array element of type ``t``."""
    scalar = registry.scalars.get(t)
    if scalar is not None:
        return ElementReader(scalar[0], None, expected(scalar[1]))
    parse = parser_for(registry, t)
    if parse is not None:
        return ElementReader(None, parse)
    if is_object(registry, t):
        return ElementReader(frozenset({dict}), object_fn(registry, t), _OBJECT)
    hook = registry.converter.get_structure_hook(t)
    return ElementReader(None, lambda e: hook(e, t))


def list_hook(registry: Registry, t: Any) -> Hook:
    """The hook of every sequence type: a JSON array, each element read by its reader."""
    item_t = elem_type(t)
    element = element_reader(registry, item_t)
    make: Callable[[Iterable[Any]], Any] = list if get_origin(t) is list else tuple

    if registry.detailed:

        def read_noting_index(v: Any, _: Any) -> Any:
            if type(v) is not list and type(v) is not tuple:
                raise BadValue(_ARRAY, v)
            out = []
            for i, e in enumerate(v):
                try:
                    out.append(element.one(e))
                except Exception as exc:
                    exc.add_note(IterableValidationNote(f"index {i}", i, item_t))
                    raise IterableValidationError(f"While structuring {t}", [exc], t) from None
            return make(out)

        return read_noting_index

    accepts, read = element.accepts, element.read

    def read_array(v: Any, _: Any) -> Any:
        if type(v) is not list and type(v) is not tuple:
            raise BadValue(_ARRAY, v)
        # Check every element's kind in one loop, then read them without a check.
        if accepts is not None:
            for e in v:
                if type(e) not in accepts:
                    raise BadValue(element.what, e)
        return make(v) if read is None else make(map(read, v))

    return read_array


def mapping_hook(registry: Registry, t: Any) -> Hook:
    """The hook of ``Mapping[str, X]``: a JSON object, each value read by X's hook."""
    value_t = get_args(t)[1]  # JSON object keys are always strings
    if value_t is Any:
        # Wire JSON passed through as is (a filter, say): nothing to read inside.
        def read_any(v: Any, _: Any) -> Any:
            if type(v) is not dict:
                raise BadValue(_OBJECT, v)
            return dict(v)

        return read_any
    read = registry.converter.get_structure_hook(value_t)

    def read_mapping(v: Any, _: Any) -> Any:
        if type(v) is not dict:
            raise BadValue(_OBJECT, v)
        out = {}
        for key, value in v.items():
            try:
                out[key] = read(value, value_t)
            except BadValue as exc:
                raise BadValue(exc.message, exc.value, (key, *exc.subpath)) from None
        return out

    return read_mapping


def _seq_writer(conv: Converter, registry: Registry, t: Any) -> Callable[[Any], Any]:
    item_t = elem_type(t)
    if item_t in registry.scalars:
        return list
    write = writer(conv, item_t)
    return lambda v: [write(e) for e in v]


def _mapping_writer(conv: Converter, registry: Registry, t: Any) -> Callable[[Any], Any]:
    value_t = get_args(t)[1]
    if value_t in registry.scalars:
        return dict
    if value_t is Any:
        return _json_writer(conv)
    return lambda v: {k: conv.unstructure(x) for k, x in v.items()}


#: The values JSON holds as they are: written without a lookup of their writer.
_JSON_ATOMS: Final = frozenset({str, int, float, bool, type(None)})


def _json_writer(conv: Converter) -> Callable[[Any], Any]:
    """The writer of JSON given as is (a filter, ``Mapping[str, Any]``), nested lists and
    objects included: atoms are copied, anything else (a date, an enum member inside a
    filter) is written by its own writer. A filter's ``In`` list of ten thousand uuids
    is then one pass, not a writer lookup per uuid."""

    def write(value: Any) -> Any:
        kind = type(value)
        if kind in _JSON_ATOMS:
            return value
        if kind is dict:
            return {k: write(x) for k, x in value.items()}
        if kind is list or kind is tuple:
            return [write(x) for x in value]
        return conv.unstructure(value)

    return write


def configure_collections(conv: Converter, registry: Registry) -> None:
    """Install the hooks of sequences and mappings, both ways."""
    conv.register_structure_hook_factory(is_seq, lambda t: list_hook(registry, t))
    conv.register_structure_hook_factory(is_mapping, lambda t: mapping_hook(registry, t))
    conv.register_unstructure_hook_factory(is_seq, lambda t: _seq_writer(conv, registry, t))
    conv.register_unstructure_hook_factory(is_mapping, lambda t: _mapping_writer(conv, registry, t))
