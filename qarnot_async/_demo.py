"""``qarnot-async demo`` (``make demo``): one real batch, end to end.

By default the demo runs on an emulator started in-process, sped up, whatever the
environment says: a ``QARNOT_CLIENT_TOKEN`` exported for the official SDK is ignored,
so ``make demo`` never creates anything on anyone's account. ``--cluster`` runs it on
the Qarnot account of ``QARNOT_CLIENT_TOKEN`` (and ``QARNOT_CLUSTER_URL``...): it first
says what it will create and what that costs, and asks for confirmation (``--yes``
skips the question); its default size is small.

The batch: an elastic pool and a job with dependencies, the tasks submitted in bulk (a
few made to fail), watched with a live progress bar, a filtered pagination of the
summaries, the failures retried, one task's stdout followed, everything cleaned up and
a final table. The exit status is 0 only when every step did what it says (1 when a
step failed or the user declined, 2 for a malformed command line).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._client import DEFAULT_CLUSTER_URL, Client
from ._config import settings_from_env
from ._demo_storage import storage_available, storage_round_trip
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

__all__ = ["DemoPlan", "build_parser", "main", "run_demo"]

FAIL_EVERY = 100  # one task in a hundred is made to fail (task 0 always)
PROFILE = "docker-batch"
TASK_SECONDS = 10  # what each task's command runs for
EMULATOR_TASKS = 1000
CLUSTER_TASKS = 10  # small: a first run on a real account should cost next to nothing


class DemoFailed(Exception):
    """A step did not do what it says."""


@dataclass(frozen=True)
class DemoPlan:
    """What the demo creates: the size of its batch and of its elastic pool."""

    tasks: int
    min_slots: int
    max_slots: int

    @classmethod
    def for_emulator(cls, tasks: int) -> DemoPlan:
        """The emulator's plan: a large batch on a pool of up to 100 slots."""
        return cls(tasks=tasks, min_slots=min(10, tasks), max_slots=min(100, tasks))

    @classmethod
    def for_cluster(cls, tasks: int) -> DemoPlan:
        """A real account's plan: as few slots as the batch needs, one kept at least."""
        return cls(tasks=tasks, min_slots=1, max_slots=min(10, tasks))

    @property
    def failures(self) -> int:
        """How many tasks are made to fail (then retried)."""
        return len(range(0, self.tasks, FAIL_EVERY))

    @property
    def instance_seconds(self) -> int:
        """Instance time of the tasks: each task, each retry, and the dependent task."""
        return (self.tasks + self.failures + 1) * TASK_SECONDS

    def describe(self, where: str) -> str:
        """What will be created on ``where`` and what it costs, in a few lines."""
        minutes = max(1, round(self.instance_seconds / 60))
        return "\n".join(
            [
                f"This demo creates on {where}, on the account of QARNOT_CLIENT_TOKEN:",
                f"  - an elastic pool ({PROFILE}, {self.min_slots} to {self.max_slots} slots),",
                "  - a job with dependencies,",
                f"  - {self.tasks + 1} tasks of one instance, about {TASK_SECONDS} s each "
                f"({self.failures} made to fail, then retried).",
                f"Cost: about {minutes} min of {PROFILE} instance time, plus the pool's "
                "slots while it runs (a few minutes), billed to your account at your "
                f"{PROFILE} rate. Everything is deleted at the end.",
            ]
        )


def _say(text: str) -> None:
    print(text, flush=True)


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise DemoFailed(what)
    _say(f"  ok: {what}")


@contextlib.asynccontextmanager
async def _emulator_backend(speed: float) -> AsyncIterator[tuple[Client, str, bool]]:
    """A client on an emulator started here; the environment is never read. With the
    storage extras, the emulator serves S3 too (the third item says so)."""
    from .emulator import Emulator

    if os.environ.get("QARNOT_CLIENT_TOKEN"):
        _say(
            "QARNOT_CLIENT_TOKEN is set but not used: the demo runs on the embedded "
            "emulator (`qarnot-async demo --cluster` runs it on your account)."
        )
    poll = PollPolicy(initial=0.2, max_interval=2.0)
    storage = storage_available()
    if not storage:
        _say(
            "The storage step is skipped: it needs "
            "`pip install 'qarnot-async[storage,emulator-storage]'`."
        )
    async with Emulator(speed=speed, storage=storage) as emu, emu.client(poll=poll) as client:
        _say(f"Using the embedded emulator at {emu.url} ({speed:g}x).")
        yield client, f"emulator {emu.url}", storage


@contextlib.asynccontextmanager
async def _cluster_backend(
    settings: Mapping[str, Any], poll: PollPolicy
) -> AsyncIterator[tuple[Client, str, bool]]:
    # No storage step on a real account: what it creates is only what describe() says.
    async with Client(**{**settings, "poll": poll}) as client:
        yield client, client.cluster_url, False


def _task(i: int, job: str, *, fail: bool) -> TaskCreate:
    # The EMULATOR_* constants steer the emulator; a real cluster runs DOCKER_CMD.
    constants = {
        "DOCKER_CMD": "sh -c 'echo rendering frame ${INSTANCE_ID}; exit 1'"
        if fail
        else f"sh -c 'echo rendering frame ${{INSTANCE_ID}}; sleep {TASK_SECONDS}'",
        "EMULATOR_DURATION": str(TASK_SECONDS),
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


def _confirm(prompt: str) -> bool:
    """Ask on the terminal; anything but yes (or no terminal at all) is a no."""
    try:
        answer = input(prompt)
    except EOFError:
        return False
    return answer.strip().lower() in {"y", "yes"}


async def run_demo(
    *,
    tasks: int | None = None,
    speed: float = 25.0,
    cluster: bool = False,
    yes: bool = False,
    poll: PollPolicy | None = None,
    settings: Mapping[str, Any] | None = None,
    confirm: Callable[[str], bool] = _confirm,
) -> int:
    """Run the demo; return the process exit status.

    Without ``cluster`` it runs on an in-process emulator at ``speed`` (1,000 tasks
    unless ``tasks`` says otherwise). With ``cluster`` it runs on the account of
    ``QARNOT_CLIENT_TOKEN`` (10 tasks by default), after ``confirm`` agreed to what
    :meth:`DemoPlan.describe` says, unless ``yes``. There the client is configured
    as by :meth:`Client.from_env`, with ``settings`` (keyword arguments of
    :class:`Client`, e.g. the CLI's ``--token``) winning over the environment, and
    ``poll`` as its polling schedule.
    """
    if cluster:
        plan = DemoPlan.for_cluster(CLUSTER_TASKS if tasks is None else tasks)
    else:
        plan = DemoPlan.for_emulator(EMULATOR_TASKS if tasks is None else tasks)
    if plan.tasks < 1:
        print("demo: error: --tasks must be at least 1", file=sys.stderr)
        return 2
    if cluster:
        try:
            config = {**settings_from_env(), **(settings or {})}
        except QarnotError as exc:  # a malformed QARNOT_CLUSTER_* variable
            print(f"demo: error: {exc}", file=sys.stderr)
            return 1
        if not config.get("token"):
            print(
                "demo: error: --cluster runs on your Qarnot account: export "
                "QARNOT_CLIENT_TOKEN (and QARNOT_CLUSTER_URL for another cluster) first",
                file=sys.stderr,
            )
            return 1
        _say(plan.describe(str(config.get("cluster_url") or DEFAULT_CLUSTER_URL)))
        if not yes and not confirm("Create them? [y/N] "):
            _say("Nothing was created.")
            return 1
        backend = _cluster_backend(config, poll or PollPolicy(initial=1.0, max_interval=5.0))
    else:
        backend = _emulator_backend(speed)
    started = time.monotonic()
    try:
        async with backend as (client, where, storage):
            summary = await _run(client, plan)
            transfer = None
            if storage:
                _say("\n== Moving files: inputs up to a bucket, a task on them, results down")
                transfer = await storage_round_trip(client, PROFILE, _say, _check)
            stats = client.stats
    except (DemoFailed, QarnotError) as exc:
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
    if transfer is not None:
        rows += transfer.rows()
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        _say(f"  {key:<{width}}  {value}")
    return 0


def build_parser(prog: str = "qarnot-async demo") -> argparse.ArgumentParser:
    """The demo's command line (``qarnot-async demo ...``)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run one batch end to end: on the embedded emulator by default, on "
        "your Qarnot account with --cluster.",
    )
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="run on the account of QARNOT_CLIENT_TOKEN (says what it creates and costs, "
        "then asks)",
    )
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask (with --cluster)")
    parser.add_argument(
        "--tasks",
        type=int,
        default=None,
        help=f"tasks to submit (default {EMULATOR_TASKS} on the emulator, "
        f"{CLUSTER_TASKS} with --cluster)",
    )
    parser.add_argument(
        "--speed", type=float, default=25.0, help="emulated seconds per second (emulator)"
    )
    return parser


def main(argv: Sequence[str] | None = None, *, settings: Mapping[str, Any] | None = None) -> int:
    """``qarnot-async demo [--cluster [--yes]] [--tasks N]``; returns the exit status.

    ``settings``: keyword arguments of :class:`Client` for ``--cluster`` (the CLI's
    global flags), over the environment.
    """
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(
            run_demo(
                tasks=args.tasks,
                speed=args.speed,
                cluster=args.cluster,
                yes=args.yes,
                settings=settings,
            )
        )
    except KeyboardInterrupt:
        print("demo: interrupted", file=sys.stderr)
        return 130


async def _run(client: Client, plan: DemoPlan) -> Counter[str]:

    # 1. An elastic pool and a job with dependencies.
    _say("\n== Creating an elastic pool and a job with dependencies")
    pool = await client.pools.create(
        PoolCreate(
            name="qarnot-async-demo-pool",
            profile=PROFILE,
            instance_count=plan.max_slots,
            elastic_property=ElasticProperty(
                is_elastic=True,
                min_total_slots=plan.min_slots,
                max_total_slots=plan.max_slots,
                min_idle_slots=0,
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
        return await _batch(client, plan.tasks, plan.failures, job)
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


async def _batch(client: Client, count: int, expected_failures: int, job: str) -> Counter[str]:
    # 2. The batch, in bulk, plus one task that depends on the first ten.
    _say(f"\n== Submitting {count} tasks in bulk ({expected_failures} made to fail)")
    inputs = [_task(i, job, fail=i % FAIL_EVERY == 0) for i in range(count)]
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
            "EMULATOR_DURATION": str(TASK_SECONDS),
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


if __name__ == "__main__":  # ``python -m qarnot_async._demo --cluster``, until the CLI forwards
    raise SystemExit(main())
