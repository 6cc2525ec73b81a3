"""Waiting on entities through the client's shared poller.

A wait names its entity by uuid, by the entity itself or by its summary; it ends when
the entity reaches a state ``until`` accepts, or a final state (which can never reach
the states asked for, so waiting on would hang).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError
from ._checks import check_uuid_arg

if TYPE_CHECKING:
    from ..polling import Poller

__all__ = ["Until", "completed", "is_final", "stop_condition", "target_uuid", "wait_for"]

Until = Callable[[Any], bool] | Iterable[Any] | None
"""What a wait stops at: a predicate on states, the states themselves, or ``None``
(a final state)."""


def is_final(state: Any) -> bool:
    """Whether an entity in ``state`` can no longer change (its ``is_final``)."""
    return bool(getattr(state, "is_final", False))


def target_uuid(target: Any, accepted: tuple[type, ...]) -> str:
    """The uuid of what a wait names: a uuid string, or an instance of ``accepted``.

    Raises:
        InvalidInputError: anything else (a task given to ``pools.wait``...).
    """
    if isinstance(target, str):
        return check_uuid_arg(target)
    if isinstance(target, accepted):
        return check_uuid_arg(getattr(target, "uuid", None))
    names = ", ".join(["a uuid", *(c.__name__ for c in accepted)])
    raise InvalidInputError("uuid", f"expected {names}; got {type(target).__name__}", target)


def stop_condition(until: Until) -> Callable[[Any], bool] | None:
    """``until`` as a predicate on states, also true on a final state.

    ``None`` stays ``None``: the poller then waits for a final state.

    Raises:
        InvalidInputError: an empty collection of states.
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
    # The caller reads the final entity's state to see which way the wait ended.
    return lambda state: condition(state) or is_final(state)


def wait_for(
    poller: Poller,
    kind: str,
    uuid: str,
    *,
    until: Until,
    timeout: float | None,
    max_interval: float | None,
) -> Coroutine[Any, Any, Any]:
    """Wait on entity ``uuid`` of ``kind`` (see :meth:`~qarnot_async.polling.Poller.wait`).

    Returns the poller's own wait, to await: not a coroutine awaiting it, since a
    pending wait's frames are most of its memory (and of the garbage collector's
    walks), and there may be a hundred thousand of them.

    Raises:
        InvalidInputError: a negative ``timeout`` or an empty ``until`` (at once).
    """
    if timeout is not None and timeout < 0:
        raise InvalidInputError("timeout", "must be >= 0 seconds (or None)", timeout)
    return poller.wait(
        kind, uuid, until=stop_condition(until), timeout=timeout, max_interval=max_interval
    )


def completed(
    poller: Poller, kind: str, targets: Iterable[Any], accepted: tuple[type, ...]
) -> AsyncIterator[Any]:
    """Each of ``targets`` as it reaches a final state (full entities, fetched in chunks).

    Every target is checked before the poller sees any.
    """
    uuids = [target_uuid(t, accepted) for t in targets]
    return poller.as_completed(kind, uuids)
