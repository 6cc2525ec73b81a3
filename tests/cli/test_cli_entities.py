"""``qarnot-async tasks|pools|jobs ...`` (``qarnot_async/cli/_entities.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cli_helpers import run, submit_file, task_spec

from qarnot_async.emulator import Emulator

MISSING = "00000000-0000-0000-0000-000000000000"


def _submit(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], **fields: object
) -> str:
    assert run(emu, "tasks", "submit", "--file", submit_file(tmp_path, task_spec(**fields))) == 0
    return capsys.readouterr().out.strip()


def test_wait_reports_every_uuid(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _submit(emu, tmp_path, capsys, constants={"EMULATOR_DURATION": "1"})
    assert run(emu, "tasks", "wait", good, MISSING) == 1
    captured = capsys.readouterr()
    assert good in captured.out  # the row of the uuid that resolved
    assert captured.out.startswith("uuid\tname\tstate")
    assert f"task {MISSING}: not found" in captured.err
    assert "no longer exists" not in captured.err
    assert captured.err.count("\n") == 1


def test_wait_names_the_failed_tasks(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = _submit(
        emu, tmp_path, capsys, constants={"EMULATOR_DURATION": "1", "EMULATOR_FAIL_INSTANCES": "0"}
    )
    assert run(emu, "tasks", "wait", failing) == 1
    captured = capsys.readouterr()
    assert "Failure" in captured.out
    assert f"task {failing} (cli-task) ended in Failure" in captured.err


def test_wait_timeout_shows_the_state_by_name(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long = _submit(emu, tmp_path, capsys, constants={"EMULATOR_DURATION": "999999"})
    assert run(emu, "tasks", "wait", long, "--wait-timeout", "0.3") == 1
    err = capsys.readouterr().err
    assert "<" not in err
    assert "TaskState" not in err
    assert "not final within --wait-timeout" in err
    assert run(emu, "tasks", "abort", long) == 0


def test_list_header_limit_and_all(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    emu.seed_tasks(7, name="listed")
    assert run(emu, "tasks", "list", "--limit", "3") == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].split("\t") == [
        "uuid",
        "name",
        "state",
        "progress",
        "instance_count",
        "creation_date",
    ]
    assert len(lines) == 4
    assert "showing the first 3 tasks" in captured.err
    assert "--limit 0" in captured.err

    assert run(emu, "--format", "json", "tasks", "list", "--limit", "0") == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) >= 7
    assert captured.err == ""


def test_list_state_filter_prints_names(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long = _submit(emu, tmp_path, capsys, constants={"EMULATOR_DURATION": "999999"})
    assert run(emu, "tasks", "wait", long, "--wait-timeout", "0.5") == 1
    capsys.readouterr()
    assert run(emu, "tasks", "list", "--state", "FullyExecuting", "--limit", "0") == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith(long))
    assert row.split("\t")[2] == "FullyExecuting"
    assert run(emu, "tasks", "abort", long) == 0


def test_json_for_stop_delete_and_stdout(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uuid = _submit(emu, tmp_path, capsys, constants={"EMULATOR_DURATION": "999999"})
    assert run(emu, "--format", "json", "tasks", "abort", uuid) == 0
    assert json.loads(capsys.readouterr().out) == {"abort": [uuid]}
    assert run(emu, "--format", "json", "tasks", "stdout", uuid) == 0
    assert json.loads(capsys.readouterr().out)["uuid"] == uuid
    assert run(emu, "--format", "json", "tasks", "delete", uuid) == 0
    assert json.loads(capsys.readouterr().out) == {"deleted": [uuid]}


def test_carbon_of_a_task_and_a_pool(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from qarnot_async.models import PoolCreate

    uuid = _submit(emu, tmp_path, capsys, constants={"EMULATOR_DURATION": "1"})
    assert run(emu, "tasks", "wait", uuid) == 0
    capsys.readouterr()
    assert run(emu, "--format", "json", "tasks", "carbon", uuid) == 0
    facts = json.loads(capsys.readouterr().out)
    assert isinstance(facts, dict)
    assert facts

    async def pool() -> str:
        async with emu.client() as client:
            return await client.pools.create(PoolCreate(name="carbon", profile="docker-batch"))

    pool_uuid = asyncio.run(pool())
    assert run(emu, "pools", "carbon", pool_uuid) == 0
    assert capsys.readouterr().out.strip()
    assert run(emu, "pools", "carbon", MISSING) == 1
    assert "404" in capsys.readouterr().err
    assert run(emu, "pools", "close", pool_uuid) == 0
