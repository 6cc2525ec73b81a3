"""The ``qarnot-async`` command, run in-process against an emulator in a thread."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qarnot_async.cli import main
from qarnot_async.emulator import Emulator

# The `emu` emulator and the token-free environment come from tests/cli/conftest.py.


def run(emu: Emulator, *args: str) -> int:
    return main(["--url", emu.url, "--token", emu.token, *args])


def submit(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], **task: object
) -> str:
    spec = {"name": "cli-task", "profile": "docker-batch", "instanceCount": 2, **task}
    path = tmp_path / "task.json"
    path.write_text(json.dumps(spec))
    assert run(emu, "tasks", "submit", "--file", str(path)) == 0
    return capsys.readouterr().out.strip()


def test_tasks_commands(emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    uuid = submit(emu, tmp_path, capsys, constants=[{"key": "EMULATOR_DURATION", "value": "5"}])
    assert len(uuid) == 36

    assert run(emu, "tasks", "get", uuid) == 0
    assert "cli-task" in capsys.readouterr().out

    assert run(emu, "--format", "json", "tasks", "wait", uuid) == 0
    [waited] = json.loads(capsys.readouterr().out)
    assert waited["uuid"] == uuid
    assert waited["state"] == "Success"

    assert run(emu, "tasks", "stdout", uuid) == 0
    assert "done" in capsys.readouterr().out
    assert run(emu, "tasks", "stdout", uuid, "--instance", "1", "--stderr") == 0
    capsys.readouterr()

    assert run(emu, "--format", "json", "tasks", "list", "--state", "Success") == 0
    listed = json.loads(capsys.readouterr().out)
    assert uuid in [t["uuid"] for t in listed]
    assert all(t["state"] == "Success" for t in listed)
    assert run(emu, "tasks", "list", "--limit", "5") == 0
    assert uuid[:8] in capsys.readouterr().out

    other = submit(emu, tmp_path, capsys, constants=[{"key": "EMULATOR_DURATION", "value": "9999"}])
    assert run(emu, "tasks", "abort", other) == 0
    assert f"abort: {other}" in capsys.readouterr().out
    assert run(emu, "tasks", "delete", other) == 0
    assert f"deleted: {other}" in capsys.readouterr().out


def test_bulk_submit(
    emu: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As on a terminal: the progress bars of submit and wait are drawn (on stderr).
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    path = tmp_path / "many.json"
    path.write_text(
        json.dumps(
            [{"name": f"bulk-{i}", "profile": "docker-batch", "instanceCount": 1} for i in range(3)]
        )
    )
    assert run(emu, "tasks", "submit", "--file", str(path)) == 0
    uuids = capsys.readouterr().out.split()
    assert len(uuids) == 3
    assert run(emu, "tasks", "wait", *uuids) == 0
    out = capsys.readouterr().out
    assert all(u[:8] in out for u in uuids)


def test_pools_and_jobs_commands(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from qarnot_async.models import JobCreate, PoolCreate

    async def make() -> tuple[str, str]:
        async with emu.client() as c:
            pool = await c.pools.create(PoolCreate(name="cli-pool", profile="docker-batch"))
            job = await c.jobs.create(JobCreate(name="cli-job", pool_uuid=pool))
            return pool, job

    pool, job = asyncio.run(make())
    assert run(emu, "pools", "list") == 0
    assert run(emu, "pools", "get", pool) == 0
    assert "cli-pool" in capsys.readouterr().out
    assert run(emu, "--format", "json", "pools", "wait", pool) == 0
    assert json.loads(capsys.readouterr().out)[0]["state"] == "FullyExecuting"
    assert run(emu, "pools", "stdout", pool) == 0
    assert run(emu, "jobs", "list") == 0
    assert run(emu, "jobs", "get", job) == 0
    assert "cli-job" in capsys.readouterr().out
    assert run(emu, "jobs", "terminate", job) == 0
    assert f"terminate: {job}" in capsys.readouterr().out
    assert run(emu, "--format", "json", "jobs", "wait", job) == 0
    assert json.loads(capsys.readouterr().out)[0]["state"] == "Completed"
    assert run(emu, "jobs", "delete", job, "--force") == 0
    assert run(emu, "pools", "close", pool) == 0
    assert run(emu, "pools", "delete", pool) == 0
    assert f"deleted: {pool}" in capsys.readouterr().out


def test_catalogue_commands(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(emu, "hardware") == 0
    assert "MinimumCore" in capsys.readouterr().out
    assert run(emu, "--format", "json", "hardware", "--cpu", "amd") == 0
    assert all("amd" in c["cpuModel"].lower() for c in json.loads(capsys.readouterr().out))
    assert run(emu, "profiles") == 0
    assert "docker-batch" in capsys.readouterr().out.split()
    assert run(emu, "profiles", "docker-batch") == 0
    assert "docker-batch" in capsys.readouterr().out
    assert run(emu, "--format", "json", "account") == 0
    assert json.loads(capsys.readouterr().out)["email"] == "emulator@qarnot.local"


def test_configuration_from_env_and_file(
    emu: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QARNOT_CLIENT_TOKEN", emu.token)
    monkeypatch.setenv("QARNOT_CLUSTER_URL", emu.url)
    assert main(["profiles"]) == 0
    capsys.readouterr()
    monkeypatch.delenv("QARNOT_CLIENT_TOKEN")
    conf = tmp_path / "qarnot.conf"
    conf.write_text(f"[cluster]\nurl = {emu.url}\n[client]\ntoken = {emu.token}\n")
    assert main(["--config", str(conf), "profiles"]) == 0
    assert "docker-batch" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["--token", "wrong", "account"], 1, "401"),
        (["tasks", "get", "00000000-0000-0000-0000-000000000000"], 1, "404"),
        (["tasks", "stdout", "x", "--instance", "-1"], 1, "instance_id"),
    ],
)
def test_user_mistakes_are_one_line(
    emu: Emulator, capsys: pytest.CaptureFixture[str], args: list[str], status: int, message: str
) -> None:
    assert main(["--url", emu.url, "--token", emu.token, *args]) == status
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err
    assert emu.token not in err


def test_malformed_files_exit_2(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert run(emu, "tasks", "submit", "--file", str(bad)) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert run(emu, "tasks", "submit", "--file", str(tmp_path / "missing.json")) == 2
    assert "cannot read" in capsys.readouterr().err
    bad.write_text(json.dumps({"name": "", "instanceCount": 1}))
    assert run(emu, "tasks", "submit", "--file", str(bad)) == 2
    assert "name" in capsys.readouterr().err


def test_no_token_and_bad_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["account"]) == 1
    assert "QARNOT_CLIENT_TOKEN" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["tasks", "explode"])
    assert info.value.code == 2


def test_emulator_command_delegates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "--help"]) == 0
    assert "--speed" in capsys.readouterr().out


def test_demo_runs_on_the_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--tasks", "120"]) == 0
    out = capsys.readouterr().out
    assert "embedded emulator" in out
    assert "every retried task succeeded" in out
    assert "requests sent" in out


@pytest.fixture(scope="module")
def storage_emu() -> Iterator[Emulator]:
    pytest.importorskip("aiobotocore")
    pytest.importorskip("moto")
    with Emulator(storage=True) as emulator:
        yield emulator


def test_buckets_commands(
    storage_emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in" / "sub dir").mkdir(parents=True)
    (tmp_path / "in" / "a.txt").write_bytes(b"alpha")
    (tmp_path / "in" / "sub dir" / "é.bin").write_bytes(bytes(1000))

    assert run(storage_emu, "buckets", "create", "cli-bucket") == 0
    assert capsys.readouterr().out == "created: cli-bucket\n"
    assert run(storage_emu, "--format", "json", "buckets", "list") == 0
    assert json.loads(capsys.readouterr().out) == ["cli-bucket"]

    assert (
        run(storage_emu, "buckets", "upload", "cli-bucket", str(tmp_path / "in"), "--prefix", "x")
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("uploaded 2 files (1,005 bytes), 0 unchanged, in ")
    assert (
        run(storage_emu, "buckets", "upload", "cli-bucket", str(tmp_path / "in"), "--prefix", "x")
        == 0
    )
    assert capsys.readouterr().out.startswith("uploaded 0 files (0 bytes), 2 unchanged")

    assert (
        run(storage_emu, "--format", "json", "buckets", "ls", "cli-bucket", "--prefix", "x/s") == 0
    )
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["key"], listed["size"]) == ("x/sub dir/é.bin", 1000)
    assert run(storage_emu, "buckets", "ls", "cli-bucket") == 0
    assert "x/a.txt" in capsys.readouterr().out

    dest = tmp_path / "out"
    assert run(storage_emu, "buckets", "download", "cli-bucket", str(dest), "--prefix", "x/") == 0
    assert capsys.readouterr().out.startswith("downloaded 2 files (1,005 bytes)")
    assert (dest / "sub dir" / "é.bin").read_bytes() == bytes(1000)

    assert run(storage_emu, "buckets", "delete", "cli-bucket", "--keep-objects") == 1
    assert "BucketNotEmpty" in capsys.readouterr().err
    assert run(storage_emu, "buckets", "delete", "cli-bucket") == 0
    assert capsys.readouterr().out == "deleted: cli-bucket\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("buckets", "download", "no-such-bucket", "out"), "404 NoSuchBucket"),
        (("buckets", "upload", "no-such-bucket", "/no/such/path"), "no such file or directory"),
    ],
)
def test_buckets_errors_are_one_line(
    storage_emu: Emulator, args: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(storage_emu, *args) == 1
    err = capsys.readouterr().err
    assert err.startswith("qarnot-async: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert storage_emu.token not in err


def test_buckets_without_storage(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(emu, "buckets", "list") == 1
    assert "storage is disabled" in capsys.readouterr().err
