"""Our buckets and the official ``qarnot`` SDK (2.23, with boto3), unmodified, on one
emulator: what one uploads the other downloads byte for byte, both agree on ETags (so
neither re-sends what the other sent), and the official ``download_results`` gets the
emulator's results.

The official SDK runs in a worker thread while the emulator serves from the test's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aiobotocore")
pytest.importorskip("moto")
pytest.importorskip("qarnot")
import qarnot
import qarnot.task
from _trees import MiB, make_tree, same_files

from qarnot_async import Client
from qarnot_async.emulator import Emulator
from qarnot_async.storage import local_etag

pytestmark = pytest.mark.qarnot_emulator(storage=True)


async def official(emu: Emulator, flow: Callable[[Any], Any]) -> Any:
    def run() -> Any:
        return flow(qarnot.connection.Connection(client_token=emu.token, cluster_url=emu.url))

    return await asyncio.to_thread(run)


def sends(before: dict[str, int], after: dict[str, int]) -> int:
    """Requests that could have carried a file (PUT, POST) between two counts."""
    return sum(after.get(m, 0) - before.get(m, 0) for m in ("PUT", "POST"))


async def test_what_the_official_sdk_uploads_we_download(
    qarnot_emulator: Emulator, qarnot_client: Client, tmp_path: Path
) -> None:
    make_tree(tmp_path / "src", 40, big=20 * MiB)

    def upload(conn: Any) -> str:
        assert conn.s3client is not None  # GET /settings named the storage
        bucket = conn.create_bucket("from-official")
        bucket.sync_directory(str(tmp_path / "src"))
        return str(next(o.e_tag for o in bucket.list_files() if o.key.startswith("big/")))

    official_etag = await official(qarnot_emulator, upload)
    big = tmp_path / "src" / "big" / "video 20MiB.bin"
    assert official_etag.strip('"') == local_etag(big)
    assert official_etag.endswith('-3"')

    summary = await qarnot_client.buckets.download("from-official", tmp_path / "copy")
    assert summary.files == 40
    assert same_files(tmp_path / "src", tmp_path / "copy") == []

    # Same ETags on both sides: our upload of the same tree sends nothing.
    before = qarnot_emulator.storage_requests()
    again = await qarnot_client.buckets.upload("from-official", tmp_path / "src")
    assert (again.files, again.skipped) == (0, 40)
    assert sends(before, qarnot_emulator.storage_requests()) == 0


async def test_what_we_upload_the_official_sdk_downloads(
    qarnot_emulator: Emulator, qarnot_client: Client, tmp_path: Path
) -> None:
    make_tree(tmp_path / "src", 40, big=20 * MiB)
    await qarnot_client.buckets.create("from-us")
    await qarnot_client.buckets.upload("from-us", tmp_path / "src")

    def download(conn: Any) -> None:
        bucket = conn.retrieve_bucket("from-us")
        bucket.get_all_files(str(tmp_path / "copy"))

    await official(qarnot_emulator, download)
    assert same_files(tmp_path / "src", tmp_path / "copy") == []

    # The official sync compares its own ETags with ours: it finds nothing to send.
    before = qarnot_emulator.storage_requests()
    await official(
        qarnot_emulator,
        lambda conn: conn.retrieve_bucket("from-us").sync_directory(str(tmp_path / "src")),
    )
    assert sends(before, qarnot_emulator.storage_requests()) == 0


# The official submit() calls its own deprecated Bucket.flush().
@pytest.mark.filterwarnings("ignore:flush is deprecated")
async def test_the_official_download_results_gets_the_emulators_results(
    qarnot_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The official wait() sleeps between polls: advance the emulated clock instead.
    monkeypatch.setattr(qarnot.task.time, "sleep", qarnot_emulator.advance_threadsafe)
    (tmp_path / "in" / "sub dir").mkdir(parents=True)
    (tmp_path / "in" / "sub dir" / "données.csv").write_bytes(b"1,2\n")

    def flow(conn: Any) -> list[str]:
        resources = conn.create_bucket("official-in")
        resources.add_directory(str(tmp_path / "in"))
        task = conn.create_task("official-run", "docker-batch", 2)
        task.resources = [resources]
        task.results = conn.create_bucket("official-out")
        task.submit()
        assert task.wait() is True
        assert task.state == "Success"
        task.download_results(str(tmp_path / "out"))
        return sorted(p.name for p in (tmp_path / "out" / "results").iterdir())

    assert await official(qarnot_emulator, flow) == ["0.txt", "1.txt"]
    seen = (tmp_path / "out" / "results" / "1.txt").read_text()
    assert seen.splitlines() == ["sub dir/données.csv"]
