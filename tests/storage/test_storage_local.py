"""The local side of transfers: keys from a tree, safe destinations, the byte budget."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from qarnot_async import InvalidInputError
from qarnot_async.storage import LocalPathError, StorageObject, local_etag
from qarnot_async.storage._local import (
    ByteBudget,
    LocalFile,
    changed_files,
    destination,
    finish_file,
    missing_objects,
    normalize_prefix,
    prepare_file,
    read_range,
    scan,
    temporary_path,
    write_at,
    write_file,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("", ""), ("in", "in/"), ("in/", "in/"), ("/a/b", "a/b/"), ("a\\b", "a/b/")],
)
def test_normalize_prefix(given: str, expected: str) -> None:
    assert normalize_prefix(given) == expected


async def test_scan_a_tree_gives_posix_keys_in_order(tmp_path: Path) -> None:
    (tmp_path / "b dir" / "été").mkdir(parents=True)
    (tmp_path / "b dir" / "été" / "x y.txt").write_bytes(b"12345")
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    files, single = await scan(tmp_path, "in/")
    assert not single
    assert [(f.key, f.size) for f in files] == [("in/a.txt", 0), ("in/b dir/été/x y.txt", 5)]
    assert files[1].path == tmp_path / "b dir" / "été" / "x y.txt"


async def test_scan_one_file_keys_it_by_its_name(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF")
    files, single = await scan(path, "docs/")
    assert single
    assert [f.key for f in files] == ["docs/report.pdf"]


async def test_scan_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(LocalPathError, match="no such file") as caught:
        await scan(tmp_path / "nope", "")
    assert isinstance(caught.value, InvalidInputError)
    assert caught.value.field == "local_path"


def test_destination_keeps_keys_inside_the_root(tmp_path: Path) -> None:
    assert destination(tmp_path, "a/b c/d.txt") == tmp_path / "a" / "b c" / "d.txt"
    assert destination(tmp_path, "a//./b") == tmp_path / "a" / "b"
    for evil in ("../x", "a/../../x", "", "/", "a/\x00/b"):
        with pytest.raises(LocalPathError, match="outside"):
            destination(tmp_path, evil)


@pytest.mark.skipif(os.name != "nt", reason="backslashes and colons are plain characters here")
def test_destination_on_windows_refuses_drives_and_backslashes(tmp_path: Path) -> None:
    for evil in ("c:/windows", "a\\..\\x"):
        with pytest.raises(LocalPathError, match="outside"):
            destination(tmp_path, evil)


@pytest.mark.skipif(os.name == "nt", reason="Windows refuses these characters")
def test_destination_on_posix_keeps_colons_and_backslashes(tmp_path: Path) -> None:
    assert destination(tmp_path, "logs/10:30 a\\b.txt") == tmp_path / "logs" / "10:30 a\\b.txt"


def test_read_range(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    assert read_range(path, 3, 4) == b"3456"
    with pytest.raises(LocalPathError, match="changed"):
        read_range(path, 8, 4)
    with pytest.raises(LocalPathError, match="no such file"):
        read_range(tmp_path / "gone", 0, 1)


def test_files_appear_only_complete(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "f.bin"
    target.parent.mkdir()
    prepare_file(target, 6)
    write_at(target, 3, b"def")
    assert not target.exists()
    write_at(target, 0, b"abc")
    finish_file(target, complete=True)
    assert target.read_bytes() == b"abcdef"
    assert not temporary_path(target).exists()

    prepare_file(target, 6)
    finish_file(target, complete=False)
    assert target.read_bytes() == b"abcdef"  # the old content stays
    assert not temporary_path(target).exists()

    write_file(tmp_path / "g", b"whole")
    assert (tmp_path / "g").read_bytes() == b"whole"


def test_changed_files_hash_only_what_may_be_equal(tmp_path: Path) -> None:
    same, other, new = tmp_path / "same", tmp_path / "other", tmp_path / "new"
    same.write_bytes(b"abc")
    other.write_bytes(b"xyz")
    new.write_bytes(b"n")
    files = [LocalFile(p.name, p, p.stat().st_size) for p in (same, other, new)]
    remote = {
        "same": StorageObject("same", 3, local_etag(same)),
        "other": StorageObject("other", 3, local_etag(same)),  # same size, other content
    }
    assert [f.key for f in changed_files(files, remote)] == ["other", "new"]


def test_missing_objects_makes_directories_and_keeps_what_is_there(tmp_path: Path) -> None:
    root = tmp_path / "dest"
    (root / "kept").mkdir(parents=True)
    (root / "kept" / "k").write_bytes(b"same")
    wanted = [
        (StorageObject("kept/k", 4, local_etag(root / "kept" / "k")), root / "kept" / "k"),
        (StorageObject("a/b/new", 1, "x"), root / "a" / "b" / "new"),
        (StorageObject("empty dir/", 0, "d"), root / "empty dir"),
    ]
    todo = missing_objects(wanted, root)
    assert [item.key for item, _ in todo] == ["a/b/new"]
    assert (root / "a" / "b").is_dir()
    assert (root / "empty dir").is_dir()
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(LocalPathError, match="not a directory"):
        missing_objects([], tmp_path / "file")


async def test_budget_makes_the_second_wait_until_the_first_releases() -> None:
    budget = ByteBudget(10)
    first = await budget.acquire(8)
    waiting = asyncio.ensure_future(budget.acquire(5))
    await asyncio.sleep(0)
    assert not waiting.done()
    assert budget.used == 8
    budget.release(first)
    assert await waiting == 5
    assert budget.used == 5


async def test_budget_lets_an_oversized_request_go_alone() -> None:
    budget = ByteBudget(10)
    held = await budget.acquire(1)
    big = asyncio.ensure_future(budget.acquire(50))
    await asyncio.sleep(0)
    assert not big.done()
    budget.release(held)
    assert await big == 10  # capped at the budget: it waits for nothing else
    assert budget.used == 10


async def test_a_cancelled_waiter_leaves_the_budget_consistent() -> None:
    budget = ByteBudget(4)
    held = await budget.acquire(4)
    waiter = asyncio.ensure_future(budget.acquire(2))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    budget.release(held)
    assert budget.used == 0
    assert await budget.acquire(4) == 4


def test_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        ByteBudget(0)
