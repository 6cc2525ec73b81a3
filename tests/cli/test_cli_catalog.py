"""``qarnot-async hardware|profiles|account|secrets`` (``qarnot_async/cli/_catalog.py``)."""

from __future__ import annotations

import json

import pytest
from _cli_helpers import cli_command, cli_env, run

from qarnot_async.emulator import Emulator


def test_secrets_round_trip(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(emu, "secrets", "set", "cli/db/password", "s3cret") == 0
    assert capsys.readouterr().out == "set: cli/db/password\n"
    assert run(emu, "secrets", "get", "cli/db/password") == 0
    assert capsys.readouterr().out == "s3cret\n"  # the value and nothing else
    assert run(emu, "secrets", "set", "cli/db/password", "changed") == 0  # an update
    capsys.readouterr()
    assert run(emu, "--format", "json", "secrets", "get", "cli/db/password") == 0
    assert json.loads(capsys.readouterr().out) == {"key": "cli/db/password", "value": "changed"}
    assert run(emu, "secrets", "set", "cli/top", "x") == 0
    capsys.readouterr()

    assert run(emu, "secrets", "list", "cli") == 0
    assert sorted(capsys.readouterr().out.split()) == ["cli/db/", "cli/top"]
    assert run(emu, "--format", "json", "secrets", "list", "cli", "--recursive") == 0
    assert sorted(json.loads(capsys.readouterr().out)) == ["cli/db/password", "cli/top"]

    assert run(emu, "secrets", "delete", "cli/db/password") == 0
    assert capsys.readouterr().out == "deleted: cli/db/password\n"
    assert run(emu, "secrets", "get", "cli/db/password") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cli/db/password" in err


def test_secret_value_from_stdin(emu: Emulator) -> None:
    import subprocess

    setting = subprocess.run(
        cli_command(emu, "secrets", "set", "cli/stdin"),
        input="from a pipe\n",
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
    )
    assert setting.returncode == 0, setting.stderr
    getting = subprocess.run(
        cli_command(emu, "secrets", "get", "cli/stdin"),
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
    )
    assert getting.stdout == "from a pipe\n"


def test_account_quotas_and_credits(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(emu, "--format", "json", "account", "quotas") == 0
    quotas = json.loads(capsys.readouterr().out)
    assert isinstance(quotas, dict)
    assert quotas
    assert run(emu, "account", "quotas") == 0
    assert capsys.readouterr().out.strip()
    assert run(emu, "--format", "json", "account", "credits") == 0
    credits = json.loads(capsys.readouterr().out)["credits"]
    assert credits is None or isinstance(credits, int | float)
    assert run(emu, "account", "credits") == 0
    capsys.readouterr()
    assert run(emu, "account", "info") == 0
    assert "emulator@qarnot.local" in capsys.readouterr().out
