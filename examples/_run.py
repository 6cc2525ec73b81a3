"""Run an example against Qarnot when QARNOT_CLIENT_TOKEN is set, else on the emulator."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

from qarnot_async import Client
from qarnot_async.emulator import Emulator


def run(main: Callable[[Client], Awaitable[Any]], *, storage: bool = False) -> None:
    """``asyncio.run(main(client))`` with a client on Qarnot or on a sped-up emulator
    (with its local S3 storage when ``storage``)."""

    async def go() -> None:
        if os.environ.get("QARNOT_CLIENT_TOKEN"):
            async with Client.from_env() as client:
                await main(client)
            return
        async with Emulator(speed=50.0, storage=storage) as emu, emu.client() as client:
            await main(client)

    asyncio.run(go())
