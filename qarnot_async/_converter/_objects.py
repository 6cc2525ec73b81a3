"""JSON objects: attrs models by wire name, both ways, and the secrets access rights.

A model's members are read and written under their wire names (:func:`wire_name`);
a dotted wire name (``"filtering.prefixFiltering.prefix"``) reads and writes a nested
member, and a member read under another spelling (:func:`also_names`) is written
under its own. The members a model does not declare are kept in its ``extra`` and
written back after the declared ones; writing omits every attribute left at its
default, so the service applies its own defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, get_origin

import attrs
from cattrs import Converter
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ..models._types import NO_EXTRA
from ..models.common import SecretsAccessRights
from ._compile import compile_model_fn
from ._registry import (
    BadValue,
    Hook,
    ObjectFn,
    Registry,
    also_names,
    exactly,
    expected,
    extra_of,
    has_extra,
    is_extra,
    is_model,
    known_members,
    wire_name,
)

__all__ = [
    "configure_objects",
    "is_object",
    "model_fn",
    "model_writer",
    "object_fn",
]

_OBJECT = expected("a JSON object")


def is_object(registry: Registry, t: Any) -> bool:
    """Whether ``t`` is read from a JSON object (a model or a special object type)."""
    return t in registry.special_objects or is_model(t)


def object_fn(registry: Registry, t: Any) -> ObjectFn:
    """The function reading a JSON object (already known to be a dict) into ``t``."""
    fn = registry.object_fns.get(t)
    if fn is None:
        fn = registry.object_fns[t] = registry.special_objects.get(t) or model_fn(registry, t)
    return fn


def model_fn(registry: Registry, t: Any) -> ObjectFn:
    """The attrs reader of ``t`` itself (for a union base: the base class alone)."""
    fn = registry.model_fns.get(t)
    if fn is None:
        fn = registry.model_fns[t] = _build_model_fn(registry, t)
    return fn


def _renames(t: Any) -> tuple[dict[str, Any], list[tuple[str, tuple[str, ...]]]]:
    """The cattrs overrides giving each attribute its wire name (``extra`` left to the
    functions here), and the dotted ones."""
    cls = attrs.resolve_types(attrs_class(t))
    renames: dict[str, Any] = {}
    nested: list[tuple[str, tuple[str, ...]]] = []
    for a in attrs.fields(cls):
        if is_extra(a):
            renames[a.name] = override(omit=True)
            continue
        name = wire_name(a)
        if name != a.name:
            renames[a.name] = override(rename=name)
        if "." in name:
            nested.append((name, tuple(name.split("."))))
    return renames, nested


def attrs_class(t: Any) -> type:
    """The class of a model type (``TokenPage`` for ``TokenPage[Task]``)."""
    cls: type = get_origin(t) or t
    return cls


def _build_model_fn(registry: Registry, t: Any) -> ObjectFn:
    if not registry.detailed:
        compiled = compile_model_fn(
            registry, t, lambda u: object_fn(registry, u) if is_object(registry, u) else None
        )
        if compiled is not None:
            return compiled
    renames, nested = _renames(t)
    gen = make_dict_structure_fn(
        t,
        registry.converter,
        _cattrs_forbid_extra_keys=False,
        _cattrs_detailed_validation=registry.detailed,
        **renames,
    )
    cls = attrs_class(t)
    others = [(wire_name(a), also_names(a)) for a in attrs.fields(cls) if also_names(a)]
    known = known_members(registry, cls) if has_extra(cls) else None
    if not nested and not others and known is None:
        return gen

    def read(v: dict[str, Any]) -> Any:
        obj = gen(_flat(v, nested, others) if nested or others else v)
        if known is not None:
            extra = extra_of(v, known)
            if extra:
                object.__setattr__(obj, "extra", extra)  # a frozen model, just built
        return obj

    return read


def _flat(
    v: dict[str, Any],
    nested: list[tuple[str, tuple[str, ...]]],
    others: list[tuple[str, tuple[str, ...]]],
) -> dict[str, Any]:
    """``v`` as cattrs' generated reader wants it: each member read under another
    spelling moved to its own name, and each nested value at a flat key with the
    dotted name (a member that has that name itself is not it)."""
    flat = dict(v)
    for key, spellings in others:
        for other in spellings:
            if flat.get(key) is None and v.get(other) is not None:
                flat[key] = v[other]
    for key, path in nested:
        flat.pop(key, None)
        cur: Any = v
        for i, segment in enumerate(path):
            if cur is None:
                break
            if type(cur) is not dict:
                raise BadValue(_OBJECT, cur, path[:i])
            cur = cur.get(segment)
        if cur is not None:
            flat[key] = cur
    return flat


def object_hook(registry: Registry, t: Any) -> Hook:
    """The structure hook of an object type: a JSON object, then its reader."""
    fn = object_fn(registry, t)

    def read(v: Any, _: Any) -> Any:
        if type(v) is dict:
            return fn(v)
        raise BadValue(_OBJECT, v)

    return read


def model_writer(conv: Converter, t: Any) -> Callable[[Any], Any]:
    """The unstructure function of a model: wire names, defaults omitted, then the
    members of its ``extra`` (a declared member wins over one of the same name)."""
    renames, nested = _renames(t)
    gen = make_dict_unstructure_fn(t, conv, _cattrs_omit_if_default=True, **renames)
    keeps_extra = has_extra(attrs_class(t))
    if not nested and not keeps_extra:
        return gen

    def write(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = gen(obj)
        for key, path in nested:
            if key in out:
                value = out.pop(key)
                cur = out
                for segment in path[:-1]:
                    cur = cur.setdefault(segment, {})
                cur[path[-1]] = value
        if keeps_extra:
            extra = obj.extra
            # Most models have none: the shared empty one, told by identity.
            if extra is not NO_EXTRA and extra:
                for key, value in extra.items():
                    out.setdefault(key, value)
        return out

    return write


def _str_list(v: Any, member: str, name: str) -> tuple[str, ...] | None:
    """Read ``[{member: "…"}, …]`` as a tuple of strings."""
    if v is None:
        return None
    if type(v) is not list:
        raise BadValue(expected("a JSON array"), v, (name,))
    out = []
    for i, item in enumerate(v):
        if type(item) is not dict:
            raise BadValue(_OBJECT, item, (name, i))
        text = item.get(member)
        if type(text) is not str:
            raise BadValue(expected("a string"), text, (name, i, member))
        out.append(text)
    return tuple(out)


_SECRETS_SLOTS: Final = (
    getattr(SecretsAccessRights, "by_secret").__set__,  # noqa: B009 - the slots themselves
    getattr(SecretsAccessRights, "by_prefix").__set__,  # noqa: B009
    getattr(SecretsAccessRights, "extra").__set__,  # noqa: B009
)
_SECRETS_MEMBERS: Final = frozenset({"bySecret", "byPrefix"})


def _read_secrets(v: dict[str, Any]) -> SecretsAccessRights:
    # Each item is checked a string here, which is all the class's own checks do.
    secrets = object.__new__(SecretsAccessRights)
    _SECRETS_SLOTS[0](secrets, _str_list(v.get("bySecret"), "key", "bySecret"))
    _SECRETS_SLOTS[1](secrets, _str_list(v.get("byPrefix"), "prefix", "byPrefix"))
    _SECRETS_SLOTS[2](secrets, extra_of(v, _SECRETS_MEMBERS))
    return secrets


def _write_secrets(obj: SecretsAccessRights) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if obj.by_secret is not None:
        out["bySecret"] = [{"key": k} for k in obj.by_secret]
    if obj.by_prefix is not None:
        out["byPrefix"] = [{"prefix": p} for p in obj.by_prefix]
    if obj.extra is not NO_EXTRA:
        for key, value in obj.extra.items():
            out.setdefault(key, value)
    return out


def configure_objects(conv: Converter, registry: Registry) -> None:
    """Install the hooks of models and of the secrets access rights, both ways."""
    registry.special_objects[SecretsAccessRights] = _read_secrets
    conv.register_structure_hook_factory(
        lambda t: is_object(registry, t), lambda t: object_hook(registry, t)
    )
    conv.register_unstructure_hook_factory(is_model, lambda t: model_writer(conv, t))
    conv.register_unstructure_hook_func(exactly(SecretsAccessRights), _write_secrets)
