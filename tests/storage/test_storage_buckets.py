"""``client.buckets`` against the emulator's real S3 server (moto, behind SigV4)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("aiobotocore")
pytest.importorskip("moto")

from _trees import make_tree, same_files

from qarnot_async import Client, ConfigurationError
from qarnot_async.emulator import Emulator
from qarnot_async.storage import (
    BucketNotEmptyError,
    BucketNotFoundError,
    LocalPathError,
    ObjectNotFoundError,
    StorageAuthError,
    TransferProgress,
    local_etag,
)

pytestmark = pytest.mark.qarnot_emulator(storage=True)


async def test_a_tree_goes_up_lists_and_comes_down_byte_for_byte(
    qarnot_emulator: Emulator, qarnot_client: Client, tmp_path: Path
) -> None:
    source, copy = tmp_path / "source", tmp_path / "copy"
    sizes = make_tree(source, 300)
    buckets = qarnot_client.buckets
    await buckets.create("tree")
    seen: list[TransferProgress] = []

    up = await buckets.upload("tree", source, prefix="in", on_progress=seen.append)
    assert (up.files, up.bytes, up.skipped) == (300, sum(sizes.values()), 0)
    assert sorted(up.keys) == sorted(f"in/{k}" for k in sizes)
    assert seen[-1].bytes_done == seen[-1].bytes_total == up.bytes
    assert [p.bytes_done for p in seen] == sorted(p.bytes_done for p in seen)

    listed = {o.key: o async for o in buckets.objects("tree", "in/")}
    assert {k: o.size for k, o in listed.items()} == {f"in/{k}": s for k, s in sizes.items()}
    big = listed["in/big/video 20MiB.bin"]
    assert big.etag.endswith("-3")  # 8 + 8 + 4 MiB parts
    for key, item in listed.items():
        assert item.etag == local_etag(source.joinpath(*key[3:].split("/"))), key

    down = await buckets.download("tree", copy, prefix="in/")
    assert (down.files, down.bytes, down.skipped) == (300, up.bytes, 0)
    assert same_files(source, copy) == []

    # Nothing changed: a second upload lists once and sends nothing, and so does a
    # second download.
    before = qarnot_emulator.storage_requests()
    again = await buckets.upload("tree", source, prefix="in")
    assert (again.files, again.bytes, again.skipped) == (0, 0, 300)
    back = await buckets.download("tree", copy, prefix="in")
    assert (back.files, back.skipped) == (0, 300)
    after = qarnot_emulator.storage_requests()
    sent = {m: n - before.get(m, 0) for m, n in after.items() if n != before.get(m, 0)}
    assert sent == {"GET": 2}  # the two listings


async def test_only_changed_files_go_up(qarnot_client: Client, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"one")
    (tmp_path / "b.txt").write_bytes(b"two")
    buckets = qarnot_client.buckets
    await buckets.create("changes")
    assert (await buckets.upload("changes", tmp_path)).files == 2
    (tmp_path / "b.txt").write_bytes(b"TWO")  # same size, other content
    (tmp_path / "c.txt").write_bytes(b"three")
    summary = await buckets.upload("changes", tmp_path)
    assert sorted(summary.keys) == ["b.txt", "c.txt"]
    assert summary.skipped == 1
    assert await buckets.get_bytes("changes", "b.txt") == b"TWO"


async def test_one_file_goes_under_the_prefix_by_its_name(
    qarnot_client: Client, tmp_path: Path
) -> None:
    path = tmp_path / "input data.csv"
    path.write_bytes(b"x,y\n1,2\n")
    buckets = qarnot_client.buckets
    await buckets.create("single")
    await buckets.put_bytes("single", "jobs/input data.csv.bak", b"other")
    summary = await buckets.upload("single", path, prefix="jobs/")
    assert summary.keys == ("jobs/input data.csv",)
    assert await buckets.get_bytes("single", "jobs/input data.csv") == b"x,y\n1,2\n"
    assert (await buckets.upload("single", path, prefix="jobs")).skipped == 1


async def test_bytes_in_and_out(qarnot_client: Client) -> None:
    buckets = qarnot_client.buckets
    await buckets.create("blobs")
    etag = await buckets.put_bytes("blobs", "a/b.txt", b"hello")
    assert etag == "5d41402abc4b2a76b9719d911017c592"
    assert await buckets.get_bytes("blobs", "a/b.txt") == b"hello"
    await buckets.delete_object("blobs", "a/b.txt")
    with pytest.raises(ObjectNotFoundError, match=r"S3 GetObject blobs/a/b\.txt: 404"):
        await buckets.get_bytes("blobs", "a/b.txt")


async def test_create_list_delete(qarnot_client: Client) -> None:
    buckets = qarnot_client.buckets
    await buckets.create("first-bucket")
    await buckets.create("first-bucket")  # ours already: no error
    await buckets.create("second-bucket")
    assert sorted(await buckets.list()) == ["first-bucket", "second-bucket"]
    assert await buckets.exists("first-bucket")
    await buckets.put_bytes("first-bucket", "k", b"v")
    with pytest.raises(BucketNotEmptyError):
        await buckets.delete("first-bucket", purge=False)
    await buckets.delete("first-bucket")
    await buckets.delete("second-bucket", purge=False)  # empty: fine
    assert await buckets.list() == []
    assert not await buckets.exists("first-bucket")
    assert await buckets.delete_if_exists(["first-bucket"]) == []


async def test_a_missing_bucket_is_a_typed_error_everywhere(
    qarnot_client: Client, tmp_path: Path
) -> None:
    (tmp_path / "f").write_bytes(b"1")
    buckets = qarnot_client.buckets
    for attempt in (
        buckets.delete("nowhere"),
        buckets.get_bytes("nowhere", "k"),
        buckets.put_bytes("nowhere", "k", b"1"),
        buckets.upload("nowhere", tmp_path),
        buckets.download("nowhere", tmp_path / "out"),
    ):
        with pytest.raises(BucketNotFoundError, match="nowhere"):
            await attempt
    with pytest.raises(BucketNotFoundError):
        _ = [o async for o in buckets.objects("nowhere")]


async def test_a_missing_local_path_fails_before_any_request(
    qarnot_emulator: Emulator, qarnot_client: Client, tmp_path: Path
) -> None:
    before = qarnot_emulator.storage_requests()
    with pytest.raises(LocalPathError, match="no such file or directory"):
        await qarnot_client.buckets.upload("any-bucket", tmp_path / "missing")
    assert qarnot_emulator.storage_requests() == before
    (tmp_path / "file").write_bytes(b"")
    await qarnot_client.buckets.create("dest-check")
    with pytest.raises(LocalPathError, match="not a directory"):
        await qarnot_client.buckets.download("dest-check", tmp_path / "file")


async def test_a_key_that_would_escape_the_destination_is_refused(
    qarnot_client: Client, tmp_path: Path
) -> None:
    buckets = qarnot_client.buckets
    await buckets.create("hostile")
    await buckets.put_bytes("hostile", "in/../../escaped.txt", b"gotcha")
    with pytest.raises(LocalPathError, match="outside"):
        await buckets.download("hostile", tmp_path / "dest", prefix="in")
    assert not (tmp_path / "escaped.txt").exists()


async def test_refused_credentials(qarnot_emulator: Emulator, tmp_path: Path) -> None:
    # Another account's storage: our e-mail and token sign, it refuses them.
    async with Emulator(storage=True, email="other@example.test", token="other-token") as other:
        assert other.storage_url is not None
        token = qarnot_emulator.token
        async with qarnot_emulator.client(storage_url=other.storage_url) as client:
            with pytest.raises(StorageAuthError) as caught:
                await client.buckets.list()
    assert caught.value.status == 403
    assert caught.value.code == "InvalidAccessKeyId"
    assert token not in str(caught.value)
    assert token not in repr(caught.value)


async def test_close_closes_the_s3_client(qarnot_emulator: Emulator) -> None:
    client = qarnot_emulator.client()
    await client.buckets.list()
    await client.close()
    with pytest.raises(ConfigurationError, match="closed"):
        _ = client.buckets


async def test_storage_disabled_by_the_service(tmp_path: Path) -> None:
    async with Emulator() as plain, plain.client() as client:  # GET /settings: storage null
        with pytest.raises(ConfigurationError, match="storage is disabled"):
            await client.buckets.list()
