"""stdout and stderr routes of tasks and pools: one handler factory for both."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web

from ._entities import Pool, Task
from ._errors import not_found
from ._http import now_of, state_of, text
from ._output import Line, fresh_text, kept_text
from ._state import EmulatorState

__all__ = ["output_routes"]

E = TypeVar("E", Task, Pool)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def output_routes(
    collection: str,
    find: Callable[[EmulatorState, str], E],
    has_instance: Callable[[E, int], bool],
    lines_of: Callable[[E, str, int | None, float], list[Line]],
) -> list[tuple[str, str, Handler]]:
    """The eight routes ``GET``/``POST /{collection}/{uuid}/std{out,err}[/{instanceId}]``.

    ``GET`` answers what is kept; ``POST`` only what was written since the last
    ``POST`` on the same path (a cursor per stream and instance).
    """

    def handler(stream: str, fresh: bool, per_instance: bool) -> Handler:
        async def answer(request: web.Request) -> web.StreamResponse:
            st, now = state_of(request), now_of(request)
            entity = find(st, request.match_info["uuid"])
            instance: int | None = None
            if per_instance:
                raw = request.match_info["instanceId"]
                if not raw.isdigit() or not has_instance(entity, int(raw)):
                    raise not_found("instance", raw)
                instance = int(raw)
            lines = lines_of(entity, stream, instance, now)
            if not fresh:
                return text(kept_text(lines))
            if entity.output_cursors is None:
                entity.output_cursors = {}
            key = f"{stream}/{'' if instance is None else instance}"
            return text(fresh_text(lines, entity.output_cursors, key, now))

        verb = "POST" if fresh else "GET"
        path = f"/{collection}/{{uuid}}/{stream}" + ("/{instanceId}" if per_instance else "")
        answer.__doc__ = f"{verb} {path}"
        return answer

    routes: list[tuple[str, str, Any]] = []
    for stream in ("stdout", "stderr"):
        base = f"/{collection}/{{uuid}}/{stream}"
        routes += [
            ("GET", base, handler(stream, False, False)),
            ("POST", base, handler(stream, True, False)),
            ("GET", base + "/{instanceId}", handler(stream, False, True)),
            ("POST", base + "/{instanceId}", handler(stream, True, True)),
        ]
    return routes
