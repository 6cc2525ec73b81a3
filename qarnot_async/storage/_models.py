"""The values storage hands back: listed objects, transfer progress and summaries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import attrs

__all__ = ["ProgressCallback", "StorageObject", "TransferProgress", "TransferSummary"]


@attrs.frozen(slots=True)
class StorageObject:
    """One object of a bucket, as ``ListObjectsV2`` describes it.

    ``etag`` is without quotes: compare it with :func:`~qarnot_async.storage.local_etag`.
    """

    key: str
    size: int
    etag: str
    last_modified: datetime | None = None


@attrs.frozen(slots=True)
class TransferProgress:
    """Where an upload or a download stands, handed to ``on_progress``.

    ``files_total`` and ``bytes_total`` count what has to move (skipped files aside);
    ``key`` is the object whose bytes just moved.
    """

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    skipped: int
    key: str = ""


ProgressCallback = Callable[[TransferProgress], Awaitable[None] | None]
"""``on_progress``: called (or awaited) as bytes move, at most once per chunk."""


@attrs.frozen(slots=True)
class TransferSummary:
    """What an upload or a download did.

    Attributes:
        files: files sent or received.
        bytes: bytes sent or received.
        skipped: files left alone because the other side already had them (same ETag).
        seconds: how long the transfer took, listing included.
        keys: the keys sent or received, in the order they completed.
    """

    files: int
    bytes: int
    skipped: int
    seconds: float
    keys: tuple[str, ...] = ()

    @property
    def throughput(self) -> float:
        """Bytes per second (0.0 for an instant transfer)."""
        return self.bytes / self.seconds if self.seconds > 0 else 0.0
