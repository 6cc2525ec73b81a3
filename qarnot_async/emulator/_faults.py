"""Faults on demand, and the request counters that see them.

Each API request draws one number from a seeded RNG; consecutive slices of ``[0, 1)``
select the fault, so every kind shows up at its own configured rate:

* ``rate_429`` / ``rate_503``: answered with that status and ``Retry-After``; not applied.
* ``rate_500``: answered 500; not applied.
* ``reset_rate``: the connection is reset (TCP RST) before anything is read or applied.
* ``drop_rate``: the request *is applied*, then the connection is reset instead of the
  answer. This is how duplicate tasks are born when a client retries a ``POST``.

Latency (``latency`` plus a uniform ``[0, jitter]``) is real time, added before the
request is handled. ``routes`` limits all of it to some route keys (shell patterns such
as ``"POST /tasks"`` or ``"GET /tasks/*"``).
"""

from __future__ import annotations

import fnmatch
import random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Final

__all__ = ["FAULT_KINDS", "FaultInjector", "Faults", "Stats", "StatsRecorder"]

#: The per-fault counter keys of :class:`Stats`.
FAULT_KINDS: Final = ("latency", "429", "503", "500", "reset", "drop")
_RATES: Final = ("rate_429", "rate_503", "rate_500", "reset_rate", "drop_rate")
_ACTIONS: Final = {
    "rate_429": "429",
    "rate_503": "503",
    "rate_500": "500",
    "reset_rate": "reset",
    "drop_rate": "drop",
}


@dataclass(frozen=True)
class Faults:
    """What the emulator does to requests, besides answering them.

    Rates are probabilities per request; their sum must not exceed 1. ``latency`` and
    ``jitter`` are real seconds. ``retry_after`` is the ``Retry-After`` of 429 and 503
    answers, in whole seconds; ``retry_after_as_date`` writes it as an HTTP date instead
    (real time, the clock clients compare it with). ``routes`` (``None`` = every API
    route) limits faults and latency to route keys matching these shell patterns.
    """

    latency: float = 0.0
    jitter: float = 0.0
    rate_429: float = 0.0
    rate_503: float = 0.0
    rate_500: float = 0.0
    reset_rate: float = 0.0
    drop_rate: float = 0.0
    retry_after: int = 1
    retry_after_as_date: bool = False
    routes: Collection[str] | None = field(default=None)

    def __post_init__(self) -> None:
        """Refuse impossible settings early, with a readable message."""
        for name in _RATES:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        total = sum(getattr(self, name) for name in _RATES)
        if total > 1.0 + 1e-9:
            raise ValueError(f"the fault rates add up to {total:.3f}, more than 1")
        if self.latency < 0 or self.jitter < 0:
            raise ValueError("latency and jitter cannot be negative")
        if self.retry_after < 0:
            raise ValueError("retry_after cannot be negative")
        if self.routes is not None:
            # Accept any collection of patterns (a set, a list, one string) and freeze it,
            # so that settings compare and hash by value.
            patterns = (self.routes,) if isinstance(self.routes, str) else self.routes
            object.__setattr__(self, "routes", frozenset(patterns))

    @classmethod
    def spread(cls, rate: float, **options: Any) -> Faults:
        """``rate`` split evenly over 429, 503, 500 and connection resets (the faults a
        client can retry blindly); ``options`` sets any other field."""
        share = rate / 4
        base: dict[str, Any] = {
            "rate_429": share,
            "rate_503": share,
            "rate_500": share,
            "reset_rate": share,
        }
        base.update(options)
        return cls(**base)

    @property
    def active(self) -> bool:
        """Whether anything at all is injected."""
        return bool(self.latency or self.jitter or any(getattr(self, name) for name in _RATES))

    def applies_to(self, route: str) -> bool:
        """Whether faults apply to this route key (``"POST /tasks"``)."""
        return self.routes is None or any(fnmatch.fnmatchcase(route, p) for p in self.routes)

    def to_json(self) -> dict[str, Any]:
        """The JSON form the control route reads and writes."""
        data = asdict(self)
        data["routes"] = sorted(self.routes) if self.routes is not None else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], base: Faults | None = None) -> Faults:
        """Build from the control route's JSON; keys absent keep ``base``'s values."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        values = dict(data)
        if values.get("routes") is not None:
            routes = values["routes"]
            if isinstance(routes, str) or not all(isinstance(r, str) for r in routes):
                raise ValueError("routes must be a list of route patterns")
            values["routes"] = frozenset(routes)
        for name in (*_RATES, "latency", "jitter"):
            if name in values and (
                isinstance(values[name], bool) or not isinstance(values[name], int | float)
            ):
                raise ValueError(f"{name} must be a number")
        if "retry_after_as_date" in values and not isinstance(values["retry_after_as_date"], bool):
            raise ValueError("retry_after_as_date must be true or false")
        if "retry_after" in values and (
            isinstance(values["retry_after"], bool) or not isinstance(values["retry_after"], int)
        ):
            raise ValueError("retry_after must be a whole number of seconds")
        return replace(base or cls(), **values)


class FaultInjector:
    """Draws, per request, the latency and the fault to inject."""

    def __init__(self, faults: Faults, seed: int | None = None) -> None:
        """A seeded injector gives the same sequence of faults on every run."""
        self.faults = faults
        self._rng = random.Random(seed)

    def reseed(self, seed: int | None) -> None:
        """Restart the random sequence."""
        self._rng = random.Random(seed)

    def decide(self, route: str) -> tuple[float, str | None]:
        """``(delay in seconds, fault or None)`` for a request on ``route``."""
        faults = self.faults
        if not faults.active or not faults.applies_to(route):
            return 0.0, None
        delay = faults.latency + (self._rng.uniform(0.0, faults.jitter) if faults.jitter else 0.0)
        draw = self._rng.random()
        threshold = 0.0
        for name in _RATES:
            threshold += getattr(faults, name)
            if draw < threshold:
                return delay, _ACTIONS[name]
        return delay, None


@dataclass(frozen=True)
class Stats:
    """A snapshot of the counters.

    ``requests`` counts API requests per route key (``"GET /tasks/{uuid}"``, the same
    key for ``/v1/...`` and unversioned paths), ``responses`` their answers per status
    (faults included), ``faults`` each injected fault (``"latency"``, ``"429"``,
    ``"503"``, ``"500"``, ``"reset"``, ``"drop"``) and ``route_faults`` the same per route.
    """

    requests: Mapping[str, int]
    responses: Mapping[str, Mapping[str, int]]
    faults: Mapping[str, int]
    route_faults: Mapping[str, Mapping[str, int]]

    @property
    def total(self) -> int:
        """Every API request counted."""
        return sum(self.requests.values())

    def to_json(self) -> dict[str, Any]:
        """The JSON of ``GET /__emulator/stats``."""
        return {
            "total": self.total,
            "requests": dict(self.requests),
            "responses": {route: dict(codes) for route, codes in self.responses.items()},
            "faults": dict(self.faults),
            "routeFaults": {route: dict(kinds) for route, kinds in self.route_faults.items()},
        }


class StatsRecorder:
    """Mutable counters behind :class:`Stats`."""

    def __init__(self) -> None:
        """Start at zero."""
        self.reset()

    def reset(self) -> None:
        """Set every counter back to zero."""
        self._requests: dict[str, int] = {}
        self._responses: dict[str, dict[str, int]] = {}
        self._faults: dict[str, int] = dict.fromkeys(FAULT_KINDS, 0)
        self._route_faults: dict[str, dict[str, int]] = {}

    def request(self, route: str) -> None:
        """Count one request on ``route``."""
        self._requests[route] = self._requests.get(route, 0) + 1

    def response(self, route: str, status: int) -> None:
        """Count one answer."""
        codes = self._responses.setdefault(route, {})
        key = str(status)
        codes[key] = codes.get(key, 0) + 1

    def fault(self, route: str, kind: str) -> None:
        """Count one injected fault."""
        self._faults[kind] = self._faults.get(kind, 0) + 1
        kinds = self._route_faults.setdefault(route, {})
        kinds[kind] = kinds.get(kind, 0) + 1

    def snapshot(self) -> Stats:
        """A frozen copy of the counters."""
        return Stats(
            requests=dict(self._requests),
            responses={route: dict(codes) for route, codes in self._responses.items()},
            faults=dict(self._faults),
            route_faults={route: dict(kinds) for route, kinds in self._route_faults.items()},
        )


def check_routes(patterns: Iterable[str], known: Iterable[str]) -> None:
    """Raise ``ValueError`` when a route pattern matches no known route (a typo)."""
    known_list = list(known)
    for pattern in patterns:
        if not any(fnmatch.fnmatchcase(route, pattern) for route in known_list):
            raise ValueError(f"route pattern {pattern!r} matches no route (e.g. 'POST /tasks')")
