"""The examples in examples/ run against the emulator and print what they promise."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from qarnot_async.emulator import Emulator
from qarnot_async.models import TaskState

EXAMPLES = Path(__file__).parent.parent / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.qarnot_emulator(speed=200.0)
async def test_quickstart(qarnot_emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    async with qarnot_emulator.client() as client:
        assert await load("quickstart").main(client) is TaskState.SUCCESS
    first, *output = capsys.readouterr().out.splitlines()
    assert first == "hello Success 100.0%"
    # The stdout of both instances, from start to end.
    assert output[0].startswith("[0] starting 'hello'")
    assert {"[0] done", "[1] done"} <= set(output)


@pytest.mark.qarnot_emulator(speed=200.0)
async def test_bulk_submit(qarnot_emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    async with qarnot_emulator.client() as client:
        states = await load("bulk_submit").main(client, count=150)
        requests = client.stats.requests
    assert states == {"Success": 150}
    printed = capsys.readouterr().out.strip()
    assert printed == f"{{'Success': 150}} in {requests} requests"
    # Two bulk chunks and a few coalesced polls, never one request per task.
    assert int(re.findall(r"\d+", printed)[-1]) < 50


async def test_paginate(qarnot_emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    async with qarnot_emulator.client() as client:
        names = await load("paginate").main(client)
    assert names == [f"render-{i:03d}" for i in range(30)]
    assert capsys.readouterr().out == "30 tasks: render-000 ... render-029\n"


STORAGE = all(importlib.util.find_spec(m) for m in ("aiobotocore", "moto"))


@pytest.mark.skipif(not STORAGE, reason="needs the storage and emulator-storage extras")
@pytest.mark.qarnot_emulator(speed=200.0, storage=True)
async def test_storage(
    qarnot_emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    async with qarnot_emulator.client() as client:
        assert await load("storage").main(client, tmp_path) is TaskState.SUCCESS
        assert await client.buckets.list() == []  # purged with the task
    assert capsys.readouterr().out.splitlines() == [
        "storage-example Success",
        "results/0.txt: params/settings.json, scene.csv",
        "results/1.txt: params/settings.json, scene.csv",
    ]
    assert (tmp_path / "outputs" / "results" / "1.txt").exists()


def test_examples_run_as_scripts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("QARNOT_CLIENT_TOKEN", raising=False)
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.setattr(sys, "argv", ["paginate.py"])
    runner = load("_run")
    runner.run(load("paginate").main)
    assert capsys.readouterr().out == "30 tasks: render-000 ... render-029\n"
