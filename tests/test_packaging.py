"""What ``python -m build`` makes: the sdist and the wheel a user installs.

Both carry the license; the wheel declares the extras the README lists and the pytest
plugin's entry point.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import qarnot_async

ROOT = Path(__file__).resolve().parents[1]


def test_the_sdist_and_the_wheel_ship_the_license_extras_and_plugin(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    version = qarnot_async.__version__
    sdist = tmp_path / f"qarnot_async-{version}.tar.gz"
    wheel = tmp_path / f"qarnot_async-{version}-py3-none-any.whl"
    license_text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in license_text
    assert "Version 2.0, January 2004" in license_text

    with tarfile.open(sdist) as tar:
        member = tar.extractfile(f"qarnot_async-{version}/LICENSE")
        assert member is not None
        assert member.read().decode() == license_text
        names = tar.getnames()
    assert f"qarnot_async-{version}/qarnot_async/emulator/pytest_plugin.py" in names
    assert not [n for n in names if "/.venv/" in n or "/build/site/" in n]

    with zipfile.ZipFile(wheel) as whl:
        info = f"qarnot_async-{version}.dist-info"
        assert whl.read(f"{info}/licenses/LICENSE").decode() == license_text
        metadata = whl.read(f"{info}/METADATA").decode()
        entry_points = whl.read(f"{info}/entry_points.txt").decode()
        assert "qarnot_async/py.typed" in whl.namelist()
    assert "License-Expression: Apache-2.0" in metadata
    for extra in ("cli", "testing", "docs", "dev"):
        assert f"Provides-Extra: {extra}" in metadata
    assert "Requires-Dist: pytest-asyncio>=1.0; extra == 'testing'" in metadata
    assert "qarnot_async = qarnot_async.emulator.pytest_plugin" in entry_points
    assert "qarnot-async = qarnot_async.cli:main" in entry_points
