"""Pools: what the service returns (:class:`Pool`, :class:`PoolSummary`) and the inputs
of creation, clone and update."""

from __future__ import annotations

import attrs

from ._bases import ComputeDetails, ComputeSettings, ComputeSummary, UpdatableSettings
from ._checks import check_bool, check_int, checked, name_validator
from ._types import INT32_MAX, newer
from .common import (
    ElasticProperty,
    MultiSlotsSettings,
    PreparationTask,
    RetrySettings,
)
from .enums import PoolState
from .scaling import Scaling

__all__ = ["Pool", "PoolClone", "PoolCreate", "PoolSummary", "PoolUpdate"]


@attrs.frozen(kw_only=True)
class PoolSummary(ComputeSummary[PoolState]):
    """The light view of a pool (``PoolSummaryOutput``).

    ``is_final``: the pool is Closed or failed.
    """

    target_running_instance_count: int | None = None
    queued_or_running_task_instances_count: int | None = None
    task_default_wait_for_pool_resources_synchronization: bool | None = None


@attrs.frozen(kw_only=True)
class Pool(ComputeDetails, PoolSummary):
    """A pool as the service describes it (``PoolOutput``).

    ``constants`` is never ``None``: an absent list reads as empty.
    """

    elastic_property: ElasticProperty | None = None
    scaling: Scaling | None = None
    preparation_task: PreparationTask | None = None
    total_slot_capacity: int | None = None
    pool_usage: float | None = None
    default_retry_settings: RetrySettings | None = None
    # Not in openapi.json (the official SDKs read them; ``credits`` is probably what
    # the pool consumed so far, in euros):
    multi_slots_settings: MultiSlotsSettings | None = newer()
    credits: float | None = newer()


@attrs.frozen(kw_only=True)
class _PoolSettings(ComputeSettings):
    """The settings shared by pool creation and clone."""

    instance_count: int | None = checked(check_int, 0, INT32_MAX)
    elastic_property: ElasticProperty | None = None
    scaling: Scaling | None = None
    preparation_task: PreparationTask | None = None
    task_default_wait_for_pool_resources_synchronization: bool | None = checked(check_bool)
    default_retry_settings: RetrySettings | None = None
    multi_slots_settings: MultiSlotsSettings | None = None  # not in openapi.json


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


@attrs.frozen(kw_only=True)
class PoolUpdate(UpdatableSettings):
    """New constants, constraints, tags or sizing of a pool (``PoolUpdateInput``)."""

    elastic_property: ElasticProperty | None = None
    scaling: Scaling | None = None
