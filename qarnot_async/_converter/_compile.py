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

A model without validators, converters or post-init hooks (every output of the
service) is built without its ``__init__``: the reader already checked each value, and
setting the slots directly costs a third of an attrs ``__init__`` taking keywords.

Members newer than ``openapi.json`` (marked with
:func:`~qarnot_async.models._types.newer`) are fetched one by one, after the others:
answers often leave them out, and an absent member among those fetched together
sends the whole object down the slow path.

A model's ``extra`` (the members it does not declare) costs one length comparison
when the object holds exactly the members the reader fetched, which is what the
service sends: it writes every member, nulls included.
"""

from __future__ import annotations

import itertools
import operator
import types
from collections.abc import Callable
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs

from ..models._types import NO_EXTRA
from ._registry import (
    ObjectFn,
    Registry,
    also_names,
    extra_of,
    is_extra,
    is_newer,
    is_optional,
    is_seq,
    known_members,
    non_none,
    union_tag,
    wire_name,
)
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
        if is_seq(inner) and get_origin(inner) is not list:
            # Most arrays of an answer are empty: an empty tuple needs no hook call.
            self.lines += [
                f"  if {var} is not None:",
                f"    if {var}.__class__ is list and not {var}: {var} = ()",
                f"    else: {var} = {hook}({var}, {self.name('t', inner)})",
            ]
            return
        self.lines.append(f"  if {var} is not None: {var} = {hook}({var}, {self.name('t', inner)})")


def _fetch(out: _Writer, members: list[tuple[str, str]]) -> list[str]:
    """Lines setting each ``var`` of ``members`` to its member ``key`` of ``o`` (or None),
    and ``m`` to how many members ``o`` then surely holds (``-1``: not known).

    The service writes every member of an answer, nulls included, so one
    ``itemgetter`` fetches them all in C; only when one is absent (a ``KeyError``)
    are they fetched one by one.
    """
    gets = [f"{var} = o.get({key!r})" for var, key in members]
    if len(members) < 2:
        held = " + ".join(f"({key!r} in o)" for _, key in members) or "0"
        return [f"  {line}" for line in [*gets, f"m = {held}"]]
    getter = out.name("g", operator.itemgetter(*(key for _, key in members)))
    targets = ", ".join(var for var, _ in members)
    return [
        "  try:",
        f"    {targets} = {getter}(o)",
        f"    m = {len(members)}",
        "  except KeyError:",
        *(f"    {line}" for line in gets),
        "    m = -1",
    ]


def slot_setters(cls: type) -> list[Callable[[Any, Any], None] | str] | None:
    """How each attribute of ``cls`` is stored, in order, when its instances may be
    built without ``__init__``: its slot's setter, or its name when it lives in the
    instance's ``__dict__`` (a field of a mixin that is not slotted); ``None`` when
    they may not.

    That holds for an attrs class whose generated ``__init__`` only stores its
    arguments: no validator, converter, factory default or ``__attrs_pre_init__`` /
    ``__attrs_post_init__`` hook (every output model of the service).
    """
    init = cls.__dict__.get("__init__")
    code = getattr(init, "__code__", None)
    if code is None or not code.co_filename.startswith("<attrs generated"):
        return None
    if hasattr(cls, "__attrs_post_init__") or hasattr(cls, "__attrs_pre_init__"):
        return None
    setters: list[Callable[[Any, Any], None] | str] = []
    for a in attrs.fields(cls):
        # ``extra``'s converter only freezes a mapping; the reader builds it frozen.
        if (a.validator is not None or a.converter is not None) and not is_extra(a):
            return None
        if not a.init:
            return None
        if isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
            return None
        slot = getattr(cls, a.name, None)
        if isinstance(slot, types.MemberDescriptorType):
            setters.append(slot.__set__)
        elif slot is None and cls.__dictoffset__:
            setters.append(a.name)
        else:
            return None
    return setters


def compile_model_fn(
    registry: Registry, t: Any, objects: Callable[[Any], ObjectFn | None]
) -> ObjectFn | None:
    """The fast reader of model ``t``; ``None`` for a class it cannot handle.

    ``objects(t)`` is the reader of object type ``t``, or ``None`` for other types.
    """
    cls: type = get_origin(t) or t
    types_of = field_types(t)
    out = _Writer(registry, objects)
    out.globs["cl"] = cls
    setters = slot_setters(cls)
    args: list[str] = []
    late: list[str] = []
    # The optional members, fetched before any is checked (see _fetch).
    members: list[tuple[str, str]] = []
    extra_var = None
    # For ``extra``: how many required members ``o`` holds once read, and the members
    # it may or may not hold besides those fetched together.
    required, maybe = 0, set()
    for i, a in enumerate(attrs.fields(cls)):
        if not a.init:
            return None
        key, ft, var = wire_name(a), types_of[a.name], f"x{i}"
        also = also_names(a)
        if is_extra(a):
            extra_var = var
        elif also and (a.default is not None or "." in key):
            return None  # other spellings are only read for optional members
        elif "." in key:
            if a.default is not None:
                return None
            path = out.name("n", tuple(key.split(".")))
            maybe.add(key.partition(".")[0])
            out.globs["_nested"] = _nested
            out.lines.append(f"  {var} = _nested(o, {path})")
            out.read_optional(var, ft)
        elif a.default is attrs.NOTHING:
            required += 1
            scalar = registry.scalars.get(ft)
            if scalar is not None:
                # A required scalar: a missing member is a KeyError, a wrong one _Invalid.
                accepted = out.name("a", scalar[0])
                out.lines.append(f"  {var} = o[{key!r}]")
                out.lines.append(f"  if type({var}) not in {accepted}: raise _Invalid")
            else:
                hook = out.name("h", registry.converter.get_structure_hook(ft))
                out.lines.append(f"  {var} = {hook}(o[{key!r}], {out.name('t', ft)})")
        elif a.default is None and is_optional(ft):
            if is_newer(a):
                # Often absent: fetched alone, so that its absence costs one lookup
                # instead of sending every member down the slow path.
                maybe.add(key)
                out.lines.append(f"  {var} = o.get({key!r})")
            else:
                members.append((var, key))
            for other in also:
                out.lines.append(f"  if {var} is None: {var} = o.get({other!r})")
            out.read_optional(var, ft)
        else:
            # A default other than None: read the member only when present.
            maybe.add(key)
            hook = out.name("h", registry.converter.get_structure_hook(ft))
            member = f"{hook}(o[{key!r}], {out.name('t', ft)})"
            if setters is None:
                late.append(f"  if {key!r} in o: res[{a.alias!r}] = {member}")
                continue
            default = out.name("d", a.default)
            out.lines.append(f"  {var} = {member} if {key!r} in o else {default}")
        args.append(f"{a.alias}={var}")
    if extra_var is not None:
        # ``o`` holds a member the model does not declare only when it holds more than
        # the members read (``m`` is -1 when that count is not known: then look).
        known = out.name("k", known_members(registry, cls))
        tag = union_tag(registry, cls)
        if tag is not None:
            maybe.add(tag)
        out.globs["extra_of"], out.globs["NO_EXTRA"] = extra_of, NO_EXTRA
        held = "".join(f" + ({k!r} in o)" for k in sorted(maybe))
        count = f"m + {required}{held}" if required or held else "m"
        out.lines.append(f"  {extra_var} = NO_EXTRA if len(o) == {count} else extra_of(o, {known})")
    head = ["def read(o):", *_fetch(out, members)]
    if setters is not None:
        # Every value is checked: store it, without running __init__ again.
        out.globs["new"] = object.__new__
        body = ["  r = new(cl)"]
        if any(type(setter) is str for setter in setters):
            body.append("  d = r.__dict__")
        for i, setter in enumerate(setters):
            if type(setter) is str:
                body.append(f"  d[{setter!r}] = x{i}")
            else:
                body.append(f"  {out.name('s', setter)}(r, x{i})")
        source = "\n".join([*head, *out.lines, *body, "  return r"])
    else:
        if late:
            out.lines += ["  res = {}", *late]
            args.append("**res")
        source = "\n".join([*head, *out.lines, f"  return cl({', '.join(args)})"])
    filename = f"<qarnot_async reader {cls.__qualname__} #{next(_serial)}>"
    code = compile(source, filename, "exec")
    exec(code, out.globs)  # our own source: keys are written with repr(), values are globals
    fn: Callable[[dict[str, Any]], Any] = out.globs["read"]
    return fn
