"""Helpers of the ``qarnot-async`` tests: the CLI run in-process or as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from qarnot_async.cli import main
from qarnot_async.emulator import Emulator


def run(emu: Emulator, *args: str) -> int:
    """The CLI in-process against ``emu``."""
    return main(["--url", emu.url, "--token", emu.token, *args])


def cli_env() -> dict[str, str]:
    """The environment of a CLI subprocess: no token or cluster inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QARNOT_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def cli_command(emu: Emulator, *args: str) -> list[str]:
    """The command line of a ``qarnot-async`` subprocess against ``emu``."""
    return [sys.executable, "-m", "qarnot_async.cli", "--url", emu.url, "--token", emu.token, *args]


def spawn(emu: Emulator, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a process; its status, stdout and stderr."""
    return subprocess.run(
        cli_command(emu, *args), capture_output=True, text=True, env=cli_env(), timeout=60
    )


def submit_file(tmp_path: Path, spec: object, name: str = "task.json") -> str:
    """A submit file holding ``spec``; its path."""
    path = tmp_path / name
    path.write_text(json.dumps(spec))
    return str(path)


def task_spec(**fields: object) -> dict[str, object]:
    """A small task object as a submit file takes it."""
    return {"name": "cli-task", "profile": "docker-batch", "instanceCount": 1, **fields}
