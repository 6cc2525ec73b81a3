"""How fast wire JSON becomes models, next to ``json.loads`` of the same bytes.

Both are measured in the same run, best of several repeats (``timeit``), so the
ratio holds whatever the machine. ``structure`` is timed on data already decoded by
``json.loads``: the ratio is what the models add on top of the JSON parse.

The converter caches parsed TimeSpans, dates and instance ranges (all immutable);
rows marked "caches emptied first" empty those caches before every call, as for a
page whose values were never seen before (its own repeats still hit the cache).

Run: ``python -m benchmarks.bench_converter``.
"""

from __future__ import annotations

import copy
import json
import platform
import timeit
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from qarnot_async._converter import structure
from qarnot_async.models import Task, TokenPage, _ranges, _time

from ._report import record

TASK_FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "wire" / "task.json"
PAGE_SIZE = 100
REPEATS = 15
TARGET_RATIO = 3.0


def _number(fn: Callable[[], object]) -> int:
    """How many calls take about 50 ms: short rounds, so that many fit in a run."""
    return max(1, timeit.Timer(fn).autorange()[0] // 4)


def _compare(first: Callable[[], object], second: Callable[[], object]) -> tuple[float, float]:
    """Seconds per call of each, best of REPEATS rounds that alternate the two.

    Alternating keeps both figures under the same machine load, so their ratio
    holds even when other work shares the CPU.
    """
    n1, n2 = _number(first), _number(second)
    best1 = best2 = float("inf")
    for _ in range(REPEATS):
        best1 = min(best1, timeit.timeit(first, number=n1) / n1)
        best2 = min(best2, timeit.timeit(second, number=n2) / n2)
    return best1, best2


def _page(task: dict[str, Any], size: int) -> dict[str, Any]:
    """A page of distinct tasks: every date, span and range differs from task to task."""
    data = []
    for i in range(size):
        item = copy.deepcopy(task)
        minute, second = divmod(i, 60)
        item["uuid"] = f"52c10b2d-0687-41e1-985e-{i:012d}"
        item["name"] = f"render-{i}"
        for n, key in enumerate(("creationDate", "lastModified", "stateTransitionTime", "endDate")):
            item[key] = f"2021-05-0{n + 1}T15:{minute:02d}:{second:02d}Z"
        item["previousStateTransitionTime"] = f"2021-05-01T14:{minute:02d}:{second:02d}.{i}Z"
        item["executionTime"] = f"00:{minute:02d}:{second:02d}.{i:07d}"
        item["wallTime"] = f"01:{minute:02d}:{second:02d}"
        item["advancedRanges"] = f"0-{i},{i + 2}"
        status = item["status"]
        status["timestamp"] = f"2021-05-01T19:{minute:02d}:{second:02d}Z"
        status["lastUpdateTimestamp"] = f"2021-05-01T19:{minute:02d}:{second:02d}.5Z"
        for n, key in enumerate(("downloadTime", "environmentTime", "executionTime", "wallTime")):
            status[key] = f"0{n}:{minute:02d}:{second:02d}"
        status["executedRange"] = f"0-{i}"
        status["startedOnceRange"] = f"0-{i + 1}"
        data.append(item)
    return {"data": data, "count": size, "total": 10 * size, "isTruncated": True, "nextToken": "t"}


def _clear_caches() -> None:
    _time.TIMESPAN_CACHE.clear()
    _ranges.RANGES_CACHE.clear()
    _time.DATE_CACHE.clear()


def _measure(raw: bytes, cls: Any, *, cold: bool) -> tuple[float, float]:
    data = json.loads(raw)

    def build() -> object:
        if cold:
            _clear_caches()
        return structure(data, cls)

    return _compare(lambda: json.loads(raw), build)


def _compact(value: Any) -> bytes:
    # The service sends compact JSON; indentation would only slow json.loads down.
    return json.dumps(value, separators=(",", ":")).encode()


def run() -> str:
    """Measure and return a markdown section with the figures."""
    task = json.loads(TASK_FIXTURE.read_bytes())
    task_raw = _compact(task)
    page_raw = _compact(_page(task, PAGE_SIZE))
    cases = [
        ("full task example, read again (warm caches)", task_raw, Task, False),
        ("full task example, caches emptied first", task_raw, Task, True),
        (
            f"page of {PAGE_SIZE} distinct tasks, caches emptied first",
            page_raw,
            TokenPage[Task],
            True,
        ),
        (f"page of {PAGE_SIZE} distinct tasks, read again", page_raw, TokenPage[Task], False),
    ]
    rows = []
    worst = never_seen = 0.0
    for label, raw, cls, cold in cases:
        loads, build = _measure(raw, cls, cold=cold)
        ratio = build / loads
        worst = max(worst, ratio)
        if cls is not Task and cold:
            never_seen = ratio
        rows.append(
            f"| {label} | {len(raw):,} | {loads * 1e6:,.1f} µs | {build * 1e6:,.1f} µs "
            f"| **{ratio:.2f}x** | {1 / build:,.0f} |"
        )
    verdict = "within" if worst <= TARGET_RATIO else "above"
    record(
        "converter.page_vs_loads",
        f"structure a never-seen {PAGE_SIZE}-task page / `json.loads`",
        never_seen,
        "x",
        TARGET_RATIO,
    )
    return "\n".join(
        [
            "## Converter: wire JSON to models",
            "",
            "`structure()` of already-decoded JSON against `json.loads` of the same compact "
            f"bytes, measured alternately in one run, best of {REPEATS} (`timeit`). "
            f"Python {platform.python_version()}, cattrs {version('cattrs')}, "
            f'attrs {version("attrs")}. "Caches emptied first" empties the caches of parsed '
            "TimeSpans, dates and ranges before every call (a page never seen before); "
            '"read again" is a poller re-reading the same data.',
            "",
            "| payload | bytes | `json.loads` | `structure` | structure / loads "
            "| structures per second |",
            "|---|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"Worst ratio {worst:.2f}x: {verdict} the {TARGET_RATIO:.0f}x target.",
        ]
    )


if __name__ == "__main__":
    print(run())
