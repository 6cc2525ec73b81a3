"""Duplicate-safe creation, one at a time or in bulk, and its results.

Every creation input gets a shortname (generated when it has none, added to its JSON)
before it is sent, and creations are retried when an attempt may have been lost. A
retry that finds its shortname taken looks the shortname up: if the entity there has
the input's name, the lost attempt landed and its uuid is the answer; otherwise the
conflict is real. So a batch submitter never pays twice for one input.

When the retries are spent and the last failure may hide a creation that landed (no
answer, a timeout, a 5xx, a malformed success, a refusal on a retry), the shortname is
looked up once more before giving up: found, it is the answer; otherwise the failure
says what is known (``created``: ``False`` when the lookup found nothing or the service
refused the input on its first attempt, ``None`` when even the lookup failed) and which
shortname to look for later. A bulk creation does the same for each item, with one
lookup for all of a chunk's failures, and can adopt the entities that already hold its
inputs' shortnames (``adopt_existing``): the way to rerun a manifest safely.
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
    ConfigurationError,
    ConnectError,
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


def _created_when_ok(result: CreateResult) -> bool | None:
    return True if result.uuid is not None else None


@attrs.frozen(slots=True)
class CreateResult:
    """The outcome of one item of a bulk creation.

    ``uuid`` is set when the item has an entity (``ok``): created by this call, or
    adopted (``adopted``: it already held the item's shortname, see ``adopt_existing``).
    Otherwise ``status`` and ``message`` say why not (``status`` 0: no usable answer
    came back for it).

    Attributes:
        shortname: the shortname the item was sent with (yours, or the generated one):
            after a failure, the name to look the entity up by.
        created: whether this call created the item's entity: ``True`` when it did,
            ``False`` when it certainly did not (refused, or found absent by a lookup of
            its shortname; also for an adopted item, which existed before), ``None``
            when the client could not tell (the lookup failed too).
        adopted: the item's shortname was already taken when it was first sent, and
            ``adopt_existing=True`` took that entity as the item's (``uuid`` is its
            uuid, ``status`` 409, ``created`` False).
    """

    index: int
    uuid: str | None
    status: int
    message: str | None = None
    shortname: str | None = None
    created: bool | None = attrs.field(default=attrs.Factory(_created_when_ok, takes_self=True))
    adopted: bool = False

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


def _refused(exc: QarnotError) -> bool:
    """Whether a creation that ended in ``exc`` certainly created nothing.

    Only a first attempt can tell: later ones may follow an attempt that landed unseen.
    Then a 4xx is the service refusing the input (409: the shortname is someone
    else's), a connection that never opened sent nothing, and a closed client or a bad
    input sends nothing at all. Anything else (a timeout, a reset, a 5xx, a malformed
    success, a redirect) may hide a creation.
    """
    if exc.attempt > 1:
        return False
    if isinstance(exc, APIError):
        return 400 <= exc.status < 500
    if isinstance(exc, ConnectError):
        return not exc.request_sent
    return isinstance(exc, ConfigurationError | InvalidInputError)


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
            QarnotError: the creation failed; ``shortname`` and ``created`` say what
                became of it (see :meth:`_post`).
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
        adopt_existing: bool = False,
    ) -> CreateResults:
        """Check every input before anything is sent, then create them in chunks of
        ``chunk_size``, ``concurrency`` chunks at a time; one result per input.

        ``concurrency`` ``None``: :func:`bulk_concurrency` of the requester. Each chunk
        is converted just before it is sent, so the first request leaves at once and
        only the chunks in flight are held as JSON. ``adopt_existing``: an item whose
        shortname is already taken gets the entity holding it (see
        :class:`CreateResult`), whatever its name.

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
                chunk = _Chunk(start, items[start:end], _prepare(items, start, end))
                await self._post_chunk(chunk, results, adopt_existing)
                done += end - start
                if on_progress is not None:
                    on_progress(done, total)

        workers = min(concurrency, -(-total // chunk_size))
        await asyncio.gather(*(worker() for _ in range(workers)))
        return CreateResults([r for r in results if r is not None])

    async def _post(self, target: str, body: dict[str, Any], name: str | None) -> str:
        """POST one creation, retried safely: its shortname makes a repeat recognisable.

        A failure that may hide a creation (see :func:`_refused`) is followed by one
        lookup of the shortname: the entity found there, when it is the input's, is the
        answer. Otherwise the failure is raised with ``shortname`` and ``created`` set.
        """
        shortname: str = body["shortname"]
        try:
            answer = await self._calls.read(
                IdResponse, "POST", target, json_body=body, idempotent=True
            )
        except QarnotError as exc:
            exc.shortname = shortname
            if _refused(exc):
                exc.created = False
                raise
            found = await self._lookup([shortname], exc)
            entity: Any = None if found is None else found.get(shortname)
            if _is_ours(entity, name):
                return str(entity.uuid)
            exc.created = None if found is None else False
            raise
        return answer.uuid

    async def _lookup(
        self, shortnames: Sequence[str], failure: QarnotError | None
    ) -> dict[str, Any] | None:
        """The entities holding ``shortnames`` (one search for the lot), by shortname;
        ``None`` when the search itself failed (a note on ``failure`` says how)."""
        body = search_request(
            F.shortname.in_(shortnames),
            select=["Uuid", "Shortname", "Name"],
            limit=len(shortnames),
        )
        try:
            # One attempt (unless it certainly never left): the creation spent its retries
            # already, and a second round of backoffs would double the caller's wait for
            # an answer that "could not tell" gives as well.
            found = await self._calls.read(
                self._entities,
                "POST",
                f"{self._route}/search",
                json_body=body,
                idempotent=False,
            )
        except QarnotError as exc:
            if failure is not None:
                failure.add_note(f"looking the shortname up failed too: {exc}")
            return None
        return {e.shortname: e for e in found if e.shortname and e.uuid}

    async def _post_chunk(
        self, chunk: _Chunk, results: list[CreateResult | None], adopt: bool
    ) -> None:
        where = f"POST {self._route}"
        try:
            response = await self._calls.send(
                "POST", self._route, json_body=chunk.bodies, idempotent=True
            )
            answers = structure(response.json(), list[MultiResponse], where=where)
            if len(answers) != len(chunk.items):
                raise DecodeError(
                    "$",
                    f"expected one result per item ({len(chunk.items)})",
                    answers,
                    where=where,
                )
        except QarnotError as exc:
            # The whole chunk was refused, or answered oddly after retries: unless it was
            # certainly refused, some items may still have landed on an earlier attempt,
            # so look before reporting.
            status, message = (
                (exc.status, exc.message) if isinstance(exc, APIError) else (0, str(exc))
            )
            failed: list[_Failure] = [(i, status, message) for i in range(len(chunk.items))]
            if _refused(exc):
                for each in failed:
                    results[chunk.start + each[0]] = chunk.failed(each, False)
            else:
                await self._settle(chunk, failed, results, exc.attempt, adopt, exc)
            return
        pending: list[_Failure] = []
        first = response.attempt == 1
        for offset, answer in enumerate(answers):
            status = answer.status_code or 200
            if answer.uuid and 200 <= status < 300:
                shortname = chunk.bodies[offset]["shortname"]
                results[chunk.start + offset] = CreateResult(
                    chunk.start + offset, answer.uuid, status, None, shortname, True
                )
            elif (status == 409 and adopt) or not (first and 400 <= status < 500):
                # Taken (to adopt, or on a retry: maybe by this very chunk's lost first
                # attempt), or a failure that may hide a creation: look it up.
                pending.append((offset, status, answer.message))
            else:
                results[chunk.start + offset] = chunk.failed(
                    (offset, status, answer.message), False
                )
        if pending:
            await self._settle(chunk, pending, results, response.attempt, adopt, None)

    async def _settle(
        self,
        chunk: _Chunk,
        failed: Sequence[_Failure],
        results: list[CreateResult | None],
        attempt: int,
        adopt: bool,
        error: QarnotError | None,
    ) -> None:
        """One lookup for all of ``failed``: each item found under its shortname is
        reported created (its name matches: a lost attempt landed) or adopted (with
        ``adopt``: it was there before), the others with their failure and what the
        lookup says of them (``created`` False, or None when the lookup failed)."""
        shortnames = [chunk.bodies[offset]["shortname"] for offset, _, _ in failed]
        found = await self._lookup(shortnames, error)
        for failure, shortname in zip(failed, shortnames, strict=True):
            offset, status, _ = failure
            entity: Any = None if found is None else found.get(shortname)
            index = chunk.start + offset
            # A 409 on a first attempt: the entity was there before this call.
            before = status == 409 and attempt == 1
            ours = _is_ours(entity, chunk.items[offset].name)
            if entity is not None and adopt and (before or not ours):
                results[index] = CreateResult(
                    index, str(entity.uuid), 409, None, shortname, False, True
                )
            elif ours:
                results[index] = CreateResult(index, str(entity.uuid), 200, None, shortname, True)
            else:
                results[index] = chunk.failed(failure, None if found is None else False)


@attrs.frozen(slots=True)
class _Chunk:
    """One request's worth of a bulk creation: where it starts among the inputs, its
    inputs and their JSON (each with its shortname)."""

    start: int
    items: Sequence[Any]
    bodies: list[dict[str, Any]]

    def failed(self, failure: _Failure, created: bool | None) -> CreateResult:
        """The result of an item that failed (``failure`` as found for it)."""
        offset, status, message = failure
        shortname = self.bodies[offset]["shortname"]
        return CreateResult(self.start + offset, None, status, message, shortname, created)


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
