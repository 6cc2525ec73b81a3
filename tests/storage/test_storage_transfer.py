"""Running transfers: bounded concurrency, first failure wins, progress reports."""

from __future__ import annotations

import asyncio
import io

import pytest

from qarnot_async import ConnectError
from qarnot_async.storage import TransferProgress, TransferSummary
from qarnot_async.storage._local import PartBody
from qarnot_async.storage._transfer import Tracker, gather_or_cancel, run_bounded


async def test_run_bounded_never_exceeds_its_concurrency() -> None:
    running = peak = 0
    gate = asyncio.Event()
    done: list[int] = []

    async def work(item: int) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        if len(done) + running >= 3:
            gate.set()
        await gate.wait()
        running -= 1
        done.append(item)

    await run_bounded(range(20), 3, work)
    assert sorted(done) == list(range(20))
    assert peak == 3


async def test_first_failure_cancels_the_rest_and_is_raised_bare() -> None:
    cancelled = 0
    started = asyncio.Event()

    async def work(item: int) -> None:
        nonlocal cancelled
        if item == 0:
            await started.wait()
            raise ConnectError("dropped")
        started.set()
        try:
            await asyncio.Event().wait()  # runs until cancelled
        except asyncio.CancelledError:
            cancelled += 1
            raise

    with pytest.raises(ConnectError, match="dropped"):
        await run_bounded(range(4), 4, work)
    assert cancelled == 3


async def test_gather_or_cancel_keeps_order_and_handles_nothing() -> None:
    async def value(i: int) -> int:
        await asyncio.sleep(0)
        return i * i

    assert await gather_or_cancel(value(i) for i in range(5)) == [0, 1, 4, 9, 16]
    assert await gather_or_cancel([]) == []


async def test_cancelling_the_caller_cancels_every_child() -> None:
    children_cancelled = 0
    ready = asyncio.Event()

    async def child() -> None:
        nonlocal children_cancelled
        ready.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            children_cancelled += 1
            raise

    children = [child() for _ in range(3)]
    outer = asyncio.create_task(gather_or_cancel(children))
    await ready.wait()
    outer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await outer
    assert children_cancelled == 3


async def test_tracker_reports_progress_sync_and_async() -> None:
    seen: list[TransferProgress] = []
    awaited: list[str] = []

    async def on_progress(progress: TransferProgress) -> None:
        awaited.append(progress.key)

    tracker = Tracker(2, 30, 1, seen.append, started=0.0)
    await tracker.advance("a", 10, file_done=False)
    await tracker.advance("a", 10, file_done=True)
    await tracker.advance("b", 10, file_done=True)
    assert [(p.files_done, p.bytes_done) for p in seen] == [(0, 10), (1, 20), (2, 30)]
    assert seen[-1] == TransferProgress(2, 2, 30, 30, 1, "b")

    other = Tracker(1, 5, 0, on_progress, started=0.0)
    await other.advance("c", 5, file_done=True)
    assert awaited == ["c"]
    summary = tracker.summary()
    assert (summary.files, summary.bytes, summary.skipped, summary.keys) == (2, 30, 1, ("a", "b"))


def test_throughput() -> None:
    assert TransferSummary(files=1, bytes=100, skipped=0, seconds=2.0).throughput == 50.0
    assert TransferSummary(files=0, bytes=0, skipped=3, seconds=0.0).throughput == 0.0


def test_part_body_reads_and_seeks_like_a_file() -> None:
    body = PartBody(b"0123456789")
    assert body.readable()
    assert body.seekable()
    assert body.read(4) == b"0123"
    assert body.tell() == 4
    assert body.read() == b"456789"
    assert body.read(3) == b""
    assert body.seek(-3, io.SEEK_END) == 7
    assert body.read() == b"789"
    body.seek(2)
    buffer = bytearray(5)
    assert body.readinto(buffer) == 5
    assert bytes(buffer) == b"23456"
    assert body.seek(1, io.SEEK_CUR) == 8
    assert body.seek(0, io.SEEK_END) == 10
