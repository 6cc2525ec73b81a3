"""``qarnot-async tasks submit`` (``qarnot_async/cli/_submit.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cli_helpers import run, submit_file, task_spec

from qarnot_async.emulator import Emulator

MISSING = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    "constants",
    [{"EMULATOR_DURATION": "1"}, [{"key": "EMULATOR_DURATION", "value": "1"}]],
)
def test_constants_as_an_object_or_a_list(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], constants: object
) -> None:
    path = submit_file(tmp_path, task_spec(constants=constants))
    assert run(emu, "--format", "json", "tasks", "submit", "--file", path) == 0
    [uuid] = json.loads(capsys.readouterr().out)["uuids"]
    assert run(emu, "--format", "json", "tasks", "get", uuid) == 0
    task = json.loads(capsys.readouterr().out)
    assert {"key": "EMULATOR_DURATION", "value": "1"} in task["constants"]


def test_unknown_field_is_refused_by_name(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = submit_file(tmp_path, [task_spec(), task_spec(bogusField=3)])
    assert run(emu, "tasks", "submit", "--file", path) == 2
    err = capsys.readouterr().err
    assert "'bogusField'" in err
    assert "#1" in err
    assert err.count("\n") == 1


def test_bulk_json_lists_uuids(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = submit_file(tmp_path, [task_spec(name=f"b{i}") for i in range(3)])
    assert run(emu, "--format", "json", "tasks", "submit", "--file", path) == 0
    uuids = json.loads(capsys.readouterr().out)["uuids"]
    assert len(set(uuids)) == 3


def test_partial_bulk_failure_per_input_index(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [task_spec(name="ok0"), task_spec(name="bad1", poolUuid=MISSING), task_spec(name="ok2")]
    path = submit_file(tmp_path, items)
    assert run(emu, "tasks", "submit", "--file", path) == 1
    captured = capsys.readouterr()
    rows = [line.split("\t") for line in captured.out.splitlines()]
    assert [index for index, _ in rows] == ["#0", "#2"]
    assert captured.err.startswith("qarnot-async: #1: ")

    assert run(emu, "--format", "json", "tasks", "submit", "--file", path) == 1
    results = json.loads(capsys.readouterr().out)["results"]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert "uuid" in results[0]
    assert "uuid" in results[2]
    assert "error" in results[1]
