"""``kill -9`` a JSON Lines submission at a random point, rerun it: one task per line.

The submitter runs as a real process against an emulator (in this process's thread,
on 127.0.0.1) and is killed with SIGKILL once the emulator holds a random number of its
tasks (chunks are then in flight: some landed unanswered). The rerun must create the
rest and adopt what landed, and its summary must account for every line.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from _cli_helpers import cli_command, cli_env

from qarnot_async.cli._manifest import shortname_of
from qarnot_async.emulator import Emulator

LINES = 20_000


def write_manifest(path: Path) -> list[str]:
    """LINES distinct task lines (no key field: named by a hash of each line)."""
    shortnames = []
    with path.open("w") as out:
        for i in range(LINES):
            item = {
                "name": f"frame-{i}",
                "profile": "docker-batch",
                "instanceCount": 1,
                "constants": {"FRAME": str(i)},
            }
            out.write(json.dumps(item) + "\n")
            shortnames.append(shortname_of(item, None))
    return shortnames


async def all_shortnames(emu: Emulator) -> list[str]:
    async with emu.client() as client:
        tasks = await client.tasks.paginate(page_size=1000).collect(limit=2 * LINES)
    return [t.shortname for t in tasks]


@pytest.mark.kill9
@pytest.mark.timeout(120)
def test_kill9_mid_submission_then_rerun_leaves_one_task_per_line(tmp_path: Path) -> None:
    path = tmp_path / "frames.jsonl"
    expected = write_manifest(path)
    threshold = random.Random().randrange(500, LINES - 2_000)
    started = time.monotonic()
    # Emulated time stands still: the tasks only need to exist.
    with Emulator() as emu:
        command = cli_command(emu, "--format", "json", "tasks", "submit", "--file", str(path))
        first = subprocess.Popen(
            command, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 60
            while emu.task_count() < threshold:
                assert first.poll() is None, "the submitter ended before the kill"
                assert time.monotonic() < deadline, f"{emu.task_count()} tasks after 60 s"
                time.sleep(0.002)  # polling for a count to pass, not waiting for quiet
            first.send_signal(signal.SIGKILL)
        finally:
            first.kill()
            first.wait()
        assert first.returncode == -signal.SIGKILL
        landed = emu.task_count()
        assert threshold <= landed < LINES

        rerun = subprocess.run(
            command, env=cli_env(), capture_output=True, text=True, timeout=90, check=False
        )
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        summary = json.loads(rerun.stdout)
        shortnames = asyncio.run(all_shortnames(emu))
    elapsed = time.monotonic() - started

    assert summary["failed"] == 0, summary["failures"][:5]
    assert summary["lines"] == LINES
    assert summary["created"] + summary["adopted"] + summary["failed"] == LINES
    # What landed before the rerun (answered or not) is adopted, the rest created; the
    # emulator may still apply requests it had read when the submitter died, so more
    # than the count seen at the kill can be adopted, never fewer.
    assert summary["adopted"] >= landed
    assert len(shortnames) == LINES
    assert sorted(shortnames) == sorted(expected)  # one task per line, no duplicate
    print(
        f"\nkill -9 at {threshold} tasks (threshold); {landed} seen at the kill; rerun: "
        f"created {summary['created']}, adopted {summary['adopted']}, "
        f"failed {summary['failed']}; {elapsed:.1f} s in all"
    )
