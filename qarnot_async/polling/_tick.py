"""One polling round: ask the sources, tell the subscribers, fetch the entities asked for.

A :class:`Ticker` runs a tick: the state requests of the registry's plan, chunked and
concurrent; each answer told to the subscribers of its uuids (``on_state``,
``on_gone``), then, unless the service asked to slow down, the entity requests of the
uuids whose entity a subscriber asked for (``on_entity``). A transient error
(:class:`~qarnot_async.errors.TransportError`,
:class:`~qarnot_async.errors.ServerError`,
:class:`~qarnot_async.errors.RateLimitedError`) is kept in the :class:`Outcome` for the
schedule and the log; any other goes to the subscribers it concerns (``on_error``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from ..errors import NotFoundError, RateLimitedError, ServerError, TransportError
from ._registry import UNSEEN, Registry
from ._types import DescribedStateSource, PollerStats, SourceCall, StateSource, Subscriber

__all__ = ["Outcome", "Ticker", "gone_error", "is_transient", "report"]

_log = logging.getLogger("qarnot_async")


@attrs.define(slots=True)
class Outcome:
    """What one tick saw, for the schedule and the log."""

    changed: bool = False
    requests: int = 0
    failures: list[BaseException] = attrs.Factory(list)
    retry_after: float | None = None


def is_transient(error: BaseException) -> bool:
    """Whether polling retries after ``error`` rather than failing the subscribers."""
    # A child cancelled on its own (not the poller) is treated like a dropped request.
    return isinstance(
        error, TransportError | ServerError | RateLimitedError | asyncio.CancelledError
    )


def gone_error(source: StateSource, call: SourceCall, uuid: str, *, seen: bool) -> NotFoundError:
    """The error of a uuid that a source's answer left out: the service does not know it.

    ``seen``: whether the poller had read a state of it before ("no longer known") or
    not ("not known": perhaps never created). The error names the request that showed
    it when the source can describe it (:class:`DescribedStateSource`); it never
    invents a path. The status is the 404 a request for the entity itself answers.
    """
    known = f"{source.kind} {uuid} is {'no longer' if seen else 'not'} known to the service"
    if isinstance(source, DescribedStateSource):
        method, _, path = source.describe(call, uuid).partition(" ")
        message = f"{known} (the answer to this request left it out)"
        return NotFoundError(404, message, method=method, path=path)
    return NotFoundError(
        404, f"{known} (left out of the answer to the {source.kind} source's {call} request)"
    )


def report(outcome: Outcome, delay: float) -> None:
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


@attrs.define(slots=True, eq=False)
class Ticker:
    """Runs ticks over ``sources`` for the subscribers of ``registry``.

    ``stats`` counts the ticks and requests; ``chunk_size`` bounds each request.
    """

    sources: Mapping[str, StateSource]
    registry: Registry
    stats: PollerStats
    chunk_size: int

    async def tick(self, *, full: bool) -> Outcome:
        """Poll every watched uuid (``full``) or only those with new interest."""
        self.stats.ticks += 1
        outcome = Outcome()
        plan = self.registry.state_plan(full=full, chunk_size=self.chunk_size)
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
            # After a 429 even the entity fetches wait: they stay asked for next tick.
            await self._resolve(outcome)
        return outcome

    def _observe(
        self,
        kind: str,
        chunk: list[str],
        answer: Mapping[str, Any],
        seen_at: datetime,
        outcome: Outcome,
    ) -> None:
        source = self.sources[kind]
        registry = self.registry
        entries = registry.entries(kind)
        is_final = source.is_final
        for uuid in chunk:
            entry = entries.get(uuid)
            if entry is None:  # nobody is interested any more
                continue
            summary = answer.get(uuid)
            if summary is None:
                outcome.changed = True
                seen = entry.state is not UNSEEN
                for gone in registry.forget(kind, uuid):
                    error = gone_error(source, "states", uuid, seen=seen)
                    gone.on_gone(kind, uuid, seen_at, error=error)
                continue
            state = summary.state
            if entry.observe(state, summary):
                outcome.changed = True
            final = is_final(state)
            subscribers = entry.subscribers
            if len(subscribers) == 1:  # the usual case: one wait per uuid
                (subscriber,) = subscribers
                subscriber.on_state(kind, uuid, state, seen_at, summary=summary, final=final)
                continue
            for subscriber in list(subscribers):
                # An earlier callback may have unsubscribed it.
                if subscriber in subscribers and entries.get(uuid) is entry:
                    subscriber.on_state(kind, uuid, state, seen_at, summary=summary, final=final)

    def _failed(
        self,
        kind: str,
        chunk: list[str],
        error: BaseException,
        outcome: Outcome,
        *,
        fetching_entities: bool,
    ) -> None:
        self.stats.failed_requests += 1
        if is_transient(error):
            outcome.failures.append(error)
            if isinstance(error, RateLimitedError) and error.retry_after is not None:
                outcome.retry_after = max(outcome.retry_after or 0.0, float(error.retry_after))
            return
        # Told once per failed request, however many of its uuids a subscriber follows.
        concerned: dict[Subscriber, None] = {}
        for uuid in chunk:
            wanting = self.registry.take_wanting(kind, uuid)
            entry = self.registry.entry(kind, uuid)
            if fetching_entities:
                concerned.update(dict.fromkeys(wanting))
            elif entry is not None:
                concerned.update(dict.fromkeys(entry.subscribers))
        for subscriber in concerned:
            subscriber.on_error(error)

    async def _resolve(self, outcome: Outcome) -> None:
        """Fetch, chunked, the entities subscribers asked for."""
        plan = self.registry.entity_plan(chunk_size=self.chunk_size)
        if not plan:
            return
        self.stats.entity_requests += len(plan)
        outcome.requests += len(plan)
        answers = await asyncio.gather(
            *(self.sources[kind].entities(chunk) for kind, chunk in plan),
            return_exceptions=True,
        )
        seen_at = datetime.now(UTC)
        registry = self.registry
        for (kind, chunk), answer in zip(plan, answers, strict=True):
            if isinstance(answer, BaseException):
                # Transient: the uuids stay asked for and are fetched again next tick.
                self._failed(kind, chunk, answer, outcome, fetching_entities=True)
                continue
            for uuid in chunk:
                wanting = registry.take_wanting(kind, uuid)
                entry = registry.entry(kind, uuid)
                if entry is None:
                    continue
                found = uuid in answer
                if found:
                    entry.last_seen = answer[uuid]
                for subscriber in wanting:
                    if not registry.subscribed(subscriber, kind, uuid):
                        continue
                    if found:
                        subscriber.on_entity(kind, uuid, answer[uuid])
                    else:
                        registry.remove(subscriber, kind, uuid)
                        error = gone_error(self.sources[kind], "entities", uuid, seen=True)
                        subscriber.on_gone(kind, uuid, seen_at, error=error)
