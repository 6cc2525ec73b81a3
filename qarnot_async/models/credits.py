"""Credits, projects and budgets.

None of it is in ``openapi.json``: the routes (``/credits/v1/...``) and shapes come from
the official Python SDK 2.23 (``credits_client.py``, ``budget.py``, ``project.py``).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from ._types import Model, OpenEnum

__all__ = ["Budget", "BudgetOverrunPolicy", "Budgets", "Credits", "Project"]


@attrs.frozen(kw_only=True)
class Credits(Model):
    """Credits consumed, in euros (``{"credits": number}``)."""

    credits: float | None = None


class BudgetOverrunPolicy(OpenEnum):
    """What the service does once a budget is spent."""

    ALERT_ONLY = "AlertOnly"
    BLOCK_NEW = "BlockNew"
    STOP_AND_BLOCK_ALL = "StopAndBlockAll"


@attrs.frozen(kw_only=True)
class Budget(Model):
    """A project's budget; amounts in euro cents."""

    uuid: str | None = None
    alias: str | None = None
    consumed_amount_in_cents: int | None = None
    total_amount_in_cents: int | None = None
    remaining_amount_in_cents: int | None = None
    budget_overrun_policy: BudgetOverrunPolicy | None = None
    start_date_utc: datetime | None = None
    expiration_date_utc: datetime | None = None
    is_archived: bool | None = None


@attrs.frozen(kw_only=True)
class Budgets(Model):
    """The answer of ``GET /credits/v1/projects/{uuid}/budgets``."""

    budgets: tuple[Budget, ...] = ()


@attrs.frozen(kw_only=True)
class Project(Model):
    """A project the user belongs to, as ``GET /info`` lists them (``projects``)."""

    uuid: str | None = None
    name: str | None = None
    slug: str | None = None
    description: str | None = None
    organization_uuid: str | None = None
    is_default: bool | None = None
