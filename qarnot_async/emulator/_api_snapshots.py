"""Unique snapshots and their status: ``GET /tasks/{uuid}/snapshot/{snapshotId}``.

Not in ``openapi.json``: the shape is the official SDKs' (Python ``snapshot.py``, C#
``SnapshotApi``). A snapshot moves Triggered -> InProgress -> Success on the emulator's
clock, :data:`IN_PROGRESS_AFTER` and :data:`SUCCESS_AFTER` seconds after it was asked
for; ``transferredSize`` grows meanwhile.
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from ._entities import Task
from ._errors import json_response, not_found
from ._http import now_of, state_of
from ._ops import find_task
from ._state import EmulatorState
from ._wire import format_date

__all__ = ["HANDLERS", "IN_PROGRESS_AFTER", "SUCCESS_AFTER", "record_snapshot"]

IN_PROGRESS_AFTER: Final = 1.0
SUCCESS_AFTER: Final = 5.0
_BYTES_PER_INSTANCE: Final = 1_048_576
# The spec keys the snapshot routes store their filters under, by body member.
_CONFIG: Final = (
    ("whitelist", "snapshotWhitelist"),
    ("blacklist", "snapshotBlacklist"),
    ("bucket", "snapshotBucket"),
    ("bucketPrefix", "snapshotBucketPrefix"),
)


def record_snapshot(
    st: EmulatorState, task: Task, snapshot_id: str, filters: dict[str, Any], now: float
) -> None:
    """Remember a unique snapshot ``POST /tasks/{uuid}/snapshot`` just started."""
    st.snapshots[snapshot_id] = {
        "taskUuid": task.uuid,
        "at": now,
        "size": _BYTES_PER_INSTANCE * max(1, len(task.instance_ids)),
        "config": {wire: filters.get(key) for wire, key in _CONFIG},
    }


def _status(record: dict[str, Any], now: float) -> dict[str, Any]:
    elapsed = now - record["at"]
    size = record["size"]
    if elapsed < IN_PROGRESS_AFTER:
        status, changed, done = "Triggered", record["at"], 0
    elif elapsed < SUCCESS_AFTER:
        share = (elapsed - IN_PROGRESS_AFTER) / (SUCCESS_AFTER - IN_PROGRESS_AFTER)
        status, changed, done = "InProgress", record["at"] + IN_PROGRESS_AFTER, int(size * share)
    else:
        status, changed, done = "Success", record["at"] + SUCCESS_AFTER, size
    return {
        "status": status,
        "lastUpdateDate": format_date(changed) if elapsed >= IN_PROGRESS_AFTER else None,
        "transferredSize": done,
    }


async def snapshot_status(request: web.Request) -> web.StreamResponse:
    """GET /tasks/{uuid}/snapshot/{snapshotId}: 404 for an unknown task or snapshot."""
    st = state_of(request)
    task = find_task(st, request.match_info["uuid"])
    snapshot_id = request.match_info["snapshotId"]
    record = st.snapshots.get(snapshot_id)
    if record is None or record["taskUuid"] != task.uuid:
        raise not_found("snapshot", snapshot_id)
    return json_response(
        {
            "id": snapshot_id,
            "taskUuid": task.uuid,
            "triggerDate": format_date(record["at"]),
            "snapshotConfig": dict(record["config"]),
            "sizeToUpload": record["size"],
            **_status(record, now_of(request)),
        }
    )


HANDLERS: list[tuple[str, str, Any]] = [
    ("GET", "/tasks/{uuid}/snapshot/{snapshotId}", snapshot_status),
]
