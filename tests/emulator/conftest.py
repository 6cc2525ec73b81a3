"""Fixtures of the emulator tests: the plugin's fixtures and a raw HTTP helper."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from _emulator_api import Api

from qarnot_async.emulator import Emulator
from qarnot_async.emulator.pytest_plugin import (  # noqa: F401 - fixtures and marker
    pytest_configure,
    qarnot_client,
    qarnot_emulator,
)


@pytest.fixture
async def api(qarnot_emulator: Emulator) -> AsyncIterator[Api]:  # noqa: F811 - the fixture
    """An :class:`Api` on the fixture's emulator."""
    async with aiohttp.ClientSession() as session:
        yield Api(session, qarnot_emulator)
