"""A local Qarnot Compute API server, to test code without a cloud account.

It speaks the service's wire JSON on ``127.0.0.1`` (the 67 operations, under ``/v1`` and
unversioned paths, plus ``/jobs/``), runs tasks, pools and jobs through their lifecycle
on a controllable clock, and injects faults on demand::

    from qarnot_async.emulator import Emulator

    async with Emulator() as emu:                 # manual clock: time moves on advance()
        async with aiohttp.ClientSession(headers={"Authorization": emu.token}) as http:
            await http.post(f"{emu.url}/v1/tasks",
                            json={"name": "t", "profile": "docker-batch", "instanceCount": 2})
        await emu.advance(60)                     # the task is now Success

Python API: :class:`Emulator` (``start``/``stop``, ``async with``, ``with`` for a
background thread, ``url``, ``token``, ``client()``, ``advance()``,
``advance_threadsafe()``, ``now``, ``seed_tasks()``/``seed_pools()``/``seed_jobs()``,
``reset()``, ``stats``/``reset_stats()``, ``faults``/``set_faults()``), :class:`Faults`,
:class:`Stats`, :data:`ROUTES` and :func:`main` (the command line).

Behaviour and limits:

* Authentication: ``Authorization: <token>`` (raw, no ``Bearer``), else 401;
  ``GET /settings`` and ``GET /versions`` need none. ``QarnotReadOnlyRequestForAccount``
  allows GETs, searches and paginations only (403 otherwise).
* Clock: ``speed=None`` (manual) or emulated seconds per real second. An instance runs
  ``EMULATOR_DURATION`` seconds (task or pool constant, seconds or TimeSpan; default
  ``task_duration=30``); instances listed in ``EMULATOR_FAIL_INSTANCES`` (``"1,3"``) crash
  half way (after each retry of ``maxRetriesPerInstance``) and the task ends in Failure.
  Timings: see ``_lifecycle``. Creation dates are strictly increasing (a microsecond
  apart at the same instant), so creation order is creation-date order.
* Token pages: ``maximumResults`` defaults to :data:`DEFAULT_PAGE_SIZE` (50) and is
  clamped to :data:`MAX_PAGE_SIZE` (1000); 0 or less is a 400. Orders: ``creationDate``
  (default), ``name``, ``state`` (alphabetical), ``executionTime`` (tasks, pools), ASC
  (default) or DESC, ties broken by uuid. Tokens are keyset positions bound to their
  filter and order (400 otherwise). Search returns every match unless
  ``maximumResults`` says otherwise. Filter semantics: see ``_filters``.
* Offset pages (``/hardware-constraints``): at most :data:`HARDWARE_PAGE_MAX` (50) items.
* Quotas: :data:`DEFAULT_QUOTAS`, overridable with ``quotas=``; 403 with the service's
  texts ("maximum number of tasks reached", "... pools ...", "... jobs ...",
  "maximum number of running tasks reached"...). Finished entities with
  ``autoDeleteOnCompletion`` are deleted to make room; a positive
  ``completionTimeToLive`` deletes an entity that long after it ends.
* Output: ``GET .../stdout`` keeps the last :data:`MAX_KEPT_CHARS` characters;
  ``POST`` returns what was written since the previous ``POST`` on the same path.
* Faults: see :class:`Faults`; counters in :attr:`Emulator.stats`.
* Storage: ``Emulator(storage=True)`` (``--storage``) serves moto's S3 on loopback
  (the ``emulator-storage`` extra), named in ``GET /settings``, accepting the account's
  e-mail and token. A task that ends writes ``results/<instance>.txt`` (the resource
  keys the instance saw) per succeeded instance into its results bucket, under its
  ``resultsBucketPrefix``, plus the files its :data:`RESULT_FILES_CONSTANT`
  (``EMULATOR_RESULT_FILES``) asks for; see ``_storage``.
* Control routes (no token, not counted, never faulted): ``GET|DELETE /__emulator/stats``,
  ``GET|PUT|PATCH /__emulator/faults`` (the :meth:`Faults.to_json` keys, plus
  ``"seed"``), ``GET /__emulator/clock``, ``POST /__emulator/advance``
  ``{"seconds": n}``, ``POST /__emulator/reset``,
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
from ._storage import RESULT_FILES_CONSTANT, StorageUnavailableError
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
    "RESULT_FILES_CONSTANT",
    "ROUTES",
    "Emulator",
    "Faults",
    "Stats",
    "StorageUnavailableError",
    "main",
    "route_key",
]
