"""Following tasks to completion, in real time, against the official SDK's two loops.

The emulator runs in its own process with a real-time clock and 20 ms of latency per
request. Tasks are seeded running, each instance lasting 2 to 20 s (spread at random),
so they end one after another over about 20 s. Four ways to follow them:

* the official ``task.wait()``, one task after another (on a sample, scaled per task:
  it naps 10 s between two GETs of a running task);
* the loop a user of the official SDK could write for many tasks: list every task of
  the account (``conn.all_tasks(summary=False)``) every second until each is final;
* ``asyncio.gather`` of ``client.tasks.wait(uuid)``, on 1,000 and 10,000 tasks;
* the floor of a client's CPU: a raw aiohttp loop sending the same requests and handing
  each waiter the dict ``json.loads`` made (no objects, no checks), on the same counts.

The two official loops run side by side in two threads (each sleeps most of the time;
each one's CPU is its own thread's). The limit is the last task's end, counted from
the moment it was seeded, plus about two round trips (one to see it final, one to
fetch it). Client CPU of ours is this process's ``process_time``; the state requests
(a ``POST /tasks/search`` selecting uuid, state and transition time per chunk of
uuids) are counted from the request hooks (uuids asked per request, requests per
tick). Memory per watched task: ``tracemalloc`` over waits pending on tasks that do
not end, after the poller's first tick.

Run: ``python -m benchmarks.bench_follow``; ``QA_BENCH_SCALE=0.1`` for a quick run.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from ._cost import decode_and_read
from ._report import fmt_seconds, record
from ._server import EmulatorProcess, scaled

COUNTS = (scaled(1000, 50), scaled(10_000, 200))
OFFICIAL_WAIT_TASKS = scaled(10, 4)
OFFICIAL_POLL_TASKS = COUNTS[0]
MEMORY_TASKS = scaled(10_000, 500)
LATENCY = 0.02
MIN_DURATION, MAX_DURATION = 2.0, 20.0
#: From seeding to the end of a task: dispatched after 1 s, executing after 2, the
#: instance runs its duration, then 1 s of upload (see the emulator's lifecycle).
LIFECYCLE_OVERHEAD = 3.0
POLL_INTERVAL = 1.0
CHUNK = 200
TARGET_WALL = 1.1
TARGET_CPU_US = 150.0
TARGET_MEMORY_KB = 4.0


def _durations(count: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [round(rng.uniform(MIN_DURATION, MAX_DURATION), 3) for _ in range(count)]


def _limit(durations: list[float]) -> float:
    return LIFECYCLE_OVERHEAD + max(durations) + 2 * LATENCY


def _seed(
    emu: EmulatorProcess, count: int, prefix: str, seed: int
) -> tuple[list[str], float, list[float]]:
    durations = _durations(count, seed)
    uuids, now = emu.seed_tasks(
        count,
        name=prefix + "-{i}",
        state="Submitted",
        run=True,
        per_index={"duration": durations},
    )
    return uuids, now, durations


# -- the official SDK ----------------------------------------------------------------------


def _threaded(body: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``body`` in a thread; its wall time and its own thread's CPU time."""
    out: dict[str, Any] = {}

    def target() -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            out["result"] = body()
        except BaseException as exc:  # re-raised by the caller
            out["error"] = exc
        out["wall"] = time.perf_counter() - wall
        out["cpu"] = time.thread_time() - cpu

    thread = threading.Thread(target=target, name="official-loop")
    thread.start()
    return thread, out


def _official_wait(emu: EmulatorProcess) -> float:
    """Wait on a sample one after another; return what one more (final) task costs."""
    conn = emu.official()
    uuids, _, _ = _seed(emu, OFFICIAL_WAIT_TASKS, "wait", 1)
    tasks = [conn.retrieve_task(u) for u in uuids]
    for task in tasks:
        task.wait()
    if not all(t.state == "Success" for t in tasks):
        raise RuntimeError("official wait: a task did not succeed")
    # Past the longest task, each further wait finds its task final: one GET.
    started = time.perf_counter()
    for task in tasks:
        task.wait()
    return (time.perf_counter() - started) / len(tasks)


def _official_poll(emu: EmulatorProcess) -> int:
    import qarnot

    running = frozenset(qarnot.task.RUNNING_DOWNLOADING_STATES)
    conn = emu.official()
    uuids, _, _ = _seed(emu, OFFICIAL_POLL_TASKS, "poll", 2)
    pending = set(uuids)
    finished = 0
    while True:
        for task in conn.all_tasks(summary=False):
            if task.uuid in pending and task.state not in running:
                pending.discard(task.uuid)
                finished += 1
        if not pending:
            return finished
        time.sleep(POLL_INTERVAL)


def _official_rows(emu: EmulatorProcess) -> tuple[list[str], dict[str, float]]:
    emu.reset()
    emu.reset_stats()
    wait_thread, wait = _threaded(lambda: _official_wait(emu))
    poll_thread, poll = _threaded(lambda: _official_poll(emu))
    wait_thread.join()
    poll_thread.join()
    for out in (wait, poll):
        if "error" in out:
            raise out["error"]
    _, routes = emu.requests()
    limit_wait = _limit(_durations(OFFICIAL_WAIT_TASKS, 1))
    limit_poll = _limit(_durations(OFFICIAL_POLL_TASKS, 2))
    # The sample's waits nap until its longest task ends: a fixed cost. Every further
    # task would find its task final (one GET each): added per task.
    per_final = wait["result"]
    gets = routes.get("GET /tasks/{uuid}", 0) - OFFICIAL_WAIT_TASKS
    whole_wait = wait["wall"] - per_final * OFFICIAL_WAIT_TASKS
    whole_wait += (COUNTS[0] - OFFICIAL_WAIT_TASKS) * per_final
    whole_gets = gets - OFFICIAL_WAIT_TASKS * 2 + COUNTS[0]
    rows = [
        f"| official `task.wait()` one after another | {COUNTS[0]:,} "
        f"| ≈ {fmt_seconds(whole_wait)} | ≈ {whole_wait / limit_wait:.2f}x "
        f"| ≈ {whole_gets:,.0f} GET | "
        f"{wait['cpu'] / OFFICIAL_WAIT_TASKS * 1e6:,.0f} µs | |",
        f"| official: poll `conn.all_tasks(summary=False)` every {POLL_INTERVAL:g} s "
        f"| {OFFICIAL_POLL_TASKS:,} | {fmt_seconds(poll['wall'])} "
        f"| {poll['wall'] / limit_poll:.2f}x "
        f"| {routes.get('POST /tasks/paginate', 0):,} pages | "
        f"{poll['cpu'] / OFFICIAL_POLL_TASKS * 1e6:,.0f} µs | |",
    ]
    return rows, {"wait": whole_wait, "poll": poll["wall"]}


# -- ours ----------------------------------------------------------------------------------


async def _ours(emu: EmulatorProcess, count: int) -> dict[str, Any]:
    bodies: list[bytes] = []

    def on_request(request: Any) -> None:
        # The poller's state requests: a search selecting three fields (the summaries'
        # pages only if the service refused it); each names the uuids it asks for.
        path = request.path
        if (path.endswith("/tasks/search") or path.endswith("/summaries/paginate")) and (
            request.body
        ):
            bodies.append(request.body)

    async with emu.client(on_request=[on_request]) as client:
        # Warm-up, untimed: the connection is opened and the poller's readers are built
        # by a wait on a task already done.
        done_already, _ = emu.seed_tasks(1, name="warm-up", state="Success")
        await client.tasks.wait(done_already[0])
        bodies.clear()
        ticks = client.poller.stats.ticks
        wall = time.perf_counter()
        uuids, _, durations = _seed(emu, count, "ours", 3)
        cpu = time.process_time()
        done = await asyncio.gather(*(client.tasks.wait(u) for u in uuids))
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
        ticks = client.poller.stats.ticks - ticks
    if not all(t.state == "Success" for t in done) or len(done) != count:
        raise RuntimeError("ours: a task did not succeed")
    asked = [len(json.loads(b)["filter"]["values"]) for b in bodies]
    loads, reading = await _entity_cost(emu, uuids[:CHUNK])
    return {
        "entity_loads": loads,
        "entity_reading": reading,
        "wall": wall,
        "cpu": cpu,
        "limit": _limit(durations),
        "requests": len(bodies),
        "ticks": ticks,
        "most": max(asked),
        "per_request": sum(asked) / len(asked),
    }


async def _raw(emu: EmulatorProcess, count: int) -> dict[str, Any]:
    """The same work with no SDK at all: the floor of a client's CPU.

    A raw aiohttp loop sends what our poller sends (a search selecting uuid, state and
    transition time per chunk of uuids, every second from the start of the previous
    tick; then the tasks seen final, in full, through ``POST /tasks/paginate``) and
    hands each waiter its task as the dict ``json.loads`` made: no objects, no checks,
    no retries. The waiters are awaited the same way (``gather`` of a coroutine each).
    """
    import aiohttp

    from qarnot_async.models import TaskState
    from qarnot_async.resources._watching import SIGHTING_FIELDS

    # The SDK's own constants, so that both loops ask for the same thing; the loop's
    # work is done on the raw dicts.
    final_states = frozenset(s.value for s in TaskState if s.is_final)
    base = f"{emu.url}/v1/tasks"
    headers = {"Authorization": emu.token, "Content-Type": "application/json"}
    async with aiohttp.ClientSession(headers=headers) as session:

        async def post(route: str, body: dict[str, Any]) -> Any:
            async with session.post(base + route, data=json.dumps(body).encode()) as response:
                response.raise_for_status()
                return json.loads(await response.read())

        def among(uuids: list[str]) -> dict[str, Any]:
            return {"operator": "In", "field": "Uuid", "values": uuids}

        await post("/paginate", {"maximumResults": 1})  # the connection is open
        loop = asyncio.get_running_loop()
        wall = time.perf_counter()
        uuids, _, durations = _seed(emu, count, "raw", 3)
        futures: dict[str, asyncio.Future[Any]] = {u: loop.create_future() for u in uuids}

        async def tick(chunk: list[str]) -> None:
            body = {"filter": among(chunk), "select": {"fields": list(SIGHTING_FIELDS)}}
            states = await post("/search", body)
            ended = [s["uuid"] for s in states if s["state"] in final_states]
            if ended:
                page = await post("/paginate", {"filter": among(ended), "maximumResults": CHUNK})
                for entity in page["data"]:
                    futures[entity["uuid"]].set_result(entity)

        async def poll() -> None:
            while pending := [u for u, f in futures.items() if not f.done()]:
                started = loop.time()
                chunks = [pending[i : i + CHUNK] for i in range(0, len(pending), CHUNK)]
                await asyncio.gather(*(tick(chunk) for chunk in chunks))
                await asyncio.sleep(max(0.0, POLL_INTERVAL - (loop.time() - started)))

        async def wait(uuid: str) -> Any:
            return await futures[uuid]

        cpu = time.process_time()
        poller = asyncio.ensure_future(poll())
        done = await asyncio.gather(*(wait(u) for u in uuids))
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
        await poller
    if len(done) != count or not all(t["state"] == "Success" for t in done):
        raise RuntimeError("raw: a task did not succeed")
    return {"wall": wall, "cpu": cpu, "limit": _limit(durations)}


async def _entity_cost(emu: EmulatorProcess, uuids: list[str]) -> tuple[float, float]:
    """CPU per task of ``json.loads`` and of the converter reading the final entities
    (one page of them, as a wait's entity request brings them), read three times."""
    import aiohttp

    from qarnot_async.models import Task, TokenPage

    body = {"filter": {"operator": "In", "field": "Uuid", "values": uuids}}
    body["maximumResults"] = len(uuids)
    headers = {"Authorization": emu.token}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.post(f"{emu.url}/v1/tasks/paginate", json=body) as response,
    ):
        raw = await response.read()
    loads, reading = decode_and_read([raw], TokenPage[Task])
    return loads / 3 / len(uuids), reading / 3 / len(uuids)


async def _memory(emu: EmulatorProcess, count: int) -> float:
    uuids, _ = emu.seed_tasks(count, name="idle-{i}", state="Submitted", run=False)
    needed = math.ceil(count / CHUNK)
    answered = 0
    first_tick = asyncio.Event()

    def on_response(response: Any) -> None:
        nonlocal answered
        if response.path.endswith("/tasks/search"):
            answered += 1
            if answered >= needed:
                first_tick.set()

    async with emu.client(on_response=[on_response]) as client:
        await client.tasks.summaries.page(page_size=1)
        answered = 0
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            waits = asyncio.gather(*(client.tasks.wait(u) for u in uuids))
            await first_tick.wait()
            # The tick reads its answers once they are all in: let it finish.
            await asyncio.sleep(0.5)
            held = tracemalloc.get_traced_memory()[0] - base
        finally:
            tracemalloc.stop()
        waits.cancel()
        await asyncio.gather(waits, return_exceptions=True)
    return held / count / 1024


def run() -> str:
    """Measure and return a markdown section."""
    with EmulatorProcess(speed=1.0, latency=LATENCY) as emu:
        official_rows, official = _official_rows(emu)
        ours_rows = []
        for count in COUNTS:
            emu.reset()
            raw = asyncio.run(_raw(emu, count))
            emu.reset()
            ours = asyncio.run(_ours(emu, count))
            per_tick = ours["requests"] / max(1, ours["ticks"])
            versus = (
                f"{official['wait'] / ours['wall']:.1f}x / {official['poll'] / ours['wall']:.2f}x"
                if count == COUNTS[0]
                else ""
            )
            ours_rows.append(
                f"| floor: a raw aiohttp loop, the same requests, dicts for tasks | {count:,} "
                f"| {fmt_seconds(raw['wall'])} | {raw['wall'] / raw['limit']:.2f}x "
                f"| the same kinds | {raw['cpu'] / count * 1e6:,.0f} µs | |"
            )
            ours_rows.append(
                f"| ours: `gather` of `client.tasks.wait(uuid)` | {count:,} "
                f"| {fmt_seconds(ours['wall'])} | {ours['wall'] / ours['limit']:.2f}x "
                f"| {ours['requests']:,} state requests ({per_tick:.1f} per tick, "
                f"{ours['per_request']:.0f} uuids each, at most {ours['most']}) "
                f"| {ours['cpu'] / count * 1e6:,.0f} µs (the final entity alone: "
                f"`json.loads` {ours['entity_loads'] * 1e6:,.0f} µs + the converter "
                f"{ours['entity_reading'] * 1e6:,.0f} µs) | {versus} |"
            )
            record(
                f"follow.{count}.wall_vs_limit",
                f"follow {count:,} tasks: time / limit",
                ours["wall"] / ours["limit"],
                "x",
                TARGET_WALL,
            )
            record(
                f"follow.{count}.cpu_per_task",
                f"follow {count:,} tasks: client CPU per followed task",
                ours["cpu"] / count * 1e6,
                "µs",
                TARGET_CPU_US,
            )
            record(
                f"follow.{count}.raw_cpu_per_task",
                f"follow {count:,} tasks: client CPU per task of the raw loop (no SDK, dicts)",
                raw["cpu"] / count * 1e6,
                "µs",
            )
            record(
                f"follow.{count}.cpu_vs_raw",
                f"follow {count:,} tasks: client CPU / the raw loop's",
                ours["cpu"] / raw["cpu"],
                "x",
            )
            record(
                f"follow.{count}.entity_cpu",
                f"follow {count:,} tasks: of which the final entity, decoded and read alone",
                (ours["entity_loads"] + ours["entity_reading"]) * 1e6,
                "µs",
            )
            record(
                f"follow.{count}.uuids_per_request",
                f"follow {count:,} tasks: most uuids in one state request",
                ours["most"],
                "",
                CHUNK,
            )
        emu.reset()
        memory = asyncio.run(_memory(emu, MEMORY_TASKS))
    record(
        "follow.memory_per_task",
        f"follow: memory per watched task ({MEMORY_TASKS:,} pending waits)",
        memory,
        "KB",
        TARGET_MEMORY_KB,
    )
    return "\n".join(
        [
            "## Following tasks to completion",
            "",
            f"Real-time clock, {LATENCY * 1000:.0f} ms of latency per request, instances of "
            f"{MIN_DURATION:g} to {MAX_DURATION:g} s; the emulator runs in its own process. "
            "Limit: the last task's end after seeding plus two round trips. The official "
            f"`task.wait()` loop runs on {OFFICIAL_WAIT_TASKS} tasks (its first wait naps "
            "until its task ends; each other task costs one GET, scaled to the whole "
            'workload, "≈"), side by side with the polling loop. The last column: how '
            "much faster ours is than the `task.wait()` loop / the polling loop.",
            "",
            "| approach | tasks | time | time / limit | requests | client CPU per task "
            "| ours vs. wait / poll |",
            "|---|---:|---:|---:|---|---:|---:|",
            *official_rows,
            *ours_rows,
            "",
            f"Memory per watched task, {MEMORY_TASKS:,} waits pending (`tracemalloc`, "
            f"everything the waits hold after the first tick): **{memory:.2f} KB**.",
        ]
    )


if __name__ == "__main__":
    print(run())
