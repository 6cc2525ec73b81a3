"""Standard output and error of instances, computed from their timings.

Nothing is stored: what an instance wrote by time ``t`` is a function of when it
started, how long it runs and whether it fails or was cancelled. Only the cursor of
``POST .../stdout`` ("since the last POST") is kept, per path.
"""

from __future__ import annotations

from typing import Final

from ._catalog import CORES_PER_INSTANCE, SPECIFICATION_KEY
from ._entities import Pool, Task

__all__ = ["MAX_KEPT_CHARS", "fresh_text", "kept_text", "pool_lines", "task_lines"]

#: ``GET .../stdout`` returns at most this much of the end of the output, as the service
#: keeps a rotated buffer.
MAX_KEPT_CHARS: Final = 64 * 1024

Line = tuple[float, int, str]


def _instance_lines(task: Task, iid: int, stream: str) -> list[Line]:
    start = task.exec_start
    if start is None:
        return []
    lines: list[Line] = []
    duration = task.attempt_length(iid)
    failing = iid in task.fail_ids
    attempts = task.attempts(iid)
    if stream == "stdout":
        lines.append((start, iid, f"[{iid}] starting '{task.name}' on {SPECIFICATION_KEY}"))
    else:
        lines.append((start, iid, f"[{iid}] emulator: {CORES_PER_INSTANCE} cores, no real work"))
    for attempt in range(attempts):
        base = start + attempt * duration
        if stream == "stdout":
            if attempt:
                lines.append((base, iid, f"[{iid}] retrying, attempt {attempt + 1}"))
            for quarter in (1, 2, 3):
                lines.append(
                    (base + duration * quarter / 4, iid, f"[{iid}] progress {25 * quarter}%")
                )
        end = base + duration
        if failing:
            if stream == "stdout":
                lines.append((end, iid, f"[{iid}] exited with code 1"))
            else:
                lines.append((end, iid, f"[{iid}] error: instance failed (attempt {attempt + 1})"))
        elif stream == "stdout":
            lines.append((end, iid, f"[{iid}] done"))
    cancel = task.cancel_at
    if cancel is not None:
        lines = [line for line in lines if line[0] <= cancel]
        if stream == "stdout" and cancel < task.planned_end(iid):
            lines.append((cancel, iid, f"[{iid}] cancelled"))
    return lines


def task_lines(task: Task, stream: str, instance_id: int | None, now: float) -> list[Line]:
    """What the task (or one instance) wrote on ``stream`` up to ``now``, in order."""
    if not task.run:
        return []
    ids = task.instance_ids if instance_id is None else (instance_id,)
    lines = [line for iid in ids for line in _instance_lines(task, iid, stream) if line[0] <= now]
    lines.sort(key=lambda line: (line[0], line[1]))
    return lines


def pool_lines(pool: Pool, stream: str, instance_id: int | None, now: float) -> list[Line]:
    """What the pool's instances wrote on ``stream`` up to ``now``, in order."""
    start = pool.exec_start
    if start is None or not pool.run:
        return []
    ids = range(pool.slots) if instance_id is None else (instance_id,)
    lines: list[Line] = []
    for iid in ids:
        if stream == "stdout":
            lines.append((start, iid, f"[{iid}] pool instance ready ({pool.profile})"))
            if pool.close_at is not None and pool.close_at >= start:
                lines.append((pool.close_at, iid, f"[{iid}] shutting down"))
        else:
            lines.append(
                (start, iid, f"[{iid}] emulator: {CORES_PER_INSTANCE} cores, no real work")
            )
    lines = [line for line in lines if line[0] <= now]
    lines.sort(key=lambda line: (line[0], line[1]))
    return lines


def kept_text(lines: list[Line]) -> str:
    """The rotated buffer ``GET`` returns: the last :data:`MAX_KEPT_CHARS`, whole lines."""
    text = "".join(f"{line[2]}\n" for line in lines)
    if len(text) <= MAX_KEPT_CHARS:
        return text
    tail = text[-MAX_KEPT_CHARS:]
    cut = tail.find("\n")
    return tail[cut + 1 :] if cut >= 0 else tail


def fresh_text(lines: list[Line], cursors: dict[str, float], key: str, now: float) -> str:
    """What ``POST`` returns: lines written since the previous ``POST`` on the same path."""
    since = cursors.get(key, float("-inf"))
    cursors[key] = now
    return "".join(f"{line[2]}\n" for line in lines if line[0] > since)
