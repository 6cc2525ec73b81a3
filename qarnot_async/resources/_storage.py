"""What tasks and pools need of storage: the buckets, handed over on demand."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..models import Pool, Task
    from ..storage import Buckets

__all__ = ["StorageProvider", "resource_bucket_names", "storage_of"]

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


def resource_bucket_names(entity: Task | Pool) -> list[str]:
    """The names of a task's or pool's resource buckets, plain and advanced."""
    names = list(entity.resource_buckets or ())
    names += [b.bucket_name for b in entity.advanced_resource_buckets or ()]
    return names
