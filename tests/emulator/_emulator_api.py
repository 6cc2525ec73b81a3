"""Raw HTTP helper of the emulator tests (plain aiohttp, never qarnot_async's client)."""

from __future__ import annotations

from typing import Any

import aiohttp

from qarnot_async.emulator import Emulator


class Api:
    """Plain aiohttp calls to the emulator, answering ``(status, body)``."""

    def __init__(self, session: aiohttp.ClientSession, emulator: Emulator) -> None:
        self.session = session
        self.emu = emulator
        # The last response, for its headers.
        self.last: Any = None

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Any = None,
        prefix: str = "/v1",
        headers: dict[str, str] | None = None,
        auth: bool = True,
        params: Any = None,
    ) -> tuple[int, Any]:
        all_headers = {"Authorization": self.emu.token} if auth else {}
        all_headers.update(headers or {})
        async with self.session.request(
            method,
            f"{self.emu.url}{prefix}{path}",
            json=json,
            data=data,
            headers=all_headers,
            params=params,
        ) as response:
            self.last = response
            content_type = response.headers.get("Content-Type", "")
            if "json" in content_type:
                return response.status, await response.json(content_type=None)
            return response.status, await response.text()

    async def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        status, body = await self.call(method, path, **kwargs)
        assert status == 200, (status, body)
        return body

    async def create_task(self, **fields: Any) -> str:
        body = {"name": "task", "profile": "docker-batch", "instanceCount": 1, **fields}
        return str((await self.ok("POST", "/tasks", json=body))["uuid"])

    async def create_pool(self, **fields: Any) -> str:
        body = {"name": "pool", "profile": "docker-batch", "instanceCount": 2, **fields}
        return str((await self.ok("POST", "/pools", json=body))["uuid"])

    async def create_job(self, **fields: Any) -> str:
        body = {"name": "job", **fields}
        return str((await self.ok("POST", "/jobs", json=body))["uuid"])

    async def task(self, uuid: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.ok("GET", f"/tasks/{uuid}")
        return result
