"""Snapshots: ``tasks.snapshot`` answers an id, ``snapshot_status`` reads it, and
``wait_snapshot`` polls on a backed-off, capped schedule (fake clock and sleep)."""

from __future__ import annotations

import pytest

from qarnot_async import Client, InvalidInputError, NotFoundError, WaitTimeoutError
from qarnot_async.emulator import Emulator
from qarnot_async.models import Snapshot, SnapshotState, TaskCreate
from qarnot_async.polling import PollPolicy
from qarnot_async.resources._snapshots import SNAPSHOT_MAX_INTERVAL, wait_snapshot


class FakeTime:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _reader(statuses: list[str | None]) -> tuple[list[int], object]:
    reads = [0]

    async def read() -> Snapshot:
        status = statuses[min(reads[0], len(statuses) - 1)]
        reads[0] += 1
        return Snapshot(id="s", status=None if status is None else SnapshotState(status))

    return reads, read


async def test_backs_off_up_to_a_cap_and_resets_on_a_change() -> None:
    fake = FakeTime()
    statuses: list[str | None] = [None] * 8 + ["inprogress"] + ["InProgress"] * 3 + ["Success"]
    reads, read = _reader(statuses)
    policy = PollPolicy(initial=1.0, max_interval=60.0, backoff=2.0, jitter=0.0)
    done = await wait_snapshot(
        read,
        policy=policy,
        timeout=None,
        sleep=fake.sleep,
        clock=fake.clock,  # type: ignore[arg-type]
    )
    assert done.status is SnapshotState.SUCCESS
    assert done.is_final
    assert reads[0] == len(statuses)
    # Doubling from 1 s, capped at the official SDK's 10 s, back to 1 s on the change.
    assert fake.sleeps == [1, 2, 4, 8, 10, 10, 10, 10, 1, 2, 4, 8]
    assert max(fake.sleeps) == SNAPSHOT_MAX_INTERVAL


async def test_a_failure_is_final_and_returned() -> None:
    fake = FakeTime()
    _, read = _reader(["Triggered", "failure"])
    done = await wait_snapshot(
        read,
        policy=PollPolicy(jitter=0.0),
        timeout=None,
        sleep=fake.sleep,
        clock=fake.clock,  # type: ignore[arg-type]
    )
    assert done.status is SnapshotState.FAILURE


async def test_times_out_without_sleeping_past_the_deadline() -> None:
    fake = FakeTime()
    _, read = _reader(["Triggered"])
    with pytest.raises(WaitTimeoutError) as caught:
        await wait_snapshot(
            read,  # type: ignore[arg-type]
            policy=PollPolicy(initial=1.0, backoff=2.0, jitter=0.0),
            timeout=5.0,
            sleep=fake.sleep,
            clock=fake.clock,
        )
    assert fake.sleeps == [1, 2, 2]
    assert isinstance(caught.value.last_seen, Snapshot)


async def test_snapshot_status_and_wait_against_the_emulator(
    qarnot_emulator: Emulator, qarnot_client: Client
) -> None:
    tasks = qarnot_client.tasks
    uuid = await tasks.create(TaskCreate(name="t", profile="docker-batch", instance_count=1))
    await qarnot_emulator.advance(2)
    snapshot_id = await tasks.snapshot(uuid, whitelist="*.txt")
    assert snapshot_id
    first = await tasks.snapshot_status(uuid, snapshot_id)
    assert first.status is SnapshotState.TRIGGERED
    assert not first.is_final
    assert first.task_uuid == uuid
    assert first.trigger_date is not None
    assert first.snapshot_config is not None
    assert first.snapshot_config.whitelist == "*.txt"
    await qarnot_emulator.advance(60)
    done = await tasks.wait_snapshot(uuid, snapshot_id, timeout=5)
    assert done.status is SnapshotState.SUCCESS
    assert done.transferred_size == done.size_to_upload
    with pytest.raises(NotFoundError):
        await tasks.snapshot_status(uuid, "no-such-snapshot")
    with pytest.raises(InvalidInputError):
        await tasks.snapshot_status(uuid, "")
