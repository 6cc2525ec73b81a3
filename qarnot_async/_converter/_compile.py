"""The fast converter's model readers, compiled once per class.

cattrs' generated readers call a hook for every member. Most members of the
service's answers are optional strings, numbers, TimeSpans, dates and enum values,
and for those a call costs more than the check itself; this module writes a reader
per class that makes those checks inline and calls a hook only for arrays, mappings
and other values with their own structure.

It only has to tell good data from bad: on the first bad value it raises, and the
detailed twin (cattrs' own readers, with the same hooks) reads the data again to name
the value. So every check here is the one the twin's hook makes, and it accepts
exactly what the twin accepts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs

from ._registry import ObjectFn, Registry, is_optional, non_none, wire_name
from ._scalars import parser_for

__all__ = ["compile_model_fn"]

_MISSING: Final = object()
_NONE: Final = frozenset({type(None)})
_serial = itertools.count()


class _Invalid(Exception):
    """The fast reader met a bad value; the detailed twin will say which."""


def _nested(v: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The member at a dotted wire path; ``None`` when a level is absent or null."""
    cur: Any = v
    for segment in path:
        if cur is None:
            return None
        if type(cur) is not dict:
            raise _Invalid
        cur = cur.get(segment)
    return cur


def _typevar_map(t: Any) -> dict[Any, Any]:
    """What each type variable of ``t``'s class and of its generic bases stands for.

    ``TokenPage[Task]`` maps ``T`` to ``Task``; ``TaskSummary``, whose base is
    ``ComputeSummary[TaskState]``, maps that base's ``S`` to ``TaskState``. An unbound
    variable reads anything.
    """
    cls = get_origin(t) or t
    mapping = dict(zip(getattr(cls, "__parameters__", ()), get_args(t), strict=False))
    pending = [cls]
    while pending:
        for base in getattr(pending.pop(), "__orig_bases__", ()):
            origin = get_origin(base)
            params = getattr(origin, "__parameters__", ())
            if params:
                args = [_resolve(a, mapping) for a in get_args(base)]
                mapping.update(zip(params, args, strict=False))
                pending.append(origin)
    return mapping


def _resolve(ft: Any, mapping: dict[Any, Any]) -> Any:
    if isinstance(ft, TypeVar):
        return mapping.get(ft, Any)
    free = getattr(ft, "__parameters__", ())
    return ft[tuple(mapping.get(p, Any) for p in free)] if free else ft


def field_types(t: Any) -> dict[str, Any]:
    """The type of each attribute of model ``t``, type variables replaced."""
    cls = attrs.resolve_types(get_origin(t) or t)
    mapping = _typevar_map(t)
    return {a.name: _resolve(a.type, mapping) for a in attrs.fields(cls)}


class _Writer:
    """Collects the lines and the globals of one generated reader."""

    def __init__(self, registry: Registry, objects: Callable[[Any], ObjectFn | None]) -> None:
        self.registry = registry
        self.objects = objects
        self.lines: list[str] = []
        self.globs: dict[str, Any] = {"_Invalid": _Invalid, "_MISSING": _MISSING}

    def name(self, prefix: str, value: Any) -> str:
        """A new global of the reader holding ``value``; its name, for the source."""
        key = f"{prefix}{len(self.globs)}"
        self.globs[key] = value
        return key

    def read_optional(self, var: str, t: Any) -> None:
        """Lines turning ``var`` (a member that may be absent or null) into a ``t | None``."""
        inner = non_none(t) if is_optional(t) else t
        registry = self.registry
        scalar = registry.scalars.get(inner)
        if scalar is not None:
            accepted = self.name("a", scalar[0] | _NONE)
            self.lines.append(f"  if type({var}) not in {accepted}: raise _Invalid")
            return
        parse = parser_for(registry, inner)
        if parse is not None:
            cache = registry.value_caches.get(inner, {})
            lookup, parser = self.name("c", cache.get), self.name("p", parse)
            self.lines += [
                f"  if {var} is not None:",
                f"    y = {lookup}({var}, _MISSING)",
                f"    {var} = {parser}({var}) if y is _MISSING else y",
            ]
            return
        read = self.objects(inner)
        if read is not None:
            fn = self.name("f", read)
            self.lines += [
                f"  if {var} is not None:",
                f"    if type({var}) is not dict: raise _Invalid",
                f"    {var} = {fn}({var})",
            ]
            return
        hook = self.name("h", registry.converter.get_structure_hook(inner))
        self.lines.append(f"  if {var} is not None: {var} = {hook}({var}, {self.name('t', inner)})")


def compile_model_fn(
    registry: Registry, t: Any, objects: Callable[[Any], ObjectFn | None]
) -> ObjectFn | None:
    """The fast reader of model ``t``; ``None`` for a class it cannot handle.

    ``objects(t)`` is the reader of object type ``t``, or ``None`` for other types.
    """
    cls: type = get_origin(t) or t
    types = field_types(t)
    out = _Writer(registry, objects)
    out.globs["cl"] = cls
    args: list[str] = []
    late: list[str] = []
    for i, a in enumerate(attrs.fields(cls)):
        if not a.init:
            return None
        key, ft, var = wire_name(a), types[a.name], f"x{i}"
        if "." in key:
            if a.default is not None:
                return None
            path = out.name("n", tuple(key.split(".")))
            out.globs["_nested"] = _nested
            out.lines.append(f"  {var} = _nested(o, {path})")
            out.read_optional(var, ft)
        elif a.default is attrs.NOTHING:
            hook = out.name("h", registry.converter.get_structure_hook(ft))
            out.lines.append(f"  {var} = {hook}(o[{key!r}], {out.name('t', ft)})")
        elif a.default is None and is_optional(ft):
            out.lines.append(f"  {var} = o.get({key!r})")
            out.read_optional(var, ft)
        else:
            # A default other than None: pass the member only when present.
            hook = out.name("h", registry.converter.get_structure_hook(ft))
            late.append(
                f"  if {key!r} in o: res[{a.alias!r}] = {hook}(o[{key!r}], {out.name('t', ft)})"
            )
            continue
        args.append(f"{a.alias}={var}")
    if late:
        out.lines += ["  res = {}", *late]
        args.append("**res")
    source = "\n".join(["def read(o):", *out.lines, f"  return cl({', '.join(args)})"])
    filename = f"<qarnot_async reader {cls.__qualname__} #{next(_serial)}>"
    code = compile(source, filename, "exec")
    exec(code, out.globs)  # our own source: keys are written with repr(), values are globals
    fn: Callable[[dict[str, Any]], Any] = out.globs["read"]
    return fn
