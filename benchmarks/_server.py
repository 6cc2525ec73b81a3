"""The emulator in a process of its own, and the clocks every benchmark reads.

Every benchmark talks to an emulator running in a child process (``multiprocessing``,
spawned): its CPU is not the client's, and it never shares the benchmark's GIL. The
parent drives it through a pipe (seed, reset, counters, latency, its CPU time); the
client under test only sees HTTP on 127.0.0.1.

Client CPU is ``time.process_time()`` of the benchmark's process (every thread of it:
the official SDK's calls included); server CPU is the child's own ``process_time()``.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

__all__ = ["EmulatorProcess", "Timer", "scaled"]

SCALE = float(os.environ.get("QA_BENCH_SCALE", "1"))


def scaled(count: int, minimum: int) -> int:
    """``count`` times ``QA_BENCH_SCALE`` (``0.1`` for a quick run), at least ``minimum``."""
    return max(minimum, int(count * SCALE))


class Timer:
    """Wall time and this process's CPU time (the client's: the emulator has its own)."""

    wall: float
    cpu: float

    def __enter__(self) -> Timer:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


# -- the child ---------------------------------------------------------------------------


def _seed_tasks(emu: Any, count: int, per_index: dict[str, list[Any]], **fields: Any) -> Any:
    for name, values in per_index.items():
        fields[name] = values.__getitem__
    started = emu.now.timestamp()
    uuids = emu.seed_tasks(count, **fields)
    return {"uuids": uuids, "now": started}


def _commands() -> dict[str, Callable[..., Any]]:
    def faults(emu: Any, **changes: Any) -> None:
        emu.set_faults(**changes)

    return {
        "seed_tasks": _seed_tasks,
        "reset": lambda emu: emu.reset(),
        "reset_stats": lambda emu: emu.reset_stats(),
        "requests": lambda emu: (emu.stats.total, dict(emu.stats.requests)),
        "task_count": lambda emu: emu.task_count(),
        "faults": faults,
        "cpu": lambda emu: time.process_time(),
        "now": lambda emu: emu.now.timestamp(),
    }


def _serve(conn: Connection, options: dict[str, Any]) -> None:
    """The child's main: an emulator on a background thread, commands from the pipe."""
    from qarnot_async.emulator import Emulator

    commands = _commands()
    with Emulator(**options) as emu:
        conn.send((emu.url, emu.token))
        while True:
            name, kwargs = conn.recv()
            if name == "stop":
                break
            try:
                result = commands[name](emu, **kwargs)
            except Exception as exc:  # handed back to the parent, which raises it
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
            else:
                conn.send(("ok", result))
    conn.send(("ok", None))


# -- the parent --------------------------------------------------------------------------


class EmulatorProcess:
    """An emulator served by a child process; ``with EmulatorProcess(...) as emu:``.

    Keyword arguments are :class:`qarnot_async.emulator.Emulator`'s (``speed``,
    ``latency``, ``task_duration``...).
    """

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.url = ""
        self.token = ""
        self.latency = float(options.get("latency", 0.0))
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._process: Any = None

    def __enter__(self) -> EmulatorProcess:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, self.options), name="qarnot-emulator", daemon=True
        )
        self._process.start()
        child.close()
        self._conn = parent
        if not parent.poll(120):
            raise RuntimeError("the emulator process did not start")
        self.url, self.token = parent.recv()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.send(("stop", {}))
                conn.poll(30) and conn.recv()
            except (OSError, EOFError):
                pass
            conn.close()
        if self._process is not None:
            self._process.join(30)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()

    def _call(self, command: str, /, **kwargs: Any) -> Any:
        assert self._conn is not None, "the emulator process is not running"
        with self._lock:  # the official loops call from two threads at once
            self._conn.send((command, kwargs))
            status, result = self._conn.recv()
        if status == "error":
            raise RuntimeError(f"emulator command {command}: {result}")
        return result

    def seed_tasks(
        self, count: int, *, per_index: dict[str, list[Any]] | None = None, **fields: Any
    ) -> tuple[list[str], float]:
        """Insert ``count`` tasks; ``per_index`` gives fields whose value varies by task
        (``{"duration": [...]}``). Returns the uuids and the emulated time of seeding."""
        answer = self._call("seed_tasks", count=count, per_index=per_index or {}, **fields)
        return answer["uuids"], answer["now"]

    def reset(self) -> None:
        """Forget every entity and counter."""
        self._call("reset")

    def reset_stats(self) -> None:
        """Set the request counters back to zero."""
        self._call("reset_stats")

    def requests(self) -> tuple[int, dict[str, int]]:
        """API requests served since the last reset: in all, and by route."""
        total, by_route = self._call("requests")
        return int(total), dict(by_route)

    def task_count(self) -> int:
        """How many tasks exist."""
        return int(self._call("task_count"))

    def set_latency(self, seconds: float) -> None:
        """Real seconds added to every API request from now on."""
        self._call("faults", latency=seconds)
        self.latency = seconds

    def cpu(self) -> float:
        """CPU seconds the emulator's process used so far."""
        return float(self._call("cpu"))

    def now(self) -> float:
        """The emulator's clock, in epoch seconds."""
        return float(self._call("now"))

    def client(self, **options: Any) -> Any:
        """A :class:`qarnot_async.Client` of this emulator."""
        from qarnot_async import Client

        return Client(self.token, cluster_url=self.url, **options)

    def official(self) -> Any:
        """A connection of the official ``qarnot`` SDK to this emulator."""
        import qarnot

        return qarnot.connection.Connection(client_token=self.token, cluster_url=self.url)
