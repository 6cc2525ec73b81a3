"""Ways to run the emulator: async context, background thread, command line, fixtures."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import urllib.error
import urllib.request
from typing import Any

import aiohttp
import pytest

from qarnot_async.emulator import Emulator, main
from qarnot_async.emulator._cli import parse_seconds


def _http(emu: Emulator, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{emu.url}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": emu.token, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


async def test_async_context_and_addresses() -> None:
    emu = Emulator()
    with pytest.raises(RuntimeError, match="not started"):
        _ = emu.url
    async with emu:
        assert emu.url == f"http://127.0.0.1:{emu.port}"
        assert emu.host == "127.0.0.1"
        with pytest.raises(RuntimeError, match="already started"):
            await emu.start()
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{emu.url}/versions") as response,
        ):
            assert response.status == 200
        # A second emulator cannot take the same port.
        with pytest.raises(OSError, match="address already in use"):
            await Emulator(port=emu.port).start()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", emu.port), timeout=1).close()


def test_background_thread_for_synchronous_code() -> None:
    with Emulator() as emu:
        status, body = _http(
            emu, "POST", "/v1/tasks", {"name": "t", "profile": "docker-batch", "instanceCount": 1}
        )
        assert status == 200
        assert emu.seed_tasks(2, state="Failure")
        assert emu.task_count() == 3
        emu.advance_threadsafe(40)
        assert _http(emu, "GET", f"/v1/tasks/{body['uuid']}")[1]["state"] == "Success"
        emu.set_faults(rate_503=1.0, routes={"GET /info"})
        assert _http(emu, "GET", "/v1/info")[0] == 503
        assert emu.stats.requests["GET /info"] == 1
        emu.reset()
        assert _http(emu, "GET", "/v1/tasks") == (200, [])
        port = emu.port
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_parse_seconds() -> None:
    assert parse_seconds("20ms") == pytest.approx(0.02)
    assert parse_seconds("1.5s") == parse_seconds("1.5") == 1.5
    assert parse_seconds("2m") == 120


@pytest.mark.parametrize(
    "argv",
    [
        ["--speed", "-1"],
        ["--speed", "fast"],
        ["--quota", "maxTasks=3"],
        ["--latency", "soon"],
        ["--fault-rate", "2"],
        ["--rate-429", "0.7", "--rate-500", "0.7"],
        ["--fault-route", "POST /nowhere", "--rate-503", "0.5"],
    ],
)
def test_bad_arguments_exit_with_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "error" in capsys.readouterr().err


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--fault-rate" in capsys.readouterr().out


async def test_command_line_server() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "qarnot_async.emulator",
        "--port",
        "0",
        "--speed",
        "manual",
        "--token",
        "cli-token",
        "--preload-tasks",
        "3",
        "--rate-503",
        "1",
        "--fault-route",
        "POST /tasks",
        "--retry-after",
        "4",
        "--quota",
        "maxTask=10",
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        assert "token=cli-token" in line
        assert "clock=manual" in line
        url = line.split("listening on ")[1].split()[0]
        headers = {"Authorization": "cli-token"}
        async with aiohttp.ClientSession(headers=headers) as session:
            async with session.get(f"{url}/v1/tasks") as response:
                assert len(await response.json()) == 3
            async with session.post(f"{url}/v1/tasks", json={"name": "t"}) as response:
                assert response.status == 503
                assert response.headers["Retry-After"] == "4"
            async with session.get(f"{url}/v1/info") as response:
                assert (await response.json())["maxTask"] == 10
            async with session.post(f"{url}/__emulator/advance", json={"seconds": 60}) as response:
                assert response.status == 200
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.mark.qarnot_emulator(task_duration=5.0, token="marked")
async def test_the_fixture_takes_the_marker_options(qarnot_emulator: Emulator) -> None:
    assert qarnot_emulator.token == "marked"
    uuid = qarnot_emulator.seed_tasks(1, state="Submitted", run=True)[0]
    await qarnot_emulator.advance(2 + 5 + 1)
    assert qarnot_emulator._state.store.tasks[uuid].state == "Success"


async def test_seed_checks_its_fields(qarnot_emulator: Emulator) -> None:
    with pytest.raises(TypeError, match="colour"):
        qarnot_emulator.seed_tasks(1, colour="red")
    with pytest.raises(ValueError, match="needs '\\{i\\}'"):
        qarnot_emulator.seed_tasks(2, shortname="same")
    with pytest.raises(ValueError, match="unknown profile"):
        qarnot_emulator.seed_tasks(3, profile=lambda i: "nope" if i == 2 else "blender")
    assert qarnot_emulator.task_count() == 0  # nothing half-seeded
    with pytest.raises(ValueError, match="Submitted"):
        qarnot_emulator.seed_tasks(1, run=True)
    with pytest.raises(ValueError, match="no job"):
        qarnot_emulator.seed_tasks(1, job_uuid="6f1d6a9c-0000-4000-8000-000000000000")


async def test_client_fixture_reaches_the_emulator(
    qarnot_client: Any, qarnot_emulator: Emulator
) -> None:
    assert qarnot_client.cluster_url.rstrip("/") == qarnot_emulator.url
    assert not qarnot_client.closed
    assert "docker-batch" in await qarnot_client.profiles.list()
    assert qarnot_emulator.stats.requests == {"GET /profiles": 1}


async def test_emulator_client_passes_options_and_closes(qarnot_emulator: Emulator) -> None:
    async with qarnot_emulator.client(timeout=5.0) as client:
        assert client.api_version == "v1"
        assert await client.profiles.list()
    assert client.closed
