"""Everything one emulator instance holds, shared by its request handlers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiohttp import web

from ._clock import Clock
from ._faults import FaultInjector, Faults, StatsRecorder
from ._lifecycle import Engine
from ._paging import Pager
from ._store import Store

__all__ = ["STATE", "EmulatorState"]


class EmulatorState:
    """Clock, store, lifecycle engine, pager, faults and counters of one emulator."""

    def __init__(
        self,
        *,
        token: str,
        speed: float | None,
        quotas: Mapping[str, int] | None,
        task_duration: float,
        refuse_filter_fields: Iterable[str],
        faults: Faults,
        seed: int | None,
        email: str,
        storage_url: str | None,
        start_time: float | None,
    ) -> None:
        """See :class:`qarnot_async.emulator.Emulator` for the meaning of each setting."""
        if task_duration < 0:
            raise ValueError("task_duration cannot be negative")
        self.token = token
        self.clock = Clock(speed, start_time)
        self.store = Store(quotas)
        self.engine = Engine(self.store)
        self.pager = Pager(self.store, refuse_filter_fields)
        self.injector = FaultInjector(faults, seed)
        self.stats = StatsRecorder()
        self.task_duration = task_duration
        self.email = email
        self.storage_url = storage_url
        # Beyond the seed: the account's secrets (key -> value), and the unique
        # snapshots taken (id -> what GET /tasks/{uuid}/snapshot/{id} reports).
        self.secrets: dict[str, str] = {}
        self.snapshots: dict[str, dict[str, Any]] = {}
        # Called by reset() once the entities are gone: the storage empties itself.
        self.on_reset: Callable[[], None] | None = None

    def sync(self) -> float:
        """Bring every entity up to the current emulated time; return that time."""
        now = self.clock.now()
        self.engine.sync(now)
        return now

    def reset(self) -> None:
        """Forget every entity and counter, and the storage's buckets (settings and
        faults stay)."""
        self.engine.clear()
        self.store.clear()
        self.stats.reset()
        self.secrets.clear()
        self.snapshots.clear()
        if self.on_reset is not None:
            self.on_reset()

    def settings(self) -> dict[str, Any]:
        """``GET /settings``: no storage unless one was configured."""
        return {"storage": self.storage_url}


#: Where the application keeps its :class:`EmulatorState`.
STATE = web.AppKey("qarnot_emulator_state", EmulatorState)
