"""The emulator's S3 storage: reported in GET /settings, signed by the account, and
written to by tasks that end (raw HTTP and boto3 only, never qarnot_async's client)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Any

import aiohttp
import pytest

from qarnot_async.emulator import (
    RESULT_FILES_CONSTANT,
    Emulator,
    StorageUnavailableError,
    main,
)
from qarnot_async.emulator._storage import MISSING_MOTO, parse_result_files

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")
Config = pytest.importorskip("botocore.config").Config
ClientError = pytest.importorskip("botocore.exceptions").ClientError

pytestmark = pytest.mark.qarnot_emulator(storage=True)


def s3(emu: Emulator, *, key: str | None = None, secret: str | None = None) -> Any:
    """A boto3 S3 client on the emulator's storage (the account's credentials by default)."""
    return boto3.client(
        "s3",
        endpoint_url=emu.storage_url,
        aws_access_key_id=key or emu.email,
        aws_secret_access_key=secret or emu.token,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}),
    )


async def call(emu: Emulator, method: str, path: str, json: Any = None) -> Any:
    async with (
        aiohttp.ClientSession(headers={"Authorization": emu.token}) as session,
        session.request(method, f"{emu.url}/v1{path}", json=json) as response,
    ):
        assert response.status < 300, await response.text()
        return await response.json(content_type=None)


def code_of(error: Any) -> str:
    return str(error.response["Error"]["Code"])


async def test_settings_name_the_storage(qarnot_emulator: Emulator) -> None:
    settings = await call(qarnot_emulator, "GET", "/settings")
    assert settings["storage"] == qarnot_emulator.storage_url
    assert settings["storage"].startswith("http://127.0.0.1:")
    async with Emulator() as plain:
        assert (await call(plain, "GET", "/settings"))["storage"] is None


def test_storage_and_storage_url_are_exclusive() -> None:
    with pytest.raises(ValueError, match="not both"):
        Emulator(storage=True, storage_url="http://elsewhere")


async def test_only_the_account_signs(qarnot_emulator: Emulator) -> None:
    good = s3(qarnot_emulator)
    await asyncio.to_thread(good.create_bucket, Bucket="signed")
    # Keys with spaces and non-ASCII letters are signed over their encoded path.
    await asyncio.to_thread(good.put_object, Bucket="signed", Key="é t/日本 語.txt", Body=b"ok")
    answer = await asyncio.to_thread(good.get_object, Bucket="signed", Key="é t/日本 語.txt")
    assert answer["Body"].read() == b"ok"

    for client, code in [
        (s3(qarnot_emulator, secret="wrong-token"), "SignatureDoesNotMatch"),
        (s3(qarnot_emulator, key="someone@else.test"), "InvalidAccessKeyId"),
    ]:
        with pytest.raises(ClientError) as caught:
            await asyncio.to_thread(client.list_buckets)
        assert code_of(caught.value) == code
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    assert qarnot_emulator.storage_url is not None
    async with aiohttp.ClientSession() as session:
        async with session.get(qarnot_emulator.storage_url + "/signed") as response:
            assert response.status == 403
            assert "AccessDenied" in await response.text()
        url = good.generate_presigned_url(
            "get_object", {"Bucket": "signed", "Key": "é t/日本 語.txt"}
        )
        async with session.get(url) as response:
            assert await response.read() == b"ok"
        stranger = s3(qarnot_emulator, key="someone@else.test")
        url = stranger.generate_presigned_url("get_object", {"Bucket": "signed", "Key": "x"})
        async with session.get(url) as response:
            assert response.status == 403
    counts = qarnot_emulator.storage_requests()
    assert counts["PUT"] == 2
    assert counts["GET"] >= 4


def keys_of(client: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def read(client: Any, bucket: str, key: str) -> bytes:
    data: bytes = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return data


async def test_a_task_that_ends_writes_what_its_instances_saw(qarnot_emulator: Emulator) -> None:
    client = s3(qarnot_emulator)

    def prepare() -> None:
        for bucket in ("inputs", "more", "results"):
            client.create_bucket(Bucket=bucket)
        for key in ("a.txt", "dir/b c.txt"):
            client.put_object(Bucket="inputs", Key=key, Body=b"1")
        for key in ("keep/x.dat", "keep/y.dat", "skip/z.dat"):
            client.put_object(Bucket="more", Key=key, Body=b"2")

    await asyncio.to_thread(prepare)
    created = await call(
        qarnot_emulator,
        "POST",
        "/tasks",
        {
            "name": "storage",
            "profile": "docker-batch",
            "instanceCount": 3,
            "resourceBuckets": ["inputs"],
            "advancedResourceBuckets": [
                {
                    "bucketName": "more",
                    "filtering": {"prefixFiltering": {"prefix": "keep/"}},
                    "resourcesTransformation": {"stripPrefix": {"prefix": "keep/"}},
                }
            ],
            "resultsBucket": "results",
            "resultsBucketPrefix": "run-1",
            "constants": [
                {"key": "EMULATOR_DURATION", "value": "10"},
                {"key": "EMULATOR_FAIL_INSTANCES", "value": "2"},
                {"key": RESULT_FILES_CONSTANT, "value": "out/{instance}.bin:1000, log.txt"},
            ],
        },
    )
    await qarnot_emulator.advance(60)
    task = await call(qarnot_emulator, "GET", f"/tasks/{created['uuid']}")
    assert task["state"] == "Failure"
    assert task["resultsCount"] == 2

    keys = await asyncio.to_thread(keys_of, client, "results")
    # Instance 2 failed: nothing from it.
    assert sorted(keys) == [
        "run-1/log.txt",
        "run-1/out/0.bin",
        "run-1/out/1.bin",
        "run-1/results/0.txt",
        "run-1/results/1.txt",
    ]
    seen = (await asyncio.to_thread(read, client, "results", "run-1/results/1.txt")).decode()
    assert seen.splitlines() == ["a.txt", "dir/b c.txt", "x.dat", "y.dat"]
    data = await asyncio.to_thread(read, client, "results", "run-1/out/1.bin")
    assert len(data) == 1000
    assert data.startswith(f"task {created['uuid']} instance 1 file out/1.bin\n".encode())


async def test_the_official_sdks_result_bucket_and_a_missing_one(
    qarnot_emulator: Emulator,
) -> None:
    client = s3(qarnot_emulator)
    created = await call(
        qarnot_emulator,
        "POST",
        "/tasks",
        {
            "name": "legacy",
            "profile": "docker-batch",
            "instanceCount": 1,
            "resourceBuckets": ["does-not-exist"],
            "resultBucket": "made-for-me",
        },
    )
    await qarnot_emulator.advance(60)
    assert (await call(qarnot_emulator, "GET", f"/tasks/{created['uuid']}"))["state"] == "Success"
    # The results bucket is created when missing; a missing resource bucket gives nothing.
    assert await asyncio.to_thread(keys_of, client, "made-for-me") == ["results/0.txt"]
    assert await asyncio.to_thread(read, client, "made-for-me", "results/0.txt") == b""


async def test_emulators_keep_their_buckets_apart_and_clean_up(
    qarnot_emulator: Emulator,
) -> None:
    mine = s3(qarnot_emulator)
    await asyncio.to_thread(mine.create_bucket, Bucket="private-one")
    async with Emulator(storage=True) as other:
        theirs = s3(other)
        listed = await asyncio.to_thread(theirs.list_buckets)
        assert listed["Buckets"] == []
        await asyncio.to_thread(theirs.create_bucket, Bucket="leaves-with-me")
        await asyncio.to_thread(theirs.put_object, Bucket="leaves-with-me", Key="k", Body=b"v")
    # Stopped: its buckets are gone, so the (global) name is free again.
    await asyncio.to_thread(mine.create_bucket, Bucket="leaves-with-me")
    names = [b["Name"] for b in (await asyncio.to_thread(mine.list_buckets))["Buckets"]]
    assert sorted(names) == ["leaves-with-me", "private-one"]


async def test_reset_empties_the_storage(qarnot_emulator: Emulator) -> None:
    client = s3(qarnot_emulator)
    for name in ("resources", "results"):
        await asyncio.to_thread(client.create_bucket, Bucket=name)
        await asyncio.to_thread(client.put_object, Bucket=name, Key="a/b.txt", Body=b"x")
    await asyncio.to_thread(client.create_multipart_upload, Bucket="results", Key="big.bin")
    qarnot_emulator.reset()
    assert (await asyncio.to_thread(client.list_buckets))["Buckets"] == []
    # The HTTP route resets the same way.
    await asyncio.to_thread(client.create_bucket, Bucket="again")
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{qarnot_emulator.url}/__emulator/reset") as response,
    ):
        assert response.status == 200
    assert (await asyncio.to_thread(client.list_buckets))["Buckets"] == []
    # A name freed by the reset can be taken again.
    await asyncio.to_thread(client.create_bucket, Bucket="resources")


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("", []),
        ("a.txt", [("a.txt", None)]),
        (
            " out/{instance}.bin:1024 , /log.txt ,",
            [("out/{instance}.bin", 1024), ("log.txt", None)],
        ),
        ("empty.bin:0", [("empty.bin", 0)]),
    ],
)
def test_parse_result_files(raw: str, parsed: list[tuple[str, int | None]]) -> None:
    assert parse_result_files(raw) == parsed


@pytest.mark.parametrize("raw", [":12", "a.bin:big", "a.bin:-1"])
def test_parse_result_files_refuses(raw: str) -> None:
    with pytest.raises(ValueError, match=RESULT_FILES_CONSTANT):
        parse_result_files(raw)


@pytest.mark.qarnot_emulator
def test_without_moto_one_line_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "moto.moto_server.werkzeug_app", None)
    with pytest.raises(StorageUnavailableError) as caught:
        Emulator(storage=True)
    assert str(caught.value) == MISSING_MOTO
    assert "pip install 'qarnot-async[emulator-storage]'" in MISSING_MOTO
    assert main(["--storage"]) == 2
    assert capsys.readouterr().err == f"error: {MISSING_MOTO}\n"


@pytest.mark.qarnot_emulator
async def test_command_line_storage() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "qarnot_async.emulator",
        "--port",
        "0",
        "--storage",
        "--token",
        "cli-token",
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        url = line.split("listening on ")[1].split()[0]
        storage = line.split("storage=")[1].split()[0]
        async with aiohttp.ClientSession() as session, session.get(f"{url}/v1/settings") as got:
            assert (await got.json())["storage"] == storage
        client = boto3.client(
            "s3",
            endpoint_url=storage,
            aws_access_key_id="emulator@qarnot.local",
            aws_secret_access_key="cli-token",
            region_name="us-east-1",
        )
        assert (await asyncio.to_thread(client.list_buckets))["Buckets"] == []
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
