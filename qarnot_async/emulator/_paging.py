"""Token pagination (``POST .../paginate``) and search (``POST .../search``).

Pages are keyset pages: the token carries the sort key of the last item returned (and
the hash of the query), so an item created or deleted between two pages neither shifts
nor repeats the others. Tokens are opaque and signed with a per-emulator secret: a
token edited by hand, or reused with another filter or order, is refused with 400.

The default query (no filter, creation order) reads the store's creation-order index
as it stands: a bisect and a slice per page, whatever changes meanwhile. A filter
naming uuids or shortnames (``In``, ``Equal``) reads the candidates from the store's
indexes. Any other query's sorted, filtered list is cached while nothing changes (same
store version, same emulated time), so walking 100,000 tasks costs one sort, then a
bisect per page.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import json
import secrets
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
from aiohttp import web

from ._entities import Job, Pool, Task, _Entity
from ._errors import ApiError
from ._filters import FilterError, compile_filter
from ._render import (
    ENCODE,
    job_output,
    pool_execution_seconds,
    pool_output,
    pool_summary,
    task_execution_seconds,
    task_output,
    task_summary,
)
from ._store import Store

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "Pager", "json_bytes_response", "select_keys"]

#: ``maximumResults`` when the request leaves it out.
DEFAULT_PAGE_SIZE: Final = 50
#: The largest page the emulator serves; a larger ``maximumResults`` is clamped to it.
MAX_PAGE_SIZE: Final = 1000
_CACHE_SIZE: Final = 16

SortValue = float | str


def _order_fields(kind: str) -> dict[str, Callable[[Any, float], SortValue]]:
    fields: dict[str, Callable[[Any, float], SortValue]] = {
        "creationdate": lambda e, now: e.created,
        "name": lambda e, now: e.name or "",
        "state": lambda e, now: e.state or "",
    }
    if kind == "task":
        fields["executiontime"] = task_execution_seconds
    elif kind == "pool":
        fields["executiontime"] = pool_execution_seconds
    return fields


_ORDER_FIELDS: Final = {kind: _order_fields(kind) for kind in ("task", "pool", "job")}


def _bad(field: str, message: str) -> ApiError:
    return ApiError(400, message, {field: [message]})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def json_bytes_response(body: bytes) -> web.Response:
    """An answer of JSON already written (by :data:`ENCODE`), as ``json_response`` sends."""
    return web.Response(body=body, content_type="application/json", charset="utf-8")


class _Ordered:
    """The items of a query in order: their sort keys, and the items of any slice.

    ``entities`` is the items themselves, or (for an index read as it stands) the table
    to look their uuids up in.
    """

    __slots__ = ("_entities", "_table", "keys")

    def __init__(
        self,
        keys: Sequence[tuple[SortValue, str]],
        table: Mapping[str, _Entity] | None = None,
        entities: list[_Entity] | None = None,
    ) -> None:
        self.keys = keys
        self._table = table
        self._entities = entities

    def slice(self, start: int, end: int) -> list[_Entity]:
        """The items from ``start`` to ``end`` (excluded)."""
        if self._entities is not None:
            return self._entities[start:end]
        assert self._table is not None
        table = self._table
        return [table[uuid] for _, uuid in self.keys[start:end]]


@attrs.frozen(slots=True)
class _TokenPage:
    entities: list[_Entity]
    total: int
    truncated: bool
    next_token: str | None


def _sort(
    entities: Iterable[_Entity],
    predicate: Callable[[Any], bool] | None,
    sort_value: Callable[[Any, float], SortValue],
    now: float,
) -> _Ordered:
    matching = [e for e in entities if predicate(e)] if predicate is not None else list(entities)
    decorated = sorted(((sort_value(e, now), e.uuid), e) for e in matching) if matching else []
    return _Ordered([k for k, _ in decorated], entities=[e for _, e in decorated])


#: Fields whose ``In`` / ``Equal`` leaf names the entities by an index of the store.
_INDEXED_FIELDS: Final = ("uuid", "shortname")


def _indexed(raw_filter: Any, kind: str, store: Store) -> list[str] | None:
    """The uuids a filter can only match, read from an index, or ``None`` when it says
    nothing an index answers.

    A ``Uuid`` or ``Shortname`` leaf with ``In`` or ``Equal``, alone or under an ``And``,
    bounds the matches: the poller's "states of these 200 uuids" costs 200 lookups,
    not a scan of every task. The full filter is still applied to these candidates.
    """
    if not isinstance(raw_filter, dict):
        return None
    operator = raw_filter.get("operator")
    if not isinstance(operator, str):
        return None
    if operator.lower() == "and":
        children = raw_filter.get("filters")
        if not isinstance(children, list):
            return None
        for child in children:
            found = _indexed(child, kind, store)
            if found is not None:
                return found
        return None
    field = raw_filter.get("field")
    if operator.lower() not in ("in", "equal") or not isinstance(field, str):
        return None
    if field.lower() not in _INDEXED_FIELDS:
        return None
    values = raw_filter.get("values")
    if values is None:
        values = [raw_filter.get("value")]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return None  # the filter's own check answers it
    if field.lower() == "uuid":
        # Uuids compare case-insensitively; the store keeps them in lower case.
        return list(dict.fromkeys(v.lower() for v in values))
    names = {"task": store.task_shortnames, "pool": store.pool_shortnames}.get(
        kind, store.job_shortnames
    )
    return list(dict.fromkeys(names[v] for v in values if v in names))


class Pager:
    """Serves paginate and search requests over a :class:`Store`."""

    def __init__(self, store: Store, refused_fields: Iterable[str] = ()) -> None:
        """``refused_fields``: filter fields answered with 400 (as some services do)."""
        self.store = store
        self.refused_fields = frozenset(refused_fields)
        self._secret = secrets.token_bytes(16)
        self._cache: OrderedDict[tuple[Any, ...], _Ordered] = OrderedDict()

    def _table(self, kind: str) -> Mapping[str, _Entity]:
        if kind == "task":
            return self.store.tasks
        if kind == "pool":
            return self.store.pools
        return self.store.jobs

    def _predicate(self, kind: str, raw_filter: Any, now: float) -> Callable[[Any], bool] | None:
        try:
            return compile_filter(raw_filter, kind, now, self.refused_fields)
        except FilterError as exc:
            raise _bad("filter", str(exc)) from exc

    def _query(self, kind: str, raw_filter: Any, order_by: str, now: float) -> _Ordered:
        """The keys of the query's items in order, and how to get the items of a slice."""
        table = self._table(kind)
        if raw_filter is None and order_by == "creationdate":
            # The default query reads the creation-order index as it stands.
            return _Ordered(self.store.order[kind].keys(), table)
        candidates = _indexed(raw_filter, kind, self.store)
        if candidates is not None:
            predicate = self._predicate(kind, raw_filter, now)
            found = [table[u] for u in candidates if u in table]
            return _sort(found, predicate, _ORDER_FIELDS[kind][order_by], now)
        # Every state change bumps store.version; only an executionTime order moves with
        # the clock alone, so only that order keys on `now` (a running clock would
        # otherwise re-sort the whole collection for every page).
        moment = now if order_by == "executiontime" else None
        key = (kind, json.dumps(raw_filter, sort_keys=True), order_by, self.store.version, moment)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        predicate = self._predicate(kind, raw_filter, now)
        result = _sort(table.values(), predicate, _ORDER_FIELDS[kind][order_by], now)
        self._cache[key] = result
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return result

    # -- tokens -------------------------------------------------------------------------------

    def _query_hash(self, kind: str, raw_filter: Any, order_by: str, descending: bool) -> str:
        text = json.dumps([kind, raw_filter, order_by, descending], sort_keys=True)
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()[:12])

    def _encode(self, query: str, position: tuple[SortValue, str]) -> str:
        payload = _b64(json.dumps([query, position[0], position[1]]).encode())
        return f"{payload}.{self._mac(payload)}"

    def _decode(self, token: str, query: str) -> tuple[SortValue, str]:
        payload, _, mac = token.partition(".")
        if not mac or not hmac.compare_digest(mac, self._mac(payload)):
            raise _bad("token", "The token is invalid.")
        try:
            token_query, value, uuid = json.loads(_unb64(payload))
        except (ValueError, TypeError) as exc:
            raise _bad("token", "The token is invalid.") from exc
        if token_query != query:
            raise _bad("token", "The token belongs to another query (filter or order changed).")
        return value, uuid

    # -- requests -----------------------------------------------------------------------------

    def _page(self, kind: str, body: dict[str, Any], now: float) -> _TokenPage:
        """The entities of the page a ``PageDetailRequest`` asks for, and its envelope."""
        lowered = {key.lower(): value for key, value in body.items()}
        size = lowered.get("maximumresults")
        if size is None:
            size = DEFAULT_PAGE_SIZE
        elif isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise _bad("maximumResults", "The maximumResults field must be a positive integer.")
        size = min(size, MAX_PAGE_SIZE)
        order_by = lowered.get("orderby") or "creationDate"
        if not isinstance(order_by, str) or order_by.lower() not in _ORDER_FIELDS[kind]:
            names = ", ".join(sorted(_ORDER_FIELDS[kind]))
            raise _bad("orderBy", f"The orderBy field must be one of: {names} (case-insensitive).")
        order_type = lowered.get("ordertype") or "ASC"
        if not isinstance(order_type, str) or order_type.upper() not in ("ASC", "DESC"):
            raise _bad("orderType", "The orderType field must be ASC or DESC.")
        descending = order_type.upper() == "DESC"
        raw_filter = lowered.get("filter")
        order_key = order_by.lower()
        query = self._query_hash(kind, raw_filter, order_key, descending)
        token = lowered.get("token")
        position: tuple[SortValue, str] | None = None
        if token is not None and token != "":
            if not isinstance(token, str):
                raise _bad("token", "The token is invalid.")
            position = self._decode(token, query)
        ordered = self._query(kind, raw_filter, order_key, now)
        keys = ordered.keys
        if descending:
            end = len(keys) if position is None else bisect.bisect_left(keys, position)
            start = max(0, end - size)
            page = ordered.slice(start, end)[::-1]
            truncated = start > 0
            last = keys[start] if page else None
        else:
            start = 0 if position is None else bisect.bisect_right(keys, position)
            end = min(len(keys), start + size)
            page = ordered.slice(start, end)
            truncated = end < len(keys)
            last = keys[end - 1] if page else None
        next_token = self._encode(query, last) if truncated and last is not None else None
        return _TokenPage(page, len(keys), truncated, next_token)

    def paginate(
        self, kind: str, body: dict[str, Any], now: float, render: Callable[[Any], dict[str, Any]]
    ) -> dict[str, Any]:
        """Answer a ``PageDetailRequest`` with a ``...TokenPagedResponse``."""
        page = self._page(kind, body, now)
        return {
            "data": [render(entity) for entity in page.entities],
            "count": len(page.entities),
            "total": page.total,
            "isTruncated": page.truncated,
            "nextToken": page.next_token,
        }

    def paginate_json(
        self, kind: str, body: dict[str, Any], now: float, render: Callable[[Any], bytes]
    ) -> bytes:
        """:meth:`paginate`, written as JSON from each entity's own JSON (``render``):
        the very bytes ``json_response(paginate(...))`` would send."""
        page = self._page(kind, body, now)
        tail = ENCODE(
            {
                "count": len(page.entities),
                "total": page.total,
                "isTruncated": page.truncated,
                "nextToken": page.next_token,
            }
        ).encode()
        items = b",".join([render(entity) for entity in page.entities])
        return b'{"data":[' + items + b"]," + tail[1:]

    def search(
        self,
        kind: str,
        body: dict[str, Any],
        now: float,
        render: Callable[[Any], dict[str, Any]],
        summary: Callable[[Any], dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """Answer a ``DataDetailRequest``: matching entities by creation date, maybe trimmed.

        ``summary`` renders the kind's summary, whose members hold the same values as
        the full output's: a ``select`` of summary members only is read from it, a
        fraction of the work (a poller asks for uuid, state and its time at every tick).
        """
        lowered = {key.lower(): value for key, value in body.items()}
        limit = lowered.get("maximumresults")
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise _bad("maximumResults", "The maximumResults field must be a positive integer.")
        select = lowered.get("select")
        fields: list[str] | None = None
        if select is not None:
            if not isinstance(select, dict):
                raise _bad("select", "The select field must be an object.")
            raw_fields = {k.lower(): v for k, v in select.items()}.get("fields")
            if raw_fields is not None:
                if not isinstance(raw_fields, list) or not all(
                    isinstance(f, str) for f in raw_fields
                ):
                    raise _bad(
                        "select.fields", "The select.fields field must be an array of strings."
                    )
                fields = raw_fields or None
        ordered = self._query(kind, lowered.get("filter"), "creationdate", now)
        entities = ordered.slice(0, len(ordered.keys) if limit is None else limit)
        if fields is None:
            return [render(entity) for entity in entities]
        keys = select_keys(kind, fields)
        if summary is not None and _summary_keys(kind).issuperset(keys):
            render = summary
        return [{key: item[key] for key in keys} for item in map(render, entities)]


def _output_keys(kind: str) -> list[str]:
    # Render a throw-away entity once to learn the output's keys.
    store = Store()
    dummy_uuid = "00000000-0000-0000-0000-000000000000"
    if kind == "task":
        return list(task_output(Task(dummy_uuid, 0, 0.0, "", "", (0,)), 0.0))
    if kind == "pool":
        return list(pool_output(Pool(dummy_uuid, 0, 0.0, "", ""), 0.0, store))
    return list(job_output(Job(dummy_uuid, 0, 0.0, "", "")))


_KEYS: dict[str, dict[str, str]] = {}
_SUMMARY_KEYS: dict[str, frozenset[str]] = {}


def _summary_keys(kind: str) -> frozenset[str]:
    """The members of the kind's summary (none for jobs, which have no summary)."""
    keys = _SUMMARY_KEYS.get(kind)
    if keys is None:
        dummy_uuid = "00000000-0000-0000-0000-000000000000"
        if kind == "task":
            keys = frozenset(task_summary(Task(dummy_uuid, 0, 0.0, "", "", (0,)), 0.0))
        elif kind == "pool":
            keys = frozenset(pool_summary(Pool(dummy_uuid, 0, 0.0, "", ""), 0.0, Store()))
        else:
            keys = frozenset()
        _SUMMARY_KEYS[kind] = keys
    return keys


def select_keys(kind: str, fields: list[str]) -> list[str]:
    """The output keys named by ``fields`` (PascalCase or camelCase); 400 on unknown ones."""
    available = _KEYS.get(kind)
    if available is None:
        available = _KEYS[kind] = {key.lower(): key for key in _output_keys(kind)}
    unknown = [field for field in fields if field.lower() not in available]
    if unknown:
        raise _bad("select.fields", f"Unknown field(s): {', '.join(unknown)}.")
    return [available[field.lower()] for field in fields]
