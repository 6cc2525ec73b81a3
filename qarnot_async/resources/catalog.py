"""``client.hardware``, ``client.profiles`` and ``client.account``: the read-only
catalogue of the service and of the account."""

from __future__ import annotations

import builtins
from typing import Any

from ..errors import InvalidInputError
from ..models import (
    ApiVersion,
    CpuModelConstraint,
    HardwareConstraint,
    OffsetPage,
    Profile,
    Settings,
    UserInfo,
)
from ..pagination import AsyncPaginator
from ._base import Resource, check_uuid_arg, route

__all__ = ["Account", "Hardware", "Profiles"]

HARDWARE_PAGE_MAX = 50
"""The service answers at most 50 hardware constraints per page."""


class Hardware(Resource):
    """The hardware constraints the service offers (Limit/Offset paging)."""

    async def page(
        self, *, limit: int = HARDWARE_PAGE_MAX, offset: int = 0
    ) -> OffsetPage[HardwareConstraint]:
        """``GET /hardware-constraints?Limit=&Offset=``: one page of constraints.

        Raises:
            InvalidInputError: a limit outside 1..50 or a negative offset.
        """
        if not 1 <= limit <= HARDWARE_PAGE_MAX:
            raise InvalidInputError("limit", f"must be between 1 and {HARDWARE_PAGE_MAX}", limit)
        if offset < 0:
            raise InvalidInputError("offset", "must be >= 0", offset)
        return await self._one(
            OffsetPage[HardwareConstraint],
            "GET",
            "/hardware-constraints",
            params={"Limit": str(limit), "Offset": str(offset)},
        )

    async def list(self) -> builtins.list[HardwareConstraint]:
        """Every hardware constraint, walking the Limit/Offset pages."""
        return [c async for c in self.paginate()]

    def paginate(
        self,
        *,
        page_size: int = HARDWARE_PAGE_MAX,
        limit: int | None = None,
        start_token: str | None = None,
        prefetch: int = 1,
    ) -> AsyncPaginator[HardwareConstraint]:
        """Stream the hardware constraints behind the same interface as token paging."""
        return self._offset_paginator(
            HardwareConstraint,
            "/hardware-constraints",
            page_size=page_size,
            limit=limit,
            start_token=start_token,
            prefetch=prefetch,
            max_page_size=HARDWARE_PAGE_MAX,
        )

    async def search_cpu(self, model: str) -> builtins.list[CpuModelConstraint]:
        """``GET /hardware-constraints/cpu-model-constraints/search?cpuModel=``: the CPU
        model constraints whose model matches ``model``."""
        if not isinstance(model, str) or not model.strip():
            raise InvalidInputError("model", "a non-empty CPU model text is needed", model)
        return await self._many(
            CpuModelConstraint,
            "GET",
            "/hardware-constraints/cpu-model-constraints/search",
            params={"cpuModel": model},
        )


class Profiles(Resource):
    """The profiles (docker images and software stacks) tasks and pools run with."""

    async def list(self) -> builtins.list[str]:
        """``GET /profiles``: the names of the profiles this account may use."""
        data: Any = await self._json("GET", "/profiles")
        return [str(name) for name in data or []]

    async def get(self, name: str) -> Profile:
        """``GET /profiles/{name}``: a profile's constants and licenses.

        Raises:
            NotFoundError: no such profile.
        """
        return await self._one(Profile, "GET", route("profiles", check_uuid_arg(name, "name")))


class Account(Resource):
    """The account, its quotas, and the service's own status."""

    async def info(self) -> UserInfo:
        """``GET /info``: the user, quotas and usage."""
        return await self._one(UserInfo, "GET", "/info")

    async def settings(self) -> Settings:
        """``GET /settings``: the service's public settings."""
        return Settings(await self._json("GET", "/settings") or {})

    async def versions(self) -> builtins.list[ApiVersion]:
        """``GET /versions``: the API versions and their end of life."""
        return await self._many(ApiVersion, "GET", "/versions")

    async def status(self) -> None:
        """``GET /status``: check that the service is up and the token valid.

        Raises:
            AuthenticationError: the token is refused.
        """
        await self._send("GET", "/status")

    async def ping(self) -> None:
        """``GET /`` (the API root): check availability and authentication.

        Raises:
            AuthenticationError: the token is refused.
        """
        await self._send("GET", "")
