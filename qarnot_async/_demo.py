"""``qarnot-async demo`` (``make demo``): one real batch, end to end.

With no ``QARNOT_CLIENT_TOKEN`` the demo starts the emulator in-process, sped up; with
one, it runs against that cluster and says so before creating anything. It creates an
elastic pool and a job with dependencies, submits the batch in bulk (a few tasks made
to fail), watches it with a live progress bar, streams a filtered pagination of the
summaries, retries the failures, follows one task's stdout, cleans up and prints a
final table. The exit status is 0 only when every step did what it says.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

from ._client import Client
from .errors import QarnotError
from .filters import F
from .models import (
    ElasticProperty,
    JobCreate,
    PoolCreate,
    TaskCreate,
    TaskRetry,
    TaskState,
)
from .polling import PollPolicy

__all__ = ["run_demo"]

FAIL_EVERY = 100  # one task in a hundred is made to fail
PROFILE = "docker-batch"


class DemoFailed(Exception):
    """A step did not do what it says."""


def _say(text: str) -> None:
    print(text, flush=True)


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise DemoFailed(what)
    _say(f"  ok: {what}")


@contextlib.asynccontextmanager
async def _backend(speed: float) -> AsyncIterator[tuple[Client, str]]:
    """A client on the user's cluster when a token is set, else on an in-process emulator."""
    poll = PollPolicy(initial=0.2, max_interval=2.0)
    if os.environ.get("QARNOT_CLIENT_TOKEN"):
        client = Client.from_env(poll=PollPolicy())
        _say(
            f"QARNOT_CLIENT_TOKEN is set: running against {client.cluster_url}. This creates "
            "a pool, a job and real tasks on your account (they are cleaned up at the end)."
        )
        async with client:
            yield client, client.cluster_url
        return
    from .emulator import Emulator

    async with Emulator(speed=speed) as emu, emu.client(poll=poll) as client:
        _say(f"No QARNOT_CLIENT_TOKEN: using the embedded emulator at {emu.url} ({speed:g}x).")
        yield client, f"emulator {emu.url}"


def _task(i: int, job: str, pool: str, *, fail: bool) -> TaskCreate:
    # The EMULATOR_* constants steer the emulator; a real cluster runs DOCKER_CMD.
    constants = {
        "DOCKER_CMD": "sh -c 'echo rendering frame ${INSTANCE_ID}; exit 1'"
        if fail
        else "sh -c 'echo rendering frame ${INSTANCE_ID}; sleep 10'",
        "EMULATOR_DURATION": "10",
    }
    if fail:
        constants["EMULATOR_FAIL_INSTANCES"] = "0"
    return TaskCreate(
        name=f"demo-frame-{i:04d}",
        profile=PROFILE,
        instance_count=1,
        job_uuid=job,
        constants=constants,
        tags=["qarnot-async-demo"],
    )


class _Progress:
    """A live bar of task states (rich when installed, plain lines otherwise)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.counts: Counter[str] = Counter()
        self._live: Any = None
        self._last_print = 0.0

    def __enter__(self) -> _Progress:
        try:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
        except ImportError:
            return self
        self._live = Progress(
            TextColumn("[bold]tasks"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} final"),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            transient=False,
        )
        self._bar = self._live.add_task("", total=self.total)
        self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()

    def update(self, finals: int) -> None:
        text = "  ".join(f"{s}: {n}" for s, n in sorted(self.counts.items()) if n)
        if self._live is not None:
            self._live.update(self._bar, completed=finals, description=text)
        elif time.monotonic() - self._last_print > 1.0 or finals == self.total:
            self._last_print = time.monotonic()
            _say(f"  {finals}/{self.total} final  {text}")


async def _step(name: str, action: Callable[[], Any]) -> Any:
    _say(f"\n== {name}")
    return await action()


async def run_demo(*, tasks: int = 1000, speed: float = 25.0) -> int:
    """Run the demo; return the process exit status."""
    started = time.monotonic()
    try:
        async with _backend(speed) as (client, where):
            summary = await _run(client, tasks)
            stats = client.stats
    except DemoFailed as exc:
        print(f"\ndemo FAILED: {exc}", file=sys.stderr)
        return 1
    except QarnotError as exc:
        print(f"\ndemo FAILED: {exc}", file=sys.stderr)
        return 1
    wall = time.monotonic() - started
    _say("\n== Result")
    rows = [(state, str(n)) for state, n in sorted(summary.items())]
    rows += [
        ("backend", where),
        ("wall time", f"{wall:.1f} s"),
        ("requests sent", str(stats.requests)),
        ("retries taken", str(stats.retries)),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        _say(f"  {key:<{width}}  {value}")
    return 0


async def _run(client: Client, count: int) -> Counter[str]:
    expected_failures = len(range(0, count, FAIL_EVERY))

    # 1. An elastic pool and a job with dependencies.
    _say("\n== Creating an elastic pool and a job with dependencies")
    pool = await client.pools.create(
        PoolCreate(
            name="qarnot-async-demo-pool",
            profile=PROFILE,
            instance_count=100,
            elastic_property=ElasticProperty(
                is_elastic=True, min_total_slots=10, max_total_slots=100, min_idle_slots=0
            ),
            tags=["qarnot-async-demo"],
        )
    )
    job = await client.jobs.create(
        JobCreate(name="qarnot-async-demo-job", pool_uuid=pool, use_dependencies=True)
    )
    ready = await client.pools.wait(pool, timeout=600)
    _check(ready.state is not None and ready.state.value == "FullyExecuting", "the pool runs")

    try:
        return await _batch(client, count, expected_failures, pool, job)
    finally:
        # 7. Clean up, whatever happened above.
        _say("\n== Cleaning up")
        with contextlib.suppress(QarnotError):
            await client.jobs.terminate(job)
        with contextlib.suppress(QarnotError):
            await client.jobs.delete(job, force=True)
        with contextlib.suppress(QarnotError):
            await client.pools.close(pool)
        with contextlib.suppress(QarnotError):
            await client.pools.delete(pool)
        _say("  the job and the pool are deleted")


async def _batch(
    client: Client, count: int, expected_failures: int, pool: str, job: str
) -> Counter[str]:
    # 2. The batch, in bulk, plus one task that depends on the first ten.
    _say(f"\n== Submitting {count} tasks in bulk ({expected_failures} made to fail)")
    inputs = [_task(i, job, pool, fail=i % FAIL_EVERY == 0) for i in range(count)]
    results = await client.tasks.create_many(inputs, chunk_size=100, concurrency=4)
    results.raise_for_errors()
    uuids = results.uuids
    _check(len(uuids) == count, f"{count} tasks created, in input order")
    gather = await client.tasks.create(
        TaskCreate(
            name="demo-gather",
            profile=PROFILE,
            instance_count=1,
            job_uuid=job,
            dependencies=uuids[1:11],
            constants={"EMULATOR_DURATION": "5", "DOCKER_CMD": "echo gathered"},
        )
    )
    watched = [*uuids, gather]

    # 3. A live progress bar while watching every state change.
    _say(f"\n== Watching {len(watched)} tasks")
    final_states: dict[str, TaskState] = {}
    current: dict[str, str] = {}
    with _Progress(len(watched)) as bar:
        async for change in client.watch(tasks=watched):
            state = change.current
            if state is None:
                raise DemoFailed(f"task {change.uuid} disappeared")
            previous = current.get(change.uuid)
            if previous is not None:
                bar.counts[previous] -= 1
            current[change.uuid] = state.value
            bar.counts[state.value] += 1
            if state.is_final:
                final_states[change.uuid] = state
            bar.update(len(final_states))
    outcome = Counter(s.value for s in final_states.values())
    _check(len(final_states) == len(watched), "every task reached a final state")
    _check(outcome["Failure"] == expected_failures, f"{expected_failures} tasks failed, as planned")
    _check(final_states[gather] is TaskState.SUCCESS, "the dependent task ran after its inputs")

    # 4. A filtered pagination of the summaries.
    _say("\n== Streaming the failed summaries of the job (filtered pagination)")
    failed = [
        s.uuid
        async for s in client.tasks.summaries.paginate(
            (F.job_uuid == job) & (F.state == "Failure"), order_by="name", page_size=50
        )
    ]
    _check(
        sorted(failed) == sorted(u for u, s in final_states.items() if s is TaskState.FAILURE),
        f"the stream found the {len(failed)} failed tasks, each once",
    )

    # 5. Retry the failures (this time with a command that succeeds).
    _say(f"\n== Retrying {len(failed)} failed tasks with tasks.retry")
    fix = TaskRetry(
        constants={
            "EMULATOR_FAIL_INSTANCES": "",
            "EMULATOR_DURATION": "10",
            "DOCKER_CMD": "sh -c 'echo rendering frame ${INSTANCE_ID} again'",
        }
    )
    retried = [await client.tasks.retry(u, fix) for u in failed]

    # 6. Follow one retried task's output live.
    _say(f"\n== Following the stdout of {retried[0]}")
    lines = 0
    async for chunk in client.tasks.follow_stdout(retried[0], interval=0.5):
        for line in chunk.splitlines():
            lines += 1
            _say(f"  | {line}")
    _check(lines > 0, "the task's output was followed to its end")
    again = [await client.tasks.wait(u, timeout=600) for u in retried]
    _check(all(t.state is TaskState.SUCCESS for t in again), "every retried task succeeded")

    outcome["Success (after retry)"] = len(again)
    return outcome
