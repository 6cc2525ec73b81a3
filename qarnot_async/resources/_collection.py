"""The verbs tasks, pools and jobs share, written once.

``Tasks``, ``Pools`` and ``Jobs`` derive from :class:`Collection` (list, page, stream,
get, search, create, wait, as_completed) and, where the service has them,
:class:`WithSummaries` (``.summaries``: the same listing over lighter summaries),
:class:`WithInstances` (stdout, stderr, update, sync_resources) and
:class:`WithBulkCreate` (``create_many``). A collection is described by a few class
attributes (its kind, entity, summary, creation and update input classes); everything
else follows from them, its route included (``/tasks`` for the kind ``"task"``).
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .._converter import unstructure
from ..filters import FilterLike
from ._checks import check_instance_id, expect, item_route
from ._creating import CreateResults, Creator, ProgressCallback
from ._listing import Listing
from ._paging import search_request
from ._requests import Calls
from ._waiting import Until, completed, target_uuid, wait_for
from ._watching import PagedStateSource

if TYPE_CHECKING:
    from ..polling import StateSource
    from ._requester import Requester

__all__ = ["Collection", "WithBulkCreate", "WithInstances", "WithSummaries"]

E = TypeVar("E")
S = TypeVar("S")
St = TypeVar("St")
C = TypeVar("C")
U = TypeVar("U")


class Collection(Listing[E], Generic[E, S, St, C]):
    """A collection of the Compute API: ``E`` its entities, ``S`` its summaries (``E``
    when it has none), ``St`` its states, ``C`` its creation input.

    Errors common to every method: :class:`~qarnot_async.AuthenticationError` (401),
    :class:`~qarnot_async.ServerError` (5xx, after retries),
    :class:`~qarnot_async.TransportError`, :class:`~qarnot_async.DecodeError` (a
    malformed answer, naming the route and the field).
    """

    _kind: str
    _entity: type[E]
    _summary: type[S] | None = None
    _create_input: type[C]
    _order_fields: tuple[str, ...] = ("creationDate", "name", "state")

    def __init__(self, requester: Requester) -> None:
        # Every collection of the API lives at the plural of its kind: /tasks, /pools, /jobs.
        route = f"/{self._kind}s"
        super().__init__(Calls(requester), self._entity, route, self._order_fields)
        self._requester = requester
        self._creator = Creator(self._calls, self._route, self._entity)
        summary = () if self._summary is None else (self._summary,)
        self._waitable: tuple[type, ...] = (self._entity, *summary)

    @property
    def kind(self) -> str:
        """The poller's name for this collection: ``"task"``, ``"pool"`` or ``"job"``."""
        return self._kind

    def state_source(self) -> StateSource:
        """How the shared poller reads this collection's states and final entities.

        States come from the summaries where the collection has them (lighter), else
        from the full entities.
        """
        entities = (self._entity, f"{self._route}/paginate")
        states: tuple[type, str] = entities
        if self._summary is not None:
            states = (self._summary, f"{self._route}/summaries/paginate")
        return PagedStateSource(
            calls=self._calls,
            kind=self._kind,
            collection=self._route,
            states_route=states,
            entities_route=entities,
        )

    def _item(self, uuid: str, *tail: str | int) -> str:
        return item_route(self._route, uuid, *tail)

    async def _act(self, method: str, uuid: str, *tail: str, **kwargs: Any) -> None:
        """Send a request about one entity and ignore its answer (abort, close...)."""
        await self._calls.send(method, self._item(uuid, *tail), **kwargs)

    # -- reading ----------------------------------------------------------------------

    async def get(self, uuid_or_shortname: str) -> E:
        """``GET /<collection>/{uuid}``: one entity, by uuid or shortname.

        Raises:
            NotFoundError: nothing has this uuid or shortname.
        """
        return await self._calls.read(self._entity, "GET", self._item(uuid_or_shortname))

    async def search(
        self,
        filter: FilterLike | None = None,
        *,
        select: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> builtins.list[E]:
        """``POST /<collection>/search``: the entities matching ``filter``, as one list.

        ``select`` names the fields the service fills in (PascalCase, e.g. ``["Uuid",
        "State"]``); the others come back unset. ``limit``: at most this many.

        Raises:
            InvalidInputError: a ``limit`` below 1 or a malformed filter.
            BadRequestError: the service refused the filter.
        """
        body = search_request(filter, select=select, limit=limit)
        found: builtins.list[E] = await self._calls.read(
            self._many, "POST", f"{self._route}/search", json_body=body
        )
        return found

    # -- creating -----------------------------------------------------------------------

    async def create(self, item: C) -> str:
        """``POST /<collection>``: create one entity and return its uuid.

        Duplicate-safe: the input gets a generated shortname when it has none, the
        request is retried when it may have been lost, and a retry that finds its
        shortname taken answers the uuid of the entity the lost attempt created. When
        the retries are spent on a failure that may hide a creation (no answer, a 5xx,
        a malformed success), the shortname is looked up once: the entity found there
        is the answer. Every error below that ended the creation carries ``shortname``
        (the one sent) and ``created`` (``False``: certainly not created; ``None``:
        could not tell, look ``shortname`` up before creating the input again).

        Raises:
            InvalidInputError: ``item`` is not this collection's creation input.
            BadRequestError: the service refused the input (``field_errors`` says why).
            QuotaExceededError: the account's quota of this kind is reached.
            NotEnoughCreditsError: not enough credits.
            ConflictError: the shortname you chose is already used.
            NotFoundError: a pool, job or profile named in the input does not exist.
            ServerError, TransportError, DecodeError: the retries are spent and the
                lookup did not find the entity (``created`` False or None).
        """
        return await self._creator.create(item, self._create_input, self._kind)

    # -- waiting ------------------------------------------------------------------------

    def _default_until(self) -> Until:
        """Where a wait without ``until`` stops, besides a final state: nowhere else."""
        return None

    async def wait(
        self,
        target: str | E | S,
        *,
        until: Callable[[St], bool] | Iterable[St] | None = None,
        timeout: float | None = None,
        max_interval: float | None = None,
    ) -> E:
        """Wait until the entity is final (or in a state of ``until``); return it.

        ``target``: a uuid, the entity, or its summary. Served by the client's shared
        poller: a thousand concurrent waits cost a few coalesced paginate requests per
        tick, and the final entities are fetched in chunks (see
        :class:`~qarnot_async.polling.PollPolicy`). ``max_interval`` caps the pause
        between polls while this wait is pending.

        Raises:
            InvalidInputError: a ``target`` of another kind, a negative ``timeout``.
            WaitTimeoutError: ``timeout`` seconds passed; ``last_seen`` holds the last
                state seen.
            NotFoundError: the entity does not exist (or was deleted meanwhile).
        """
        entity: E = await wait_for(
            self._requester.poller,
            self._kind,
            target_uuid(target, self._waitable),
            until=self._default_until() if until is None else until,
            timeout=timeout,
            max_interval=max_interval,
        )
        return entity

    def as_completed(self, targets: Iterable[str | E | S]) -> AsyncIterator[E]:
        """Yield each entity as it reaches a final state (full entities, in chunks).

        ``targets``: uuids, entities or summaries, all checked before polling starts.

        Raises:
            InvalidInputError: a target of another kind.
            NotFoundError: (while iterating) an entity was deleted.
        """
        return completed(self._requester.poller, self._kind, targets, self._waitable)


class WithSummaries(Collection[E, S, St, C]):
    """A collection that also serves lighter summaries (tasks and pools).

    ``collection.summaries`` is a :class:`~qarnot_async.resources.Listing` over
    ``/<collection>/summaries``: ``list()``, ``page()`` and ``paginate()`` as on the
    collection itself.
    """

    _summary: type[S]
    # Summaries carry run figures, so these collections also sort by execution time.
    _order_fields = (*Collection._order_fields, "executionTime")

    def __init__(self, requester: Requester) -> None:
        super().__init__(requester)
        self.summaries: Listing[S] = Listing(
            self._calls, self._summary, f"{self._route}/summaries", self._order_fields
        )
        """The summaries: ``list(tags)``, ``page(filter, ...)``, ``paginate(filter, ...)``."""


class WithInstances(Generic[U]):
    """What tasks and pools share: they run instances, whose output can be read and
    whose settings and resources can be updated while they run."""

    _calls: Calls
    _route: str
    _update_input: type[U]

    async def update(self, uuid: str, update: U) -> None:
        """``PUT /<collection>/{uuid}``: change constants, constraints, tags... (a
        ``TaskUpdate`` or ``PoolUpdate``).

        Raises:
            InvalidInputError: ``update`` is not this collection's update input.
            NotFoundError: no such task or pool.
            BadRequestError: the update was refused.
        """
        expect(update, self._update_input, "update")
        target = item_route(self._route, uuid)
        await self._calls.send("PUT", target, json_body=unstructure(update))

    async def sync_resources(self, uuid: str) -> None:
        """``PATCH /<collection>/{uuid}``: push updated resources to the instances."""
        await self._calls.send("PATCH", item_route(self._route, uuid))

    async def stdout(
        self, uuid: str, instance_id: int | None = None, *, fresh: bool = False
    ) -> str:
        """The standard output, as text.

        ``GET /<collection>/{uuid}/stdout[/{instanceId}]`` returns what the service
        keeps; with ``fresh=True``, ``POST`` on the same path returns only what was
        written since the previous fresh read.

        Raises:
            InvalidInputError: a negative ``instance_id``.
            NotFoundError: no such task, pool or instance.
        """
        return await self._output(uuid, "stdout", instance_id, fresh)

    async def stderr(
        self, uuid: str, instance_id: int | None = None, *, fresh: bool = False
    ) -> str:
        """The standard error, as text (see :meth:`stdout`)."""
        return await self._output(uuid, "stderr", instance_id, fresh)

    async def _output(self, uuid: str, stream: str, instance_id: int | None, fresh: bool) -> str:
        check_instance_id(instance_id)
        instance = () if instance_id is None else (instance_id,)
        target = item_route(self._route, uuid, stream, *instance)
        return await self._calls.text("POST" if fresh else "GET", target)


class WithBulkCreate(Generic[C]):
    """Bulk creation (tasks and jobs: the service takes arrays on ``POST``)."""

    _kind: str
    _creator: Creator
    _create_input: type[C]

    async def create_many(
        self,
        items: Sequence[C],
        *,
        chunk_size: int = 100,
        concurrency: int | None = None,
        on_progress: ProgressCallback | None = None,
        adopt_existing: bool = False,
    ) -> CreateResults:
        """``POST /<collection>`` with arrays: create many, ``chunk_size`` per request.

        Chunks go out ``concurrency`` at a time (default: half the client's
        ``max_concurrency``), each converted just before it is sent, so the first
        request leaves at once. Returns one result per input, in input
        order: its uuid, or the status and message of its failure; partial failure is
        returned, not raised (``results.raise_for_errors()`` raises it). Duplicate-safe
        like :meth:`Collection.create`: a chunk whose answer was lost is retried, and
        items found already created by shortname are reported with their uuid. A
        failed item carries its ``shortname`` and ``created`` (``False``: certainly
        not created; ``None``: could not tell), from one lookup of the shortnames of
        all of a chunk's failures that may hide a creation.
        ``on_progress(done, total)`` is called as each chunk completes (a progress bar).

        ``adopt_existing=True`` makes a rerun safe: an input whose shortname is already
        taken on the service gets the entity that holds it (``result.adopted``, its
        uuid, ``created`` False) instead of a 409 failure. The entity is taken by
        shortname alone, whatever its name or settings: give each input a shortname
        that names it (a key of your manifest), and the same one on every run.

        Raises:
            InvalidInputError: an item is not this collection's creation input, two
                share a shortname, or a ``chunk_size``/``concurrency`` below 1 (nothing
                is sent).
        """
        return await self._creator.create_all(
            items,
            self._create_input,
            f"{self._kind}s",
            chunk_size=chunk_size,
            concurrency=concurrency,
            on_progress=on_progress,
            adopt_existing=adopt_existing,
        )
