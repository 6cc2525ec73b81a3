"""A local Qarnot Compute API server, to test code without a cloud account.

It speaks the service's wire JSON on ``127.0.0.1`` (all 67 operations, under ``/v1``
and unversioned paths), runs tasks, pools and jobs through their lifecycle on a
controllable clock, and injects faults on demand::

    from qarnot_async.emulator import Emulator

    async with Emulator() as emu:                 # manual clock: time moves on advance()
        async with aiohttp.ClientSession() as http:
            await http.post(f"{emu.url}/v1/tasks", headers={"Authorization": emu.token},
                            json={"name": "t", "profile": "docker-batch", "instanceCount": 2})
        await emu.advance(60)                     # the task is now Success

Behaviour worth knowing:

* Clock: ``speed=None`` (manual) or emulated seconds per real second. A task instance
  runs ``EMULATOR_DURATION`` seconds (constant; default ``task_duration=30``); the
  instances listed in ``EMULATOR_FAIL_INSTANCES`` (``"1,3"``) fail and the task ends in
  Failure. See ``_lifecycle`` for the exact timings.
* Pages: ``maximumResults`` defaults to :data:`DEFAULT_PAGE_SIZE` (50) and is clamped to
  :data:`MAX_PAGE_SIZE` (1000); tokens are opaque, bound to their filter and order.
  ``/hardware-constraints`` pages hold at most 50 items.
* Quotas: :data:`DEFAULT_QUOTAS`, overridable with ``quotas=``; refusals are 403 with the
  service's texts ("maximum number of tasks reached"...).
* Faults: see :class:`Faults`; counters in :attr:`Emulator.stats`.
* Control routes (no token): ``GET|DELETE /__emulator/stats``,
  ``GET|PUT|PATCH /__emulator/faults``, ``GET /__emulator/clock``,
  ``POST /__emulator/advance`` ``{"seconds": n}``, ``POST /__emulator/reset``,
  ``POST /__emulator/seed/{tasks|pools|jobs}`` ``{"count": n, "fields": {...}}``.
* Command line: ``python -m qarnot_async.emulator --port 8080 --speed 10``.
* pytest: fixtures ``qarnot_emulator`` and ``qarnot_client`` in
  :mod:`qarnot_async.emulator.pytest_plugin`.

This package imports nothing from the rest of ``qarnot_async`` (except, lazily,
``Client`` in :meth:`Emulator.client`), so a model bug cannot hide on both ends.
"""

from ._api_misc import HARDWARE_PAGE_MAX
from ._app import ROUTES, route_key
from ._catalog import PROFILES
from ._cli import main
from ._emulator import DEFAULT_TOKEN, Emulator
from ._faults import FAULT_KINDS, Faults, Stats
from ._output import MAX_KEPT_CHARS
from ._paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from ._store import DEFAULT_QUOTAS

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_QUOTAS",
    "DEFAULT_TOKEN",
    "FAULT_KINDS",
    "HARDWARE_PAGE_MAX",
    "MAX_KEPT_CHARS",
    "MAX_PAGE_SIZE",
    "PROFILES",
    "ROUTES",
    "Emulator",
    "Faults",
    "Stats",
    "main",
    "route_key",
]
