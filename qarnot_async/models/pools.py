"""Pools: what the service returns (:class:`Pool`, :class:`PoolSummary`) and the inputs
of creation, clone and update."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import attrs

from ._types import (
    check_bool,
    check_duration,
    check_str,
    check_str_mapping,
    check_str_sequence,
    optional,
    wire,
)
from .common import (
    EMPTY_CONSTANTS,
    ApiErrorDetail,
    Constants,
    ElasticProperty,
    ForcedConstant,
    PreparationTask,
    Privileges,
    ResourcesBucket,
    RetrySettings,
    SecretsAccessRights,
    constants_converter,
    constraints_converter,
    freeze_lists,
    int32_validator,
    list_validator,
    name_validator,
    to_scheduling_type,
)
from .enums import PoolState, SchedulingType
from .hardware import HardwareConstraint
from .scaling import Scaling
from .status import TaskStatus

__all__ = ["Pool", "PoolClone", "PoolCreate", "PoolSummary", "PoolUpdate"]


@attrs.frozen(kw_only=True)
class PoolSummary:
    """The light view of a pool (``PoolSummaryOutput``)."""

    uuid: str
    name: str | None = None
    shortname: str | None = None
    profile: str | None = None
    state: PoolState | None = None
    previous_state: PoolState | None = None
    instance_count: int | None = None
    target_running_instance_count: int | None = None
    state_transition_time: datetime | None = None
    previous_state_transition_time: datetime | None = None
    creation_date: datetime | None = None
    last_modified: datetime | None = None
    end_date: datetime | None = None
    running_instance_count: int | None = None
    running_core_count: int | None = None
    queued_or_running_task_instances_count: int | None = None
    execution_time: timedelta | None = None
    wall_time: timedelta | None = None
    task_default_wait_for_pool_resources_synchronization: bool | None = None

    @property
    def is_final(self) -> bool:
        """Whether the pool is Closed or failed; False for unknown states."""
        return self.state is not None and self.state.is_final


@attrs.frozen(kw_only=True)
class Pool(PoolSummary):
    """A pool as the service describes it (``PoolOutput``).

    ``constants`` is never ``None``: an absent list reads as empty.
    """

    errors: tuple[ApiErrorDetail, ...] | None = None
    elastic_property: ElasticProperty | None = None
    scaling: Scaling | None = None
    preparation_task: PreparationTask | None = None
    constants: Constants = EMPTY_CONSTANTS
    secrets_access_rights: SecretsAccessRights | None = None
    tags: tuple[str, ...] | None = None
    resource_buckets: tuple[str, ...] | None = None
    advanced_resource_buckets: tuple[ResourcesBucket, ...] | None = None
    status: TaskStatus | None = None
    total_slot_capacity: int | None = None
    pool_usage: float | None = None
    hardware_constraints: tuple[HardwareConstraint, ...] | None = None
    scheduling_type: SchedulingType | None = None
    targeted_reserved_machine_key: str | None = None
    auto_delete_on_completion: bool | None = None
    completion_time_to_live: timedelta | None = None
    labels: Mapping[str, str] | None = None
    privileges: Privileges | None = None
    default_retry_settings: RetrySettings | None = None


@attrs.frozen(kw_only=True)
class _PoolSettings:
    """The settings shared by pool creation and clone."""

    shortname: str | None = attrs.field(default=None, validator=name_validator)
    instance_count: int | None = attrs.field(default=None, validator=int32_validator(0))
    elastic_property: ElasticProperty | None = None
    scaling: Scaling | None = None
    constants: Constants | None = attrs.field(default=None, converter=constants_converter)
    constraints: Constants | None = attrs.field(default=None, converter=constraints_converter)
    forced_constants: Sequence[ForcedConstant] | None = attrs.field(
        default=None, validator=list_validator(ForcedConstant)
    )
    hardware_constraints: Sequence[HardwareConstraint] | None = attrs.field(
        default=None, validator=list_validator(HardwareConstraint)
    )
    secrets_access_rights: SecretsAccessRights | None = None
    tags: Sequence[str] | None = attrs.field(default=None, validator=optional(check_str_sequence))
    resource_buckets: Sequence[str] | None = attrs.field(
        default=None, validator=optional(check_str_sequence)
    )
    advanced_resource_buckets: Sequence[ResourcesBucket] | None = attrs.field(
        default=None, validator=list_validator(ResourcesBucket)
    )
    priority: int | None = attrs.field(default=None, validator=int32_validator())
    preparation_task: PreparationTask | None = None
    auto_delete_on_completion: bool | None = attrs.field(
        default=None, validator=optional(check_bool)
    )
    completion_time_to_live: timedelta | None = attrs.field(
        default=None, validator=optional(check_duration)
    )
    task_default_wait_for_pool_resources_synchronization: bool | None = attrs.field(
        default=None, validator=optional(check_bool)
    )
    labels: Mapping[str, str] | None = attrs.field(
        default=None, validator=optional(check_str_mapping)
    )
    scheduling_type: SchedulingType | None = attrs.field(default=None, converter=to_scheduling_type)
    targeted_reserved_machine_key: str | None = attrs.field(
        default=None, validator=optional(check_str)
    )
    default_resources_cache_ttl_sec: int | None = attrs.field(
        default=None, validator=int32_validator(0), metadata=wire("defaultResourcesCacheTTLSec")
    )
    privileges: Privileges | None = None
    default_retry_settings: RetrySettings | None = None

    def __attrs_post_init__(self) -> None:
        freeze_lists(self)


@attrs.frozen(kw_only=True)
class PoolCreate(_PoolSettings):
    """A pool to create (``PoolCreationInput``).

    Every value is checked here; a bad one raises
    :class:`~qarnot_async.errors.InvalidInputError` naming the field.
    """

    name: str = attrs.field(validator=name_validator)
    profile: str = attrs.field(validator=name_validator)


@attrs.frozen(kw_only=True)
class PoolClone(_PoolSettings):
    """What to change when cloning a pool (``PoolCloneInput``); unset fields are copied."""

    name: str | None = attrs.field(default=None, validator=name_validator)
    profile: str | None = attrs.field(default=None, validator=name_validator)


@attrs.frozen(kw_only=True)
class PoolUpdate:
    """New constants, constraints, tags or sizing of a pool (``PoolUpdateInput``)."""

    constants: Constants | None = attrs.field(default=None, converter=constants_converter)
    constraints: Constants | None = attrs.field(default=None, converter=constraints_converter)
    tags: Sequence[str] | None = attrs.field(default=None, validator=optional(check_str_sequence))
    elastic_property: ElasticProperty | None = None
    scaling: Scaling | None = None

    def __attrs_post_init__(self) -> None:
        freeze_lists(self)
