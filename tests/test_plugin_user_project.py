"""The pytest plugin in a user's project: no pytest configuration, ``-W error``.

Each test writes a small project into a temporary folder and runs pytest on it in a
subprocess, with ``-c /dev/null`` so no configuration of this repository applies. The
plugin comes in through its ``pytest11`` entry point, as in a user's virtualenv.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

USER_TESTS = """
import pytest

from qarnot_async.models import TaskCreate, TaskState


async def test_unmarked(qarnot_emulator, qarnot_client):
    assert qarnot_emulator.speed is None  # the manual clock by default
    uuid = await qarnot_client.tasks.create(
        TaskCreate(name="t", profile="docker-batch", instance_count=1)
    )
    await qarnot_emulator.advance(120)
    assert (await qarnot_client.tasks.get(uuid)).state is TaskState.SUCCESS


@pytest.mark.qarnot_emulator(speed=100)
async def test_marked(qarnot_emulator, qarnot_client):
    assert qarnot_emulator.speed == 100
    uuid = await qarnot_client.tasks.create(
        TaskCreate(
            name="t", profile="docker-batch", instance_count=1,
            constants={"EMULATOR_DURATION": "5"},
        )
    )
    task = await qarnot_client.tasks.wait(uuid, timeout=60)
    assert task.state is TaskState.SUCCESS


def test_plain():
    assert True
"""


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-W",
            "error",
            "-c",
            os.devnull,
            "--rootdir",
            str(project),
            "-p",
            "no:cacheprovider",
            *args,
            str(project),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write(project: Path, source: str) -> None:
    (project / "test_user.py").write_text(textwrap.dedent(source))


def test_unmarked_async_tests_and_the_marker_run_with_no_configuration(tmp_path: Path) -> None:
    write(tmp_path, USER_TESTS)
    result = run_pytest(tmp_path, "-v")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
    assert "warning" not in result.stdout.lower()
    # pytest-asyncio runs in its default (strict) mode: the plugin marked the tests.
    assert "mode=Mode.STRICT" in result.stdout
    assert "asyncio_default_fixture_loop_scope=function" in result.stdout


def test_the_projects_own_loop_scope_wins(tmp_path: Path) -> None:
    write(tmp_path, USER_TESTS)
    result = run_pytest(tmp_path, "-o", "asyncio_default_fixture_loop_scope=module")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "asyncio_default_fixture_loop_scope=module" in result.stdout


def test_without_pytest_asyncio_one_line_says_what_to_install(tmp_path: Path) -> None:
    write(tmp_path, USER_TESTS)
    result = run_pytest(tmp_path, "-p", "no:asyncio")
    assert result.returncode == 4, result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [
        "ERROR: the qarnot_emulator and qarnot_client fixtures need pytest-asyncio: "
        "pip install 'qarnot-async[testing]' (or pytest-asyncio)"
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_without_pytest_asyncio_a_project_not_using_the_fixtures_is_left_alone(
    tmp_path: Path,
) -> None:
    write(tmp_path, "def test_plain():\n    assert True\n")
    result = run_pytest(tmp_path, "-p", "no:asyncio")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_a_wrong_marker_option_fails_its_test_in_one_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
        import pytest

        @pytest.mark.qarnot_emulator(sped=100)
        async def test_typo(qarnot_client):
            pass

        @pytest.mark.qarnot_emulator(100)
        async def test_positional(qarnot_client):
            pass
        """,
    )
    result = run_pytest(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 errors" in result.stdout
    assert "@pytest.mark.qarnot_emulator: " in result.stdout
    assert "'sped'" in result.stdout
    assert "takes keyword arguments only, got (100,)" in result.stdout
    assert "Traceback" not in result.stdout
