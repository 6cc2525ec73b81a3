"""One shared poller per client: every wait and watch served by a handful of requests.

Waiting on a thousand tasks with one GET per task and per tick costs a thousand
requests every tick. The :class:`Poller` coalesces instead: each tick it asks each
:class:`StateSource` for the states of every watched uuid in chunks of
``PollPolicy.chunk_size`` (``POST /tasks/summaries/paginate`` with an ``In`` filter, for
the resources), fetched concurrently, then fetches the full entities of the uuids that
reached what their waiters wait for, chunked again::

    poller = Poller({"task": task_source}, PollPolicy())
    task = await poller.wait("task", uuid, timeout=600)          # a full entity
    async for task in poller.as_completed("task", uuids):        # as each ends
        ...
    async with poller.watch(tasks=uuids) as watch:               # every transition
        async for change in watch:
            print(change.uuid, change.previous, "->", change.current)

Waits and watches are :class:`Subscriber` objects: the poller tells them what each
tick read (``on_state``), that a uuid vanished (``on_gone``) or that a request about
their uuids failed for good (``on_error``); they register with
:meth:`Poller.subscribe` and leave with :meth:`Poller.unsubscribe`. Your own object
can subscribe the same way.

The poller runs one background task, only while something is waited on or watched:
it stops when the last subscriber goes away and starts again with the next one. Its
schedule starts fast (``initial``), slows down by ``backoff`` while nothing changes,
up to ``max_interval``, and speeds up again on any change; intervals run from the
start of a tick to the start of the next, so a long tick does not slow the cadence.
A tick reads only what it needs of each summary (the state and its time: the
resources' sources structure a light ``StateSighting``), and full entities only for
the waits whose condition held. A new wait is polled
promptly, but never sooner than ``initial`` after the previous tick, so a burst of new
waits costs one tick and a stream of them never turns into a busy loop.

Failures: a transient error (:class:`~qarnot_async.errors.TransportError`,
:class:`~qarnot_async.errors.ServerError`, :class:`~qarnot_async.errors.RateLimitedError`)
is logged on one line (logger ``"qarnot_async"``) and retried at the next tick, no
sooner than a ``Retry-After`` asked; any other error fails the waits and watches its
request concerned. A uuid the service no longer knows fails its waits with a
:class:`~qarnot_async.errors.NotFoundError` naming the request whose answer left it
out, and ends its watches with a last event whose ``current`` is ``None``.

Inside: ``_policy`` (:class:`PollPolicy`), ``_types`` (the protocols and records),
``_schedule`` (when to tick, on an injected clock), ``_registry`` (who follows which
uuid), ``_tick`` (one round of requests), ``_loop`` (the background task), ``_poller``
(the public API), ``_waiter`` (waits) and ``_watch`` (:class:`Watch`).
"""

from ._policy import PollPolicy
from ._poller import Poller
from ._types import (
    DescribedStateSource,
    EntitySubscriber,
    PollerStats,
    SourceCall,
    StateChange,
    StateSource,
    Subscriber,
)
from ._watch import Watch

__all__ = [
    "DescribedStateSource",
    "EntitySubscriber",
    "PollPolicy",
    "Poller",
    "PollerStats",
    "SourceCall",
    "StateChange",
    "StateSource",
    "Subscriber",
    "Watch",
]
