"""The demo's storage step: files up to a resource bucket, a task that reads them, its
results down again, checked, with the bytes moved and the throughput.

On the emulator (``Emulator(storage=True)``) each succeeded instance writes
``results/<instance>.txt``, the resource keys it saw: the download proves that the
upload reached the task.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ._client import Client
from .errors import QarnotError
from .models import TaskCreate, TaskState

__all__ = ["INPUT_FILES", "Transfer", "storage_available", "storage_round_trip"]

INPUT_FILES = 8
INPUT_FILE_BYTES = 256 * 1024
INSTANCES = 4
OUTPUT_BYTES = 512 * 1024  # per instance


@dataclass(frozen=True)
class Transfer:
    """What the storage step moved: bytes and seconds each way."""

    up_bytes: int
    up_seconds: float
    down_bytes: int
    down_seconds: float

    def rows(self) -> list[tuple[str, str]]:
        """The final table's lines about storage."""
        return [
            ("uploaded", _figures(self.up_bytes, self.up_seconds)),
            ("downloaded", _figures(self.down_bytes, self.down_seconds)),
        ]


def _figures(size: int, seconds: float) -> str:
    rate = size / seconds / 1e6 if seconds > 0 else 0.0
    return f"{size:,} bytes in {seconds:.2f} s ({rate:.1f} MB/s)"


def storage_available() -> bool:
    """Whether the ``storage`` and ``emulator-storage`` extras are installed."""
    try:
        import aiobotocore  # noqa: F401
        import moto  # noqa: F401
    except ImportError:
        return False
    return True


def _write_inputs(folder: Path) -> list[str]:
    """A small input directory (frames to render); its keys, as the bucket names them."""
    keys = []
    for i in range(INPUT_FILES):
        key = f"frames/frame-{i:02d}.bin"
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(secrets.token_bytes(INPUT_FILE_BYTES))
        keys.append(key)
    (folder / "scene.txt").write_text("a scene to render\n", encoding="utf-8")
    return sorted([*keys, "scene.txt"])


def _seen(outputs: Path, instance: int) -> list[str]:
    """The resource keys an instance listed in its results (none if it wrote nothing)."""
    path = outputs / "results" / f"{instance}.txt"
    return path.read_text(encoding="utf-8").split() if path.is_file() else []


async def storage_round_trip(
    client: Client, profile: str, say: Callable[[str], None], check: Callable[[bool, str], None]
) -> Transfer:
    """Upload an input directory, run a task on it, download and check its results."""
    base = f"qarnot-async-demo-{secrets.token_hex(4)}"
    resources, results = f"{base}-resources", f"{base}-results"
    buckets = client.buckets
    with tempfile.TemporaryDirectory(prefix="qarnot-async-demo-") as tmp:
        inputs, outputs = Path(tmp) / "input", Path(tmp) / "output"
        keys = await asyncio.to_thread(_write_inputs, inputs)
        await buckets.create(resources)
        await buckets.create(results)
        uuid = None
        try:
            up = await buckets.upload(resources, inputs)
            say(f"  uploaded {up.files} files, {up.bytes:,} bytes, to {resources}")
            uuid = await client.tasks.create(
                TaskCreate(
                    name="demo-storage",
                    profile=profile,
                    instance_count=INSTANCES,
                    resource_buckets=[resources],
                    results_bucket=results,
                    constants={
                        "EMULATOR_DURATION": "5",
                        # The emulator's instances each write a rendered frame.
                        "EMULATOR_RESULT_FILES": f"renders/frame-{{instance}}.bin:{OUTPUT_BYTES}",
                        "DOCKER_CMD": "ls -R",
                    },
                    tags=["qarnot-async-demo"],
                )
            )
            task = await client.tasks.wait(uuid, timeout=600)
            check(task.state is TaskState.SUCCESS, "the task reading the inputs succeeded")
            down = await client.tasks.download_results(task, outputs)
            say(f"  downloaded {down.files} files, {down.bytes:,} bytes, from {results}")
            seen = [_seen(outputs, i) for i in range(INSTANCES)]
            check(
                all(s == keys for s in seen),
                f"each of the {INSTANCES} instances saw the {len(keys)} uploaded files",
            )
            renders = [outputs / "renders" / f"frame-{i}.bin" for i in range(INSTANCES)]
            check(
                all(r.is_file() and r.stat().st_size == OUTPUT_BYTES for r in renders),
                f"each instance's {OUTPUT_BYTES:,}-byte output came back",
            )
        finally:
            with contextlib.suppress(QarnotError):
                if uuid is not None:
                    await client.tasks.delete(uuid, purge_resources=True, purge_results=True)
                for bucket in (resources, results):
                    with contextlib.suppress(QarnotError):
                        await buckets.delete(bucket, purge=True)
    return Transfer(up.bytes, up.seconds, down.bytes, down.seconds)
