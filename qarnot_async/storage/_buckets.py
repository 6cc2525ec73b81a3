"""``client.buckets``: the account's S3 buckets, and files in and out of them."""

from __future__ import annotations

import asyncio
import builtins
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Final, TypeVar

from ..errors import InvalidInputError
from ._errors import BucketNotFoundError, StorageError
from ._etag import strip_quotes
from ._listing import empty_bucket, list_objects
from ._local import ByteBudget, changed_files, destination, missing_objects, normalize_prefix, scan
from ._models import ProgressCallback, StorageObject, TransferSummary
from ._s3 import S3Connection
from ._transfer import (
    Tracker,
    Transfer,
    download_object,
    read_object,
    run_bounded,
    upload_file,
)

__all__ = ["DEFAULT_CONCURRENCY", "DEFAULT_MEMORY", "Buckets"]

_log = logging.getLogger("qarnot_async")

T = TypeVar("T")

DEFAULT_CONCURRENCY: Final = 64
"""Files moved at once by an upload or a download: enough to hide a remote storage's
latency behind its throughput for small files (large ones are bounded by memory)."""

DEFAULT_MEMORY: Final = 32 * 1024 * 1024
"""Bytes of file content a transfer holds in memory at most (four 8 MiB parts)."""


class Buckets:
    """The account's buckets on Qarnot's S3 storage (``client.buckets``).

    Credentials are those of the official SDKs: the account's e-mail as access key, the
    API token as secret. Transfers move ``concurrency`` files at once, large files in
    8 MiB parts read from the file as they go, never more than ``memory`` bytes of
    content in flight; every request is retried on 5xx answers and dropped connections
    as the client's retry policy allows.

    Errors common to every method: :class:`~qarnot_async.storage.StorageAuthError`
    (refused credentials), :class:`~qarnot_async.storage.StorageServerError` (5xx after
    retries), :class:`~qarnot_async.ConnectError` and
    :class:`~qarnot_async.RequestTimeoutError`,
    :class:`~qarnot_async.ConfigurationError` (storage disabled, client closed).
    """

    def __init__(
        self,
        connection: S3Connection,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        memory: int = DEFAULT_MEMORY,
    ) -> None:
        self._connection = connection
        self._concurrency = concurrency
        self._memory = memory

    def __repr__(self) -> str:
        return f"Buckets(endpoint={self._connection.endpoint!r})"

    async def aclose(self) -> None:
        """Close the S3 client (``client.close()`` does it)."""
        await self._connection.aclose()

    @property
    def closed(self) -> bool:
        """True once the S3 client was closed."""
        return self._connection.closed

    # -- buckets --------------------------------------------------------------------------

    async def list(self) -> builtins.list[str]:
        """The names of the account's buckets."""
        answer = await self._connection.call("ListBuckets", lambda s3: s3.list_buckets())
        return [b["Name"] for b in answer.get("Buckets", []) if "Name" in b]

    async def create(self, name: str) -> None:
        """Create the bucket ``name``; one the account already owns is no error.

        Raises:
            BucketAlreadyExistsError: another account owns that name.
        """
        try:
            await self._connection.call(
                "CreateBucket", lambda s3: s3.create_bucket(Bucket=name), name
            )
        except StorageError as error:
            if error.code != "BucketAlreadyOwnedByYou":
                raise

    async def exists(self, name: str) -> bool:
        """Whether the bucket exists (and these credentials may use it)."""
        try:
            await self._connection.call("HeadBucket", lambda s3: s3.head_bucket(Bucket=name), name)
        except BucketNotFoundError:
            return False
        return True

    async def delete(self, name: str, *, purge: bool = True) -> None:
        """Delete the bucket; with ``purge`` (the default), its objects first.

        Raises:
            BucketNotFoundError: no such bucket.
            BucketNotEmptyError: ``purge=False`` and the bucket holds objects.
        """
        if purge:
            await empty_bucket(self._connection, name)
        await self._connection.call("DeleteBucket", lambda s3: s3.delete_bucket(Bucket=name), name)

    async def delete_if_exists(self, names: Iterable[str]) -> builtins.list[str]:
        """Delete each bucket with its objects; return the names deleted. A missing
        bucket is logged and skipped (as the official SDK does when purging a task's
        buckets): what matters is that it is gone."""
        deleted = []
        for name in dict.fromkeys(names):
            try:
                await self.delete(name)
            except BucketNotFoundError:
                _log.warning("bucket %s was already gone", name)
            else:
                deleted.append(name)
        return deleted

    # -- objects --------------------------------------------------------------------------

    async def objects(self, name: str, prefix: str = "") -> AsyncIterator[StorageObject]:
        """Every object of the bucket whose key starts with ``prefix``, in key order,
        one ``ListObjectsV2`` page (up to 1,000 objects) at a time.

        Raises:
            BucketNotFoundError: no such bucket.
        """
        async for item in list_objects(self._connection, name, prefix):
            yield item

    async def put_bytes(self, name: str, key: str, data: bytes) -> str:
        """Store ``data`` as the object ``key``; return its ETag (without quotes).

        Raises:
            BucketNotFoundError: no such bucket.
        """
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InvalidInputError("data", "must be bytes", type(data).__name__)
        body = bytes(data)
        answer = await self._connection.call(
            "PutObject", lambda s3: s3.put_object(Bucket=name, Key=key, Body=body), name, key
        )
        return strip_quotes(answer.get("ETag", ""))

    async def get_bytes(self, name: str, key: str) -> bytes:
        """The content of the object ``key``.

        Raises:
            BucketNotFoundError: no such bucket.
            ObjectNotFoundError: no such key.
        """
        return await read_object(self._connection, name, key)

    async def delete_object(self, name: str, key: str) -> None:
        """Delete the object ``key`` (a missing key is no error, as in S3)."""
        await self._connection.call(
            "DeleteObject", lambda s3: s3.delete_object(Bucket=name, Key=key), name, key
        )

    # -- transfers ------------------------------------------------------------------------

    async def _move(
        self,
        name: str,
        todo: Sequence[T],
        work: Callable[[Transfer, T], Awaitable[None]],
        *,
        size: Callable[[T], int],
        skipped: int,
        on_progress: ProgressCallback | None,
        concurrency: int | None,
        started: float,
    ) -> TransferSummary:
        """Run ``work`` on every item of ``todo`` (``size(item)`` bytes each),
        ``concurrency`` at a time, telling ``on_progress``; ``skipped`` counts the files
        already in place. The part uploads and downloads share."""
        tracker = Tracker(len(todo), sum(map(size, todo)), skipped, on_progress, started=started)
        job = Transfer(self._connection, name, ByteBudget(self._memory), tracker)
        await run_bounded(todo, concurrency or self._concurrency, lambda item: work(job, item))
        return tracker.summary()

    async def upload(
        self,
        name: str,
        local_path: str | os.PathLike[str],
        *,
        prefix: str = "",
        on_progress: ProgressCallback | None = None,
        concurrency: int | None = None,
    ) -> TransferSummary:
        """Upload a file, or a directory tree, into the bucket under ``prefix``.

        A file goes to ``<prefix><file name>``; a tree's files to ``<prefix><path
        relative to the tree>``, with ``/`` on every OS. A file whose object already
        exists with the same ETag (:func:`~qarnot_async.storage.local_etag`) is skipped;
        objects without a local file are left alone. ``on_progress`` receives a
        :class:`~qarnot_async.storage.TransferProgress` as bytes go.

        Raises:
            LocalPathError: ``local_path`` does not exist.
            BucketNotFoundError: no such bucket.
        """
        started = time.perf_counter()
        prefix = normalize_prefix(prefix)
        files, single = await scan(local_path, prefix)
        # One file: list only its key, not the whole prefix.
        listed = files[0].key if single else prefix
        remote = {o.key: o async for o in self.objects(name, listed)}
        todo = await asyncio.to_thread(changed_files, files, remote)
        return await self._move(
            name,
            todo,
            upload_file,
            size=lambda f: f.size,
            skipped=len(files) - len(todo),
            on_progress=on_progress,
            concurrency=concurrency,
            started=started,
        )

    async def download(
        self,
        name: str,
        dest_dir: str | os.PathLike[str],
        *,
        prefix: str = "",
        on_progress: ProgressCallback | None = None,
        concurrency: int | None = None,
    ) -> TransferSummary:
        """Download the objects under ``prefix`` into ``dest_dir`` (created if needed),
        each at its key minus the prefix; ``/`` in keys become directories.

        A local file with the object's ETag already is skipped; any other is replaced,
        through a temporary file renamed once complete.

        Raises:
            BucketNotFoundError: no such bucket.
            LocalPathError: ``dest_dir`` is a file, or a key would land outside it.
        """
        started = time.perf_counter()
        prefix = normalize_prefix(prefix)
        root = Path(dest_dir)
        found = [o async for o in self.objects(name, prefix)]
        # The prefix's own directory marker ("in/" under prefix "in/") is no file.
        wanted = [(o, destination(root, o.key[len(prefix) :])) for o in found if o.key != prefix]
        todo = await asyncio.to_thread(missing_objects, wanted, root)
        return await self._move(
            name,
            todo,
            lambda job, item: download_object(job, *item),
            size=lambda item: item[0].size,
            skipped=len(found) - len(todo),
            on_progress=on_progress,
            concurrency=concurrency,
            started=started,
        )
