"""Moving one file: up in one ``PUT`` or in 8 MiB parts, down in one ``GET`` or in
ranged parts, never holding more than the byte budget in memory.

A transfer of many files runs a few of these at once (:func:`run_bounded`); the parts
of a large file go out in parallel, each read from (or written to) the file as it goes,
so a 256 MiB file costs a few parts of memory, not 256 MiB.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ._etag import MULTIPART_THRESHOLD, PART_SIZE, part_count
from ._local import (
    ByteBudget,
    LocalFile,
    PartBody,
    finish_file,
    prepare_file,
    read_range,
    write_at,
    write_file,
)
from ._models import ProgressCallback, StorageObject, TransferProgress, TransferSummary

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

    from ._s3 import S3Connection

__all__ = [
    "Tracker",
    "Transfer",
    "download_object",
    "gather_or_cancel",
    "read_object",
    "run_bounded",
    "upload_file",
]

T = TypeVar("T")


class Tracker:
    """Counts what moved and tells ``on_progress``."""

    def __init__(
        self,
        files_total: int,
        bytes_total: int,
        skipped: int,
        on_progress: ProgressCallback | None,
        *,
        started: float,
    ) -> None:
        self.files_total = files_total
        self.bytes_total = bytes_total
        self.skipped = skipped
        self.files_done = 0
        self.bytes_done = 0
        self.keys: list[str] = []
        self._on_progress = on_progress
        self._started = started  # a time.perf_counter() reading: listing counts too

    async def advance(self, key: str, size: int, *, file_done: bool) -> None:
        """``size`` more bytes of ``key`` moved (and, with ``file_done``, all of it)."""
        self.bytes_done += size
        if file_done:
            self.files_done += 1
            self.keys.append(key)
        if self._on_progress is not None:
            result = self._on_progress(
                TransferProgress(
                    files_done=self.files_done,
                    files_total=self.files_total,
                    bytes_done=self.bytes_done,
                    bytes_total=self.bytes_total,
                    skipped=self.skipped,
                    key=key,
                )
            )
            if inspect.isawaitable(result):
                await result

    def summary(self) -> TransferSummary:
        """What moved, and how long it took since ``started``."""
        return TransferSummary(
            files=self.files_done,
            bytes=self.bytes_done,
            skipped=self.skipped,
            seconds=time.perf_counter() - self._started,
            keys=tuple(self.keys),
        )


@attrs.frozen
class Transfer:
    """What every file of one upload or download shares."""

    connection: S3Connection
    bucket: str
    budget: ByteBudget
    tracker: Tracker


async def gather_or_cancel(coros: Iterable[Awaitable[T]]) -> list[T]:
    """Await every coroutine concurrently and return their results in order; the first
    failure cancels the others and is raised as it is (not in an ``ExceptionGroup``)."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        if tasks:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        return [task.result() for task in tasks]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run_bounded(
    items: Iterable[T], concurrency: int, work: Callable[[T], Awaitable[None]]
) -> None:
    """Run ``work`` on every item, ``concurrency`` at a time, as :func:`gather_or_cancel`."""
    pending = iter(items)

    async def worker() -> None:
        for item in pending:  # one shared iterator: each item is taken once
            await work(item)

    await gather_or_cancel(worker() for _ in range(max(1, concurrency)))


# -- up ------------------------------------------------------------------------------


async def upload_file(job: Transfer, file: LocalFile) -> None:
    """Send one file: one ``PUT`` below 8 MiB, else a multipart upload of 8 MiB parts
    (so its ETag is the one :func:`~qarnot_async.storage.local_etag` computes)."""
    call, bucket, key = job.connection.call, job.bucket, file.key
    if file.size < MULTIPART_THRESHOLD:
        held = await job.budget.acquire(file.size)
        try:
            data = await asyncio.to_thread(read_range, file.path, 0, file.size)

            async def put(s3: S3Client) -> None:
                await s3.put_object(Bucket=bucket, Key=key, Body=PartBody.of(data))

            await call("PutObject", put, bucket, key)
        finally:
            job.budget.release(held)
        await job.tracker.advance(key, file.size, file_done=True)
        return

    async def start(s3: S3Client) -> str:
        return (await s3.create_multipart_upload(Bucket=bucket, Key=key))["UploadId"]

    # Repeating it would only leave an unused upload behind, which a purge aborts.
    upload_id = await call("CreateMultipartUpload", start, bucket, key)
    try:
        etags = await gather_or_cancel(
            _upload_part(job, file, upload_id, n) for n in range(1, part_count(file.size) + 1)
        )
        parts: list[Any] = [{"ETag": etag, "PartNumber": n} for n, etag in enumerate(etags, 1)]

        async def complete(s3: S3Client) -> None:
            await s3.complete_multipart_upload(
                Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )

        await call("CompleteMultipartUpload", complete, bucket, key)
    except BaseException:
        # Parts of an abandoned upload cost storage until aborted; best effort only,
        # the original failure is what the caller must see.
        async def abort(s3: S3Client) -> None:
            await s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)

        with contextlib.suppress(Exception):
            await abort(await job.connection.client())
        raise
    await job.tracker.advance(key, 0, file_done=True)


async def _upload_part(job: Transfer, file: LocalFile, upload_id: str, number: int) -> str:
    offset = (number - 1) * PART_SIZE
    size = min(PART_SIZE, file.size - offset)
    held = await job.budget.acquire(size)
    try:
        data = await asyncio.to_thread(read_range, file.path, offset, size)

        async def send(s3: S3Client) -> str:
            answer = await s3.upload_part(
                Bucket=job.bucket,
                Key=file.key,
                UploadId=upload_id,
                PartNumber=number,
                Body=PartBody.of(data),
            )
            return answer["ETag"]

        etag = await job.connection.call("UploadPart", send, job.bucket, file.key)
    finally:
        job.budget.release(held)
    await job.tracker.advance(file.key, size, file_done=False)
    return etag


# -- down ----------------------------------------------------------------------------


async def read_object(connection: S3Connection, bucket: str, key: str, **extra: str) -> bytes:
    """The body of one ``GET`` (a range with ``Range=``); a connection that drops
    mid-body is retried from the start of that body, as the policy allows."""

    async def get(s3: S3Client) -> bytes:
        answer = await s3.get_object(Bucket=bucket, Key=key, **extra)  # type: ignore[arg-type]
        async with answer["Body"] as body:
            return await body.read()

    return await connection.call("GetObject", get, bucket, key)


async def download_object(job: Transfer, item: StorageObject, path: Path) -> None:
    """Receive one object into ``path``: one ``GET`` below 8 MiB, else ranged ``GET`` s
    of 8 MiB in parallel, each written at its offset of a temporary file that replaces
    ``path`` once complete (a failed download never leaves half a file)."""
    if item.size < MULTIPART_THRESHOLD:
        held = await job.budget.acquire(item.size)
        try:
            data = await read_object(job.connection, job.bucket, item.key)
            await asyncio.to_thread(write_file, path, data)
        finally:
            job.budget.release(held)
        await job.tracker.advance(item.key, len(data), file_done=True)
        return
    await asyncio.to_thread(prepare_file, path, item.size)
    ok = False
    try:
        await gather_or_cancel(
            _download_part(job, item, path, offset) for offset in range(0, item.size, PART_SIZE)
        )
        ok = True
    finally:
        await asyncio.to_thread(finish_file, path, ok)
    await job.tracker.advance(item.key, 0, file_done=True)


async def _download_part(job: Transfer, item: StorageObject, path: Path, offset: int) -> None:
    size = min(PART_SIZE, item.size - offset)
    held = await job.budget.acquire(size)
    try:
        # If-Match: a part of another version of the object would corrupt the file.
        data = await read_object(
            job.connection,
            job.bucket,
            item.key,
            Range=f"bytes={offset}-{offset + size - 1}",
            IfMatch=f'"{item.etag}"',
        )
        await asyncio.to_thread(write_at, path, offset, data)
    finally:
        job.budget.release(held)
    await job.tracker.advance(item.key, size, file_done=False)
