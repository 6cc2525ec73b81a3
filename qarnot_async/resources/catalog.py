"""``client.hardware``, ``client.profiles`` and ``client.account``: the read-only
catalogue of the service and of the account."""

from __future__ import annotations

import asyncio
import builtins
from typing import TYPE_CHECKING

from .._transport import UNVERSIONED
from ..errors import InvalidInputError, NotFoundError
from ..models import (
    ApiVersion,
    Budget,
    Budgets,
    ComputingQuotas,
    CpuModelConstraint,
    Credits,
    HardwareConstraint,
    OrganizationComputingQuotas,
    Profile,
    Project,
    Settings,
    UserComputingQuotas,
    UserInfo,
)
from ..pagination import AsyncPaginator, Page
from ._checks import check_uuid_arg, clamp_page_size, route
from ._paging import OffsetPageReader, stream
from ._requests import Resource

if TYPE_CHECKING:
    from ._requester import Requester

__all__ = ["Account", "Hardware", "Profiles"]

HARDWARE_PAGE_MAX = 50
"""The service answers at most 50 hardware constraints per page."""


class Hardware(Resource):
    """The hardware constraints the service offers (``Limit``/``Offset`` paging behind
    the same :class:`~qarnot_async.pagination.Page` and paginator as token paging: a
    page's ``next_token`` is the offset of the next one)."""

    def __init__(self, requester: Requester) -> None:
        super().__init__(requester)
        self._reader = OffsetPageReader(self._calls, HardwareConstraint, "/hardware-constraints")

    async def page(
        self, *, token: str | None = None, page_size: int = HARDWARE_PAGE_MAX
    ) -> Page[HardwareConstraint]:
        """``GET /hardware-constraints?Limit=&Offset=``: one page of constraints.

        ``token``: a page's ``next_token`` (``None``: the first page); ``page_size`` is
        capped at 50.

        Raises:
            InvalidInputError: a ``page_size`` below 1 or a ``token`` not from this route.
        """
        return await self._reader(token, clamp_page_size(page_size, HARDWARE_PAGE_MAX))

    async def list(self) -> builtins.list[HardwareConstraint]:
        """Every hardware constraint, walking the pages."""
        return [c async for c in self.paginate()]

    def paginate(
        self,
        *,
        page_size: int = HARDWARE_PAGE_MAX,
        limit: int | None = None,
        start_token: str | None = None,
        prefetch: int = 1,
    ) -> AsyncPaginator[HardwareConstraint]:
        """Stream the hardware constraints: ``page_size`` per request (at most 50),
        ``limit`` in all (see :class:`~qarnot_async.pagination.AsyncPaginator`)."""
        return stream(
            self._reader,
            page_size=page_size,
            limit=limit,
            start_token=start_token,
            prefetch=prefetch,
            max_page_size=HARDWARE_PAGE_MAX,
        )

    async def search_cpu(self, model: str) -> builtins.list[CpuModelConstraint]:
        """``GET /hardware-constraints/cpu-model-constraints/search?cpuModel=``: the CPU
        model constraints whose model matches ``model``.

        Raises:
            InvalidInputError: an empty ``model``.
        """
        if not isinstance(model, str) or not model.strip():
            raise InvalidInputError("model", "a non-empty CPU model text is needed", model)
        return await self._calls.read(
            list[CpuModelConstraint],
            "GET",
            "/hardware-constraints/cpu-model-constraints/search",
            params={"cpuModel": model},
        )


class Profiles(Resource):
    """The profiles (docker images and software stacks) tasks and pools run with."""

    async def list(self) -> builtins.list[str]:
        """``GET /profiles``: the names of the profiles this account may use."""
        return await self._calls.read(list[str], "GET", "/profiles")

    async def get(self, name: str) -> Profile:
        """``GET /profiles/{name}``: a profile's constants and licenses.

        Raises:
            NotFoundError: no such profile.
        """
        return await self._calls.read(
            Profile, "GET", route("profiles", check_uuid_arg(name, "name"))
        )


class Account(Resource):
    """The account, its quotas, and the service's availability."""

    async def info(self) -> UserInfo:
        """``GET /info``: the user, quotas and usage."""
        return await self._calls.read(UserInfo, "GET", "/info")

    async def settings(self) -> Settings:
        """``GET /settings``: the service's public settings."""
        return await self._calls.read(Settings, "GET", "/settings")

    async def versions(self) -> builtins.list[ApiVersion]:
        """``GET /versions``: the API versions and their end of life."""
        return await self._calls.read(list[ApiVersion], "GET", "/versions")

    async def ping(self) -> None:
        """``GET /`` (the API root): check that the service is up and the token valid.

        (``GET /status`` answers the same question; ``client.request("GET", "/status")``
        reaches it.)

        Raises:
            AuthenticationError: the token is refused.
        """
        await self._calls.send("GET", "")

    # -- beyond the seed: quotas, credits, projects, budgets (not in openapi.json) -------

    async def quotas(self) -> ComputingQuotas:
        """``GET /quotas/computing-quotas/user`` and ``.../organization``, together:
        the user's computing quotas and their organization's.

        ``organization`` is ``None`` when the user belongs to none (the service answers
        404).
        """
        base = f"{UNVERSIONED}/quotas/computing-quotas"
        user, organization = await asyncio.gather(
            self._calls.read(UserComputingQuotas, "GET", f"{base}/user"),
            self._organization_quotas(f"{base}/organization"),
        )
        return ComputingQuotas(user=user, organization=organization)

    async def _organization_quotas(self, route: str) -> OrganizationComputingQuotas | None:
        try:
            return await self._calls.read(OrganizationComputingQuotas, "GET", route)
        except NotFoundError:
            return None

    async def credits(self) -> float | None:
        """``GET /credits/v1/accounts/credits``: the account's credits, in euros."""
        route = f"{UNVERSIONED}/credits/v1/accounts/credits"
        return (await self._calls.read(Credits, "GET", route)).credits

    async def projects(self) -> builtins.list[Project]:
        """The user's projects, as ``GET /info`` lists them (the service has no
        projects route)."""
        return list((await self.info()).projects or ())

    async def budgets(
        self, project_uuid: str, *, active_only: bool = False
    ) -> builtins.list[Budget]:
        """``GET /credits/v1/projects/{uuid}/budgets?activeOnly=``: a project's budgets
        (only those active now with ``active_only``).

        Raises:
            NotFoundError: no such project.
        """
        if not isinstance(active_only, bool):
            raise InvalidInputError("active_only", "must be True or False", active_only)
        route = UNVERSIONED + "/credits/v1" + route_of_project(project_uuid)
        # The official SDK sends Python's spelling ("True"/"False"); ASP.NET parses both.
        params = {"activeOnly": str(active_only)}
        return list((await self._calls.read(Budgets, "GET", route, params=params)).budgets)


def route_of_project(project_uuid: str) -> str:
    """``/projects/{uuid}/budgets``, the uuid checked and quoted."""
    return route("projects", check_uuid_arg(project_uuid, "project_uuid"), "budgets")
