"""Tasks and pools with storage, end to end on the emulator's real S3: ``tasks.run``
sends resources in and brings results out; deletes purge buckets."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("aiobotocore")
pytest.importorskip("moto")

from qarnot_async import Client, InvalidInputError, TaskFailedError, WaitTimeoutError
from qarnot_async.emulator import RESULT_FILES_CONSTANT, Emulator
from qarnot_async.models import PoolCreate, ResourcesBucket, TaskCreate, TaskState
from qarnot_async.storage import LocalPathError

pytestmark = pytest.mark.qarnot_emulator(storage=True, speed=200.0)


def inputs(root: Path) -> Path:
    (root / "scenes" / "été").mkdir(parents=True)
    (root / "scenes" / "été" / "a scene.blend").write_bytes(b"blend")
    (root / "settings.json").write_bytes(b"{}")
    return root


async def test_run_round_trips_resources_to_results(qarnot_client: Client, tmp_path: Path) -> None:
    task = TaskCreate(
        name="render",
        profile="docker-batch",
        instance_count=2,
        constants={RESULT_FILES_CONSTANT: "frames/{instance}.png:2048"},
    )
    final = await qarnot_client.tasks.run(
        task, resources=inputs(tmp_path / "in"), output_dir=tmp_path / "out", timeout=60
    )
    assert final.state is TaskState.SUCCESS
    out = tmp_path / "out"
    for instance in (0, 1):
        seen = (out / "results" / f"{instance}.txt").read_text().splitlines()
        assert seen == ["scenes/été/a scene.blend", "settings.json"]
        assert (out / "frames" / f"{instance}.png").stat().st_size == 2048
    # The buckets it made stay until a purge removes them.
    assert final.results_bucket is not None
    assert final.resource_buckets is not None
    buckets = sorted(await qarnot_client.buckets.list())
    assert buckets == sorted([final.results_bucket, *final.resource_buckets])
    assert final.uuid is not None
    await qarnot_client.tasks.delete(final.uuid, purge_resources=True, purge_results=True)
    assert await qarnot_client.buckets.list() == []


async def test_run_without_resources_and_with_a_named_results_bucket(
    qarnot_client: Client, tmp_path: Path
) -> None:
    await qarnot_client.buckets.create("my-results")
    task = TaskCreate(
        name="plain",
        profile="docker-batch",
        instance_count=1,
        results_bucket="my-results",
        results_bucket_prefix="run-7",
    )
    final = await qarnot_client.tasks.run(task, output_dir=tmp_path / "out")
    assert final.results_bucket == "my-results"
    assert (tmp_path / "out" / "results" / "0.txt").read_text() == ""
    assert [o.key async for o in qarnot_client.buckets.objects("my-results")] == [
        "run-7/results/0.txt"
    ]
    assert await qarnot_client.buckets.list() == ["my-results"]  # no other bucket made


async def test_a_failed_run_downloads_what_exists_then_raises(
    qarnot_client: Client, tmp_path: Path
) -> None:
    task = TaskCreate(
        name="half",
        profile="docker-batch",
        instance_count=2,
        constants={"EMULATOR_FAIL_INSTANCES": "1"},
    )
    with pytest.raises(TaskFailedError, match="failed") as caught:
        await qarnot_client.tasks.run(task, output_dir=tmp_path / "out")
    assert caught.value.task.state is TaskState.FAILURE
    assert sorted(p.name for p in (tmp_path / "out" / "results").iterdir()) == ["0.txt"]


async def test_run_times_out(qarnot_client: Client, tmp_path: Path) -> None:
    task = TaskCreate(
        name="slow",
        profile="docker-batch",
        instance_count=1,
        constants={"EMULATOR_DURATION": "86400"},
    )
    with pytest.raises(WaitTimeoutError):
        await qarnot_client.tasks.run(task, timeout=0.2)


async def test_run_with_missing_resources_sends_no_task(
    qarnot_emulator: Emulator, qarnot_client: Client, tmp_path: Path
) -> None:
    task = TaskCreate(name="lost", profile="docker-batch", instance_count=1)
    with pytest.raises(LocalPathError):
        await qarnot_client.tasks.run(task, resources=tmp_path / "missing")
    assert qarnot_emulator.task_count() == 0
    with pytest.raises(InvalidInputError, match="task"):
        await qarnot_client.tasks.run("not a task", resources=tmp_path)  # type: ignore[arg-type]


async def test_download_results_by_uuid(qarnot_client: Client, tmp_path: Path) -> None:
    await qarnot_client.buckets.create("res-by-uuid")
    uuid = await qarnot_client.tasks.create(
        TaskCreate(name="t", profile="docker-batch", instance_count=1, results_bucket="res-by-uuid")
    )
    await qarnot_client.tasks.wait(uuid, timeout=60)
    summary = await qarnot_client.tasks.download_results(uuid, tmp_path)
    assert summary.keys == ("results/0.txt",)
    assert (tmp_path / "results" / "0.txt").exists()
    again = await qarnot_client.tasks.download_results(uuid, tmp_path)
    assert (again.files, again.skipped) == (0, 1)

    bare = await qarnot_client.tasks.create(
        TaskCreate(name="bare", profile="docker-batch", instance_count=1)
    )
    with pytest.raises(InvalidInputError, match="no results bucket"):
        await qarnot_client.tasks.download_results(bare, tmp_path)


async def test_delete_purges_only_what_is_asked(qarnot_client: Client) -> None:
    buckets = qarnot_client.buckets
    for name in ("res-a", "res-b", "out-c"):
        await buckets.create(name)
        await buckets.put_bytes(name, "k", b"v")
    uuid = await qarnot_client.tasks.create(
        TaskCreate(
            name="t",
            profile="docker-batch",
            instance_count=1,
            resource_buckets=["res-a"],
            advanced_resource_buckets=[ResourcesBucket(bucket_name="res-b", prefix="k")],
            results_bucket="out-c",
        )
    )
    await qarnot_client.tasks.delete(uuid, purge_results=True)
    assert sorted(await buckets.list()) == ["res-a", "res-b"]

    uuid = await qarnot_client.tasks.create(
        TaskCreate(
            name="t2",
            profile="docker-batch",
            instance_count=1,
            resource_buckets=["res-a", "gone-already"],
            advanced_resource_buckets=[ResourcesBucket(bucket_name="res-b")],
        )
    )
    await qarnot_client.tasks.delete(uuid, purge_resources=True)
    assert await buckets.list() == []


async def test_pool_delete_purges_its_resources(qarnot_client: Client) -> None:
    await qarnot_client.buckets.create("pool-res")
    await qarnot_client.buckets.put_bytes("pool-res", "lib/x.so", b"elf")
    uuid = await qarnot_client.pools.create(
        PoolCreate(
            name="p", profile="docker-batch", instance_count=1, resource_buckets=["pool-res"]
        )
    )
    keep = await qarnot_client.pools.create(
        PoolCreate(
            name="q", profile="docker-batch", instance_count=1, resource_buckets=["pool-res"]
        )
    )
    await qarnot_client.pools.delete(keep)  # no purge: the bucket stays
    assert await qarnot_client.buckets.list() == ["pool-res"]
    await qarnot_client.pools.delete(uuid, purge_resources=True)
    assert await qarnot_client.buckets.list() == []
