"""Waiting for a task's snapshot to end, on a backed-off schedule.

A snapshot is not an entity the shared poller follows (it has no listing to batch),
so each wait polls its own status, but on the poller's schedule ideas: the interval
starts at the policy's ``initial``, grows by its ``backoff`` while nothing changes,
never beyond a cap, and resets when the status moves. The clock and the sleep are
injected, so tests drive it without real time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from ..errors import WaitTimeoutError
from ..models import Snapshot
from ..polling import PollPolicy

__all__ = ["SNAPSHOT_MAX_INTERVAL", "wait_snapshot"]

SNAPSHOT_MAX_INTERVAL = 10.0
"""The longest pause between two reads (the official SDK polls every 10 s)."""


async def wait_snapshot(
    read: Callable[[], Awaitable[Snapshot]],
    *,
    policy: PollPolicy,
    timeout: float | None,
    max_interval: float | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Snapshot:
    """Read the snapshot until it is final (Success or Failure); return it.

    Raises:
        WaitTimeoutError: ``timeout`` seconds passed first (``last_seen``: the last
            snapshot read).
    """
    cap = min(policy.check_cap(max_interval) or policy.max_interval, SNAPSHOT_MAX_INTERVAL)
    cap = max(cap, policy.initial)
    deadline = None if timeout is None else clock() + timeout
    interval = policy.initial
    previous = None
    while True:
        snapshot = await read()
        if snapshot.is_final:
            return snapshot
        if snapshot.status != previous:
            interval, previous = policy.initial, snapshot.status
        left = None if deadline is None else deadline - clock()
        if left is not None and left <= 0:
            raise WaitTimeoutError(
                f"snapshot {snapshot.id!r} is still {snapshot.status} after {timeout}s",
                last_seen=snapshot,
            )
        pause = min(policy.jittered(interval), cap)
        await sleep(pause if left is None else min(pause, left))
        interval = min(policy.grow(interval), cap)
