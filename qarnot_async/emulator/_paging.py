"""Token pagination (``POST .../paginate``) and search (``POST .../search``).

Pages are keyset pages: the token carries the sort key of the last item returned (and
the hash of the query), so an item created or deleted between two pages neither shifts
nor repeats the others. Tokens are opaque and signed with a per-emulator secret: a
token edited by hand, or reused with another filter or order, is refused with 400.

The sorted, filtered list of a query is cached while nothing changes (same store
version, same emulated time), so walking 100,000 tasks costs one sort, then a bisect
per page.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import json
import secrets
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, Final

from ._entities import Job, Pool, Task, _Entity
from ._errors import ApiError
from ._filters import FilterError, compile_filter
from ._render import (
    job_output,
    pool_execution_seconds,
    pool_output,
    task_execution_seconds,
    task_output,
)
from ._store import Store

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "Pager", "select_keys"]

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


class Pager:
    """Serves paginate and search requests over a :class:`Store`."""

    def __init__(self, store: Store, refused_fields: Iterable[str] = ()) -> None:
        """``refused_fields``: filter fields answered with 400 (as some services do)."""
        self.store = store
        self.refused_fields = frozenset(refused_fields)
        self._secret = secrets.token_bytes(16)
        self._cache: OrderedDict[
            tuple[Any, ...], tuple[list[tuple[SortValue, str]], list[_Entity]]
        ] = OrderedDict()

    def _entities(self, kind: str) -> Iterable[_Entity]:
        if kind == "task":
            return self.store.tasks.values()
        if kind == "pool":
            return self.store.pools.values()
        return self.store.jobs.values()

    def _predicate(self, kind: str, raw_filter: Any, now: float) -> Callable[[Any], bool] | None:
        try:
            return compile_filter(raw_filter, kind, now, self.refused_fields)
        except FilterError as exc:
            raise _bad("filter", str(exc)) from exc

    def _sorted(
        self, kind: str, raw_filter: Any, order_by: str, now: float
    ) -> tuple[list[tuple[SortValue, str]], list[_Entity]]:
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
        sort_value = _ORDER_FIELDS[kind][order_by]
        entities = self._entities(kind)
        matching = (
            [e for e in entities if predicate(e)] if predicate is not None else list(entities)
        )
        decorated = sorted(((sort_value(e, now), e.uuid), e) for e in matching) if matching else []
        result = ([k for k, _ in decorated], [e for _, e in decorated])
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

    def paginate(
        self, kind: str, body: dict[str, Any], now: float, render: Callable[[Any], dict[str, Any]]
    ) -> dict[str, Any]:
        """Answer a ``PageDetailRequest`` with a ``...TokenPagedResponse``."""
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
        keys, entities = self._sorted(kind, raw_filter, order_key, now)
        if descending:
            end = len(keys) if position is None else bisect.bisect_left(keys, position)
            start = max(0, end - size)
            page = entities[start:end][::-1]
            truncated = start > 0
            last = keys[start] if page else None
        else:
            start = 0 if position is None else bisect.bisect_right(keys, position)
            end = min(len(keys), start + size)
            page = entities[start:end]
            truncated = end < len(keys)
            last = keys[end - 1] if page else None
        next_token = self._encode(query, last) if truncated and last is not None else None
        return {
            "data": [render(entity) for entity in page],
            "count": len(page),
            "total": len(keys),
            "isTruncated": truncated,
            "nextToken": next_token,
        }

    def search(
        self, kind: str, body: dict[str, Any], now: float, render: Callable[[Any], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Answer a ``DataDetailRequest``: matching entities by creation date, maybe trimmed."""
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
        _, entities = self._sorted(kind, lowered.get("filter"), "creationdate", now)
        if limit is not None:
            entities = entities[:limit]
        if fields is not None:
            keys = select_keys(kind, fields)
        rendered = [render(entity) for entity in entities]
        if fields is None:
            return rendered
        return [{key: item[key] for key in keys} for item in rendered]


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


def select_keys(kind: str, fields: list[str]) -> list[str]:
    """The output keys named by ``fields`` (PascalCase or camelCase); 400 on unknown ones."""
    available = _KEYS.get(kind)
    if available is None:
        available = _KEYS[kind] = {key.lower(): key for key in _output_keys(kind)}
    unknown = [field for field in fields if field.lower() not in available]
    if unknown:
        raise _bad("select.fields", f"Unknown field(s): {', '.join(unknown)}.")
    return [available[field.lower()] for field in fields]
