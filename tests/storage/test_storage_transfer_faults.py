"""Transfers through a proxy that fails on purpose: retried as the policy says,
never more than a few parts in flight, and failing typed when it never works."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("aiobotocore")
pytest.importorskip("moto")

from _trees import MiB, make_tree, same_files
from faulty_proxy import faulty_proxy

from qarnot_async import RetryPolicy
from qarnot_async.emulator import Emulator
from qarnot_async.storage import DEFAULT_MEMORY, PART_SIZE, StorageServerError

pytestmark = pytest.mark.qarnot_emulator(storage=True)

FAST = RetryPolicy(max_attempts=4, backoff_base=0.001, backoff_cap=0.01)


async def test_every_first_put_answered_503_still_uploads(
    qarnot_emulator: Emulator, tmp_path: Path
) -> None:
    sizes = make_tree(tmp_path / "src", 20, big=9 * MiB)
    retried: list[str] = []
    policy = RetryPolicy(
        max_attempts=3, backoff_base=0.001, on_retry=lambda event: retried.append(event.path)
    )

    def plan(method: str, path: str, before: int) -> int | None:
        return 503 if method in ("PUT", "POST") and before == 0 else None

    assert qarnot_emulator.storage_url is not None
    async with (
        faulty_proxy(qarnot_emulator.storage_url, plan) as proxy,
        qarnot_emulator.client(storage_url=proxy.url, retry=policy) as client,
    ):
        await client.buckets.create("flaky")
        summary = await client.buckets.upload("flaky", tmp_path / "src")
        await client.buckets.download("flaky", tmp_path / "copy")
    assert summary.files == len(sizes)
    # Bucket, 19 small PUTs, and the multipart's start, 2 parts and completion.
    assert proxy.faults == len(retried) == 1 + 19 + 1 + 2 + 1
    assert same_files(tmp_path / "src", tmp_path / "copy") == []


async def test_bodies_cut_half_way_are_fetched_again(
    qarnot_emulator: Emulator, tmp_path: Path
) -> None:
    sizes = make_tree(tmp_path / "src", 12, big=17 * MiB)

    def plan(method: str, path: str, before: int) -> str | None:
        # Object reads only (their paths have a key); listings stay whole.
        is_object = method == "GET" and path.count("/") >= 2
        return "cut" if is_object and before == 0 else None

    assert qarnot_emulator.storage_url is not None
    async with qarnot_emulator.client() as direct:
        await direct.buckets.create("cut")
        await direct.buckets.upload("cut", tmp_path / "src")
    async with (
        faulty_proxy(qarnot_emulator.storage_url, plan) as proxy,
        qarnot_emulator.client(storage_url=proxy.url, retry=FAST) as client,
    ):
        summary = await client.buckets.download("cut", tmp_path / "copy")
    assert summary.files == 12
    # Every object with a body once, and each of the three ranges of the large one.
    assert proxy.faults == sum(1 for s in sizes.values() if 0 < s < PART_SIZE) + 3
    assert same_files(tmp_path / "src", tmp_path / "copy") == []


async def test_a_storage_that_keeps_failing_raises_after_the_last_attempt(
    qarnot_emulator: Emulator,
) -> None:
    assert qarnot_emulator.storage_url is not None
    async with (
        faulty_proxy(qarnot_emulator.storage_url, lambda *_: 503) as proxy,
        qarnot_emulator.client(storage_url=proxy.url, retry=FAST) as client,
    ):
        with pytest.raises(StorageServerError, match="503") as caught:
            await client.buckets.list()
    assert proxy.faults == FAST.max_attempts
    assert caught.value.method == "S3 ListBuckets"


async def test_a_large_file_moves_a_few_parts_at_a_time(
    qarnot_emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "large.bin"
    with path.open("wb") as file:
        for i in range(5):
            file.write(bytes([i]) * PART_SIZE)
    assert qarnot_emulator.storage_url is not None
    async with (
        faulty_proxy(qarnot_emulator.storage_url, lambda *_: None) as proxy,
        qarnot_emulator.client(storage_url=proxy.url) as client,
    ):
        await client.buckets.create("large")
        await client.buckets.upload("large", path)
        await client.buckets.download("large", tmp_path / "back")
    assert (tmp_path / "back" / "large.bin").read_bytes() == path.read_bytes()
    most = DEFAULT_MEMORY // PART_SIZE
    assert proxy.seen[("PUT", "/large/large.bin")] == 0  # never in one piece
    assert 2 <= proxy.peak["PUT part"] <= most
    assert 2 <= proxy.peak["GET range"] <= most
