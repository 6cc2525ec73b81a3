"""The attributes tasks, pools and jobs share, declared once.

Outputs: every entity has an identity, a state of its own enum and dates
(:class:`Entity`); tasks and pools also share their run figures
(:class:`ComputeSummary`) and, in their full views, the settings they run with
(:class:`ComputeDetails`), of which tags and retention are also a job's
(:class:`Retention`). Inputs: tasks and pools take the same settings
(:class:`ComputeSettings`), of which constants, constraints and tags can also change
on a running one (:class:`UpdatableSettings`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

import attrs

from ._checks import (
    check_bool,
    check_duration,
    check_instances,
    check_int,
    check_name,
    check_str,
    check_str_mapping,
    check_str_sequence,
    check_uuid,
    checked,
)
from ._types import INT32_MAX, INT32_MIN, Model, newer
from .common import (
    EMPTY_CONSTANTS,
    ApiErrorDetail,
    Constants,
    ForcedConstant,
    ForcedNetworkRule,
    Privileges,
    ResourcesBucket,
    SecretsAccessRights,
    constants_converter,
    constraints_converter,
    freeze_lists,
    to_scheduling_type,
)
from .enums import SchedulingType
from .hardware import HardwareConstraint
from .status import TaskStatus

__all__ = [
    "ComputeDetails",
    "ComputeSettings",
    "ComputeSummary",
    "Entity",
    "FinalState",
    "Retention",
    "UpdatableSettings",
]


class FinalState(Protocol):
    """A state enum that knows its final values."""

    @property
    def is_final(self) -> bool:
        """Whether an entity in this state can no longer change."""
        ...


S = TypeVar("S", bound=FinalState)


@attrs.frozen(kw_only=True)
class Entity(Model, Generic[S]):
    """What the service says of every task, pool and job: identity, state, dates."""

    uuid: str
    name: str | None = None
    shortname: str | None = None
    state: S | None = None
    previous_state: S | None = None
    state_transition_time: datetime | None = None
    previous_state_transition_time: datetime | None = None
    creation_date: datetime | None = None
    last_modified: datetime | None = None

    @property
    def is_final(self) -> bool:
        """Whether it can no longer change (see its state's ``is_final``).

        False for a state this SDK does not know.
        """
        return self.state is not None and self.state.is_final


@attrs.frozen(kw_only=True)
class ComputeSummary(Entity[S]):
    """What the light views of tasks and pools share: profile, instances, run times."""

    profile: str | None = None
    instance_count: int | None = None
    running_instance_count: int | None = None
    running_core_count: int | None = None
    execution_time: timedelta | None = None
    wall_time: timedelta | None = None
    end_date: datetime | None = None


# Not slotted, like ComputeDetails below: Job, Task and Pool each already have a slotted
# chain of bases with fields (Entity, their summaries), and a class can have only one;
# these fields live in the instance's __dict__ instead, which reads as fast (see the
# converter benchmark).
@attrs.frozen(kw_only=True, slots=False)
class Retention(Model):
    """What the full views of jobs, tasks and pools share: their tags and whether and
    when the service deletes them once complete."""

    tags: tuple[str, ...] | None = None
    auto_delete_on_completion: bool | None = None
    completion_time_to_live: timedelta | None = None


@attrs.frozen(kw_only=True, slots=False)
class ComputeDetails(Retention):
    """What the full views of tasks and pools share (besides their summaries): errors,
    resources, status and the settings they run with (retention included).

    ``constants`` is never ``None``: an absent list reads as empty.
    """

    errors: tuple[ApiErrorDetail, ...] | None = None
    status: TaskStatus | None = None
    constants: Constants = EMPTY_CONSTANTS
    secrets_access_rights: SecretsAccessRights | None = None
    resource_buckets: tuple[str, ...] | None = None
    advanced_resource_buckets: tuple[ResourcesBucket, ...] | None = None
    hardware_constraints: tuple[HardwareConstraint, ...] | None = None
    labels: Mapping[str, str] | None = None
    scheduling_type: SchedulingType | None = None
    targeted_reserved_machine_key: str | None = None
    privileges: Privileges | None = None
    # Not in openapi.json (the official SDKs send and read them):
    forced_network_rules: tuple[ForcedNetworkRule, ...] | None = newer()
    max_time_queue_seconds: int | None = newer()
    targeted_reservation_name: str | None = newer()
    project_uuid: str | None = newer()


@attrs.frozen(kw_only=True)
class UpdatableSettings(Model):
    """What can change on a running task or pool; lists given are kept as tuples."""

    constants: Constants | None = attrs.field(default=None, converter=constants_converter)
    constraints: Constants | None = attrs.field(default=None, converter=constraints_converter)
    tags: Sequence[str] | None = checked(check_str_sequence)

    def __attrs_post_init__(self) -> None:
        freeze_lists(self)


@attrs.frozen(kw_only=True)
class ComputeSettings(UpdatableSettings):
    """The settings of task and pool inputs alike.

    Every value is checked here; a bad one raises
    :class:`~qarnot_async.errors.InvalidInputError` naming the field.
    """

    name: str | None = checked(check_name)
    shortname: str | None = checked(check_name)
    profile: str | None = checked(check_name)
    forced_constants: Sequence[ForcedConstant] | None = checked(check_instances, ForcedConstant)
    hardware_constraints: Sequence[HardwareConstraint] | None = checked(
        check_instances, HardwareConstraint
    )
    secrets_access_rights: SecretsAccessRights | None = None
    resource_buckets: Sequence[str] | None = checked(check_str_sequence)
    advanced_resource_buckets: Sequence[ResourcesBucket] | None = checked(
        check_instances, ResourcesBucket
    )
    priority: int | None = checked(check_int, INT32_MIN, INT32_MAX)
    auto_delete_on_completion: bool | None = checked(check_bool)
    completion_time_to_live: timedelta | None = checked(check_duration)  # noqa: RUF009 (an attrs field)
    labels: Mapping[str, str] | None = checked(check_str_mapping)
    scheduling_type: SchedulingType | None = attrs.field(default=None, converter=to_scheduling_type)
    targeted_reserved_machine_key: str | None = checked(check_str)
    default_resources_cache_ttl_sec: int | None = checked(
        check_int, 0, INT32_MAX, wire_name="defaultResourcesCacheTTLSec"
    )
    privileges: Privileges | None = None
    # Not in openapi.json (the official SDKs send them):
    forced_network_rules: Sequence[ForcedNetworkRule] | None = checked(
        check_instances, ForcedNetworkRule
    )
    max_time_queue_seconds: int | None = checked(check_int, 0, INT32_MAX)
    targeted_reservation_name: str | None = checked(check_str)
    project_uuid: str | None = checked(check_uuid)
