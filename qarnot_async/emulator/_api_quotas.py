"""Computing quotas, projects and budgets: ``/quotas/computing-quotas/{user|organization}``
and ``/credits/v1/projects/{uuid}/budgets``, none of them in ``openapi.json``.

The quotas are those ``GET /info`` reports (the same numbers, read at the same
moment), spelled ``runningCoresCount`` as the official SDKs read it, with
openapi.json's ``runningCoreCount`` alongside. The account belongs to one organization
of which it is the only member, and has one default project with two budgets, one of
them archived (what ``activeOnly`` leaves out).
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from ._errors import json_response, not_found
from ._http import state_of
from ._render import user_output
from ._state import EmulatorState

__all__ = ["HANDLERS", "ORGANIZATION_NAME", "PROJECT_UUID", "account_info"]

ORGANIZATION_NAME: Final = "Emulated organization"
ORGANIZATION_UUID: Final = "0a000000-0000-4000-8000-000000000001"
PROJECT_UUID: Final = "0a000000-0000-4000-8000-000000000002"

_BUDGETS: Final = (
    {
        "uuid": "0a000000-0000-4000-8000-000000000003",
        "alias": "current",
        "consumedAmountInCents": 1250,
        "totalAmountInCents": 10000,
        "remainingAmountInCents": 8750,
        "budgetOverrunPolicy": "BlockNew",
        "startDateUtc": "2024-01-01T00:00:00Z",
        "expirationDateUtc": "2099-01-01T00:00:00Z",
        "isArchived": False,
    },
    {
        "uuid": "0a000000-0000-4000-8000-000000000004",
        "alias": "last year",
        "consumedAmountInCents": 5000,
        "totalAmountInCents": 5000,
        "remainingAmountInCents": 0,
        "budgetOverrunPolicy": "AlertOnly",
        "startDateUtc": "2023-01-01T00:00:00Z",
        "expirationDateUtc": "2024-01-01T00:00:00Z",
        "isArchived": True,
    },
)


def _both_spellings(quota: dict[str, Any]) -> dict[str, Any]:
    return {**quota, "runningCoresCount": quota.get("runningCoreCount")}


def _quotas(st: EmulatorState) -> tuple[dict[str, Any], dict[str, Any]]:
    """The user's and the organization's quotas, from what /info says now."""
    user = user_output(st.store, st.email)["computingQuotas"]["user"]
    user = {
        "flex": _both_spellings(user["flex"]),
        "onDemand": _both_spellings(user["onDemand"]),
        "reserved": [_both_spellings(r) for r in user.get("reserved") or []],
    }

    def per_user(quota: dict[str, Any]) -> dict[str, Any]:
        counts = {
            "runningInstancesCount": quota["runningInstancesCount"],
            "runningCoresCount": quota["runningCoresCount"],
        }
        return {**quota, "runningCountsPerUser": {st.email: counts}}

    organization = {
        "name": ORGANIZATION_NAME,
        "flex": per_user(user["flex"]),
        "onDemand": per_user(user["onDemand"]),
        "reserved": [per_user(r) for r in user["reserved"]],
    }
    return user, organization


def account_info(st: EmulatorState) -> dict[str, Any]:
    """``GET /info``: the seed's ``UserOutput`` plus the organization's quotas and the
    projects the official SDK reads."""
    info = user_output(st.store, st.email)
    user, organization = _quotas(st)
    info["computingQuotas"] = {"user": user, "organization": organization}
    info["projects"] = [
        {
            "uuid": PROJECT_UUID,
            "name": "Default project",
            "slug": "default",
            "description": "The account's default project",
            "organizationUuid": ORGANIZATION_UUID,
            "isDefault": True,
        }
    ]
    return info


async def user_quotas(request: web.Request) -> web.StreamResponse:
    """GET /quotas/computing-quotas/user."""
    return json_response(_quotas(state_of(request))[0])


async def organization_quotas(request: web.Request) -> web.StreamResponse:
    """GET /quotas/computing-quotas/organization."""
    return json_response(_quotas(state_of(request))[1])


async def budgets(request: web.Request) -> web.StreamResponse:
    """GET /credits/v1/projects/{uuid}/budgets?activeOnly=True|False: 404 for another
    project; ``activeOnly`` read in any case (the Python SDK sends ``True``)."""
    uuid = request.match_info["uuid"]
    if uuid.lower() != PROJECT_UUID:
        raise not_found("project", uuid)
    values = [v for k, v in request.query.items() if k.lower() == "activeonly"]
    active_only = bool(values) and values[-1].strip().lower() == "true"
    found = [b for b in _BUDGETS if not (active_only and b["isArchived"])]
    return json_response({"budgets": found})


HANDLERS: list[tuple[str, str, Any]] = [
    ("GET", "/quotas/computing-quotas/user", user_quotas),
    ("GET", "/quotas/computing-quotas/organization", organization_quotas),
    ("GET", "/credits/v1/projects/{uuid}/budgets", budgets),
]
