"""The poller's background task: ticks when the schedule says, while anything is polled.

The :class:`Loop` owns the one :class:`asyncio.Task` of a poller. It starts with the
first subscription, stops when the registry is empty (cancelled at once from outside,
or noticing it itself), and a new subscription cuts its pause short so the schedule
decides when the new uuids are polled.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable

from ._registry import Registry
from ._schedule import Schedule
from ._tick import Ticker, report

__all__ = ["Loop"]

_log = logging.getLogger("qarnot_async")


class Loop:
    """Runs ``ticker`` on ``schedule`` while ``registry`` is busy.

    Args:
        registry: what is polled; the loop ends when it is empty.
        schedule: when to tick.
        ticker: one round of requests.
        sleep: how to pause (in the schedule's clock's time base).
        crashed: called with an unexpected error that stopped the loop.
    """

    def __init__(
        self,
        registry: Registry,
        schedule: Schedule,
        ticker: Ticker,
        sleep: Callable[[float], Awaitable[None]],
        crashed: Callable[[BaseException], None],
    ) -> None:
        self._registry = registry
        self._schedule = schedule
        self._ticker = ticker
        self._sleep = sleep
        self._crashed = crashed
        self._task: asyncio.Task[None] | None = None
        # Tasks cancelled because nothing was polled, still unwinding: kept referenced.
        self._stopping: set[asyncio.Task[None]] = set()
        # The pause a new uuid may cut short (None while ticking or holding back).
        self._sleeper: asyncio.Future[None] | None = None

    @property
    def running(self) -> bool:
        """Whether the background task is alive."""
        return self._task is not None and not self._task.done()

    def ensure_running(self) -> None:
        """Start the task, or cut its pause short: new uuids are to be polled."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="qarnot_async-poller"
            )
        elif self._sleeper is not None:
            # Cut the pause short: the loop decides when the new uuid is polled.
            self._sleeper.cancel()

    def stop(self) -> None:
        """Stop the task now: nothing is polled any more."""
        task = self._task
        if task is None or task.done() or task is asyncio.current_task():
            # From inside the loop: it notices there is no work left and returns.
            return
        # Cancel rather than let it finish its pause or request: nobody needs them.
        self._task = None
        task.cancel()
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    async def aclose(self) -> None:
        """Cancel the task and wait until it (and any still unwinding) has ended."""
        tasks = set(self._stopping)
        if self._task is not None:
            tasks.add(self._task)
            self._task = None
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self) -> None:
        me = asyncio.current_task()
        registry, schedule = self._registry, self._schedule
        cap = functools.partial(registry.cap, schedule.policy.max_interval)
        schedule.restart()
        try:
            while registry.busy:
                step = schedule.next_step(has_fresh=registry.has_fresh)
                if step.tick is None:
                    delay = step.until - schedule.clock()
                    if await self._pause(delay, interruptible=step.interruptible):
                        schedule.woke(step)
                    continue
                started = schedule.clock()
                outcome = await self._ticker.tick(full=step.tick == "full")
                delay = schedule.record(
                    step.tick,
                    changed=outcome.changed,
                    retry_after=outcome.retry_after,
                    cap=cap,
                    started=started,
                )
                report(outcome, delay)
        except Exception as error:
            # A bug in a source or a subscriber: fail everyone rather than hang them.
            _log.error("the poller stopped on an unexpected error: %r", error, exc_info=True)
            self._crashed(error)
        finally:
            if self._task is me:
                self._task = None

    async def _pause(self, delay: float, *, interruptible: bool) -> bool:
        """Sleep ``delay`` seconds; False when a new uuid cut the pause short."""
        sleeper = asyncio.ensure_future(self._sleep(max(0.0, delay)))
        if interruptible:
            self._sleeper = sleeper
        try:
            await asyncio.wait({sleeper})
        finally:
            if self._sleeper is sleeper:
                self._sleeper = None
            sleeper.cancel()  # a no-op once done; stops it when the poller is cancelled
        if sleeper.cancelled():
            return False
        sleeper.result()  # an injected sleep that failed
        return True
