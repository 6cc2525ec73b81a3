"""What every resource shares: the request helpers, paging, search and safe creation.

Resources are thin: they build a request, send it through the client's transport and
parse the answer with the one converter. The pieces below keep each of those steps in
one place so no resource grows its own copy.
"""

from __future__ import annotations

import asyncio
import uuid as uuid_module
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

import attrs

from .._converter import structure, unstructure
from .._transport import path
from ..errors import (
    APIError,
    BulkCreateError,
    ConflictError,
    InvalidInputError,
    QarnotError,
)
from ..filters import F, FilterLike, to_wire
from ..models import MultiResponse, OffsetPage, TokenPage
from ..pagination import AsyncPaginator, Page

if TYPE_CHECKING:
    from .._transport import Response
    from ._requester import Requester

__all__ = ["CreateResult", "CreateResults", "Resource"]

T = TypeVar("T")

MAX_PAGE_SIZE = 1000
"""The largest ``maximumResults`` the SDK asks for: no document states the service's
limit, and larger pages only cost memory."""

# The sorting fields the service documents, by the names users may write.
_ORDER_FIELDS = {
    "creation_date": "creationDate",
    "creationdate": "creationDate",
    "name": "name",
    "state": "state",
    "execution_time": "executionTime",
    "executiontime": "executionTime",
}


def order_field(order_by: str | None, *, allowed: Sequence[str]) -> str | None:
    """The wire name of a sorting field, or a clear error listing the allowed ones."""
    if order_by is None:
        return None
    wire = _ORDER_FIELDS.get(order_by.replace("-", "_").lower()) or _ORDER_FIELDS.get(
        order_by.lower()
    )
    if wire is None or wire not in allowed:
        raise InvalidInputError(
            "order_by", f"cannot sort on this field; use one of: {', '.join(allowed)}", order_by
        )
    return wire


def new_shortname() -> str:
    """A shortname unique enough to recognise our own creation after a lost answer."""
    return f"qa-{uuid_module.uuid4().hex}"


def check_instance_id(instance_id: int | None) -> None:
    """Refuse an instance id the service could never have."""
    if instance_id is not None and (not isinstance(instance_id, int) or instance_id < 0):
        raise InvalidInputError(
            "instance_id", "must be a non-negative integer (instances count from 0)", instance_id
        )


def check_unique_shortnames(payloads: Sequence[dict[str, Any]], field: str) -> None:
    """Refuse a batch where two inputs share a shortname (one would shadow the other)."""
    seen: set[Any] = set()
    for i, payload in enumerate(payloads):
        shortname = payload["shortname"]
        if shortname in seen:
            raise InvalidInputError(
                f"{field}[{i}].shortname",
                "two inputs share this shortname; shortnames are unique per account",
                shortname,
            )
        seen.add(shortname)


def check_uuid_arg(value: str, name: str = "uuid") -> str:
    """A uuid (or shortname) argument: a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(name, "must be a non-empty uuid or shortname string", value)
    return value


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


class Resource:
    """The base of ``client.tasks``, ``client.pools``...: holds the client."""

    _kind = ""
    _collection = ""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._requester!r}>"

    # -- requests -----------------------------------------------------------------------

    # -- waiting (the client's shared poller) ---------------------------------------

    async def _wait(
        self,
        entity_or_uuid: Any,
        until: Callable[[Any], bool] | Iterable[Any] | None,
        timeout: float | None,
        max_interval: float | None = None,
    ) -> Any:
        uuid = entity_or_uuid if isinstance(entity_or_uuid, str) else entity_or_uuid.uuid
        check_uuid_arg(uuid)
        if timeout is not None and timeout < 0:
            raise InvalidInputError("timeout", "must be >= 0 seconds (or None)", timeout)
        return await self._requester.poller.wait(
            self._kind,
            uuid,
            until=_predicate(until, self._is_final),
            timeout=timeout,
            max_interval=max_interval,
        )

    @staticmethod
    def _is_final(state: Any) -> bool:
        """Whether an entity in ``state`` can no longer change."""
        return bool(getattr(state, "is_final", False))

    async def _send(self, method: str, route: str, **kwargs: Any) -> Response:
        return await self._requester.request(method, route, **kwargs)

    async def _json(self, method: str, route: str, **kwargs: Any) -> Any:
        return (await self._send(method, route, **kwargs)).json()

    async def _one(self, cls: type[T], method: str, route: str, **kwargs: Any) -> T:
        return structure(await self._json(method, route, **kwargs), cls)

    async def _many(self, cls: type[T], method: str, route: str, **kwargs: Any) -> list[T]:
        data = await self._json(method, route, **kwargs)
        return structure(data or [], list[cls])  # type: ignore[valid-type]

    async def _text(self, method: str, route: str, **kwargs: Any) -> str:
        return (await self._send(method, route, **kwargs)).text()

    async def _output(
        self, collection: str, uuid: str, stream: str, instance_id: int | None, fresh: bool
    ) -> str:
        """stdout/stderr of a task or pool: GET what is kept, POST what is new."""
        check_instance_id(instance_id)
        segments: list[str | int] = [collection, check_uuid_arg(uuid), stream]
        if instance_id is not None:
            segments.append(instance_id)
        return await self._text("POST" if fresh else "GET", path(*segments))

    @staticmethod
    def _tags(tags: str | Sequence[str] | None) -> list[tuple[str, str]] | None:
        if tags is None:
            return None
        if isinstance(tags, str):
            tags = [tags]
        return [("tag", t) for t in tags]

    # -- search and pages ---------------------------------------------------------------

    async def _search(
        self,
        cls: type[T],
        route: str,
        *,
        filter: FilterLike | None,
        select: Sequence[str] | None,
        max_results: int | None,
    ) -> list[T]:
        body: dict[str, Any] = {}
        if select:
            body["select"] = {"fields": list(select)}
        if (wire := to_wire(filter)) is not None:
            body["filter"] = wire
        if max_results is not None:
            if max_results < 1:
                raise InvalidInputError("max_results", "must be >= 1", max_results)
            body["maximumResults"] = max_results
        return await self._many(cls, "POST", route, json_body=body)

    async def _token_page(
        self,
        cls: type[T],
        route: str,
        *,
        token: str | None,
        filter: FilterLike | None,
        max_results: int,
        order_by: str | None,
        descending: bool,
    ) -> TokenPage[T]:
        body: dict[str, Any] = {"maximumResults": max_results}
        if token is not None:
            body["token"] = token
        if (wire := to_wire(filter)) is not None:
            body["filter"] = wire
        if order_by is not None:
            body["orderBy"] = order_by
            body["orderType"] = "DESC" if descending else "ASC"
        return structure(
            await self._json("POST", route, json_body=body),
            TokenPage[cls],  # type: ignore[valid-type]
        )

    def _paginator(
        self,
        cls: type[T],
        route: str,
        *,
        filter: FilterLike | None,
        order_by: str | None,
        descending: bool,
        page_size: int,
        limit: int | None,
        start_token: str | None,
        prefetch: int,
        order_fields: Sequence[str],
    ) -> AsyncPaginator[T]:
        wire_filter = to_wire(filter)
        wire_order = order_field(order_by, allowed=order_fields)

        async def fetch(cursor: str | None, size: int) -> Page[T]:
            page = await self._token_page(
                cls,
                route,
                token=cursor,
                filter=wire_filter,
                max_results=size,
                order_by=wire_order,
                descending=descending,
            )
            return Page(
                items=list(page.data),
                next_token=page.next_token,
                total=page.total,
                is_truncated=bool(page.is_truncated),
            )

        query = {"route": route, "filter": wire_filter, "order": wire_order, "desc": descending}
        return AsyncPaginator(
            fetch,
            query=query,
            page_size=page_size,
            limit=limit,
            start_token=start_token,
            prefetch=prefetch,
            max_page_size=MAX_PAGE_SIZE,
        )

    def _offset_paginator(
        self,
        cls: type[T],
        route: str,
        *,
        page_size: int,
        limit: int | None,
        start_token: str | None,
        prefetch: int,
        max_page_size: int,
    ) -> AsyncPaginator[T]:
        async def fetch(cursor: str | None, size: int) -> Page[T]:
            offset = int(cursor or 0)
            page = structure(
                await self._json("GET", route, params={"Limit": str(size), "Offset": str(offset)}),
                OffsetPage[cls],  # type: ignore[valid-type]
            )
            end = offset + len(page.data)
            more = bool(page.data) and (page.total is None or end < page.total)
            return Page(
                items=list(page.data),
                next_token=str(end) if more else None,
                total=page.total,
                is_truncated=more,
            )

        return AsyncPaginator(
            fetch,
            query={"route": route},
            page_size=page_size,
            limit=limit,
            start_token=start_token,
            prefetch=prefetch,
            max_page_size=max_page_size,
        )

    # -- duplicate-safe creation --------------------------------------------------------

    async def _create(self, item: Any, cls: type, field: str) -> str:
        """Check a creation input, give it a shortname, and create it (duplicate-safe)."""
        expect(item, cls, field)
        return await self._create_one(
            self._collection, payload_with_shortname(item), name=item.name
        )

    async def _create_from(self, uuid: str, action: str, overrides: Any, cls: type) -> str:
        """``POST /<collection>/{uuid}/<action>`` (clone, retry...): a new entity made
        from an existing one, duplicate-safe like a creation."""
        if overrides is None:
            overrides = cls()
        expect(overrides, cls, "overrides")
        return await self._create_one(
            path(self._collection.strip("/"), check_uuid_arg(uuid), action),
            payload_with_shortname(overrides),
            name=getattr(overrides, "name", None),
        )

    async def _create_all(
        self,
        items: Sequence[Any],
        cls: type,
        field: str,
        *,
        chunk_size: int,
        concurrency: int,
        on_progress: Callable[[int, int], None] | None,
    ) -> CreateResults:
        """Check every input before anything is sent, then create them in chunks."""
        for i, item in enumerate(items):
            expect(item, cls, f"{field}[{i}]")
        payloads = [payload_with_shortname(item) for item in items]
        check_unique_shortnames(payloads, field)
        return await self._create_many(
            self._collection,
            payloads,
            chunk_size=chunk_size,
            concurrency=concurrency,
            on_progress=on_progress,
        )

    async def _create_one(self, route: str, payload: Any, *, name: str | None) -> str:
        """POST one creation, retried safely: its shortname makes a repeat recognisable.

        If an attempt may have reached the service (timeout, reset, 5xx) the transport
        retries with the same body; a 409 on the shortname after such a retry means the
        first attempt landed, and its uuid is looked up instead of failing or creating
        a second entity.
        """
        shortname = payload.get("shortname")
        try:
            resp = await self._send("POST", route, json_body=payload, idempotent=True)
        except ConflictError as exc:
            if exc.attempt > 1 and shortname:
                found = await self._find_by_shortnames([shortname])
                entity = found.get(shortname)
                if entity is not None and (name is None or entity.get("name") == name):
                    return str(entity["uuid"])
            raise
        data = resp.json()
        return str(data["uuid"])

    async def _find_by_shortnames(self, shortnames: Sequence[str]) -> dict[str, Any]:
        """Wire entities by shortname (one search for the lot)."""
        if not shortnames:
            return {}
        found = await self._json(
            "POST",
            f"{self._collection}/search",
            json_body={
                "filter": F.shortname.in_(shortnames).to_wire(),
                "select": {"fields": ["Uuid", "Shortname", "Name"]},
                "maximumResults": len(shortnames),
            },
        )
        return {e["shortname"]: e for e in found or [] if e.get("shortname")}

    async def _create_many(
        self,
        route: str,
        payloads: Sequence[dict[str, Any]],
        *,
        chunk_size: int,
        concurrency: int,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> CreateResults:
        if chunk_size < 1:
            raise InvalidInputError("chunk_size", "must be >= 1", chunk_size)
        if concurrency < 1:
            raise InvalidInputError("concurrency", "must be >= 1", concurrency)
        results: list[CreateResult | None] = [None] * len(payloads)
        gate = asyncio.Semaphore(concurrency)
        done = 0

        async def send(start: int, chunk: Sequence[dict[str, Any]]) -> None:
            nonlocal done
            async with gate:
                await self._send_chunk(route, start, chunk, results)
            done += len(chunk)
            if on_progress is not None:
                on_progress(done, len(payloads))

        chunks = [
            (start, payloads[start : start + chunk_size])
            for start in range(0, len(payloads), chunk_size)
        ]
        await asyncio.gather(*(send(start, chunk) for start, chunk in chunks))
        assert all(r is not None for r in results)
        return CreateResults([r for r in results if r is not None])

    async def _send_chunk(
        self,
        route: str,
        start: int,
        chunk: Sequence[dict[str, Any]],
        results: list[CreateResult | None],
    ) -> None:
        try:
            resp = await self._send("POST", route, json_body=list(chunk), idempotent=True)
            answers = structure(resp.json(), list[MultiResponse])
            if len(answers) != len(chunk):
                raise QarnotError(
                    f"the service answered {len(answers)} results for {len(chunk)} items"
                )
        except APIError as exc:
            # The whole chunk was refused (or answered oddly after retries): some items
            # may still have landed on an earlier attempt, so look before reporting.
            failed = [(i, exc.status, exc.message) for i in range(len(chunk))]
            await self._settle_by_shortname(start, chunk, failed, results)
            return
        except QarnotError as exc:
            failed = [(i, 0, str(exc)) for i in range(len(chunk))]
            await self._settle_by_shortname(start, chunk, failed, results)
            return
        conflicted: list[tuple[int, int, str | None]] = []
        for offset, (payload, answer) in enumerate(zip(chunk, answers, strict=True)):
            status = answer.status_code or 200
            if answer.uuid and 200 <= status < 300:
                results[start + offset] = CreateResult(
                    start + offset, answer.uuid, status, None, payload.get("shortname")
                )
            elif status == 409 and resp.attempt > 1:
                # Taken on a retry: maybe by this very chunk's lost first attempt.
                conflicted.append((offset, status, answer.message))
            else:
                results[start + offset] = CreateResult(
                    start + offset, None, status, answer.message, payload.get("shortname")
                )
        if conflicted:
            await self._settle_by_shortname(start, chunk, conflicted, results)

    async def _settle_by_shortname(
        self,
        start: int,
        chunk: Sequence[dict[str, Any]],
        failed: Sequence[tuple[int, int, str | None]],
        results: list[CreateResult | None],
    ) -> None:
        """Report items as created when their shortname and name are found on the
        service, else with the failure given for them."""
        try:
            found = await self._find_by_shortnames([chunk[i]["shortname"] for i, _, _ in failed])
        except QarnotError:
            found = {}
        for offset, status, message in failed:
            payload = chunk[offset]
            entity = found.get(payload["shortname"])
            if entity is not None and entity.get("name") == payload.get("name"):
                results[start + offset] = CreateResult(
                    start + offset, str(entity["uuid"]), 200, None, payload["shortname"]
                )
            else:
                results[start + offset] = CreateResult(
                    start + offset, None, status, message, payload["shortname"]
                )


def _predicate(
    until: Callable[[Any], bool] | Iterable[Any] | None, is_final: Callable[[Any], bool]
) -> Callable[[Any], bool] | None:
    """``until`` as a predicate on states: a callable, or the states to stop at.

    A final entity also ends the wait: it can never reach the states asked for, and
    waiting on would hang forever. The caller reads its ``state``.
    """
    if until is None:
        return None
    if callable(until):
        condition = until
    else:
        targets = frozenset(until)
        if not targets:
            raise InvalidInputError("until", "give at least one state to wait for", until)
        condition = targets.__contains__
    return lambda state: condition(state) or is_final(state)


def payload_with_shortname(entity: Any) -> dict[str, Any]:
    """The wire body of a creation input, given a shortname when it has none."""
    if getattr(entity, "shortname", None) is None:
        entity = attrs.evolve(entity, shortname=new_shortname())
    body = unstructure(entity)
    if not isinstance(body, dict):
        raise InvalidInputError("input", "expected a creation input object", entity)
    return body


def expect(value: Any, cls: type | tuple[type, ...], name: str) -> None:
    """Refuse an argument of the wrong type before anything is sent."""
    if not isinstance(value, cls):
        names = cls.__name__ if isinstance(cls, type) else " or ".join(c.__name__ for c in cls)
        raise InvalidInputError(name, f"expected {names}, got {type(value).__name__}", value)


def route(*segments: str | int) -> str:
    """A route with every segment quoted (see :func:`qarnot_async._transport.path`)."""
    return path(*segments)
