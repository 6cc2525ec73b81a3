"""How the shared poller reads states: coalesced paging with an ``In`` filter on Uuid.

Each :class:`PagedStateSource` answers the poller's questions for one kind of entity
with one ``POST .../paginate`` per chunk of uuids. If the service refuses the ``Uuid``
filter (400), the source falls back, once and for good, to one ``GET`` per uuid under
the client's concurrency cap, and says so in one log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import BadRequestError, NotFoundError
from ..filters import F
from ..models import TokenPage
from ._base import Resource, route

__all__ = ["PagedStateSource"]

_log = logging.getLogger("qarnot_async")


class PagedStateSource:
    """A :class:`~qarnot_async.polling.StateSource` over a resource's paginate routes."""

    def __init__(
        self,
        resource: Resource,
        *,
        kind: str,
        collection: str,
        summary_cls: type,
        summary_route: str,
        entity_cls: type,
        entity_route: str,
        is_final: Callable[[Any], bool],
    ) -> None:
        self._resource = resource
        self._kind = kind
        self._collection = collection
        self._summary = (summary_cls, summary_route)
        self._entity = (entity_cls, entity_route)
        self._is_final = is_final
        self.fallback = False
        """True once the service refused the Uuid filter: one GET per uuid since."""

    @property
    def kind(self) -> str:
        """``"task"``, ``"pool"`` or ``"job"``."""
        return self._kind

    def is_final(self, state: Any) -> bool:
        """Whether ``state`` can no longer change."""
        return self._is_final(state)

    def describe(self, call: str, uuid: str) -> str:
        """The request that asked for ``uuid`` in ``call`` (``"states"``, ``"entities"``).

        The poller names it in the :class:`~qarnot_async.errors.NotFoundError` of a
        uuid the answer left out.
        """
        if self.fallback:
            return f"GET {route(self._collection.strip('/'), uuid)}"
        _, page_route = self._summary if call == "states" else self._entity
        return f"POST {page_route}"

    async def states(self, uuids: Sequence[str]) -> Mapping[str, Any]:
        """The summaries of ``uuids``; a uuid the service does not know is left out."""
        return await self._fetch(*self._summary, uuids)

    async def entities(self, uuids: Sequence[str]) -> Mapping[str, Any]:
        """The full entities of ``uuids``; a uuid the service does not know is left out."""
        return await self._fetch(*self._entity, uuids)

    async def _fetch(self, cls: type, page_route: str, uuids: Sequence[str]) -> dict[str, Any]:
        if not self.fallback:
            try:
                return await self._paged(cls, page_route, uuids)
            except BadRequestError as exc:
                self.fallback = True
                _log.warning(
                    "the service refused a Uuid filter on %s (%s); polling %ss with one "
                    "GET each from now on",
                    page_route,
                    exc.message,
                    self._kind,
                )
        return await self._one_by_one(cls, uuids)

    async def _paged(self, cls: type, page_route: str, uuids: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        token: str | None = None
        wanted = F.uuid.in_(uuids)
        while True:
            page: TokenPage[Any] = await self._resource._token_page(
                cls,
                page_route,
                token=token,
                filter=wanted,
                max_results=len(uuids),
                order_by=None,
                descending=False,
            )
            for item in page.data:
                found[item.uuid] = item
            token = page.next_token
            if not page.is_truncated or not token or len(found) >= len(uuids):
                return found

    async def _one_by_one(self, cls: type, uuids: Sequence[str]) -> dict[str, Any]:
        async def get(uuid: str) -> Any:
            try:
                return await self._resource._one(
                    cls, "GET", route(self._collection.strip("/"), uuid)
                )
            except NotFoundError:
                return None

        # The client's max_concurrency caps these requests in flight.
        answers = await asyncio.gather(*(get(u) for u in uuids))
        return {u: a for u, a in zip(uuids, answers, strict=True) if a is not None}
