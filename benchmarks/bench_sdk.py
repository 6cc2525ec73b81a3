"""qarnot_async next to the official synchronous ``qarnot`` SDK, side by side.

Everything runs in one process run against one emulator on 127.0.0.1, serving from a
background thread with 20 ms of latency per request (none for the GET overhead):

* submit 1,000 tasks: the official ``task.submit()`` one by one and its bulk
  ``conn.submit_tasks(tasks)``, against our ``create`` gathered and ``create_many``;
* follow 1,000 running tasks to completion: the official ``task.wait()`` one after
  another, and a loop polling ``conn.all_tasks(summary=False)`` every second, against
  ``asyncio.gather`` of our ``client.tasks.wait(uuid)``;
* stream 20,000 task summaries: the official ``conn.all_tasks()`` (50 per page, not
  settable) against our ``summaries.paginate`` at 100 per page, its default, and at
  50 per page (the same requests as the official SDK);
* one GET's overhead: ``client.tasks.get(uuid)`` against a raw aiohttp GET of the same
  URL (and the official ``conn.retrieve_task``), 500 sequential calls, no latency.

The official SDK is slow enough that some of its runs use fewer tasks or items; their
figures for the whole workload are estimated per item (marked "≈"). Requests are
counted by the emulator, reset before each run. "Client CPU" is the benchmark thread's
CPU time: the emulator's own work happens in its thread and is not in it. The
emulator's clock is manual and only moves (at 10x, from a helper thread) while tasks
are followed.

Run: ``python -m benchmarks.bench_sdk``; ``QA_BENCH_SCALE=0.1`` divides the counts by
ten for a quick run.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import qarnot

from qarnot_async import Client
from qarnot_async.emulator import Emulator
from qarnot_async.models import TaskCreate, TaskState

SCALE = float(os.environ.get("QA_BENCH_SCALE", "1"))


def _scaled(count: int, minimum: int) -> int:
    return max(minimum, int(count * SCALE))


SUBMIT_TASKS = _scaled(1000, 20)
OFFICIAL_SUBMIT_TASKS = _scaled(100, 10)
FOLLOW_TASKS = _scaled(1000, 20)
OFFICIAL_WAIT_TASKS = _scaled(50, 5)
STREAM_ITEMS = _scaled(20_000, 200)
OFFICIAL_STREAM_ITEMS = _scaled(10_000, 100)
GET_CALLS = _scaled(500, 50)
GET_ROUNDS = 5
OFFICIAL_GET_ROUNDS = 2

LATENCY = 0.02
PROFILE = "docker-batch"
#: Emulated seconds each instance runs, and emulated seconds per real second while
#: following: a task takes about (TASK_DURATION + 3) / CLOCK_SPEED real seconds.
TASK_DURATION = 20.0
CLOCK_SPEED = 10.0
CLOCK_TICK = 0.05
#: The official polling loop's interval (the first interval of our poller).
POLL_INTERVAL = 1.0
#: The states the official SDK's ``Task.wait()`` keeps waiting in.
OFFICIAL_RUNNING = frozenset(qarnot.task.RUNNING_DOWNLOADING_STATES)


@dataclass
class Row:
    """One approach to one workload, as measured."""

    key: str
    workload: str
    approach: str
    count: int
    target: int
    seconds: float
    cpu: float
    requests: int
    routes: dict[str, int] = field(default_factory=dict)
    baseline: bool = False
    #: A part of the time and requests that does not grow with the count, and how
    #: many items it covered: the first official wait (with its 10 s nap, 1 task), the
    #: one POST of the official bulk submit (0 tasks).
    fixed_seconds: float = 0.0
    fixed_requests: int = 0
    fixed_items: int = 0

    @property
    def estimated(self) -> bool:
        return self.count != self.target

    def _whole(self, value: float, fixed: float) -> float:
        """``value`` for ``target`` items: the fixed part plus the rest per item."""
        if not self.estimated:
            return value
        per_item = (value - fixed) / max(1, self.count - self.fixed_items)
        return fixed + per_item * (self.target - self.fixed_items)

    @property
    def whole_seconds(self) -> float:
        return self._whole(self.seconds, self.fixed_seconds)

    @property
    def whole_requests(self) -> float:
        return self._whole(float(self.requests), float(self.fixed_requests))


class _Timer:
    """Wall time and this thread's CPU time (the client's: the emulator has its own)."""

    def __enter__(self) -> _Timer:
        self.wall = time.perf_counter()
        self.cpu = time.thread_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.thread_time() - self.cpu


def _row(emu: Emulator, timer: _Timer, **fields: Any) -> Row:
    stats = emu.stats
    return Row(
        seconds=timer.wall,
        cpu=timer.cpu,
        requests=stats.total,
        routes=dict(stats.requests),
        **fields,
    )


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(message)


@contextmanager
def _running_clock(emu: Emulator) -> Iterator[None]:
    """Move the emulator's manual clock at CLOCK_SPEED from a background thread.

    The clock is manual the rest of the time: with a moving clock the emulator sorts
    the whole collection again for every page (its cache is keyed by the time).
    """
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(CLOCK_TICK):
            emu.advance_threadsafe(CLOCK_TICK * CLOCK_SPEED)

    thread = threading.Thread(target=tick, name="bench-clock", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _creates(count: int, prefix: str) -> list[TaskCreate]:
    return [
        TaskCreate(name=f"{prefix}-{i}", profile=PROFILE, instance_count=1) for i in range(count)
    ]


# -- submit ------------------------------------------------------------------------------


def _submit(emu: Emulator, conn: Any) -> list[Row]:
    workload = f"submit {SUBMIT_TASKS:,} tasks"
    rows = []

    emu.reset()
    tasks = [conn.create_task(f"one-{i}", PROFILE, 1) for i in range(OFFICIAL_SUBMIT_TASKS)]
    with _Timer() as timer:
        for task in tasks:
            task.submit()
    _check(emu.task_count() == OFFICIAL_SUBMIT_TASKS, "official submit lost tasks")
    rows.append(
        _row(
            emu,
            timer,
            workload=workload,
            key="submit.one",
            approach="official `task.submit()` one by one",
            count=OFFICIAL_SUBMIT_TASKS,
            target=SUBMIT_TASKS,
            baseline=True,
        )
    )

    emu.reset()
    tasks = [conn.create_task(f"bulk-{i}", PROFILE, 1) for i in range(OFFICIAL_SUBMIT_TASKS)]
    with _Timer() as timer:
        conn.submit_tasks(tasks)
    _check(emu.task_count() == OFFICIAL_SUBMIT_TASKS, "official bulk submit lost tasks")
    rows.append(
        _row(
            emu,
            timer,
            workload=workload,
            key="submit.bulk",
            approach="official bulk `conn.submit_tasks(tasks)`",
            count=OFFICIAL_SUBMIT_TASKS,
            target=SUBMIT_TASKS,
            fixed_requests=1,
        )
    )

    creates = _creates(SUBMIT_TASKS, "ours")

    async def gathered(client: Client) -> None:
        uuids = await asyncio.gather(*(client.tasks.create(t) for t in creates))
        _check(len(set(uuids)) == len(creates), "create returned duplicate uuids")

    async def many(client: Client) -> None:
        results = await client.tasks.create_many(creates)
        results.raise_for_errors()

    for key, approach, body in (
        ("submit.gather", "ours: `create` gathered", gathered),
        ("submit.many", "ours: `create_many` (100 per request)", many),
    ):
        emu.reset()
        timer = asyncio.run(_timed_async(emu, body))
        _check(emu.task_count() == SUBMIT_TASKS, f"{approach} lost tasks")
        rows.append(
            _row(
                emu,
                timer,
                key=key,
                workload=workload,
                approach=approach,
                count=SUBMIT_TASKS,
                target=SUBMIT_TASKS,
            )
        )
    return rows


async def _timed_async(emu: Emulator, body: Callable[[Client], Awaitable[None]]) -> _Timer:
    """Run ``body(client)`` timed, with a fresh client whose connection is already open."""
    async with emu.client() as client:
        await client.account.info()  # warm-up: open the connection outside the timed part
        emu.reset_stats()
        with _Timer() as timer:
            await body(client)
    return timer


# -- follow ------------------------------------------------------------------------------


def _seed_running(emu: Emulator, count: int, prefix: str) -> list[str]:
    """``count`` tasks just submitted, on a stopped clock (they move with the clock)."""
    return emu.seed_tasks(count, name=prefix + "-{i}", profile=PROFILE, state="Submitted", run=True)


def _follow(emu: Emulator, conn: Any) -> list[Row]:
    workload = f"follow {FOLLOW_TASKS:,} tasks to completion"
    rows = []

    # The official SDK's own wait, one task after another. Task.wait() sleeps 10 s
    # between two GETs while the task runs: the first wait holds that nap (a fixed
    # cost, kept apart when estimating the whole workload); every task is final by
    # the time the next ones are waited on.
    emu.reset()
    uuids = set(_seed_running(emu, OFFICIAL_WAIT_TASKS, "wait"))
    tasks = [t for t in conn.all_tasks() if t.uuid in uuids]
    _check(len(tasks) == OFFICIAL_WAIT_TASKS, "the official SDK does not list the tasks")
    emu.reset_stats()
    with _running_clock(emu), _Timer() as timer:
        first = time.perf_counter()
        tasks[0].wait()
        first = time.perf_counter() - first
        first_requests = emu.stats.total
        for task in tasks[1:]:
            task.wait()
    rows.append(
        _row(
            emu,
            timer,
            workload=workload,
            key="follow.wait",
            approach="official `task.wait()` one after another",
            count=OFFICIAL_WAIT_TASKS,
            target=FOLLOW_TASKS,
            baseline=True,
            fixed_seconds=first,
            fixed_requests=first_requests,
            fixed_items=1,
        )
    )
    _check(all(t.state == "Success" for t in tasks), "official wait: a task did not succeed")

    # What a user of the official SDK would write for many tasks: list them all every
    # second until each one is final (full tasks, as our wait returns).
    emu.reset()
    pending = set(_seed_running(emu, FOLLOW_TASKS, "poll"))
    emu.reset_stats()
    finished: dict[str, Any] = {}
    with _running_clock(emu), _Timer() as timer:
        while True:
            for task in conn.all_tasks(summary=False):
                if task.uuid in pending and task.state not in OFFICIAL_RUNNING:
                    pending.discard(task.uuid)
                    finished[task.uuid] = task
            if not pending:
                break
            time.sleep(POLL_INTERVAL)
    _check(len(finished) == FOLLOW_TASKS, "official polling: tasks went missing")
    rows.append(
        _row(
            emu,
            timer,
            workload=workload,
            key="follow.poll",
            approach=f"official: poll `conn.all_tasks(summary=False)` every {POLL_INTERVAL:g} s",
            count=FOLLOW_TASKS,
            target=FOLLOW_TASKS,
        )
    )

    emu.reset()
    ours = _seed_running(emu, FOLLOW_TASKS, "ours")

    async def wait_all(client: Client) -> None:
        done = await asyncio.gather(*(client.tasks.wait(u) for u in ours))
        _check(all(t.state is TaskState.SUCCESS for t in done), "ours: a task did not succeed")

    with _running_clock(emu):
        timer = asyncio.run(_timed_async(emu, wait_all))
    rows.append(
        _row(
            emu,
            timer,
            workload=workload,
            key="follow.ours",
            approach="ours: `asyncio.gather` of `client.tasks.wait(uuid)`",
            count=FOLLOW_TASKS,
            target=FOLLOW_TASKS,
        )
    )
    return rows


# -- stream ------------------------------------------------------------------------------


def _stream(emu: Emulator, conn: Any) -> list[Row]:
    workload = f"stream {STREAM_ITEMS:,} task summaries"
    rows = []
    emu.reset()
    emu.seed_tasks(STREAM_ITEMS)

    emu.reset_stats()
    with _Timer() as timer:
        seen = sum(1 for _ in itertools.islice(conn.all_tasks(), OFFICIAL_STREAM_ITEMS))
    _check(seen == OFFICIAL_STREAM_ITEMS, f"official all_tasks saw {seen} items")
    rows.append(
        _row(
            emu,
            timer,
            key="stream.official",
            workload=workload,
            approach="official `conn.all_tasks()` (50 per page, fixed)",
            count=OFFICIAL_STREAM_ITEMS,
            target=STREAM_ITEMS,
            baseline=True,
        )
    )

    # 50 per page: the official SDK's page size, on as many items (the same requests).
    for page_size, count in ((50, OFFICIAL_STREAM_ITEMS), (100, STREAM_ITEMS)):

        async def stream(client: Client, size: int = page_size, count: int = count) -> None:
            seen = 0
            async for _ in client.tasks.summaries.paginate(page_size=size, limit=count):
                seen += 1
            _check(seen == count, f"ours saw {seen} items, not {count}")

        timer = asyncio.run(_timed_async(emu, stream))
        rows.append(
            _row(
                emu,
                timer,
                key=f"stream.ours{page_size}",
                workload=workload,
                approach=f"ours: `summaries.paginate(page_size={page_size})`",
                count=count,
                target=STREAM_ITEMS,
            )
        )
    return rows


# -- one GET -----------------------------------------------------------------------------


def _overhead(emu: Emulator, conn: Any) -> list[Row]:
    workload = f"{GET_CALLS:,} sequential `GET /tasks/{{uuid}}`, no latency"
    emu.set_faults(latency=0.0)
    uuid = emu.seed_tasks(1, name="overhead")[0]
    url = f"{emu.url}/v1/tasks/{uuid}"

    async def measure() -> tuple[list[_Timer], list[_Timer]]:
        raw_timers: list[_Timer] = []
        ours_timers: list[_Timer] = []
        async with (
            emu.client() as client,
            aiohttp.ClientSession(headers={"Authorization": emu.token}) as session,
        ):

            async def raw_get() -> None:
                async with session.get(url) as response:
                    response.raise_for_status()
                    await response.json()

            for _ in range(20):  # warm-up: connections, caches
                await raw_get()
                await client.tasks.get(uuid)
            for _ in range(GET_ROUNDS):
                with _Timer() as timer:
                    for _ in range(GET_CALLS):
                        await raw_get()
                raw_timers.append(timer)
                with _Timer() as timer:
                    for _ in range(GET_CALLS):
                        await client.tasks.get(uuid)
                ours_timers.append(timer)
        return raw_timers, ours_timers

    raw_timers, ours_timers = asyncio.run(measure())
    conn.retrieve_task(uuid)  # warm-up
    official_timers = []
    for _ in range(OFFICIAL_GET_ROUNDS):
        with _Timer() as timer:
            for _ in range(GET_CALLS):
                conn.retrieve_task(uuid)
        official_timers.append(timer)
    emu.set_faults(latency=LATENCY)

    def best(key: str, approach: str, timers: list[_Timer], baseline: bool = False) -> Row:
        fastest = min(timers, key=lambda t: t.wall)
        return Row(
            key=key,
            workload=workload,
            approach=approach,
            count=GET_CALLS,
            target=GET_CALLS,
            seconds=fastest.wall,
            cpu=fastest.cpu,
            requests=GET_CALLS,
            baseline=baseline,
        )

    return [
        best("get.raw", "raw aiohttp GET + `json()`", raw_timers, baseline=True),
        best("get.ours", "ours: `client.tasks.get(uuid)`", ours_timers),
        best("get.official", "official `conn.retrieve_task(uuid)`", official_timers),
    ]


# -- report ------------------------------------------------------------------------------


def _measure() -> list[Row]:
    with Emulator(latency=LATENCY, task_duration=TASK_DURATION) as emu:
        conn = qarnot.connection.Connection(client_token=emu.token, cluster_url=emu.url)
        rows = []
        for phase in (_submit, _follow, _stream, _overhead):
            rows.extend(phase(emu, conn))
        return rows


def _fmt_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:,.0f} ms"
    return f"{seconds:,.2f} s"


def _versus(row: Row, baseline: Row) -> str:
    if row is baseline:
        return "baseline"
    ratio = baseline.whole_seconds / row.whole_seconds
    if ratio >= 1:
        return f"**{ratio:.3g}x faster**"
    return f"**{1 / ratio:.3g}x slower**"


def _headlines(rows: dict[str, Row]) -> list[str]:
    def compare(ours: str, theirs: str) -> str:
        ratio = rows[theirs].whole_seconds / rows[ours].whole_seconds
        return f"{ratio:.3g}x faster" if ratio >= 1 else f"{1 / ratio:.3g}x slower"

    def requests(key: str) -> str:
        row = rows[key]
        count = f"{row.whole_requests:,.0f}"
        return (
            ("≈ " if row.estimated else "") + count + (" request" if count == "1" else " requests")
        )

    get_raw, get_ours = rows["get.raw"], rows["get.ours"]
    extra_wall = (get_ours.seconds - get_raw.seconds) / get_ours.count * 1e6
    extra_cpu = (get_ours.cpu - get_raw.cpu) / get_ours.count * 1e6
    return [
        f"- Submit: `create_many` is {compare('submit.many', 'submit.bulk')} than the "
        f"official bulk submit ({requests('submit.many')} against {requests('submit.bulk')}: "
        "the official SDK reads every task back with one GET after submitting it); "
        f"`create` gathered is {compare('submit.gather', 'submit.one')} than "
        "`task.submit()` one by one.",
        f"- Follow: ours is {compare('follow.ours', 'follow.wait')} than the official "
        f"`task.wait()` loop and {compare('follow.ours', 'follow.poll')} than polling "
        f"`all_tasks(summary=False)` every {POLL_INTERVAL:g} s, with "
        f"{requests('follow.ours')} against {requests('follow.poll')} (the polling loop "
        "lists every task of the account, not only the ones followed).",
        f"- Stream: ours at 100 per page (its default) is "
        f"{compare('stream.ours100', 'stream.official')} than `all_tasks()`; at the "
        f"official 50 per page (the same requests) {compare('stream.ours50', 'stream.official')}"
        f", with {rows['stream.ours50'].cpu / rows['stream.official'].cpu:.2f}x its client CPU.",
        f"- One GET: `client.tasks.get` takes {get_ours.seconds / get_raw.seconds:.2f}x the "
        f"time of a raw aiohttp GET + `json()` ({extra_wall:+.0f} µs wall and "
        f"{extra_cpu:+.0f} µs of client CPU per call: retry policy, error mapping, models).",
    ]


def run() -> str:
    """Measure and return a markdown section."""
    rows = _measure()
    table = []
    details = []
    baseline: Row | None = None
    for row in rows:
        if row.baseline:
            baseline = row
        assert baseline is not None
        approx = "≈ " if row.estimated else ""
        table.append(
            f"| {row.workload} | {row.approach} | {row.count:,} | {_fmt_seconds(row.seconds)} "
            f"| {row.requests:,} | {_fmt_seconds(row.cpu)} "
            f"| {approx}{_fmt_seconds(row.whole_seconds)} | {approx}{row.whole_requests:,.0f} "
            f"| {_versus(row, baseline)} |"
        )
        if row.routes and len(row.routes) > 1:
            routes = ", ".join(f"{n:,} `{r}`" for r, n in sorted(row.routes.items()))
            details.append(f"- {row.workload}, {row.approach}: {routes}.")
    return "\n".join(
        [
            "## Side by side with the official `qarnot` SDK",
            "",
            f"One emulator on 127.0.0.1 serving from a background thread, "
            f"{LATENCY * 1000:.0f} ms of latency per request (none for the GET overhead); "
            f"official SDK `qarnot` {qarnot.__version__}, called from the benchmark's thread; "
            "ours in `asyncio.run` on the same thread. Requests are counted by the emulator. "
            "Runs of the official SDK on fewer tasks are scaled per task to the whole "
            'workload (marked "≈"; the first `task.wait()`, which holds its 10 s nap, is '
            "kept as a fixed cost, and so is the one POST of the bulk submit). The last "
            "column compares the whole-workload time with the workload's baseline. "
            "Client CPU: the benchmark thread's CPU time (the emulator's is not in it). "
            f"Tasks run {TASK_DURATION:g} emulated seconds; the clock moves at "
            f"{CLOCK_SPEED:g}x while following. The GET rows are the best of {GET_ROUNDS} "
            f"alternating rounds (the official one: of {OFFICIAL_GET_ROUNDS}).",
            "",
            "| workload | approach | measured on | time | requests | client CPU "
            "| whole workload: time | requests | vs. baseline |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
            *table,
            "",
            *_headlines({row.key: row for row in rows}),
            "",
            "Requests by route:",
            "",
            *details,
        ]
    )


if __name__ == "__main__":
    print(run())
