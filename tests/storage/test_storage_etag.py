"""The local ETag: the rule S3 (and the official SDK) apply, computed from a file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qarnot_async.storage import MULTIPART_THRESHOLD, PART_SIZE, ETagHasher, local_etag
from qarnot_async.storage._etag import part_count, strip_quotes

MiB = 1024 * 1024


def reference(data: bytes) -> str:
    """The rule written out independently: plain MD5 below 8 MiB, else the MD5 of the
    parts' binary MD5s and the part count."""
    if len(data) < 8 * MiB:
        return hashlib.md5(data).hexdigest()
    parts = [data[i : i + 8 * MiB] for i in range(0, len(data), 8 * MiB)]
    joined = b"".join(hashlib.md5(p).digest() for p in parts)
    return f"{hashlib.md5(joined).hexdigest()}-{len(parts)}"


def test_constants_are_the_official_sdks() -> None:
    assert PART_SIZE == MULTIPART_THRESHOLD == 8 * MiB


@pytest.mark.parametrize(
    ("size", "parts"),
    [
        (0, 1),
        (1, 1),
        (8 * MiB - 1, 1),
        (8 * MiB, 1),
        (8 * MiB + 1, 2),
        (20 * MiB, 3),
        (24 * MiB, 3),
    ],
)
def test_part_count(size: int, parts: int) -> None:
    assert part_count(size) == parts


def test_small_files_have_their_md5(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert local_etag(empty) == "d41d8cd98f00b204e9800998ecf8427e"
    hello = tmp_path / "hello"
    hello.write_bytes(b"hello")
    assert local_etag(hello) == "5d41402abc4b2a76b9719d911017c592"


@pytest.mark.parametrize("size", [8 * MiB - 1, 8 * MiB, 8 * MiB + 1, 16 * MiB, 20 * MiB + 5])
def test_around_the_threshold(tmp_path: Path, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    path = tmp_path / "f"
    path.write_bytes(data)
    etag = local_etag(path)
    assert etag == reference(data)
    # Exactly 8 MiB is already a one-part multipart upload, as boto3 does it.
    assert etag.endswith("-1") if size == 8 * MiB else True
    assert "-" not in etag if size < 8 * MiB else etag.endswith(f"-{part_count(size)}")


@settings(max_examples=25, deadline=None)
@given(
    size=st.integers(min_value=0, max_value=3 * 1024),
    cuts=st.lists(st.integers(min_value=0, max_value=3 * 1024), max_size=6),
)
def test_hasher_ignores_how_the_bytes_are_chunked(size: int, cuts: list[int]) -> None:
    data = bytes(i % 251 for i in range(size))
    hasher = ETagHasher(len(data))
    start = 0
    for cut in sorted(c for c in cuts if c <= size):
        hasher.update(data[start:cut])
        start = cut
    hasher.update(data[start:])
    assert hasher.hexdigest() == reference(data)


def test_multipart_hasher_with_odd_chunks() -> None:
    data = bytes(i % 253 for i in range(17 * MiB + 3))
    hasher = ETagHasher(len(data))
    view = memoryview(data)
    for start in range(0, len(data), 3 * MiB + 7):
        hasher.update(view[start : start + 3 * MiB + 7])
    assert hasher.hexdigest() == reference(data)


def test_strip_quotes() -> None:
    assert strip_quotes('"abc-2"') == "abc-2"
    assert strip_quotes("abc") == "abc"


def test_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        local_etag(tmp_path / "nope")
