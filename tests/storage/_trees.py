"""Trees of files for the storage tests: nested, oddly named, of many sizes."""

from __future__ import annotations

import random
from pathlib import Path

MiB = 1024 * 1024

# Directory and file names a real user has: spaces, accents, other scripts.
_DIRS = ["", "data", "data/raw", "été 2024", "été 2024/日本語", "deep/a/b/c"]
_NAMES = ["file", "résumé", "my notes", "ünïcødé", "数据", "plain"]


def make_tree(root: Path, count: int, *, big: int = 20 * MiB, seed: int = 7) -> dict[str, int]:
    """Write ``count`` files under ``root``: nested, named with spaces and non-ASCII,
    from 0 B to 3 MB, plus one ``big`` file (multipart above 8 MiB); return each
    file's key (relative posix path) and size."""
    rng = random.Random(seed)
    sizes: dict[str, int] = {}
    for i in range(count - 1):
        directory = _DIRS[i % len(_DIRS)]
        name = f"{_NAMES[i % len(_NAMES)]} {i}.bin"
        key = f"{directory}/{name}" if directory else name
        if i % 50 == 0:
            size = 0
        elif i % 60 == 1:
            size = 3_000_000
        else:
            size = rng.randint(1, 48 * 1024)
        sizes[key] = size
    sizes["big/video 20MiB.bin"] = big
    for key, size in sizes.items():
        path = root.joinpath(*key.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(size))
    return sizes


def same_files(left: Path, right: Path) -> list[str]:
    """The relative paths that differ between two trees (missing on either side too)."""
    names = {p.relative_to(left).as_posix() for p in left.rglob("*") if p.is_file()}
    names |= {p.relative_to(right).as_posix() for p in right.rglob("*") if p.is_file()}
    return sorted(
        n
        for n in names
        if not (left / n).is_file()
        or not (right / n).is_file()
        or (left / n).read_bytes() != (right / n).read_bytes()
    )
