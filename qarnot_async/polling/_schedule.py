"""When the poller polls: interval growth, jitter, ``Retry-After`` and caps, on a clock.

The :class:`Schedule` makes no request and never sleeps: the poller's loop asks it for
the :meth:`~Schedule.next_step` (tick now, or pause until when), tells it what a tick
saw (:meth:`~Schedule.record`) and whether a pause ran to its end
(:meth:`~Schedule.woke`). Everything it decides comes from the policy, the injected
clock and random generator, and what it was told, so tests drive it with a fake clock.

Two kinds of ticks: a *full* tick polls every uuid, at the backed-off interval; a
*fresh* tick polls only the uuids with new interest, promptly, but never sooner than
``initial`` after the previous tick (so a burst of new waits costs one tick and a
stream of them never becomes a busy loop), and never before a ``Retry-After`` ends.

Intervals are counted from the *start* of the previous tick: a tick that takes 0.3 s
(ten thousand uuids, a slow service) does not push the next one 0.3 s later, so the
ticks keep a fixed cadence.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Literal

import attrs

from ._policy import PollPolicy

__all__ = ["Schedule", "Step", "TickKind"]

TickKind = Literal["full", "fresh"]


@attrs.frozen(slots=True)
class Step:
    """What the poller does next.

    Attributes:
        tick: poll now (``"full"`` or ``"fresh"``), or ``None``: pause.
        until: when a pause ends, on the schedule's clock.
        wake: what is due when the pause runs to its end.
        interruptible: whether a new uuid may cut the pause short (only when none is
            pending already: otherwise its poll is held back by the spacing anyway).
    """

    tick: TickKind | None
    until: float = 0.0
    wake: TickKind = "full"
    interruptible: bool = False


_FULL = Step("full")
_FRESH = Step("fresh")


class Schedule:
    """The poller's timing: what is due, and when the next full tick comes.

    Args:
        policy: the intervals, backoff and jitter.
        clock: monotonic seconds.
        rng: the random generator of the jitter.
    """

    def __init__(self, policy: PollPolicy, clock: Callable[[], float], rng: random.Random) -> None:
        self.policy = policy
        self.clock = clock
        self.rng = rng
        self.hold_until = -math.inf
        """No tick before this (a ``Retry-After``); outlives :meth:`restart`."""
        self.interval = policy.initial
        """The current backed-off interval between full ticks, before jitter."""
        self.next_full = -math.inf
        """When the next full tick is due."""
        self.last_tick = -math.inf
        """When the last tick started."""
        self._due: TickKind | None = None
        self.restart()

    def restart(self) -> None:
        """Start over, fast, as the poller does when it resumes after being idle.

        A ``Retry-After`` still running keeps holding the first tick back.
        """
        now = self.clock()
        self.interval = self.policy.initial
        self.next_full = max(now, self.hold_until)
        self.last_tick = -math.inf
        self._due = "full" if self.next_full <= now else None

    def fresh_at(self, has_fresh: bool) -> float | None:
        """When new uuids may be polled (``None``: there are none)."""
        if not has_fresh:
            return None
        return max(self.last_tick + self.policy.initial, self.hold_until)

    def next_step(self, *, has_fresh: bool) -> Step:
        """Tick now, or pause until when: consumes what :meth:`woke` made due."""
        due, self._due = self._due, None
        if due == "full":
            return _FULL
        fresh_at = self.fresh_at(has_fresh)
        if fresh_at is not None and (due == "fresh" or self.clock() >= fresh_at):
            return _FRESH
        if fresh_at is not None and fresh_at < self.next_full:
            return Step(None, until=fresh_at, wake="fresh")
        return Step(None, until=self.next_full, wake="full", interruptible=fresh_at is None)

    def woke(self, step: Step) -> None:
        """The pause of ``step`` ran to its end: what it waited for is due.

        (Due even if the clock reads a hair before ``step.until``.)
        """
        self._due = step.wake

    def record(
        self,
        tick: TickKind,
        *,
        changed: bool,
        retry_after: float | None,
        cap: Callable[[], float],
        started: float | None = None,
    ) -> float:
        """Plan after a tick; the seconds until the next full tick.

        Args:
            tick: which tick ended.
            changed: whether it saw a change (a transition, a deletion, a first state).
            retry_after: the longest ``Retry-After`` it was answered, if any.
            cap: the longest interval the subscribers tolerate now.
            started: when the tick started (default: now); the next one is planned
                from then.
        """
        now = self.clock()
        self.last_tick = now if started is None else started
        if changed:
            self.interval = self.policy.initial
        elif tick == "full":
            self.interval = min(self.policy.grow(self.interval), cap())
        candidate = self._after(self.last_tick, retry_after)
        if tick == "full":
            self.next_full = candidate
        else:
            # New uuids speed the schedule up, never slow it down, but a rate limit
            # holds everything back.
            if changed:
                self.next_full = min(self.next_full, candidate)
            self.next_full = max(self.next_full, self.hold_until)
        return self.next_full - now

    def _after(self, start: float, retry_after: float | None) -> float:
        """When the next full tick is due after the tick that started at ``start``, a
        ``Retry-After`` included (counted from now: it answered this tick's end)."""
        delay = self.policy.jittered(self.interval, self.rng)
        if retry_after is not None:
            now = self.clock()
            self.hold_until = max(self.hold_until, now + retry_after)
            return max(start + delay, now + retry_after)
        return start + delay
