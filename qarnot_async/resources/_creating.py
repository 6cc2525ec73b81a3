"""Duplicate-safe creation, one at a time or in bulk, and its results.

Every creation input gets a shortname (generated when it has none, added to its JSON)
before it is sent, and creations are retried when an attempt may have been lost. A
retry that finds its shortname taken looks the shortname up: if the entity there has
the input's name, the lost attempt landed and its uuid is the answer; otherwise the
conflict is real. So a batch submitter never pays twice for one input.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final, overload

import attrs

from .._converter import structure, unstructure
from ..errors import (
    APIError,
    BulkCreateError,
    ConflictError,
    DecodeError,
    InvalidInputError,
    QarnotError,
)
from ..filters import F
from ..models import IdResponse, MultiResponse
from ._checks import check_positive, expect, item_route
from ._paging import search_request
from ._requests import Calls

__all__ = [
    "DEFAULT_CONCURRENCY",
    "CreateResult",
    "CreateResults",
    "Creator",
    "bulk_concurrency",
    "new_shortname",
]

ProgressCallback = Callable[[int, int], None]
"""``on_progress(done, total)``: items answered so far, out of all."""

# A failure to report for an item: (offset in its chunk, status, message).
_Failure = tuple[int, int, str | None]


@attrs.frozen(slots=True)
class CreateResult:
    """The outcome of one item of a bulk creation.

    ``uuid`` is set when the item was created (``ok``); otherwise ``status`` and
    ``message`` say why not (``status`` 0: no answer came back for it).
    """

    index: int
    uuid: str | None
    status: int
    message: str | None = None
    shortname: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the item was created."""
        return self.uuid is not None


class CreateResults(Sequence[CreateResult]):
    """One :class:`CreateResult` per input, in input order. Partial failure is data."""

    __slots__ = ("_results",)

    def __init__(self, results: Sequence[CreateResult]) -> None:
        self._results = list(results)

    @overload
    def __getitem__(self, index: int) -> CreateResult: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[CreateResult]: ...
    def __getitem__(self, index: int | slice) -> CreateResult | Sequence[CreateResult]:
        return self._results[index]

    def __len__(self) -> int:
        return len(self._results)

    def __iter__(self) -> Iterator[CreateResult]:
        return iter(self._results)

    def __repr__(self) -> str:
        return f"CreateResults(ok={len(self.uuids)}, failed={len(self.failures)})"

    @property
    def uuids(self) -> list[str]:
        """The uuids of the created items, in input order."""
        return [r.uuid for r in self._results if r.uuid is not None]

    @property
    def failures(self) -> list[CreateResult]:
        """The items that were not created."""
        return [r for r in self._results if r.uuid is None]

    def raise_for_errors(self) -> None:
        """Raise one :class:`BulkCreateError` listing every failed index, if any."""
        failures = self.failures
        if failures:
            raise BulkCreateError([(r.index, r.status, r.message or "") for r in failures])


DEFAULT_CONCURRENCY = 16
"""Chunks in flight at once when the requester does not say how many requests it
allows (a client says: see :func:`bulk_concurrency`)."""


def bulk_concurrency(requester: object) -> int:
    """The default ``concurrency`` of a bulk creation over ``requester``.

    Half of the requests the client lets fly at once (``max_concurrency``): measured,
    more chunks in flight stop helping well before the cap (the service handles them in
    turn), while the other half stays free for the rest of the application (waits,
    reads) during a long submission. :data:`DEFAULT_CONCURRENCY` when the requester
    has no such cap.
    """
    allowed = getattr(requester, "max_concurrency", None)
    if isinstance(allowed, int) and not isinstance(allowed, bool) and allowed >= 1:
        return max(1, allowed // 2)
    return DEFAULT_CONCURRENCY


def new_shortname() -> str:
    """A shortname unique enough to recognise our own creation after a lost answer."""
    return _SHORTNAME_PREFIX + os.urandom(16).hex()


_SHORTNAME_PREFIX: Final = "qa-"


def _wire(item: Any, shortname: str | None = None) -> dict[str, Any]:
    """The JSON of one input, converted once, with a shortname (``shortname``, or a new
    one) when the input has none: added to the JSON, the input itself never copied."""
    body: dict[str, Any] = unstructure(item)
    if item.shortname is None:
        body["shortname"] = shortname or new_shortname()
    return body


def _prepare(items: Sequence[Any], start: int, end: int) -> list[dict[str, Any]]:
    """The JSON of ``items[start:end]``, each with a shortname."""
    # One draw of randomness for the whole chunk: cheaper than one per input.
    fresh = os.urandom(16 * (end - start)).hex()
    return [
        _wire(items[i], _SHORTNAME_PREFIX + fresh[32 * (i - start) : 32 * (i - start + 1)])
        for i in range(start, end)
    ]


def _is_ours(found: Any, name: str | None) -> bool:
    """Whether the entity found under an input's shortname is that input landed unseen.

    An input without a name (a clone keeping the original's) is recognised by its
    shortname alone.
    """
    return found is not None and (name is None or found.name == name)


class Creator:
    """Duplicate-safe creation on one collection (``/tasks``, ``/pools``, ``/jobs``).

    Args:
        calls: the requests of the collection.
        collection: the collection's route, e.g. ``/tasks``.
        entity_cls: its entity class, used to read the shortname lookups.
    """

    __slots__ = ("_calls", "_entities", "_route")

    def __init__(self, calls: Calls, collection: str, entity_cls: type) -> None:
        self._calls = calls
        self._route = collection
        self._entities: Any = list[entity_cls]  # type: ignore[valid-type]

    async def create(self, item: Any, cls: type, field: str) -> str:
        """``POST <collection>``: check ``item`` is a ``cls`` and create it; its uuid.

        Raises:
            InvalidInputError: ``item`` is not a ``cls`` (named ``field``); nothing is sent.
            DecodeError: the answer holds no uuid.
        """
        expect(item, cls, field)
        return await self._post(self._route, _wire(item), item.name)

    async def create_from(self, uuid: str, action: str, overrides: Any, cls: type) -> str:
        """``POST <collection>/{uuid}/<action>`` (clone, retry...): a new entity made from
        an existing one, duplicate-safe like :meth:`create`; its uuid."""
        if overrides is None:
            overrides = cls()
        expect(overrides, cls, "overrides")
        target = item_route(self._route, uuid, action)
        return await self._post(target, _wire(overrides), overrides.name)

    async def create_all(
        self,
        items: Sequence[Any],
        cls: type,
        field: str,
        *,
        chunk_size: int,
        concurrency: int | None,
        on_progress: ProgressCallback | None,
    ) -> CreateResults:
        """Check every input before anything is sent, then create them in chunks of
        ``chunk_size``, ``concurrency`` chunks at a time; one result per input.

        ``concurrency`` ``None``: :func:`bulk_concurrency` of the requester. Each chunk
        is converted just before it is sent, so the first request leaves at once and
        only the chunks in flight are held as JSON.

        Raises:
            InvalidInputError: an item is not a ``cls``, two share a shortname, or a
                ``chunk_size`` or ``concurrency`` below 1. Nothing is sent.
        """
        check_positive(chunk_size, "chunk_size")
        check_positive(concurrency, "concurrency")
        if concurrency is None:
            concurrency = bulk_concurrency(self._calls.requester)
        _check_inputs(items, cls, field)
        total = len(items)
        results: list[CreateResult | None] = [None] * total
        starts = iter(range(0, total, chunk_size))
        done = 0

        async def worker() -> None:
            nonlocal done
            # Workers share one iterator of chunks: each prepares the next chunk only
            # when it is free to send it.
            for start in starts:
                end = min(total, start + chunk_size)
                bodies = _prepare(items, start, end)
                await self._post_chunk(start, items[start:end], bodies, results)
                done += end - start
                if on_progress is not None:
                    on_progress(done, total)

        workers = min(concurrency, -(-total // chunk_size))
        await asyncio.gather(*(worker() for _ in range(workers)))
        return CreateResults([r for r in results if r is not None])

    async def _post(self, target: str, body: dict[str, Any], name: str | None) -> str:
        """POST one creation, retried safely: its shortname makes a repeat recognisable."""
        try:
            answer = await self._calls.read(
                IdResponse, "POST", target, json_body=body, idempotent=True
            )
        except ConflictError as exc:
            # Only a retry can have been preceded by an attempt that landed unseen.
            if exc.attempt > 1:
                shortname = body["shortname"]
                found = await self._find([shortname])
                entity: Any = found.get(shortname)
                if _is_ours(entity, name):
                    return str(entity.uuid)
            raise
        return answer.uuid

    async def _find(self, shortnames: Sequence[str]) -> dict[str, Any]:
        """The entities holding ``shortnames`` (one search for the lot), by shortname."""
        body = search_request(
            F.shortname.in_(shortnames),
            select=["Uuid", "Shortname", "Name"],
            limit=len(shortnames),
        )
        found = await self._calls.read(
            self._entities, "POST", f"{self._route}/search", json_body=body
        )
        return {e.shortname: e for e in found if e.shortname and e.uuid}

    async def _post_chunk(
        self,
        start: int,
        chunk: Sequence[Any],
        bodies: list[dict[str, Any]],
        results: list[CreateResult | None],
    ) -> None:
        where = f"POST {self._route}"
        try:
            response = await self._calls.send(
                "POST", self._route, json_body=bodies, idempotent=True
            )
            answers = structure(response.json(), list[MultiResponse], where=where)
            if len(answers) != len(chunk):
                raise DecodeError(
                    "$", f"expected one result per item ({len(chunk)})", answers, where=where
                )
        except APIError as exc:
            # The whole chunk was refused (or answered oddly after retries): some items
            # may still have landed on an earlier attempt, so look before reporting.
            failed = [(i, exc.status, exc.message) for i in range(len(chunk))]
            await self._settle(start, chunk, bodies, failed, results)
            return
        except QarnotError as exc:
            failed = [(i, 0, str(exc)) for i in range(len(chunk))]
            await self._settle(start, chunk, bodies, failed, results)
            return
        conflicted: list[_Failure] = []
        retried = response.attempt > 1
        for offset, answer in enumerate(answers):
            status = answer.status_code or 200
            shortname = bodies[offset]["shortname"]
            if answer.uuid and 200 <= status < 300:
                results[start + offset] = CreateResult(
                    start + offset, answer.uuid, status, None, shortname
                )
            elif status == 409 and retried:
                # Taken on a retry: maybe by this very chunk's lost first attempt.
                conflicted.append((offset, status, answer.message))
            else:
                results[start + offset] = CreateResult(
                    start + offset, None, status, answer.message, shortname
                )
        if conflicted:
            await self._settle(start, chunk, bodies, conflicted, results)

    async def _settle(
        self,
        start: int,
        chunk: Sequence[Any],
        bodies: list[dict[str, Any]],
        failed: Sequence[_Failure],
        results: list[CreateResult | None],
    ) -> None:
        """Report items as created when their shortname and name are found on the
        service, else with the failure given for them."""
        try:
            found = await self._find([bodies[offset]["shortname"] for offset, _, _ in failed])
        except QarnotError:
            found = {}
        for offset, status, message in failed:
            shortname = bodies[offset]["shortname"]
            entity: Any = found.get(shortname)
            if _is_ours(entity, chunk[offset].name):
                result = CreateResult(start + offset, str(entity.uuid), 200, None, shortname)
            else:
                result = CreateResult(start + offset, None, status, message, shortname)
            results[start + offset] = result


def _check_inputs(items: Sequence[Any], cls: type, field: str) -> None:
    """Refuse a batch with an input that is not a ``cls``, or where two inputs share a
    shortname (one would shadow the other). Generated shortnames are random: unique."""
    seen: set[str] = set()
    for i, item in enumerate(items):
        if type(item) is not cls:
            expect(item, cls, f"{field}[{i}]")
        shortname = item.shortname
        if shortname is None:
            continue
        if shortname in seen:
            raise InvalidInputError(
                f"{field}[{i}].shortname",
                "two inputs share this shortname; shortnames are unique per account",
                shortname,
            )
        seen.add(shortname)
