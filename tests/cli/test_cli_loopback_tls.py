"""No TLS warning for plain loopback HTTP (``QARNOT_CLUSTER_UNSAFE=true`` on
``http://127.0.0.1``, or ``--insecure``): there is no TLS to verify. HTTPS still warns."""

from __future__ import annotations

import logging

import pytest
from _cli_helpers import run

from qarnot_async import Client
from qarnot_async.emulator import Emulator


def _tls_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "TLS" in r.getMessage()]


async def test_http_loopback_with_verification_off_logs_no_tls_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        async with Client(token="t", cluster_url="http://127.0.0.1:9", verify_ssl=False):
            pass
    assert _tls_warnings(caplog) == []


async def test_https_with_verification_off_still_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        async with Client(token="t", cluster_url="https://127.0.0.1:9", verify_ssl=False):
            pass
    assert len(_tls_warnings(caplog)) == 1


def test_cli_unsafe_env_on_the_emulator_logs_no_tls_warning(
    emu: Emulator,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("QARNOT_CLUSTER_UNSAFE", "true")
    with caplog.at_level(logging.WARNING):
        assert run(emu, "profiles") == 0
        assert run(emu, "--insecure", "profiles") == 0
    capsys.readouterr()
    assert _tls_warnings(caplog) == []
