"""A task's snapshot and its progress (``GET /tasks/{uuid}/snapshot/{snapshotId}``).

Not in ``openapi.json`` (it documents the ``POST`` with no answer schema): the shape is
the official SDKs' (Python 2.23 ``qarnot/snapshot.py``, C# ``Api/SnapshotApi.cs``).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from ._types import Model
from .enums import SnapshotState
from .tasks import UniqueSnapshot

__all__ = ["Snapshot", "SnapshotId"]


@attrs.frozen(kw_only=True)
class SnapshotId(Model):
    """The answer of ``POST /tasks/{uuid}/snapshot``: ``{"id"}`` (an opaque string)."""

    id: str | None = None


@attrs.frozen(kw_only=True)
class Snapshot(Model):
    """One snapshot of a running task and how far its upload went.

    ``status`` ``None`` (or a value this SDK does not know) counts as Triggered, as in
    the official SDK; only Success and Failure are final (:attr:`is_final`).
    """

    id: str | None = None
    task_uuid: str | None = None
    trigger_date: datetime | None = None
    last_update_date: datetime | None = None
    snapshot_config: UniqueSnapshot | None = None
    status: SnapshotState | None = None
    size_to_upload: int | None = None
    transferred_size: int | None = None

    @property
    def is_final(self) -> bool:
        """Whether the snapshot ended (Success or Failure)."""
        return self.status in (SnapshotState.SUCCESS, SnapshotState.FAILURE)
