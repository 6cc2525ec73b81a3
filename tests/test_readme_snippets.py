"""Every ```python block of README.md runs as written.

Each block is saved to a file and run in a subprocess, as a reader who copies it would:
a program with ``python``, a test file (one that defines ``test_`` functions) with
``pytest -W error`` and no configuration. A program that needs a cluster gets an
emulator's address through the environment variables it reads
(``Client.from_env()``: ``QARNOT_CLUSTER_URL``, ``QARNOT_CLIENT_TOKEN``).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from qarnot_async.emulator import Emulator

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def snippets() -> list[tuple[str, str]]:
    """(the heading above the block and its number under it, the block) in order."""
    text = README.read_text()
    found: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for match in FENCE.finditer(text):
        headings = re.findall(r"^#+ (.+)$", text[: match.start()], re.MULTILINE)
        heading = headings[-1] if headings else "top"
        seen[heading] = seen.get(heading, 0) + 1
        found.append((f"{heading} #{seen[heading]}", match.group(1)))
    return found


SNIPPETS = snippets()


def test_the_readme_has_its_snippets() -> None:
    names = [name for name, _ in SNIPPETS]
    assert {"Quickstart #1", "Testing your code #1", "The emulator on its own #1"} <= set(names)
    assert len(SNIPPETS) >= 7


async def run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


@pytest.mark.parametrize(("name", "code"), SNIPPETS, ids=[name for name, _ in SNIPPETS])
async def test_the_snippet_runs_as_written(name: str, code: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QARNOT_", "PYTEST_"))}
    if re.search(r"^(async )?def test_", code, re.MULTILINE):
        (tmp_path / "test_snippet.py").write_text(code)
        argv = [sys.executable, "-m", "pytest", "-W", "error", "-c", os.devnull]
        argv += ["--rootdir", str(tmp_path), "-p", "no:cacheprovider", "-q", str(tmp_path)]
        code_, out = await run(argv, tmp_path, env)
        assert code_ == 0, out
        assert re.search(r"^\d+ passed in ", out, re.MULTILINE), out
        return
    (tmp_path / "snippet.py").write_text(code)
    # Fast enough that waits end in a poll or two.
    # A snippet that moves files gets the emulator's S3 storage too.
    storage = "buckets" in code or "tasks.run(" in code
    async with Emulator(speed=200.0, storage=storage) as emu:
        emu.seed_tasks(5, name="render-{i}", tags=["render"])  # something to paginate
        env |= {"QARNOT_CLUSTER_URL": emu.url, "QARNOT_CLIENT_TOKEN": emu.token}
        code_, out = await run([sys.executable, "snippet.py"], tmp_path, env)
    assert code_ == 0, out
    assert "Traceback" not in out
