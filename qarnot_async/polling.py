"""One shared poller per client: every wait and watch served by a handful of requests.

Waiting on a thousand tasks with one GET per task and per tick costs a thousand
requests every tick. The :class:`Poller` coalesces instead: each tick it asks each
:class:`StateSource` for the states of every watched uuid in chunks of
``PollPolicy.chunk_size`` (``POST /tasks/summaries/paginate`` with an ``In`` filter, for
the resources), fetched concurrently, then fetches the full entities of the uuids that
reached what their waiters wait for, chunked again::

    poller = Poller({"task": task_source}, PollPolicy())
    task = await poller.wait("task", uuid, timeout=600)          # a full entity
    async for task in poller.as_completed("task", uuids):        # as each ends
        ...
    async with poller.watch(tasks=uuids) as watch:               # every transition
        async for change in watch:
            print(change.uuid, change.previous, "->", change.current)

The poller runs one background task, only while something is waited on or watched:
it stops when the last wait or watch goes away and starts again with the next one.
Its schedule starts fast (``initial``), slows down by ``backoff`` while nothing
changes, up to ``max_interval``, and speeds up again on any change. A new wait is
polled promptly, but never sooner than ``initial`` after the previous tick, so a burst
of new waits costs one tick and a stream of them never turns into a busy loop.

Failures: a transient error (:class:`~qarnot_async.errors.TransportError`,
:class:`~qarnot_async.errors.ServerError`, :class:`~qarnot_async.errors.RateLimitedError`)
is logged on one line (logger ``"qarnot_async"``) and retried at the next tick, no
sooner than a ``Retry-After`` asked; any other error fails the waits and watches its
request concerned. A uuid the service no longer knows fails its waits with
:class:`~qarnot_async.errors.NotFoundError` and ends its watches with a last event
whose ``current`` is ``None``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, Protocol, runtime_checkable

import attrs

from .errors import (
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    WaitTimeoutError,
)

__all__ = [
    "PollPolicy",
    "Poller",
    "PollerStats",
    "StateChange",
    "StateSource",
    "Watch",
]

_log = logging.getLogger("qarnot_async")


@runtime_checkable
class StateSource(Protocol):
    """One kind of entity (``"task"``, ``"pool"``, ``"job"``) as the poller sees it.

    The resources implement it; the poller never builds a request itself. Any
    exception a method raises is classified by the poller: transient ones
    (:class:`~qarnot_async.errors.TransportError`,
    :class:`~qarnot_async.errors.ServerError`,
    :class:`~qarnot_async.errors.RateLimitedError`) are retried at the next tick, any
    other fails the waits and watches of the uuids it was called with. A source that
    can recover from an error itself (a ``BadRequestError`` on the bulk endpoint,
    answered by per-uuid GETs) must do so inside :meth:`states`.
    """

    @property
    def kind(self) -> str:
        """The kind this source serves, the key it is registered under."""
        ...

    async def states(self, uuids: Sequence[str]) -> Mapping[str, Any]:
        """The current summaries of ``uuids`` (at most ``chunk_size`` of them), by uuid.

        A uuid absent from the answer no longer exists. Each summary has ``.uuid``
        and ``.state``.
        """
        ...

    async def entities(self, uuids: Sequence[str]) -> Mapping[str, Any]:
        """The full entities of ``uuids`` (at most ``chunk_size``), by uuid.

        Called only for the uuids that reached what a waiter waits for; an absent
        uuid no longer exists.
        """
        ...

    def is_final(self, state: Any) -> bool:
        """Whether an entity in ``state`` can no longer change."""
        ...


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


@attrs.frozen(slots=True)
class StateChange:
    """One transition of one watched entity, as a :class:`Watch` reports it.

    Attributes:
        kind: ``"task"``, ``"pool"`` or ``"job"``.
        uuid: the entity's uuid.
        previous: the state reported before for this uuid, ``None`` at its first
            sighting.
        current: the state now, ``None`` when the entity no longer exists (the last
            event for that uuid).
        entity: the summary the state was read from (``None`` once deleted).
        seen_at: when the poller received that summary (UTC).
        final: whether ``current`` is final (or the entity is gone): no more events
            follow for this uuid.
    """

    kind: str
    uuid: str
    previous: Any
    current: Any
    entity: Any
    seen_at: datetime
    final: bool = False

    @property
    def gone(self) -> bool:
        """Whether the entity no longer exists."""
        return self.current is None and self.entity is None


@attrs.define(slots=True)
class PollerStats:
    """What the poller has cost so far (every counter only grows)."""

    ticks: int = 0
    """Polling rounds, full or prompt."""
    state_requests: int = 0
    """Calls to :meth:`StateSource.states`."""
    entity_requests: int = 0
    """Calls to :meth:`StateSource.entities`."""
    failed_requests: int = 0
    """Calls that raised, transient or not."""


@attrs.define(slots=True, eq=False)
class _Waiter:
    """One pending wait: its own future, so cancelling it disturbs no other."""

    kind: str
    uuid: str
    until: Callable[[Any], bool]
    future: asyncio.Future[Any]
    # The condition held at some tick: only the entity fetch is left, even if the
    # state has moved on since.
    satisfied: bool = False
    # The longest pause between two polls this wait tolerates (None: the policy's).
    max_interval: float | None = None


class _Entry:
    """What the poller knows of one uuid, and who is interested in it."""

    __slots__ = ("last_seen", "seen", "state", "waiters", "watches")

    def __init__(self) -> None:
        self.seen = False
        self.state: Any = None
        self.last_seen: Any = None
        self.waiters: list[_Waiter] = []
        self.watches: set[Watch] = set()

    @property
    def idle(self) -> bool:
        return not self.waiters and not self.watches


@attrs.define(slots=True)
class _Outcome:
    """What one tick saw, for the schedule."""

    changed: bool = False
    requests: int = 0
    failures: list[BaseException] = attrs.Factory(list)
    retry_after: float | None = None


def _is_transient(error: BaseException) -> bool:
    # A child cancelled on its own (not the poller) is treated like a dropped request.
    return isinstance(
        error, TransportError | ServerError | RateLimitedError | asyncio.CancelledError
    )


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _as_uuids(uuids: str | Iterable[str]) -> list[str]:
    # A lone uuid string would otherwise be iterated character by character.
    if isinstance(uuids, str):
        return [uuids]
    return list(dict.fromkeys(uuids))


def _gone_error(kind: str, uuid: str) -> NotFoundError:
    return NotFoundError(
        404, f"{kind} {uuid} no longer exists", method="GET", path=f"/{kind}s/{uuid}"
    )


class Poller:
    """The shared poller of one client: one background task serves every wait and watch.

    Args:
        sources: the :class:`StateSource` of each kind, keyed by kind.
        policy: the schedule and chunk size.
        sleep: how the poller sleeps; inject it together with ``clock`` (tests run a
            fake clock whose sleep advances it).
        clock: monotonic seconds, in the time base of ``sleep``.
        rng: the random generator of the jitter.

    The ``timeout`` of :meth:`wait` runs on the event loop's own clock, not ``clock``.
    A poller belongs to the event loop it first polls in; :meth:`aclose` it with its
    client.
    """

    def __init__(
        self,
        sources: Mapping[str, StateSource],
        policy: PollPolicy | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        for kind, source in sources.items():
            if source.kind != kind:
                raise InvalidInputError(
                    "sources", f"the source registered as {kind!r} serves {source.kind!r}", kind
                )
        self.sources: Mapping[str, StateSource] = dict(sources)
        self.policy = policy if policy is not None else PollPolicy()
        self.stats = PollerStats()
        """Requests and ticks so far."""
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._entries: dict[str, dict[str, _Entry]] = {kind: {} for kind in self.sources}
        # uuids with new interest since the last tick: polled promptly.
        self._fresh: dict[str, set[str]] = {kind: set() for kind in self.sources}
        # uuids with a satisfied waiter whose entity is still to fetch.
        self._ready: dict[str, set[str]] = {kind: set() for kind in self.sources}
        self._task: asyncio.Task[None] | None = None
        # Tasks cancelled because nothing was watched, still unwinding: kept referenced.
        self._stopping: set[asyncio.Task[None]] = set()
        # The pause a new uuid may cut short (None while ticking or holding back).
        self._sleeper: asyncio.Future[None] | None = None
        self._hold_until = -math.inf
        self._closed = False

    # ------------------------------------------------------------------ public API

    @property
    def running(self) -> bool:
        """Whether the background task is alive (something is waited on or watched)."""
        return self._task is not None and not self._task.done()

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    def watched(self, kind: str) -> frozenset[str]:
        """The uuids of ``kind`` currently polled."""
        self._source(kind)
        return frozenset(self._entries[kind])

    async def wait(
        self,
        kind: str,
        uuid: str,
        *,
        until: Callable[[Any], bool] | None = None,
        timeout: float | None = None,
        max_interval: float | None = None,
    ) -> Any:
        """Wait until entity ``uuid`` of ``kind`` is in a state ``until`` accepts.

        Args:
            kind: ``"task"``, ``"pool"``, ``"job"``: a kind the poller has a source for.
            uuid: the entity's uuid.
            until: tests a state (the summary's ``.state``); by default the source's
                ``is_final``. Once it held at a tick, the wait returns the entity
                fetched right after, whatever its state by then.
            timeout: seconds before giving up (``None``: no limit).
            max_interval: while this wait is pending, the shared schedule never
                backs off past this many seconds (it can only poll more often, for
                everyone, never less).

        Returns:
            The full entity, from :meth:`StateSource.entities`.

        Raises:
            WaitTimeoutError: ``timeout`` passed; ``last_seen`` holds the last summary
                (or entity) seen, ``None`` if none came back yet.
            NotFoundError: the entity no longer exists.
            APIError: a non-transient error answered a request about this uuid.
            ConfigurationError: the poller is (or got) closed.
        """
        if timeout is not None and (not isinstance(timeout, int | float) or timeout < 0):
            raise InvalidInputError("timeout", "must be >= 0 seconds (or None)", timeout)
        if max_interval is not None and (
            not isinstance(max_interval, int | float) or max_interval < self.policy.initial
        ):
            raise InvalidInputError(
                "max_interval",
                f"must be at least the policy's initial interval ({self.policy.initial:g}s)",
                max_interval,
            )
        waiter = self._add_waiter(kind, uuid, until)
        waiter.max_interval = max_interval
        entry = self._entries[kind][uuid]
        try:
            if timeout is None:
                return await waiter.future
            deadline = asyncio.timeout(timeout)
            try:
                async with deadline:
                    return await waiter.future
            except TimeoutError:
                if not deadline.expired():
                    raise
                last = entry.last_seen
                seen = f" (last seen: {getattr(last, 'state', last)!r})" if entry.seen else ""
                raise WaitTimeoutError(
                    f"{kind} {uuid} did not reach the awaited state within {timeout:g}s{seen}",
                    last_seen=last,
                ) from None
        finally:
            self._remove_waiter(waiter)

    async def as_completed(
        self,
        kind: str,
        uuids: str | Iterable[str],
        *,
        until: Callable[[Any], bool] | None = None,
        return_exceptions: bool = False,
    ) -> AsyncIterator[Any]:
        """Yield the full entities of ``uuids`` as each reaches a final state.

        Entities reaching their state at the same tick are fetched together, chunked.
        Duplicates are yielded once. Leaving the loop early stops waiting for the rest.

        Args:
            kind: a kind the poller has a source for.
            uuids: the entities to wait for.
            until: tests a state instead of the source's ``is_final``.
            return_exceptions: yield the error of an entity that cannot be waited for
                (a :class:`~qarnot_async.errors.NotFoundError`, ...) instead of raising it.
        """
        unique = _as_uuids(uuids)
        done: asyncio.Queue[asyncio.Future[Any]] = asyncio.Queue()
        waiters: list[_Waiter] = []
        try:
            for uuid in unique:
                waiter = self._add_waiter(kind, uuid, until)
                waiters.append(waiter)
                waiter.future.add_done_callback(done.put_nowait)
            for _ in waiters:
                finished = await done.get()
                error = finished.exception()
                if error is not None:
                    if return_exceptions:
                        yield error
                        continue
                    raise error
                yield finished.result()
        finally:
            for waiter in waiters:
                if waiter.future.done():
                    if not waiter.future.cancelled():
                        # Mark it retrieved: an unread error would be logged at GC.
                        waiter.future.exception()
                else:
                    waiter.future.cancel()
                self._remove_waiter(waiter)

    def watch(
        self,
        *,
        tasks: str | Iterable[str] = (),
        pools: str | Iterable[str] = (),
        jobs: str | Iterable[str] = (),
        until_final: bool = True,
    ) -> Watch:
        """A :class:`Watch` over these tasks, pools and jobs.

        Polling starts when the watch is iterated or entered (``async with``), not
        before; more uuids can be added or removed while it runs.

        Args:
            tasks: task uuids.
            pools: pool uuids.
            jobs: job uuids.
            until_final: end the iteration once every watched entity is final (or
                gone); with ``False`` the watch runs until it is closed.
        """
        self._check_open()
        watch = Watch(self, until_final=until_final)
        by_keyword = (("tasks", "task", tasks), ("pools", "pool", pools), ("jobs", "job", jobs))
        for keyword, kind, given in by_keyword:
            uuids = _as_uuids(given)
            if not uuids:
                continue
            if kind not in self.sources:
                raise InvalidInputError(keyword, f"this poller has no {kind!r} source", uuids)
            watch.add(kind, uuids)
        return watch

    async def aclose(self) -> None:
        """Stop polling for good: pending waits and watches fail with ConfigurationError."""
        self._closed = True
        tasks = set(self._stopping)
        if self._task is not None:
            tasks.add(self._task)
            self._task = None
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._fail_everything(ConfigurationError("the poller is closed (its client was closed)"))

    # ------------------------------------------------------------ registration

    def _source(self, kind: str) -> StateSource:
        try:
            return self.sources[kind]
        except KeyError:
            raise InvalidInputError(
                "kind", f"no source for this kind (known: {sorted(self.sources)})", kind
            ) from None

    def _check_open(self) -> None:
        if self._closed:
            raise ConfigurationError("the poller is closed (its client was closed)")

    def _interest(self, kind: str, uuid: str) -> _Entry:
        """The entry of ``uuid``, created if need be; its next poll comes promptly."""
        self._check_open()
        entries = self._entries[kind]
        entry = entries.get(uuid)
        if entry is None:
            entry = entries[uuid] = _Entry()
        self._fresh[kind].add(uuid)
        self._ensure_running()
        return entry

    def _add_waiter(self, kind: str, uuid: str, until: Callable[[Any], bool] | None) -> _Waiter:
        source = self._source(kind)
        self._check_open()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(kind, uuid, until if until is not None else source.is_final, future)
        self._interest(kind, uuid).waiters.append(waiter)
        return waiter

    def _remove_waiter(self, waiter: _Waiter) -> None:
        entry = self._entries[waiter.kind].get(waiter.uuid)
        if entry is None:
            return
        try:
            entry.waiters.remove(waiter)
        except ValueError:
            return
        self._release(waiter.kind, waiter.uuid, entry)

    def _attach(self, watch: Watch, kind: str, uuid: str) -> None:
        self._interest(kind, uuid).watches.add(watch)

    def _detach(self, watch: Watch, kind: str, uuid: str) -> None:
        entry = self._entries[kind].get(uuid)
        if entry is None or watch not in entry.watches:
            return
        entry.watches.discard(watch)
        self._release(kind, uuid, entry)

    def _release(self, kind: str, uuid: str, entry: _Entry) -> None:
        """Forget ``uuid`` if nobody is interested any more; stop if nothing is left."""
        if not entry.idle or self._entries[kind].get(uuid) is not entry:
            return
        del self._entries[kind][uuid]
        self._fresh[kind].discard(uuid)
        self._ready[kind].discard(uuid)
        if not self._has_work():
            self._stop()

    def _has_work(self) -> bool:
        return any(self._entries.values())

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="qarnot_async-poller"
            )
        elif self._sleeper is not None:
            # Cut the pause short: the loop decides when the new uuid is polled.
            self._sleeper.cancel()

    def _stop(self) -> None:
        task = self._task
        if task is None or task.done() or task is asyncio.current_task():
            # From inside the loop: it notices there is no work left and returns.
            return
        # Cancel rather than let it finish its pause or request: nobody needs them.
        self._task = None
        task.cancel()
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    # ------------------------------------------------------------------ the loop

    async def _run(self) -> None:
        me = asyncio.current_task()
        policy = self.policy
        interval = policy.initial
        next_full = max(self._clock(), self._hold_until)
        last_tick = -math.inf
        due: Literal["full", "fresh"] | None = "full" if next_full <= self._clock() else None
        try:
            while self._has_work():
                if due == "full":
                    due = None
                    outcome = await self._tick(full=True)
                    interval = (
                        policy.initial
                        if outcome.changed
                        else min(policy.grow(interval), self._interval_cap())
                    )
                    last_tick = self._clock()
                    next_full = self._schedule(outcome, interval, last_tick)
                    self._report(outcome, next_full - last_tick)
                    continue
                fresh_at = (
                    max(last_tick + policy.initial, self._hold_until)
                    if any(self._fresh.values())
                    else None
                )
                if fresh_at is not None and (due == "fresh" or self._clock() >= fresh_at):
                    due = None
                    outcome = await self._tick(full=False)
                    last_tick = self._clock()
                    if outcome.changed:
                        interval = policy.initial
                    # New uuids speed the schedule up, never slow it down, but a
                    # rate limit holds everything back.
                    candidate = self._schedule(outcome, interval, last_tick)
                    if outcome.changed:
                        next_full = min(next_full, candidate)
                    next_full = max(next_full, self._hold_until)
                    self._report(outcome, next_full - last_tick)
                    continue
                due = None
                if fresh_at is not None and fresh_at < next_full:
                    target, reason = fresh_at, "fresh"
                else:
                    target, reason = next_full, "full"
                # A new uuid may cut the pause short only when none is already
                # pending: otherwise its poll is held back by the spacing anyway.
                if await self._pause(target - self._clock(), interruptible=fresh_at is None):
                    due = "full" if reason == "full" else "fresh"
        except Exception as error:
            # A bug in a source or in the poller: fail everyone rather than hang them.
            _log.error("the poller stopped on an unexpected error: %r", error, exc_info=True)
            self._fail_everything(error)
        finally:
            if self._task is me:
                self._task = None

    def _interval_cap(self) -> float:
        """The longest pause every pending wait tolerates."""
        caps = [
            waiter.max_interval
            for entries in self._entries.values()
            for entry in entries.values()
            for waiter in entry.waiters
            if waiter.max_interval is not None
        ]
        return min(caps, default=self.policy.max_interval)

    def _schedule(self, outcome: _Outcome, interval: float, now: float) -> float:
        """When the next full tick is due after ``outcome``, a ``Retry-After`` included."""
        delay = self.policy.jittered(interval, self._rng)
        if outcome.retry_after is not None:
            self._hold_until = max(self._hold_until, now + outcome.retry_after)
            delay = max(delay, outcome.retry_after)
        return now + delay

    @staticmethod
    def _report(outcome: _Outcome, delay: float) -> None:
        """Log the transient failures of a tick, on one line."""
        if not outcome.failures:
            return
        first = outcome.failures[0]
        more = f" and {len(outcome.failures) - 1} more" if len(outcome.failures) > 1 else ""
        _log.warning(
            "polling: %d of %d requests failed (%s: %s%s); retrying in %.1fs",
            len(outcome.failures),
            outcome.requests,
            type(first).__name__,
            first,
            more,
            delay,
        )

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

    async def _tick(self, *, full: bool) -> _Outcome:
        """Poll every watched uuid (``full``) or only those with new interest."""
        self.stats.ticks += 1
        outcome = _Outcome()
        fresh, self._fresh = self._fresh, {kind: set() for kind in self.sources}
        plan: list[tuple[str, list[str]]] = []
        for kind, entries in self._entries.items():
            uuids = list(entries) if full else [u for u in entries if u in fresh[kind]]
            plan.extend((kind, chunk) for chunk in _chunks(uuids, self.policy.chunk_size))
        if plan:
            self.stats.state_requests += len(plan)
            outcome.requests += len(plan)
            answers = await asyncio.gather(
                *(self.sources[kind].states(chunk) for kind, chunk in plan),
                return_exceptions=True,
            )
            seen_at = datetime.now(UTC)
            for (kind, chunk), answer in zip(plan, answers, strict=True):
                if isinstance(answer, BaseException):
                    self._failed(kind, chunk, answer, outcome, fetching_entities=False)
                else:
                    self._observe(kind, chunk, answer, seen_at, outcome)
        if outcome.retry_after is None:
            # After a 429 even the entity fetches wait: they stay ready for next tick.
            await self._resolve(outcome)
        return outcome

    def _observe(
        self,
        kind: str,
        chunk: list[str],
        answer: Mapping[str, Any],
        seen_at: datetime,
        outcome: _Outcome,
    ) -> None:
        source = self.sources[kind]
        entries = self._entries[kind]
        for uuid in chunk:
            entry = entries.get(uuid)
            if entry is None:  # nobody is interested any more
                continue
            if uuid not in answer:
                outcome.changed = True
                self._gone(kind, uuid, entry, seen_at)
                continue
            summary = answer[uuid]
            state = summary.state
            if not entry.seen or state != entry.state:
                outcome.changed = True
            entry.seen, entry.state, entry.last_seen = True, state, summary
            final = source.is_final(state)
            for watch in list(entry.watches):
                watch._observe(kind, uuid, summary, state, final, seen_at)
            for waiter in entry.waiters:
                if waiter.satisfied or waiter.future.done():
                    continue
                try:
                    holds = waiter.until(state)
                except Exception as error:  # a caller's predicate: fail that wait only
                    waiter.future.set_exception(error)
                    continue
                if holds:
                    waiter.satisfied = True
                    self._ready[kind].add(uuid)
            self._prune(kind, uuid, entry)

    def _gone(self, kind: str, uuid: str, entry: _Entry, seen_at: datetime) -> None:
        for waiter in entry.waiters:
            if not waiter.future.done():
                waiter.future.set_exception(_gone_error(kind, uuid))
        entry.waiters.clear()
        for watch in list(entry.watches):
            watch._vanished(kind, uuid, seen_at)
        entry.watches.clear()
        self._release(kind, uuid, entry)

    def _failed(
        self,
        kind: str,
        chunk: list[str],
        error: BaseException,
        outcome: _Outcome,
        *,
        fetching_entities: bool,
    ) -> None:
        self.stats.failed_requests += 1
        if _is_transient(error):
            outcome.failures.append(error)
            if isinstance(error, RateLimitedError) and error.retry_after is not None:
                outcome.retry_after = max(outcome.retry_after or 0.0, float(error.retry_after))
            return
        entries = self._entries[kind]
        for uuid in chunk:
            entry = entries.get(uuid)
            if entry is None:
                continue
            for waiter in entry.waiters:
                if not waiter.future.done() and (waiter.satisfied or not fetching_entities):
                    waiter.future.set_exception(error)
            if not fetching_entities:
                for watch in list(entry.watches):
                    watch._fail(error)
            self._ready[kind].discard(uuid)
            self._prune(kind, uuid, entry)

    async def _resolve(self, outcome: _Outcome) -> None:
        """Fetch, chunked, the entities of every uuid with a satisfied waiter."""
        plan: list[tuple[str, list[str]]] = []
        for kind, ready in self._ready.items():
            entries = self._entries[kind]
            uuids = [
                uuid
                for uuid in ready
                if uuid in entries
                and any(w.satisfied and not w.future.done() for w in entries[uuid].waiters)
            ]
            ready.intersection_update(uuids)
            plan.extend((kind, chunk) for chunk in _chunks(sorted(uuids), self.policy.chunk_size))
        if not plan:
            return
        self.stats.entity_requests += len(plan)
        outcome.requests += len(plan)
        answers = await asyncio.gather(
            *(self.sources[kind].entities(chunk) for kind, chunk in plan),
            return_exceptions=True,
        )
        for (kind, chunk), answer in zip(plan, answers, strict=True):
            if isinstance(answer, BaseException):
                # Transient: the uuids stay ready and are fetched again next tick.
                self._failed(kind, chunk, answer, outcome, fetching_entities=True)
                continue
            entries = self._entries[kind]
            for uuid in chunk:
                self._ready[kind].discard(uuid)
                entry = entries.get(uuid)
                if entry is None:
                    continue
                found = uuid in answer
                if found:
                    entry.last_seen = answer[uuid]
                for waiter in entry.waiters:
                    if waiter.satisfied and not waiter.future.done():
                        if found:
                            waiter.future.set_result(answer[uuid])
                        else:
                            waiter.future.set_exception(_gone_error(kind, uuid))
                self._prune(kind, uuid, entry)

    def _prune(self, kind: str, uuid: str, entry: _Entry) -> None:
        """Drop the waiters already answered, then the entry if nobody is left."""
        if any(w.future.done() for w in entry.waiters):
            entry.waiters = [w for w in entry.waiters if not w.future.done()]
        self._release(kind, uuid, entry)

    def _fail_everything(self, error: BaseException) -> None:
        entries, self._entries = self._entries, {kind: {} for kind in self.sources}
        self._fresh = {kind: set() for kind in self.sources}
        self._ready = {kind: set() for kind in self.sources}
        watches: set[Watch] = set()
        for by_uuid in entries.values():
            for entry in by_uuid.values():
                for waiter in entry.waiters:
                    if not waiter.future.done():
                        waiter.future.set_exception(error)
                watches.update(entry.watches)
        for watch in watches:
            watch._fail(error)


class Watch:
    """An async iterator of :class:`StateChange`: every transition of watched entities.

    Built by :meth:`Poller.watch`. Each transition of each uuid is reported exactly
    once and in order (first sighting, with ``previous=None``, included); a state held
    for at least one poll interval is never missed. A uuid leaves the watch once final
    or gone. The iteration ends when every watched entity is final (with
    ``until_final``) or when the watch is closed: :meth:`aclose`, leaving
    ``async with``, or ``break`` out of ``async for``. A watch is iterated once.

    A non-transient error polling a watched uuid ends the iteration with that error.
    """

    def __init__(self, poller: Poller, *, until_final: bool = True) -> None:
        self._poller = poller
        self.until_final = until_final
        self._wanted: dict[str, set[str]] = {}
        # The state last reported per (kind, uuid), to report each transition once.
        self._last: dict[tuple[str, str], Any] = {}
        # None is a nudge: re-check whether the iteration is over.
        self._queue: asyncio.Queue[StateChange | BaseException | None] = asyncio.Queue()
        self._started = False
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether the watch was closed (or ended on an error)."""
        return self._closed

    @property
    def watched(self) -> Mapping[str, frozenset[str]]:
        """The uuids still watched, by kind (final and gone ones have left)."""
        return {kind: frozenset(uuids) for kind, uuids in self._wanted.items() if uuids}

    def add(self, kind: str, uuids: str | Iterable[str]) -> None:
        """Watch more entities of ``kind``, also while the watch runs."""
        self._poller._source(kind)
        if self._closed:
            raise ConfigurationError("this watch is closed")
        wanted = self._wanted.setdefault(kind, set())
        for uuid in _as_uuids(uuids):
            if uuid in wanted:
                continue
            wanted.add(uuid)
            if self._started:
                self._poller._attach(self, kind, uuid)

    def remove(self, kind: str, uuids: str | Iterable[str]) -> None:
        """Stop watching these entities of ``kind`` (unknown ones are ignored).

        Adding one back later reports it again from a first sighting.
        """
        self._poller._source(kind)
        for uuid in _as_uuids(uuids):
            self._drop(kind, uuid)
        self._queue.put_nowait(None)

    async def aclose(self) -> None:
        """Stop watching: the iteration ends and nothing more is polled for it."""
        self._close(discard=True)

    async def __aenter__(self) -> Watch:
        self._start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close(discard=True)

    def __aiter__(self) -> AsyncIterator[StateChange]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[StateChange]:
        # An async generator: `break` drops it, and its finaliser closes the watch.
        self._start()
        try:
            while True:
                # Events already queued are delivered first, then an error that ended
                # the watch; after aclose() the queue was emptied.
                if self._queue.empty() and (
                    self._closed or (self.until_final and not self.watched)
                ):
                    return
                item = await self._queue.get()
                if item is None:
                    continue
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._close()

    def _start(self) -> None:
        if self._started or self._closed:
            return
        self._poller._check_open()
        self._started = True
        for kind, uuids in self._wanted.items():
            for uuid in list(uuids):
                self._poller._attach(self, kind, uuid)

    def _close(self, *, discard: bool = False) -> None:
        if discard:
            while not self._queue.empty():
                self._queue.get_nowait()
        if self._closed:
            return
        self._closed = True
        for kind, uuids in self._wanted.items():
            for uuid in list(uuids):
                self._poller._detach(self, kind, uuid)
        self._wanted.clear()
        self._last.clear()
        # Wakes a consumer blocked on the queue, which then sees the watch closed.
        self._queue.put_nowait(None)

    def _drop(self, kind: str, uuid: str) -> None:
        wanted = self._wanted.get(kind)
        if wanted is None or uuid not in wanted:
            return
        wanted.discard(uuid)
        self._last.pop((kind, uuid), None)
        if self._started:
            self._poller._detach(self, kind, uuid)

    def _observe(
        self, kind: str, uuid: str, summary: Any, state: Any, final: bool, seen_at: datetime
    ) -> None:
        key = (kind, uuid)
        previous = self._last.get(key, _UNSEEN)
        if previous is _UNSEEN or previous != state:
            self._last[key] = state
            self._queue.put_nowait(
                StateChange(
                    kind=kind,
                    uuid=uuid,
                    previous=None if previous is _UNSEEN else previous,
                    current=state,
                    entity=summary,
                    seen_at=seen_at,
                    final=final,
                )
            )
        if final:
            self._drop(kind, uuid)

    def _vanished(self, kind: str, uuid: str, seen_at: datetime) -> None:
        previous = self._last.get((kind, uuid))
        self._queue.put_nowait(
            StateChange(
                kind=kind,
                uuid=uuid,
                previous=previous,
                current=None,
                entity=None,
                seen_at=seen_at,
                final=True,
            )
        )
        self._drop(kind, uuid)

    def _fail(self, error: BaseException) -> None:
        if self._closed:
            return
        self._close()
        self._queue.put_nowait(error)


_UNSEEN: Any = object()
