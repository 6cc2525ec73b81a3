"""How often the shared poller asks the service: :class:`PollPolicy`."""

from __future__ import annotations

import math
import random

import attrs

from ..errors import InvalidInputError

__all__ = ["PollPolicy"]


def _check_number(name: str, value: object, *, minimum: float, inclusive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(f"PollPolicy.{name}", "must be a finite number", value)
    if value < minimum or (not inclusive and value == minimum):
        op = ">=" if inclusive else ">"
        raise InvalidInputError(f"PollPolicy.{name}", f"must be {op} {minimum:g}", value)
    return float(value)


@attrs.frozen(slots=True, kw_only=True)
class PollPolicy:
    """How often the shared poller asks the service, and how much at a time.

    The interval starts at ``initial``, is multiplied by ``backoff`` after every tick
    that saw no change, up to ``max_interval``, and falls back to ``initial`` as soon
    as a tick sees a change (a transition, a deletion or a new uuid's first state).
    Each delay is then spread by ``±jitter`` (a fraction), never beyond
    ``max_interval``, so that many clients started together do not poll in step.

    Attributes:
        initial: seconds between the first ticks, and the least spacing between two
            ticks (a new wait never polls sooner than this after the previous tick).
        max_interval: the longest interval, in seconds.
        backoff: the interval's multiplier while nothing changes (1: a fixed interval).
        jitter: the fraction of random spread of each delay, in ``[0, 1)``.
        chunk_size: the most uuids asked for in one request.
    """

    initial: float = attrs.field(default=1.0)
    max_interval: float = attrs.field(default=30.0)
    backoff: float = attrs.field(default=1.5)
    jitter: float = attrs.field(default=0.1)
    chunk_size: int = attrs.field(default=200)

    def __attrs_post_init__(self) -> None:
        _check_number("initial", self.initial, minimum=0.0, inclusive=False)
        _check_number("max_interval", self.max_interval, minimum=0.0, inclusive=False)
        if self.max_interval < self.initial:
            raise InvalidInputError(
                "PollPolicy.max_interval",
                f"must be >= initial ({self.initial:g})",
                self.max_interval,
            )
        _check_number("backoff", self.backoff, minimum=1.0)
        _check_number("jitter", self.jitter, minimum=0.0)
        if self.jitter >= 1:
            raise InvalidInputError("PollPolicy.jitter", "must be < 1 (a fraction)", self.jitter)
        if (
            isinstance(self.chunk_size, bool)
            or not isinstance(self.chunk_size, int)
            or self.chunk_size < 1
        ):
            raise InvalidInputError("PollPolicy.chunk_size", "must be an int >= 1", self.chunk_size)

    def grow(self, interval: float) -> float:
        """The interval after a tick that saw no change."""
        return min(self.max_interval, interval * self.backoff)

    def jittered(self, interval: float, rng: random.Random | None = None) -> float:
        """``interval`` spread by ``±jitter``, capped at ``max_interval``."""
        if self.jitter == 0:
            return interval
        spread = (rng or random).uniform(1.0 - self.jitter, 1.0 + self.jitter)
        return min(self.max_interval, interval * spread)

    def check_cap(self, max_interval: float | None) -> float | None:
        """Validate a per-wait ``max_interval``: ``None`` or at least ``initial``.

        Raises:
            InvalidInputError: a cap below ``initial`` (the schedule never polls faster
                than that) or not a number.
        """
        if max_interval is None:
            return None
        if (
            isinstance(max_interval, bool)
            or not isinstance(max_interval, int | float)
            or max_interval < self.initial
        ):
            raise InvalidInputError(
                "max_interval",
                f"must be at least the policy's initial interval ({self.initial:g}s)",
                max_interval,
            )
        return float(max_interval)
