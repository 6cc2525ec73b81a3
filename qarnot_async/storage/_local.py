"""The local side of transfers: walking a tree into keys, placing keys under a
directory safely, and blocking file I/O kept off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import io
import mmap
import os
from collections import deque
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

import attrs

from ._errors import LocalPathError
from ._etag import local_etag
from ._models import StorageObject

__all__ = [
    "ByteBudget",
    "Chunk",
    "LocalFile",
    "PartBody",
    "changed_files",
    "missing_objects",
    "destination",
    "finish_file",
    "normalize_prefix",
    "prepare_file",
    "read_range",
    "scan",
    "temporary_path",
    "write_at",
    "write_file",
]


@attrs.frozen(slots=True)
class LocalFile:
    """A file to upload: its key, its path and its size."""

    key: str
    path: Path
    size: int


def normalize_prefix(prefix: str) -> str:
    """A key prefix as a "directory": ``""`` stays, ``"in"`` becomes ``"in/"``."""
    prefix = prefix.replace("\\", "/").lstrip("/")
    return prefix if not prefix or prefix.endswith("/") else prefix + "/"


def _walk(root: Path, prefix: str) -> list[LocalFile]:
    if root.is_file():
        return [LocalFile(prefix + root.name, root, root.stat().st_size)]
    if not root.is_dir():
        raise LocalPathError(root)
    found: list[LocalFile] = []
    for directory, _, names in os.walk(root):
        base = Path(directory)
        for name in names:
            path = base / name
            if not path.is_file():  # a dangling link, a socket...
                continue
            # Keys use "/" whatever the OS, as S3 and the official SDKs expect.
            relative = PurePosixPath(*path.relative_to(root).parts).as_posix()
            found.append(LocalFile(prefix + relative, path, path.stat().st_size))
    found.sort(key=lambda f: f.key)
    return found


async def scan(local_path: str | os.PathLike[str], prefix: str) -> tuple[list[LocalFile], bool]:
    """The files under ``local_path`` (or that file alone) with their keys, and
    whether ``local_path`` is a single file.

    Raises:
        LocalPathError: ``local_path`` does not exist.
    """
    root = Path(local_path)
    files = await asyncio.to_thread(_walk, root, prefix)
    return files, len(files) == 1 and files[0].path == root


def changed_files(files: list[LocalFile], remote: dict[str, StorageObject]) -> list[LocalFile]:
    """The files whose object is missing or differs (hashing only same-size ones)."""
    todo = []
    for file in files:
        there = remote.get(file.key)
        if there is None or there.size != file.size or there.etag != local_etag(file.path):
            todo.append(file)
    return todo


def missing_objects(
    wanted: list[tuple[StorageObject, Path]], root: Path
) -> list[tuple[StorageObject, Path]]:
    """The objects to fetch, their directories made (once each, not per file):
    directory markers become directories, and a local file already holding the object's
    content is kept."""
    if root.exists() and not root.is_dir():
        raise LocalPathError(root, "not a directory")
    directories = {root}
    todo = []
    for item, path in wanted:
        if item.key.endswith("/"):
            directories.add(path)
            continue
        directories.add(path.parent)
        if path.is_file() and path.stat().st_size == item.size and local_etag(path) == item.etag:
            continue
        todo.append((item, path))
    for directory in sorted(directories):
        directory.mkdir(parents=True, exist_ok=True)
    return todo


# On Windows a backslash or a drive colon in a key part would reach another directory.
_UNSAFE_CHARS = ("\\", ":") if os.name == "nt" else ()


def destination(root: Path, relative_key: str) -> Path:
    """Where the object of ``relative_key`` (its key minus the prefix) goes under ``root``.

    Raises:
        LocalPathError: the key would land outside ``root`` (``..``, an absolute or
            drive path): a bucket's content must never write elsewhere on disk.
    """
    parts = [p for p in relative_key.split("/") if p not in ("", ".")]
    unsafe = not parts or any(
        p == ".." or "\x00" in p or any(c in p for c in _UNSAFE_CHARS) for p in parts
    )
    if unsafe:
        raise LocalPathError(relative_key, "the object key leads outside the destination")
    return root.joinpath(*parts)


# Parts read from a file are mapped memory from this size up: an anonymous mapping
# goes back to the system the moment it is freed, while megabytes of ``bytes`` made in
# the executor's threads stay in their malloc arenas and swell the process far beyond
# what is actually in flight.
_MAPPED_FROM = 1024 * 1024

Chunk = bytes | mmap.mmap
"""Bytes read from a file: ``bytes``, or an anonymous memory map for large parts."""


def read_range(path: Path, offset: int, size: int) -> Chunk:
    """``size`` bytes of ``path`` from ``offset`` (blocking: run it in a thread).

    Raises:
        LocalPathError: the file vanished or shrank since it was listed.
    """
    try:
        with path.open("rb") as file:
            file.seek(offset)
            data: Chunk
            if size >= _MAPPED_FROM:
                data = mmap.mmap(-1, size)
                got = file.readinto(data)
            else:
                data = file.read(size)
                got = len(data)
    except FileNotFoundError:
        raise LocalPathError(path) from None
    if got != size:
        raise LocalPathError(path, "the file changed while it was being uploaded")
    return data


# Downloads land in a temporary file beside their destination, renamed over it once
# complete: a failed or cancelled download never leaves half a file under its name.


def temporary_path(path: Path) -> Path:
    """Where the download of ``path`` is written until it is complete."""
    return path.with_name(f".{path.name}.qarnot-tmp")


def write_file(path: Path, data: bytes) -> None:
    """Write ``path`` whole, through its temporary file (blocking); its directory
    exists (:func:`missing_objects` makes them)."""
    temporary = temporary_path(path)
    temporary.write_bytes(data)
    os.replace(temporary, path)


def prepare_file(path: Path, size: int) -> None:
    """Create ``path``'s temporary file at its final size, for writes at offsets."""
    with temporary_path(path).open("wb") as file:
        file.truncate(size)


def write_at(path: Path, offset: int, data: bytes) -> None:
    """Write ``data`` at ``offset`` of ``path``'s temporary file (blocking)."""
    with temporary_path(path).open("r+b") as file:
        file.seek(offset)
        file.write(data)


def finish_file(path: Path, complete: bool) -> None:
    """Rename the temporary file over ``path``, or remove it if incomplete."""
    temporary = temporary_path(path)
    if complete:
        os.replace(temporary, path)
    else:
        with contextlib.suppress(OSError):
            temporary.unlink()


class ByteBudget:
    """Bounds the bytes held in memory by transfers in flight.

    ``acquire(n)`` waits until ``n`` more bytes fit (a request larger than the whole
    budget waits until nothing else is held, then goes alone); ``release(n)`` is
    synchronous, so a cancelled transfer gives its bytes back in any ``finally``.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the byte budget must be positive")
        self.limit = limit
        self.used = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self, size: int) -> int:
        """Hold ``size`` bytes (capped at the limit); return what to :meth:`release`."""
        size = min(size, self.limit)
        while self.used + size > self.limit:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self.used += size
        return size

    def release(self, size: int) -> None:
        """Give back ``size`` bytes and wake the waiters to try again."""
        self.used -= size
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)


class PartBody(io.RawIOBase):
    """A read-only, seekable view of a chunk read from a file, sent as a request body.

    botocore turns a ``bytes`` body into a ``BytesIO``, whose buffer aiohttp then copies
    whole: two copies of every part in flight. Through this view aiohttp reads chunks
    (and botocore its checksum) from the one copy.
    """

    def __init__(self, data: Chunk) -> None:
        super().__init__()
        self._view = memoryview(data)
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = max(0, min(len(buffer), len(self._view) - self._position))
        buffer[:count] = self._view[self._position : self._position + count]
        self._position += count
        return count

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: len(self._view)}
        self._position = max(0, base[whence] + offset)
        return self._position

    def tell(self) -> int:
        return self._position

    @classmethod
    def of(cls, data: Chunk) -> IO[bytes]:
        """A body for botocore (a file object at run time; ``typing.IO`` for the stubs)."""
        return cast("IO[bytes]", cls(data))
