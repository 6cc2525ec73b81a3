"""Fixtures of the ``qarnot-async`` tests: an emulator in a thread, no token inherited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qarnot_async.emulator import Emulator


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "kill9: a CLI process killed with SIGKILL mid-run, then rerun (`pytest -m kill9`)",
    )


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    # Fast emulated time: short tasks end within a fraction of a real second.
    with Emulator(speed=400.0) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def no_token_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QARNOT_CLIENT_TOKEN", "QARNOT_CLUSTER_URL", "QARNOT_CLUSTER_UNSAFE"):
        monkeypatch.delenv(name, raising=False)
