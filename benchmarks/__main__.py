"""Run every benchmark (``make bench``) and print one markdown report.

Each ``benchmarks/bench_*.py`` module exposes ``run() -> str`` returning a markdown
section. Speed is reported as ratios against a baseline measured in the same run, so
the figures compare on any machine; the machine is noted at the top.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import platform
import sys
import time

import aiohttp


def main(argv: list[str] | None = None) -> int:
    wanted = set(argv if argv is not None else sys.argv[1:])
    here = os.path.dirname(__file__)
    names = sorted(m.name for m in pkgutil.iter_modules([here]) if m.name.startswith("bench_"))
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
