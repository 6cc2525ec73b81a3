"""The demo: the emulator whatever the environment says; a real account only when asked.

A loopback server that counts every request plays the user's cluster: with
``QARNOT_CLIENT_TOKEN`` and ``QARNOT_CLUSTER_URL`` pointing at it, ``make demo`` must
send it nothing.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

from qarnot_async import _demo
from qarnot_async.emulator import Emulator
from qarnot_async.polling import PollPolicy

if TYPE_CHECKING:
    from conftest import Serve

ROOT = Path(__file__).resolve().parents[1]


class Counting:
    """A catch-all server: counts requests and refuses them all (401)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(f"{request.method} {request.path}")
        return web.json_response({"message": "invalid token"}, status=401)


@pytest.fixture
async def cluster(loopback: Serve, monkeypatch: pytest.MonkeyPatch) -> Counting:
    counting = Counting()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", counting.handle)
    server = await loopback(app)
    counting.url = str(server.make_url("")).rstrip("/")
    monkeypatch.setenv("QARNOT_CLIENT_TOKEN", "a-real-looking-token")
    monkeypatch.setenv("QARNOT_CLUSTER_URL", counting.url)
    monkeypatch.setenv("QARNOT_CLUSTER_UNSAFE", "true")
    return counting


async def run(*argv: str, stdin: bytes = b"") -> tuple[int, str, str]:
    """Run a command with the test's environment; the loop keeps serving meanwhile."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
async def test_make_demo_sends_nothing_to_the_users_cluster(cluster: Counting) -> None:
    # The Makefile's own recipe, with this interpreter's venv and without reinstalling.
    code, out, err = await run(
        "make",
        "--no-print-directory",
        "-o",
        ".venv/.demo-installed",
        "demo",
        f"BIN={Path(sys.executable).parent}",
        "DEMO_ARGS=--tasks 120",
    )
    assert code == 0, out + err
    assert cluster.requests == []
    assert "QARNOT_CLIENT_TOKEN is set but not used" in out
    assert "embedded emulator" in out
    assert "every retried task succeeded" in out


async def test_the_same_server_counts_what_the_cluster_flag_sends(cluster: Counting) -> None:
    # The control: `--cluster --yes` does reach the server (which refuses the token).
    code, out, err = await run(
        sys.executable, "-m", "qarnot_async._demo", "--cluster", "--yes", "--tasks", "2"
    )
    assert code == 1, out + err
    assert cluster.requests[0] == "POST /v1/pools"
    assert "demo FAILED" in err
    assert "a-real-looking-token" not in out + err


async def test_the_cluster_flag_says_what_it_costs_and_asks_first(cluster: Counting) -> None:
    code, out, err = await run(
        sys.executable, "-m", "qarnot_async._demo", "--cluster", stdin=b"n\n"
    )
    assert code == 1, out + err
    assert cluster.requests == []
    assert f"This demo creates on {cluster.url}" in out
    assert "11 tasks of one instance" in out  # 10 by default, and the dependent one
    assert "1 to 10 slots" in out
    assert "Cost: about 2 min of docker-batch instance time" in out
    assert "Create them? [y/N] " in out
    assert out.rstrip().endswith("Nothing was created.")


async def test_no_terminal_to_answer_is_a_no(
    cluster: Counting, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_terminal(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", no_terminal)
    assert await _demo.run_demo(cluster=True, tasks=3) == 1
    assert cluster.requests == []
    assert "4 tasks of one instance" in capsys.readouterr().out


async def test_the_cluster_flag_needs_a_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("QARNOT_CLIENT_TOKEN", raising=False)
    assert await _demo.run_demo(cluster=True, yes=True) == 1
    assert "export QARNOT_CLIENT_TOKEN" in capsys.readouterr().err


@pytest.mark.parametrize("configured_by", ["environment", "settings"])
async def test_the_cluster_flag_runs_the_batch_on_the_configured_cluster(
    configured_by: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # An emulator plays a real cluster, reached only through the configuration.
    async with Emulator(speed=200.0) as emu:
        settings = None
        if configured_by == "environment":
            monkeypatch.setenv("QARNOT_CLIENT_TOKEN", emu.token)
            monkeypatch.setenv("QARNOT_CLUSTER_URL", emu.url)
        else:  # the CLI's flags win over the environment
            monkeypatch.setenv("QARNOT_CLIENT_TOKEN", "not-this-one")
            monkeypatch.setenv("QARNOT_CLUSTER_URL", "http://127.0.0.1:9")
            settings = {"token": emu.token, "cluster_url": emu.url}
        poll = PollPolicy(initial=0.05, max_interval=0.2)
        status = await _demo.run_demo(cluster=True, yes=True, tasks=5, poll=poll, settings=settings)
        assert status == 0
        assert emu.stats.requests["POST /tasks"] >= 2  # the bulk batch and the dependent one
    out = capsys.readouterr().out
    assert f"This demo creates on {emu.url}" in out
    assert "embedded emulator" not in out
    assert f"backend                {emu.url}" in out
    assert "Success (after retry)  1" in out


def test_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        _demo.main(["--bogus"])
    assert exit_.value.code == 2
    assert _demo.main(["--tasks", "0"]) == 2
    assert "--tasks must be at least 1" in capsys.readouterr().err


def test_plans() -> None:
    assert _demo.DemoPlan.for_emulator(1000) == _demo.DemoPlan(1000, 10, 100)
    assert _demo.DemoPlan.for_cluster(3) == _demo.DemoPlan(3, 1, 3)
    assert _demo.DemoPlan.for_cluster(250).failures == 3
    assert _demo.DemoPlan.for_cluster(10).instance_seconds == 120


async def test_the_demo_moves_files_both_ways(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("aiobotocore")
    pytest.importorskip("moto")
    assert await _demo.run_demo(tasks=3, speed=400.0) == 0
    out = capsys.readouterr().out
    assert "ok: each of the 4 instances saw the 9 uploaded files" in out
    assert "ok: each instance's 524,288-byte output came back" in out
    uploaded = next(line for line in out.splitlines() if line.strip().startswith("uploaded  "))
    assert "2,097,170 bytes in" in uploaded
    assert "MB/s" in uploaded
    assert any(line.strip().startswith("downloaded  ") for line in out.splitlines())


def test_the_cli_forwards_demo_arguments_and_global_flags(
    cluster: Counting, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from qarnot_async.cli import main

    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    # --url wins over QARNOT_CLUSTER_URL (the counting server), and nothing is sent.
    other = "http://127.0.0.1:9"
    assert main(["--url", other, "--token", "t", "demo", "--cluster", "--tasks", "3"]) == 1
    out = capsys.readouterr().out
    assert f"This demo creates on {other}" in out
    assert "4 tasks of one instance" in out
    assert out.rstrip().endswith("Nothing was created.")
    assert cluster.requests == []
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--bogus"])
    assert exit_.value.code == 2
    assert "usage: qarnot-async demo" in capsys.readouterr().err
