"""The emulator's clock: manual (tests move it) or scaled from real time (demos)."""

from __future__ import annotations

import time

__all__ = ["Clock"]

# Looked up at each call, so tests can replace it without touching the event loop's clock.
_monotonic = time.monotonic


class Clock:
    """Emulated time, in epoch seconds.

    ``speed=None`` freezes time: it only moves with :meth:`advance`, so tests never sleep.
    ``speed=10.0`` runs ten emulated seconds per real second; :meth:`advance` still jumps
    ahead on top of that.
    """

    __slots__ = ("_base", "_monotonic_origin", "_offset", "_speed")

    def __init__(self, speed: float | None = None, start: float | None = None) -> None:
        """Start the clock at ``start`` (epoch seconds; default: now, whole seconds)."""
        if speed is not None and not speed > 0:
            raise ValueError("speed must be a positive number of emulated seconds per second")
        self._speed = speed
        # Whole seconds at start keep dates looking like the service's ("...T19:00:00Z").
        self._base = float(int(time.time())) if start is None else float(start)
        self._offset = 0.0
        self._monotonic_origin = _monotonic()

    @property
    def speed(self) -> float | None:
        """Emulated seconds per real second, or ``None`` for a manual clock."""
        return self._speed

    def now(self) -> float:
        """The current emulated time, in epoch seconds."""
        value = self._base + self._offset
        if self._speed is not None:
            value += (_monotonic() - self._monotonic_origin) * self._speed
        return value

    def advance(self, seconds: float) -> float:
        """Jump ``seconds`` ahead and return the new time; time never goes backwards."""
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        self._offset += seconds
        return self.now()
