"""Small building blocks shared by tasks, pools and jobs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from ..errors import InvalidInputError
from ._checks import (
    check_bool,
    check_int,
    check_number,
    check_str,
    check_uuid,
    checked,
    optional,
    str_tuple,
    to_enum,
    to_tuple,
)
from ._types import INT32_MAX, INT32_MIN, NEWER, FrozenMapping, LenientEnum, Model, newer
from .enums import ForcedConstantAccess, SchedulingType

__all__ = [
    "SECRET_PREFIX",
    "ApiErrorDetail",
    "Constants",
    "AdvancedDependency",
    "Dependencies",
    "DependencyCondition",
    "DependencyState",
    "ElasticProperty",
    "ForcedConstant",
    "ForcedNetworkRule",
    "IdResponse",
    "MultiResponse",
    "MultiSlotsSettings",
    "PreparationTask",
    "Privileges",
    "ResourcesBucket",
    "RetrySettings",
    "SecretsAccessRights",
]

#: Constants whose key starts with this are secrets: the service answers
#: ``"[SECRET]"`` for their value, and this SDK masks them in ``repr``.
SECRET_PREFIX: Final = "QARNOT_SECRET__"
_MASK: Final = "***"


def _checked_dict(value: object, field: str) -> dict[str, str]:
    """``dict(value)`` when it maps non-empty strings to strings; else InvalidInputError."""
    if isinstance(value, str | bytes):
        raise InvalidInputError(field, "must be a mapping of strings to strings", value)
    try:
        data: dict[Any, Any] = dict(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise InvalidInputError(field, "must be a mapping of strings to strings", value) from None
    for key, item in data.items():
        if not isinstance(key, str) or not key:
            raise InvalidInputError(field, "keys must be non-empty strings", key)
        if not isinstance(item, str):
            raise InvalidInputError(f"{field}.{key}", "values must be strings", item)
    return data


class Constants(FrozenMapping[str]):
    """Task or pool constants: an ordered, read-only ``{key: value}`` mapping.

    On the wire this is a list of ``{"key", "value"}`` objects (``KeyValue``). Build
    one from a dict, from ``(key, value)`` pairs, or keyword arguments. Values of keys
    starting with ``QARNOT_SECRET__`` show as ``***`` in ``repr``; the value itself
    (the ``"[SECRET]"`` the service sends, or the secret you set) is kept unchanged.
    A ``null`` value from the service reads as ``""``.
    """

    __slots__ = ()

    def __init__(
        self, items: Mapping[str, str] | Iterable[tuple[str, str]] = (), /, **kwargs: str
    ) -> None:
        self._data = _checked_dict(items, "constants")
        self._data.update(_checked_dict(kwargs, "constants"))

    def __hash__(self) -> int:
        return hash(tuple(self._data.items()))

    def secrets(self) -> list[str]:
        """The keys that name secrets (``QARNOT_SECRET__…``)."""
        return [k for k in self._data if k.startswith(SECRET_PREFIX)]

    def __repr__(self) -> str:
        shown = {k: (_MASK if k.startswith(SECRET_PREFIX) else v) for k, v in self._data.items()}
        return f"Constants({shown!r})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, ...]:
        return (Constants, (self._data,))


ConstantsLike = Constants | Mapping[str, str] | Iterable[tuple[str, str]]


def trusted_constants(data: dict[str, str]) -> Constants:
    """Wrap ``data``, already known to map strings to strings, without copying it."""
    constants = Constants.__new__(Constants)
    constants._data = data
    return constants


def freeze_lists(instance: Any) -> None:
    """Store the lists given to a frozen input as tuples (after its validators ran).

    The input then compares equal to the same input read back from the wire, and
    cannot change through a list the caller kept.
    """
    for a in attrs.fields(type(instance)):
        value = getattr(instance, a.name)
        if type(value) is list:
            object.__setattr__(instance, a.name, tuple(value))


#: The empty constants of an entity that has none.
EMPTY_CONSTANTS: Final = Constants()


def to_scheduling_type(value: SchedulingType | str | None) -> SchedulingType | None:
    """Accept a :class:`SchedulingType` or its wire string (``"flex"``)."""
    return to_enum(SchedulingType, "scheduling_type", value)


def to_access(value: ForcedConstantAccess | str | None) -> ForcedConstantAccess | None:
    """Accept a :class:`ForcedConstantAccess` or its wire string (``"readOnly"``)."""
    return to_enum(ForcedConstantAccess, "access", value)


def to_constants(value: ConstantsLike | None, field: str = "constants") -> Constants | None:
    """Normalise what a user gives as constants; ``None`` stays ``None``."""
    if value is None or isinstance(value, Constants):
        return value
    return trusted_constants(_checked_dict(value, field))


# One converter per field, so that the error names that field.
def constants_converter(value: ConstantsLike | None) -> Constants | None:
    """attrs converter of a ``constants`` input field."""
    return to_constants(value, "constants")


def constraints_converter(value: ConstantsLike | None) -> Constants | None:
    """attrs converter of a ``constraints`` input field."""
    return to_constants(value, "constraints")


@attrs.frozen(kw_only=True)
class ApiErrorDetail(Model):
    """An error attached to a task, pool or completed instance (``QErrorPublic``)."""

    code: str | None = None
    message: str | None = None
    debug: str | None = None


@attrs.frozen(kw_only=True, repr=False)
class ForcedConstant(Model):
    """A constant forced onto the payload, whatever the profile says (``ForcedConstant``)."""

    constant_name: str | None = checked(check_str)
    forced_value: str | None = checked(check_str)
    force_export_in_environment: bool | None = checked(check_bool)
    access: ForcedConstantAccess | None = attrs.field(default=None, converter=to_access)

    def __repr__(self) -> str:
        secret = (self.constant_name or "").startswith(SECRET_PREFIX)
        value = _MASK if secret and self.forced_value is not None else self.forced_value
        return (
            f"ForcedConstant(constant_name={self.constant_name!r}, forced_value={value!r}, "
            f"force_export_in_environment={self.force_export_in_environment!r}, "
            f"access={self.access!r})"
        )


@attrs.frozen(kw_only=True)
class ResourcesBucket(Model):
    """A resource bucket, optionally narrowed to a prefix (``ResourcesBucket``).

    ``prefix`` keeps only the objects under it (``filtering.prefixFiltering``);
    ``strip_prefix`` removes that prefix from the paths the payload sees
    (``resourcesTransformation.stripPrefix``).
    """

    bucket_name: str = attrs.field(validator=optional(check_str))
    prefix: str | None = checked(check_str, wire_name="filtering.prefixFiltering.prefix")
    strip_prefix: str | None = checked(
        check_str, wire_name="resourcesTransformation.stripPrefix.prefix"
    )
    cache_ttl_sec: int | None = checked(check_int, 0, INT32_MAX, wire_name="cacheTTLSec")


@attrs.frozen(kw_only=True)
class SecretsAccessRights(Model):
    """Which secrets a task or pool may read (``SecretsAccessRights``).

    ``by_secret`` lists exact secret keys (``bySecret: [{"key"}]``), ``by_prefix``
    key prefixes (``byPrefix: [{"prefix"}]``).
    """

    by_secret: tuple[str, ...] | None = attrs.field(default=None, converter=str_tuple)
    by_prefix: tuple[str, ...] | None = attrs.field(default=None, converter=str_tuple)

    def __attrs_post_init__(self) -> None:
        for name in ("by_secret", "by_prefix"):
            items = getattr(self, name)
            for i, item in enumerate(items or ()):
                if not isinstance(item, str):
                    raise InvalidInputError(f"{name}.{i}", "must be a string", item)


class DependencyCondition(LenientEnum):
    """A final state an advanced dependency accepts (``taskFinalStateCondition``)."""

    SUCCESS = "success"
    FAILURE = "failure"
    CANCELLED = "cancelled"


class DependencyState(LenientEnum):
    """Where a task's dependencies stand (output only)."""

    WAITING = "waiting"
    FULFILLED = "dependencyConditionsFulfilled"
    NOT_FULFILLED = "dependencyConditionsNotFulfilled"


def _to_conditions(
    value: Iterable[DependencyCondition | str] | None,
) -> tuple[DependencyCondition, ...] | None:
    if value is None:
        return None
    if isinstance(value, str | bytes):
        value = [value]
    out = []
    for i, item in enumerate(value):
        member = item if isinstance(item, DependencyCondition) else None
        if member is None and isinstance(item, str):
            member = DependencyCondition(item)
        if member is None or not member.is_known:
            raise InvalidInputError(
                f"task_final_state_condition.{i}", "must be success, failure or cancelled", item
            )
        out.append(member)
    return tuple(out)


@attrs.frozen(kw_only=True)
class AdvancedDependency(Model):
    """Wait for a task to end in one of the given final states (``advancedDependsOn``
    item; not in openapi.json, from the official SDKs).

    ``task_final_state_condition`` ``None`` accepts any final state. ``state`` and
    ``actual_final_state`` are filled in by the service in its answers.
    """

    task_uuid: str = attrs.field(validator=optional(check_uuid))
    task_final_state_condition: tuple[DependencyCondition, ...] | None = attrs.field(
        default=None, converter=_to_conditions
    )
    state: DependencyState | None = newer()
    actual_final_state: DependencyCondition | None = newer()


@attrs.frozen(kw_only=True)
class Dependencies(Model):
    """The tasks a task waits for (``DependencyInput`` / ``DependencyOutput``).

    ``depends_on`` waits for each task to succeed; ``advanced_depends_on`` (not in
    openapi.json) for each to end in states of its choosing. The service takes one or
    the other, never both. ``state`` is the service's view (answers only). The uuids
    are checked when the dependencies are given to a task input.
    """

    depends_on: tuple[str, ...] | None = attrs.field(default=None, converter=str_tuple)
    advanced_depends_on: tuple[AdvancedDependency, ...] | None = attrs.field(
        default=None, converter=to_tuple, metadata=NEWER
    )
    state: DependencyState | None = newer()


def to_dependencies(
    value: Dependencies | Sequence[str | AdvancedDependency] | None,
) -> Dependencies | None:
    """Accept a :class:`Dependencies`, a list of task uuids, or a list of
    :class:`AdvancedDependency`, and check them."""
    if value is None:
        return None
    if not isinstance(value, Dependencies):
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            raise InvalidInputError("dependencies", "must be a list of task uuids", value)
        if value and all(isinstance(item, AdvancedDependency) for item in value):
            value = Dependencies(advanced_depends_on=value)
        else:
            # Strings, checked below (a non-string fails the uuid check).
            value = Dependencies(depends_on=value)  # type: ignore[arg-type]
    if value.depends_on is not None and value.advanced_depends_on is not None:
        raise InvalidInputError(
            "dependencies",
            "give depends_on or advanced_depends_on, not both: the service takes one",
            value,
        )
    for i, item in enumerate(value.depends_on or ()):
        check_uuid(f"dependencies.{i}", item)
    for i, advanced in enumerate(value.advanced_depends_on or ()):
        if not isinstance(advanced, AdvancedDependency):
            raise InvalidInputError(
                f"dependencies.advanced_depends_on.{i}", "must be an AdvancedDependency", advanced
            )
    return value


@attrs.frozen(kw_only=True)
class RetrySettings(Model):
    """How often failed instances are retried (``RetrySettings``)."""

    max_total_retries: int | None = checked(check_int, INT32_MIN, INT32_MAX)
    max_per_instance_retries: int | None = checked(check_int, INT32_MIN, INT32_MAX)


@attrs.frozen(kw_only=True)
class Privileges(Model):
    """Privileges granted to the payload (``Privileges``)."""

    export_api_and_storage_credentials_in_environment: bool | None = checked(check_bool)


@attrs.frozen(kw_only=True)
class PreparationTask(Model):
    """A command run on each pool node before any task (``PoolPreparationTask*``)."""

    command_line: str | None = checked(check_str)


@attrs.frozen(kw_only=True)
class ElasticProperty(Model):
    """Elastic sizing of a pool (``ElasticPropertyInput`` / ``ElasticPropertyOutput``)."""

    is_elastic: bool | None = checked(check_bool)
    min_total_slots: int | None = checked(check_int, INT32_MIN, INT32_MAX)
    max_total_slots: int | None = checked(check_int, INT32_MIN, INT32_MAX)
    min_idle_slots: int | None = checked(check_int, INT32_MIN, INT32_MAX)
    resize_period: int | None = checked(check_int, INT32_MIN, INT32_MAX)
    ramp_resize_factor: float | None = checked(check_number)
    min_idle_time_seconds: int | None = checked(check_int, INT32_MIN, INT32_MAX)


@attrs.frozen(kw_only=True)
class MultiResponse(Model):
    """The outcome of one item of a bulk creation (``MultiResponse``)."""

    status_code: int | None = None
    uuid: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        """Whether this item was created (a 2xx status)."""
        return self.status_code is not None and 200 <= self.status_code < 300


@attrs.frozen(kw_only=True)
class IdResponse(Model):
    """The ``{"uuid"}`` answer of a creation, clone, retry, recover or resume (``Id``)."""

    uuid: str


@attrs.frozen(kw_only=True)
class ForcedNetworkRule(Model):
    """A network rule forced onto a task's or pool's instances (``forcedNetworkRules``
    item; not in openapi.json, from the official SDKs' ``forced_network_rule.py``).

    ``inbound`` and ``proto`` are required; the service takes ports and priority as
    strings.
    """

    inbound: bool = attrs.field(validator=optional(check_bool))
    proto: str = attrs.field(validator=optional(check_str))
    name: str | None = checked(check_str)
    application_type: str | None = checked(check_str)
    port: str | None = checked(check_str)
    to: str | None = checked(check_str)
    public_host: str | None = checked(check_str)
    public_port: str | None = checked(check_str)
    forwarder: str | None = checked(check_str)
    priority: str | None = checked(check_str)
    description: str | None = checked(check_str)
    to_q_box: bool | None = checked(check_bool, wire_name="toQBox")
    to_payload: bool | None = checked(check_bool)


@attrs.frozen(kw_only=True)
class MultiSlotsSettings(Model):
    """How many task slots each node of a pool offers (``multiSlotsSettings``; not in
    openapi.json, from the official SDKs)."""

    slots_per_node: int | None = checked(check_int, 1, INT32_MAX)
