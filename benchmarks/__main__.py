"""Run every benchmark (``make bench``) and print one markdown report.

Each ``benchmarks/bench_*.py`` module exposes ``run() -> str`` returning a markdown
section. Every one runs the emulator in a process of its own (``_server``), so client
CPU is this process's alone. Speed is reported as ratios against a baseline measured in
the same run, and against the workload's physical limit, so the figures compare on any
machine; the machine is noted at the top. The report ends with every headline figure
against its target (``_report``); ``QA_BENCH_JSON=out.json`` also writes them to a file.
``python -m benchmarks submit stream`` runs some sections only.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import platform
import sys
import time

import aiohttp

from ._report import targets_section, write_json


def main(argv: list[str] | None = None) -> int:
    wanted = set(argv if argv is not None else sys.argv[1:])
    here = os.path.dirname(__file__)
    names = sorted(m.name for m in pkgutil.iter_modules([here]) if m.name.startswith("bench_"))
    begun = time.perf_counter()
    print("# qarnot-async benchmarks\n")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, aiohttp {aiohttp.__version__}, "
        f"{platform.system()} {platform.release()}\n"
    )
    for name in names:
        if wanted and name not in wanted and name.removeprefix("bench_") not in wanted:
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        started = time.perf_counter()
        section = module.run()
        print(section.rstrip() + "\n")
        print(f"_({name}: {time.perf_counter() - started:.1f} s)_\n", flush=True)
    print(targets_section() + "\n")
    print(f"_(total: {time.perf_counter() - begun:.0f} s)_", flush=True)
    write_json()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
