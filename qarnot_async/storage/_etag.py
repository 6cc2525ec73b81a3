"""The ETag S3 gives an object, computed from a local file, to tell what changed.

S3 (and Ceph) answer the MD5 of the content for an object sent in one ``PUT``; for a
multipart upload, the MD5 of the concatenated binary MD5s of its parts followed by
``-N``, N the number of parts. The official Qarnot SDK uploads in one piece below
8 MiB and in 8 MiB parts from 8 MiB up, and compares ETags computed that way; this SDK
uploads by the same rule, so both SDKs agree on which files changed.
"""

from __future__ import annotations

import hashlib
import os
from typing import Final

__all__ = [
    "MULTIPART_THRESHOLD",
    "PART_SIZE",
    "ETagHasher",
    "local_etag",
    "part_count",
    "strip_quotes",
]

PART_SIZE: Final = 8 * 1024 * 1024
"""The size of every part of a multipart upload but the last (8 MiB)."""

MULTIPART_THRESHOLD: Final = PART_SIZE
"""Files of at least this many bytes go up in parts."""

# Reading in 1 MiB blocks keeps the hashing of a large file to a constant footprint.
_READ_BLOCK: Final = 1024 * 1024


def part_count(size: int) -> int:
    """How many parts a file of ``size`` bytes is sent in (1 below the threshold)."""
    if size < MULTIPART_THRESHOLD:
        return 1
    return max(1, -(-size // PART_SIZE))


class ETagHasher:
    """Computes an ETag from the bytes of a file fed in order, whatever the chunking.

    ``size`` is the file's total size, which decides between the plain and the
    multipart rule before the first byte is seen.
    """

    __slots__ = ("_digests", "_multipart", "_part", "_part_filled", "_whole")

    def __init__(self, size: int) -> None:
        self._multipart = size >= MULTIPART_THRESHOLD
        self._whole = hashlib.md5(usedforsecurity=False)
        self._part = hashlib.md5(usedforsecurity=False)
        self._part_filled = 0
        self._digests: list[bytes] = []

    def update(self, data: bytes | memoryview) -> None:
        """Feed the next bytes of the file."""
        if not self._multipart:
            self._whole.update(data)
            return
        view = memoryview(data)
        while view:
            take = min(len(view), PART_SIZE - self._part_filled)
            self._part.update(view[:take])
            self._part_filled += take
            view = view[take:]
            if self._part_filled == PART_SIZE:
                self._close_part()

    def _close_part(self) -> None:
        self._digests.append(self._part.digest())
        self._part = hashlib.md5(usedforsecurity=False)
        self._part_filled = 0

    def hexdigest(self) -> str:
        """The ETag, without the quotes S3 puts around it."""
        if not self._multipart:
            return self._whole.hexdigest()
        if self._part_filled or not self._digests:
            self._close_part()
        combined = hashlib.md5(b"".join(self._digests), usedforsecurity=False)
        return f"{combined.hexdigest()}-{len(self._digests)}"


def local_etag(path: str | os.PathLike[str]) -> str:
    """The ETag S3 gives ``path``'s content once uploaded by this SDK (or the official
    one), without quotes: ``"<md5>"`` below 8 MiB, else ``"<md5 of part md5s>-<N>"``.

    Raises:
        OSError: the file cannot be read.
    """
    with open(path, "rb") as file:
        hasher = ETagHasher(os.fstat(file.fileno()).st_size)
        while block := file.read(_READ_BLOCK):
            hasher.update(block)
    return hasher.hexdigest()


def strip_quotes(etag: str) -> str:
    """An ETag as S3 sends it (``'"abc"'``) without its quotes."""
    return etag.strip().strip('"')
