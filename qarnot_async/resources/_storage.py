"""What tasks and pools need of storage: the buckets, handed over on demand."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import ConfigurationError
from ._collection import C, Collection, E, S, St

if TYPE_CHECKING:
    from ..models import Pool, Task
    from ..storage import Buckets
    from ._requester import Requester

__all__ = ["StorageProvider", "WithStorage", "resource_bucket_names", "storage_of"]

StorageProvider = Callable[[], "Buckets"]
"""Hands out ``client.buckets`` on demand: storage is optional (an extra), so a
collection asks for it only when a storage method is called, and the error that it is
missing comes from there."""


def storage_of(provider: StorageProvider | None) -> Buckets:
    """The buckets behind ``provider``, or why there are none.

    Raises:
        ConfigurationError: the collection was built without storage, or the provider
            says why it has none (aiobotocore not installed, client closed).
    """
    if provider is None:
        raise ConfigurationError("this collection was built without storage access")
    return provider()


class WithStorage(Collection[E, S, St, C]):
    """A collection some of whose methods use the buckets (tasks and pools).

    ``storage`` hands them over on demand; without it, those methods raise
    :class:`~qarnot_async.ConfigurationError` and the others work.
    """

    def __init__(self, requester: Requester, storage: StorageProvider | None = None) -> None:
        super().__init__(requester)
        self._storage = storage

    def _buckets(self) -> Buckets:
        """The buckets (see :func:`storage_of`)."""
        return storage_of(self._storage)


def resource_bucket_names(entity: Task | Pool) -> list[str]:
    """The names of a task's or pool's resource buckets, plain and advanced."""
    names = list(entity.resource_buckets or ())
    names += [b.bucket_name for b in entity.advanced_resource_buckets or ()]
    return names
