"""How the shared poller reads states: coalesced requests with an ``In`` filter on Uuid.

Each :class:`PagedStateSource` answers the poller's questions for one kind of entity
with one request per chunk of uuids. Each tick reads the state of every watched uuid,
so it asks for nothing else: a ``POST .../search`` whose ``select`` names the three
fields a :class:`StateSighting` holds (uuid, state, transition time), about a sixth of
a summary's bytes to send and decode. The full entity is read (``POST .../paginate``)
only for the waits that ended.

Fallbacks, each once and for good, each said in one log line: a service that refuses
the ``select`` search (400; or has no such route: 404, 405, 501; or answers it with
something else than a list) is asked for the summaries' pages (``POST
.../summaries/paginate``, filtered the same way); one that refuses the ``Uuid`` filter
there too gets one ``GET`` per uuid under the client's concurrency cap. A uuid left
out of a search's answer is asked for again on the paged route before the poller
hears it is gone: no document says the search never trims its answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar, get_args

import attrs

from .._converter import attribute_type, structure
from ..errors import APIError, BadRequestError, DecodeError, NotFoundError
from ..filters import ManyLeaf
from ._checks import item_route
from ._paging import PageReader, search_request
from ._requests import Calls
from ._waiting import is_final

__all__ = ["SIGHTING_FIELDS", "PagedStateSource", "StateSighting", "sighting_of"]

_log = logging.getLogger("qarnot_async")

S = TypeVar("S")


@attrs.frozen(slots=True)
class StateSighting(Generic[S]):
    """What the poller reads of an entity at each tick: its state and when it changed.

    Read from a summary (or an entity) without the rest of it. It is what a
    :class:`~qarnot_async.polling.StateChange` carries as ``entity``, what
    ``WaitTimeoutError.last_seen`` and ``Poller.last_seen()`` hold; ``client.tasks.get``
    reads the whole entity.
    """

    uuid: str
    state: S | None = None
    state_transition_time: datetime | None = None

    @property
    def is_final(self) -> bool:
        """Whether the entity can no longer change."""
        return is_final(self.state)


def sighting_of(cls: type) -> Any:
    """``StateSighting`` of the state enum of model ``cls`` (``TaskState`` for tasks)."""
    state = attribute_type(cls, "state")
    enums = [a for a in get_args(state) if a is not type(None)] or [state]
    return StateSighting[enums[0]]  # type: ignore[valid-type]


#: The fields a :class:`StateSighting` is read from, as ``select`` names them.
SIGHTING_FIELDS = ("Uuid", "State", "StateTransitionTime")

#: The statuses that say a service has no such search (or refuses its ``select``), as
#: does an answer that is not a list: the paged route serves the states instead.
_NO_SEARCH = frozenset({400, 404, 405, 501})


@attrs.define(kw_only=True, eq=False)
class PagedStateSource:
    """A :class:`~qarnot_async.polling.StateSource` over one collection's routes.

    Attributes:
        calls: the requests of the collection.
        kind: the poller's name for the collection (``"task"``...).
        collection: the collection's route, e.g. ``/tasks`` (``POST /tasks/search``
            serves the states, ``GET /tasks/{uuid}`` the last fallback).
        states_route: the class and paginate route that serve states when the service
            refuses the search (summaries when the collection has them: lighter).
        entities_route: the class and paginate route that serve full entities.
        selecting: False once the service refused the ``select`` search: states come
            from ``states_route`` since.
        fallback: True once the service refused the Uuid filter: one GET per uuid since.
    """

    calls: Calls
    kind: str
    collection: str
    states_route: tuple[type, str]
    entities_route: tuple[type, str]
    selecting: bool = attrs.field(default=True, init=False)
    fallback: bool = attrs.field(default=False, init=False)
    _sighting: Any = attrs.field(init=False)
    _sightings: Any = attrs.field(init=False)

    @_sighting.default
    def _sighting_of_states(self) -> Any:
        return sighting_of(self.states_route[0])

    @_sightings.default
    def _list_of_sightings(self) -> Any:
        return list[self._sighting]  # type: ignore[name-defined]

    def is_final(self, state: Any) -> bool:
        """Whether ``state`` can no longer change (its ``is_final``)."""
        return is_final(state)

    def describe(self, call: str, uuid: str) -> str:
        """The request that asked for ``uuid`` in ``call`` (``"states"``, ``"entities"``).

        The poller names it in the :class:`~qarnot_async.errors.NotFoundError` of a
        uuid the answer left out (a uuid a search left out was asked for again on the
        paged route: that answer is the one that showed it gone).
        """
        if self.fallback:
            return f"GET {item_route(self.collection, uuid)}"
        _, page_route = self.states_route if call == "states" else self.entities_route
        return f"POST {page_route}"

    async def states(self, uuids: Sequence[str]) -> Mapping[str, Any]:
        """The :class:`StateSighting` of ``uuids``; a uuid the service does not know is
        left out."""
        if self.selecting and not self.fallback:
            try:
                found = await self._selected(uuids)
            except (APIError, DecodeError) as exc:
                if isinstance(exc, APIError) and exc.status not in _NO_SEARCH:
                    raise
                self.selecting = False
                _log.warning(
                    "the service refused a search selecting %s on %s/search (%s); polling "
                    "%ss with summaries pages from now on",
                    ", ".join(SIGHTING_FIELDS),
                    self.collection,
                    exc.message if isinstance(exc, APIError) else exc,
                    self.kind,
                )
            else:
                if len(found) < len(uuids):
                    missing = [u for u in uuids if u not in found]
                    found.update(await self._fetch(self._sighting, self.states_route[1], missing))
                return found
        return await self._fetch(self._sighting, self.states_route[1], uuids)

    async def entities(self, uuids: Sequence[str]) -> Mapping[str, Any]:
        """The full entities of ``uuids``; a uuid the service does not know is left out."""
        return await self._fetch(*self.entities_route, uuids)

    async def _selected(self, uuids: Sequence[str]) -> dict[str, Any]:
        route = f"{self.collection}/search"
        # The poller's uuids are checked strings already: the leaf is built as is.
        wanted = ManyLeaf("In", "Uuid", tuple(uuids))
        body = search_request(wanted, select=SIGHTING_FIELDS, limit=len(uuids))
        response = await self.calls.send("POST", route, json_body=body)
        sightings = structure(response.json(), self._sightings, where=f"POST {route}")
        return {s.uuid: s for s in sightings}

    async def _fetch(self, cls: type, page_route: str, uuids: Sequence[str]) -> dict[str, Any]:
        if not self.fallback:
            try:
                # The poller's uuids are checked strings already: the leaf is built as is.
                wanted = ManyLeaf("In", "Uuid", tuple(uuids))
                reader: PageReader[Any] = PageReader(self.calls, cls, page_route, filter=wanted)
                return await self._paged(reader, uuids)
            except BadRequestError as exc:
                self.fallback = True
                _log.warning(
                    "the service refused a Uuid filter on %s (%s); polling %ss with one "
                    "GET each from now on",
                    page_route,
                    exc.message,
                    self.kind,
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
                return await self.calls.read(cls, "GET", item_route(self.collection, uuid))
            except NotFoundError:
                return None

        # The client's max_concurrency caps these requests in flight.
        answers = await asyncio.gather(*(get(u) for u in uuids))
        return {u: a for u, a in zip(uuids, answers, strict=True) if a is not None}
