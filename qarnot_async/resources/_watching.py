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
from ._checks import route
from ._paging import PageReader
from ._requests import Calls

__all__ = ["PagedStateSource"]

_log = logging.getLogger("qarnot_async")


class PagedStateSource:
    """A :class:`~qarnot_async.polling.StateSource` over one collection's paginate routes.

    Args:
        calls: the requests of the collection.
        kind: the poller's name for the collection (``"task"``...).
        collection: the collection's route, e.g. ``/tasks`` (``GET /tasks/{uuid}``
            serves the fallback).
        states: the class and paginate route that serve states (summaries when the
            collection has them: lighter).
        entities: the class and paginate route that serve full entities.
        is_final: whether a state can no longer change.
    """

    def __init__(
        self,
        calls: Calls,
        *,
        kind: str,
        collection: str,
        states: tuple[type, str],
        entities: tuple[type, str],
        is_final: Callable[[Any], bool],
    ) -> None:
        self._calls = calls
        self._kind = kind
        self._collection = collection.strip("/")
        self._states = states
        self._entities = entities
        self._is_final = is_final
        self.fallback = False
        """True once the service refused the Uuid filter: one GET per uuid since."""

    def __repr__(self) -> str:
        return f"PagedStateSource(kind={self._kind!r}, fallback={self.fallback})"

    @property
    def kind(self) -> str:
        """``"task"``, ``"pool"`` or ``"job"``."""
        return self._kind

    def is_final(self, state: Any) -> bool:
        """Whether ``state`` can no longer change."""
        return self._is_final(state)

    async def states(self, uuids: Sequence[str]) -> Mapping[str, Any]:
        """The summaries of ``uuids``; a uuid the service does not know is left out."""
        return await self._fetch(*self._states, uuids)

    async def entities(self, uuids: Sequence[str]) -> Mapping[str, Any]:
        """The full entities of ``uuids``; a uuid the service does not know is left out."""
        return await self._fetch(*self._entities, uuids)

    async def _fetch(self, cls: type, page_route: str, uuids: Sequence[str]) -> dict[str, Any]:
        if not self.fallback:
            try:
                wanted = F.uuid.in_(uuids)
                reader: PageReader[Any] = PageReader(self._calls, cls, page_route, filter=wanted)
                return await self._paged(reader, uuids)
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

    @staticmethod
    async def _paged(reader: PageReader[Any], uuids: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        token: str | None = None
        while True:
            page = await reader(token, len(uuids))
            for item in page.items:
                found[item.uuid] = item
            token = page.next_token
            if token is None or len(found) >= len(uuids):
                return found

    async def _one_by_one(self, cls: type, uuids: Sequence[str]) -> dict[str, Any]:
        async def get(uuid: str) -> Any:
            try:
                return await self._calls.read(cls, "GET", route(self._collection, uuid))
            except NotFoundError:
                return None

        # The client's max_concurrency caps these requests in flight.
        answers = await asyncio.gather(*(get(u) for u in uuids))
        return {u: a for u, a in zip(uuids, answers, strict=True) if a is not None}
