"""How the ``qarnot-async`` process ends: Ctrl-C, a closed pipe, exit statuses, usage
lines, and errors in the CLI's own words (``qarnot_async/cli/_app.py``)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path

import pytest
from _cli_helpers import cli_command, cli_env, run, spawn

from qarnot_async.cli import main
from qarnot_async.emulator import Emulator
from qarnot_async.models import TaskCreate


def _long_task(emu: Emulator) -> str:
    async def create() -> str:
        async with emu.client() as client:
            return await client.tasks.create(
                TaskCreate(
                    name="long",
                    profile="docker-batch",
                    instance_count=1,
                    constants={"EMULATOR_DURATION": "999999"},
                )
            )

    return asyncio.run(create())


def test_sigint_during_wait_exits_130_with_one_line(emu: Emulator) -> None:
    uuid = _long_task(emu)
    before = emu.stats.total
    proc = subprocess.Popen(
        cli_command(emu, "tasks", "wait", uuid),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    # Interrupt once the process is waiting: it has sent its first poll.
    deadline = time.monotonic() + 30
    while emu.stats.total <= before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert emu.stats.total > before
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert len(err.splitlines()) <= 2
    assert "Traceback" not in err
    assert "interrupted" in err


@pytest.mark.parametrize(
    "args", [("tasks", "list"), ("hardware",), ("profiles",), ("tasks", "get", "SEEDED")]
)
def test_closed_pipe_ends_quietly(emu: Emulator, args: tuple[str, ...]) -> None:
    uuids = emu.seed_tasks(150)
    args = tuple(uuids[0] if a == "SEEDED" else a for a in args)
    command = " ".join(f"'{part}'" for part in cli_command(emu, *args))
    # The reader leaves after one line; `pipefail` reports the CLI's own status.
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{command} | head -1"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
    )
    assert result.returncode in (0, 141), result.stderr
    assert "Traceback" not in result.stderr
    assert "BrokenPipe" not in result.stderr
    assert len(result.stdout.splitlines()) == 1


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        (("pools", "close"), "usage: qarnot-async pools close"),
        (("pools", "abort"), "usage: qarnot-async pools abort"),
        (("jobs", "terminate"), "usage: qarnot-async jobs terminate"),
        (("tasks", "abort"), "usage: qarnot-async tasks abort"),
        (("emulator",), "usage: qarnot-async emulator"),
        (("demo",), "usage: qarnot-async demo"),
        (("secrets", "set"), "usage: qarnot-async secrets set"),
    ],
)
def test_usage_lines_name_the_command(
    capsys: pytest.CaptureFixture[str], command: tuple[str, ...], usage: str
) -> None:
    try:
        status = main([*command, "--help"])
    except SystemExit as exc:
        status = exc.code  # type: ignore[assignment]
    assert status == 0
    assert capsys.readouterr().out.startswith(usage)


def test_every_subcommand_has_a_help_line(capsys: pytest.CaptureFixture[str]) -> None:
    for group in ("tasks", "pools", "jobs", "secrets", "buckets"):
        with pytest.raises(SystemExit):
            main([group, "--help"])
        out = capsys.readouterr().out
        listed = out.split("positional arguments:")[1].split("options:")[0]
        entries: list[list[str]] = []
        for line in listed.splitlines()[2:]:
            if line.startswith("    ") and not line.startswith("     "):
                entries.append(line.split())  # "    name  help text"
            elif line.strip():
                entries[-1] += line.split()  # a help text wrapped under a long name
        # Each subcommand is "name help text...": at least two words.
        assert entries, out
        assert all(len(e) >= 2 for e in entries), out
    for verb in ("abort", "delete"):
        with pytest.raises(SystemExit):
            main(["tasks", "--help"])
        assert f"    {verb} " in capsys.readouterr().out


def test_emulator_accepts_the_global_token() -> None:
    # The emulator runs until interrupted: start it, see it serve, interrupt it.
    proc = subprocess.Popen(
        [*cli_command_base(), "--token", "x", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=cli_env(),
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert "127.0.0.1" in first, first
    assert proc.returncode == 0


def cli_command_base() -> list[str]:
    import sys

    return [sys.executable, "-m", "qarnot_async.cli"]


@pytest.mark.parametrize(
    ("args", "says", "never"),
    [
        (["account"], "--token", "Client(token"),
        (["--url", "http://10.1.2.3", "--token", "t", "account"], "--insecure-http", "allow_"),
        (["--url", "ftp://x", "--token", "t", "account"], "--url", "cluster_url"),
    ],
)
def test_messages_name_the_cli_flags(
    capsys: pytest.CaptureFixture[str], args: list[str], says: str, never: str
) -> None:
    assert main(args) == 1
    err = capsys.readouterr().err
    assert says in err
    assert never not in err
    assert err.count("\n") == 1


def test_insecure_http_flag_is_honoured(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(emu, "--insecure-http", "profiles") == 0
    assert "docker-batch" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ["tasks", "list", "--limit", "-5"],
        ["tasks", "list", "--limit", "many"],
        ["tasks", "list", "--state", "bogus"],
        ["--timeout", "-1", "account"],
        ["tasks", "get"],
        ["account", "--nope"],
    ],
)
def test_malformed_command_lines_exit_2(emu: Emulator, args: list[str]) -> None:
    result = spawn(emu, *args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "usage: qarnot-async" in result.stderr


def test_broken_config_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "qarnot.conf"
    conf.write_text("this is not\nan ini file\n")
    assert main(["--config", str(conf), "profiles"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert str(conf) in err
    assert "not a valid INI file" in err
