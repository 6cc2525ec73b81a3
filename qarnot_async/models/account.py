"""The account: user info and quotas, profiles, API versions, public settings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import attrs

from ._types import FrozenMapping, Model, newer, wired
from .credits import Project
from .enums import SchedulingType

__all__ = [
    "ApiVersion",
    "ComputingQuotas",
    "OrganizationComputingQuotas",
    "OrganizationReservedQuota",
    "OrganizationSchedulingQuota",
    "Profile",
    "ProfileConstant",
    "ProfileLicense",
    "ReservedQuota",
    "RunningCounts",
    "SchedulingQuota",
    "Settings",
    "UserComputingQuotas",
    "UserInfo",
]


@attrs.frozen(kw_only=True)
class _InstanceLimits(Model):
    """The caps on instances and cores that quotas, users and licenses all state."""

    max_instances: int | None = None
    max_cores: int | None = None


# Not slotted, like models._bases.Retention: SchedulingQuota already has a slotted base
# with fields (_InstanceLimits), and a class can have only one.
@attrs.frozen(kw_only=True, slots=False)
class _RunningCounts(Model):
    """What runs now, counted in instances and cores."""

    running_instances_count: int | None = None
    # openapi.json spells it runningCoreCount, both official SDKs runningCoresCount.
    running_core_count: int | None = wired("runningCoreCount", also="runningCoresCount")


@attrs.frozen(kw_only=True)
class RunningCounts(_RunningCounts):
    """What one user of an organization runs (``runningCountsPerUser`` values; not in
    openapi.json, from the official Python SDK's ``computing_quotas.py``)."""


@attrs.frozen(kw_only=True)
class SchedulingQuota(_InstanceLimits, _RunningCounts):
    """Quotas and usage for one scheduling type (``UserSchedulingQuotasOutput``).

    ``running_core_count`` is read from ``runningCoreCount`` (openapi.json) or
    ``runningCoresCount`` (the official SDKs), whichever the service sends.
    """


# Not slotted, like _RunningCounts: the quotas it is mixed into already have a slotted
# base with fields. It comes first among their bases so that its fields stay last.
@attrs.frozen(kw_only=True, slots=False)
class _ReservedMachine(Model):
    """Which reserved machine a quota is about (``reservation_name`` is not in
    openapi.json; the official SDKs read it)."""

    machine_key: str | None = None
    reservation_name: str | None = newer()


@attrs.frozen(kw_only=True)
class ReservedQuota(_ReservedMachine, SchedulingQuota):
    """Quotas and usage on one reserved machine (``ReservedSchedulingQuotasOutput``).

    ``reservation_name`` is not in openapi.json (the official SDKs read it).
    """


@attrs.frozen(kw_only=True)
class UserComputingQuotas(Model):
    """Computing quotas by scheduling type (``UserComputingQuotasOutput``)."""

    flex: SchedulingQuota | None = None
    on_demand: SchedulingQuota | None = None
    reserved: tuple[ReservedQuota, ...] | None = None


@attrs.frozen(kw_only=True)
class OrganizationSchedulingQuota(SchedulingQuota):
    """An organization's quota for one scheduling type, with each member's usage
    (``running_counts_per_user``: email -> counts; ``None`` without the permission).

    Not in openapi.json: from the official Python SDK (``computing_quotas.py``).
    """

    running_counts_per_user: Mapping[str, RunningCounts] | None = None


@attrs.frozen(kw_only=True)
class OrganizationReservedQuota(_ReservedMachine, OrganizationSchedulingQuota):
    """An organization's quota on one reserved machine (not in openapi.json)."""


@attrs.frozen(kw_only=True)
class OrganizationComputingQuotas(Model):
    """The computing quotas of the user's organization (not in openapi.json)."""

    name: str | None = None
    flex: OrganizationSchedulingQuota | None = None
    on_demand: OrganizationSchedulingQuota | None = None
    reserved: tuple[OrganizationReservedQuota, ...] | None = None


@attrs.frozen(kw_only=True)
class ComputingQuotas(Model):
    """The computing quotas of the user and of their organization
    (``ComputingQuotasOutput``; ``organization`` is not in openapi.json)."""

    user: UserComputingQuotas | None = None
    organization: OrganizationComputingQuotas | None = newer()


@attrs.frozen(kw_only=True)
class UserInfo(_InstanceLimits):
    """The authenticated user, with quotas and usage (``UserOutput``).

    ``reserved_quotas`` is in the API reference's example though not in the OpenAPI
    schema; it is read when present. So are ``projects``.
    """

    email: str | None = None
    max_bucket: int | None = None
    max_task: int | None = None
    task_count: int | None = None
    max_job: int | None = None
    job_count: int | None = None
    max_pool: int | None = None
    pool_count: int | None = None
    max_running_task: int | None = None
    max_running_pool: int | None = None
    running_task_count: int | None = None
    running_pool_count: int | None = None
    running_instance_count: int | None = None
    running_core_count: int | None = None
    max_flex_instances: int | None = None
    max_flex_cores: int | None = None
    max_on_demand_instances: int | None = None
    max_on_demand_cores: int | None = None
    reserved_quotas: tuple[ReservedQuota, ...] | None = None
    computing_quotas: ComputingQuotas | None = None
    quota_bytes: int | None = None
    quota_bytes_bucket: int | None = None
    used_quota_bytes_bucket: int | None = None
    used_quota_bytes: int | None = None
    default_scheduling: SchedulingType | None = None
    default_reserved_specification_key: str | None = None
    projects: tuple[Project, ...] | None = newer()
    """The user's projects (not in openapi.json; the official Python SDK reads them)."""


@attrs.frozen(kw_only=True)
class ProfileConstant(Model):
    """A constant a profile reads, with its default (``QConstant``)."""

    name: str | None = None
    value: str | None = None
    description: str | None = None


@attrs.frozen(kw_only=True)
class ProfileLicense(_InstanceLimits):
    """A license a profile uses (``QLicense``)."""

    name: str | None = None


@attrs.frozen(kw_only=True)
class Profile(Model):
    """A profile: the constants it reads and the licenses it needs (``QProfile``)."""

    name: str | None = None
    constants: tuple[ProfileConstant, ...] | None = None
    licenses: tuple[ProfileLicense, ...] | None = None

    @property
    def defaults(self) -> dict[str, str | None]:
        """The default value of each constant, by name."""
        return {c.name: c.value for c in self.constants or () if c.name is not None}


@attrs.frozen(kw_only=True)
class ApiVersion(Model):
    """A version of the API and its planned end of life (``VersionOutput``)."""

    version: str | None = None
    end_of_life: date | None = None


class Settings(FrozenMapping[Any]):
    """The service's public settings (``GET /settings``): a read-only mapping."""

    __slots__ = ()

    def __init__(self, data: Mapping[str, Any] | None = None, /) -> None:
        self._data = dict(data or {})

    def __repr__(self) -> str:
        return f"Settings({self._data!r})"
