"""pytest fixtures serving the Qarnot emulator.

Fixtures (function scope, async; they need pytest-asyncio, as qarnot_async's tests use):

``qarnot_emulator``
    A started :class:`~qarnot_async.emulator.Emulator` on a free loopback port, with a
    manual clock (``await qarnot_emulator.advance(60)`` moves time). Options of the
    constructor come from the ``qarnot_emulator`` marker::

        @pytest.mark.qarnot_emulator(quotas={"maxTask": 3}, fault_rate=0.1, seed=1)
        async def test_quota(qarnot_emulator): ...

``qarnot_client``
    ``qarnot_emulator.client()``: a :class:`qarnot_async.Client` pointed at the
    emulator, closed after the test.

Installed with qarnot_async, the module is registered as a ``pytest11`` plugin; without
that entry point, import the fixtures in a ``conftest.py``::

    from qarnot_async.emulator.pytest_plugin import qarnot_client, qarnot_emulator
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ._emulator import Emulator

try:
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - without pytest-asyncio, another async plugin may cope
    _async_fixture = pytest.fixture  # type: ignore[assignment]

__all__ = ["pytest_configure", "qarnot_client", "qarnot_emulator"]

_MARKER = "qarnot_emulator"


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``qarnot_emulator`` marker."""
    config.addinivalue_line(
        "markers", f"{_MARKER}(**options): constructor options of the qarnot_emulator fixture"
    )


@_async_fixture
async def qarnot_emulator(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    """A started emulator (manual clock unless the marker says otherwise)."""
    marker = request.node.get_closest_marker(_MARKER)
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    async with Emulator(**options) as emulator:
        yield emulator


@_async_fixture
async def qarnot_client(qarnot_emulator: Emulator) -> AsyncIterator[Any]:
    """A ``qarnot_async.Client`` for the emulator, closed at the end of the test."""
    client = qarnot_emulator.client()
    if hasattr(client, "__aenter__"):
        async with client as entered:
            yield entered
        return
    try:
        yield client
    finally:
        closer = getattr(client, "aclose", None) or getattr(client, "close", None)
        if closer is not None:
            result = closer()
            if inspect.isawaitable(result):
                await result
