"""The :class:`Emulator`: a local Qarnot Compute API server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, TypeVar

from aiohttp import web

from ._app import build_app, set_faults
from ._faults import Faults, Stats
from ._seed import seed_jobs, seed_pools, seed_tasks
from ._state import EmulatorState
from ._storage import StorageServer, require_moto

if TYPE_CHECKING:
    from qarnot_async import Client

__all__ = ["DEFAULT_TOKEN", "Emulator"]

#: The token an emulator accepts unless told otherwise.
DEFAULT_TOKEN: Final = "emulator-token"

T = TypeVar("T")


class Emulator:
    """A Qarnot Compute API server on ``127.0.0.1``, for tests and demos.

    ``async with Emulator() as emu:`` starts it on a free port; ``emu.url`` and
    ``emu.token`` are what a client needs (``emu.client()`` builds a
    :class:`qarnot_async.Client`). A synchronous program (or the official ``qarnot``
    SDK) can use ``with Emulator(speed=10) as emu:``, which serves from a background
    thread.

    Args:
        host: Interface to listen on (loopback by default).
        port: TCP port; ``0`` picks a free one.
        token: The only ``Authorization`` value accepted.
        speed: ``None`` for a manual clock that only moves with :meth:`advance`;
            otherwise emulated seconds per real second (``10.0`` for demos).
        latency: Real seconds added to every API request.
        jitter: Up to this many more real seconds, uniformly drawn.
        fault_rate: Probability of a fault, spread evenly over 429, 503, 500 and
            connection resets (see :class:`Faults` for finer control).
        faults: Full fault settings; overrides ``latency``, ``jitter``, ``fault_rate``.
        seed: Seed of the fault RNG, for reproducible faults.
        quotas: Overrides of the account quotas (``{"maxTask": 10}``); see
            ``qarnot_async.emulator.DEFAULT_QUOTAS``.
        task_duration: Seconds each instance runs when ``EMULATOR_DURATION`` is not set.
        refuse_filter_fields: Filter fields answered with 400 (e.g. ``{"Uuid"}``).
        email: The account's e-mail in ``GET /info``.
        storage_url: What ``GET /settings`` reports as ``storage`` (``None``: no
            storage, so the official SDK skips S3).
        storage: Serve a real S3 storage (moto's server, on loopback; needs the
            ``emulator-storage`` extra, else :class:`StorageUnavailableError`) and
            report it in ``GET /settings``. It accepts the account's ``email`` and the
            ``token`` as credentials, and tasks write their results into it (see
            :mod:`qarnot_async.emulator`).
        start_time: Emulated time at start (default: now, whole seconds).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = DEFAULT_TOKEN,
        speed: float | None = None,
        latency: float = 0.0,
        jitter: float = 0.0,
        fault_rate: float = 0.0,
        faults: Faults | None = None,
        seed: int | None = None,
        quotas: Mapping[str, int] | None = None,
        task_duration: float = 30.0,
        refuse_filter_fields: Iterable[str] = (),
        email: str = "emulator@qarnot.local",
        storage_url: str | None = None,
        storage: bool = False,
        start_time: datetime | float | None = None,
    ) -> None:
        """Configure the emulator; nothing listens before :meth:`start`."""
        if not token:
            raise ValueError("the token cannot be empty")
        if storage and storage_url is not None:
            raise ValueError("give storage=True (a local S3) or storage_url, not both")
        if storage:
            require_moto()  # fail here, in one line, rather than at start
        if faults is None:
            faults = Faults.spread(fault_rate, latency=latency, jitter=jitter)
        start = start_time.timestamp() if isinstance(start_time, datetime) else start_time
        self._host = host
        self._port = port
        self._state = EmulatorState(
            token=token,
            speed=speed,
            quotas=quotas,
            task_duration=task_duration,
            refuse_filter_fields=refuse_filter_fields,
            faults=Faults(),
            seed=seed,
            email=email,
            storage_url=storage_url,
            start_time=start,
        )
        set_faults(self._state, faults)
        self._app = build_app(self._state)
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._with_storage = storage
        self._storage: StorageServer | None = None

    # -- running ---------------------------------------------------------------------------

    async def start(self) -> Emulator:
        """Start listening; returns ``self``."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already started")
        if self._with_storage:
            await self._start_storage()
        runner = web.AppRunner(self._app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            await self._stop_storage()
            raise
        self._runner = runner
        self._loop = asyncio.get_running_loop()
        address = runner.addresses[0]
        self._bound_port = int(address[1])
        return self

    async def stop(self) -> None:
        """Stop listening and close open connections (and the storage's)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        await self._stop_storage()

    async def _start_storage(self) -> None:
        state = self._state
        # Importing moto and starting its server take a moment: off the loop.
        server = await asyncio.to_thread(StorageServer, email=state.email, token=state.token)
        self._storage = server
        state.storage_url = server.url
        state.engine.on_task_end = lambda task: server.write_results(task, state.store)
        state.on_reset = server.purge

    async def _stop_storage(self) -> None:
        server, self._storage = self._storage, None
        if server is not None:
            self._state.engine.on_task_end = None
            self._state.on_reset = None
            await asyncio.to_thread(server.stop)

    async def __aenter__(self) -> Emulator:
        """Start the emulator."""
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the emulator."""
        await self.stop()

    def __enter__(self) -> Emulator:
        """Serve from a background thread with its own event loop (synchronous use)."""
        if self._thread is not None:
            raise RuntimeError("the emulator already runs in a thread")
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=serve, name="qarnot-emulator", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the background thread started by ``with``."""
        thread, self._thread = self._thread, None
        if thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        thread.join()

    def _call(self, function: Callable[[], T]) -> T:
        """Run ``function`` on the emulator's loop when called from another thread."""
        loop = self._loop
        if self._thread is None or loop is None or threading.current_thread() is self._thread:
            return function()

        async def wrapper() -> T:
            return function()

        return asyncio.run_coroutine_threadsafe(wrapper(), loop).result()

    # -- addresses ---------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """The interface listened on."""
        return self._host

    @property
    def port(self) -> int:
        """The TCP port listened on (known once started)."""
        if self._bound_port is None:
            raise RuntimeError("the emulator is not started")
        return self._bound_port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the cluster URL to give clients."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def storage_url(self) -> str | None:
        """The storage URL ``GET /settings`` reports (the local S3 with ``storage=True``,
        known once started)."""
        return self._state.storage_url

    def storage_requests(self) -> dict[str, int]:
        """How many requests reached the local storage (``storage=True``), by HTTP
        method: a test can see that an upload sent nothing."""
        if self._storage is None:
            raise RuntimeError("the emulator serves no storage: Emulator(storage=True)")
        return self._storage.requests()

    @property
    def email(self) -> str:
        """The account's e-mail: the storage's access key."""
        return self._state.email

    @property
    def token(self) -> str:
        """The token clients must send."""
        return self._state.token

    @property
    def app(self) -> web.Application:
        """The aiohttp application, to mount it elsewhere or use aiohttp's test client."""
        return self._app

    def client(self, **options: Any) -> Client:
        """A :class:`qarnot_async.Client` pointed at this emulator."""
        from qarnot_async import Client

        return Client(self.token, cluster_url=self.url, **options)

    # -- time ----------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The current emulated time (UTC)."""
        return datetime.fromtimestamp(self._state.clock.now(), tz=UTC)

    @property
    def speed(self) -> float | None:
        """Emulated seconds per real second; ``None`` for the manual clock."""
        return self._state.clock.speed

    async def advance(self, seconds: float) -> datetime:
        """Move emulated time ``seconds`` ahead and apply what happens meanwhile.

        Call it from the emulator's loop; from another thread, use
        :meth:`advance_threadsafe`.
        """
        self._advance(seconds)
        # Let handlers waiting on the loop observe the new state before the caller goes on.
        await asyncio.sleep(0)
        return self.now

    def _advance(self, seconds: float) -> None:
        self._state.clock.advance(seconds)
        self._state.sync()

    def advance_threadsafe(self, seconds: float) -> datetime:
        """:meth:`advance` from any thread (e.g. the official SDK's thread)."""
        loop = self._loop
        if loop is None:
            self._advance(seconds)
            return self.now
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._advance(seconds)
            return self.now

        async def move() -> None:
            self._advance(seconds)

        asyncio.run_coroutine_threadsafe(move(), loop).result()
        return self.now

    # -- data ----------------------------------------------------------------------------------

    def seed_tasks(self, count: int, **fields: Any) -> list[str]:
        """Insert ``count`` tasks directly (no HTTP, no validation, no quota); return uuids.

        Fields (each a value, or a callable ``f(i)`` giving the value of the i-th task):
        ``name`` (``"task-{i}"``; ``{i}`` is formatted), ``shortname`` (needs ``{i}``
        when ``count > 1``), ``profile`` (``"docker-batch"``), ``state`` (``"Success"``),
        ``tags``, ``labels``, ``constants``, ``instance_count`` (1), ``advanced_ranges``,
        ``pool_uuid``, ``job_uuid``, ``creation_date`` (datetime, epoch or ISO string;
        default: one second apart, the last one a second ago), ``duration``,
        ``fail_instances`` (``"1,3"``) and ``run`` (``False``: the task keeps its state;
        ``True``: it starts ``Submitted`` and runs its lifecycle).
        """
        return self._call(lambda: seed_tasks(self._state, count, fields))

    def seed_pools(self, count: int, **fields: Any) -> list[str]:
        """Insert ``count`` pools directly; fields: ``name``, ``shortname``, ``profile``,
        ``state`` (``"FullyExecuting"``), ``tags``, ``labels``, ``constants``,
        ``instance_count``, ``creation_date``, ``run`` (start ``Submitted`` and run)."""
        return self._call(lambda: seed_pools(self._state, count, fields))

    def seed_jobs(self, count: int, **fields: Any) -> list[str]:
        """Insert ``count`` jobs directly; fields: ``name``, ``shortname``, ``state``
        (``"Active"``), ``tags``, ``pool_uuid``, ``use_dependencies``, ``creation_date``."""
        return self._call(lambda: seed_jobs(self._state, count, fields))

    def reset(self) -> None:
        """Forget every task, pool, job, secret, snapshot and counter, and empty the
        storage (``storage=True``): its buckets are deleted. Settings and faults stay."""
        self._call(self._state.reset)

    def task_count(self) -> int:
        """How many tasks exist (e.g. to count duplicates born from dropped answers)."""
        return len(self._state.store.tasks)

    # -- faults and counters -------------------------------------------------------------------

    @property
    def stats(self) -> Stats:
        """A snapshot of the request and fault counters."""
        return self._call(self._state.stats.snapshot)

    def reset_stats(self) -> None:
        """Set the counters back to zero."""
        self._call(self._state.stats.reset)

    @property
    def faults(self) -> Faults:
        """The fault settings in force."""
        return self._state.injector.faults

    def set_faults(
        self, faults: Faults | None = None, *, seed: int | None = None, **changes: Any
    ) -> Faults:
        """Replace the fault settings (``faults``), or change some of them (``changes``,
        e.g. ``rate_429=0.5, routes={"POST /tasks"}``); ``seed`` restarts the RNG.

        ``set_faults(Faults())`` turns every fault off.
        """
        new = faults if faults is not None else replace(self.faults, **changes)
        if faults is not None and changes:
            new = replace(faults, **changes)

        def install() -> None:
            set_faults(self._state, new)
            if seed is not None:
                self._state.injector.reseed(seed)

        self._call(install)
        return new
