"""A scripted :class:`~qarnot_async.resources.Requester` for the resources' unit tests.

Resources need only ``request()`` and ``poller``: these fakes answer from a script and
record what was asked, with no transport, socket or event-loop timing involved.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import attrs


@attrs.define
class FakeResponse:
    """What resources read of an answer: its JSON, its text and the attempt number."""

    body: Any = None
    raw_text: str = ""
    attempt: int = 1

    def json(self) -> Any:
        return self.body

    def text(self) -> str:
        return self.raw_text


@attrs.frozen
class Call:
    """One request a resource sent."""

    method: str
    path: str
    kwargs: dict[str, Any]

    @property
    def body(self) -> Any:
        return self.kwargs.get("json_body")

    @property
    def params(self) -> Any:
        return self.kwargs.get("params")


Answer = Any  # a JSON value, a FakeResponse, an exception, or a callable of the Call


class FakeRequester:
    """Answers each ``(method, path)`` from its queue of scripted answers, in order.

    The last answer of a queue is repeated when ``repeat=True``; a request with no
    answer left fails the test.
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._script: dict[tuple[str, str], deque[Answer]] = {}
        self._repeat: set[tuple[str, str]] = set()
        self.fake_poller = FakePoller()

    def __repr__(self) -> str:
        return "FakeRequester()"

    def answer(self, method: str, path: str, *answers: Answer, repeat: bool = False) -> None:
        self._script.setdefault((method, path), deque()).extend(answers)
        if repeat:
            self._repeat.add((method, path))

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        call = Call(method, path, kwargs)
        self.calls.append(call)
        queue = self._script.get((method, path))
        if not queue:
            raise AssertionError(f"unexpected request {method} {path}")
        answer = queue[0] if (method, path) in self._repeat and len(queue) == 1 else queue.popleft()
        if callable(answer) and not isinstance(answer, FakeResponse):
            answer = answer(call)
        if isinstance(answer, BaseException):
            raise answer
        return answer if isinstance(answer, FakeResponse) else FakeResponse(answer)

    @property
    def poller(self) -> FakePoller:
        return self.fake_poller

    def routes(self) -> list[str]:
        """``"METHOD path"`` of every request, in order."""
        return [f"{c.method} {c.path}" for c in self.calls]


@attrs.define
class FakePoller:
    """Records waits; answers them from ``results[uuid]``: an entity, or a list of
    outcomes (entities or exceptions to raise) taken in order."""

    results: dict[str, Any] = attrs.Factory(dict)
    waits: list[dict[str, Any]] = attrs.Factory(list)
    completed: list[tuple[str, list[str]]] = attrs.Factory(list)

    async def wait(
        self,
        kind: str,
        uuid: str,
        *,
        until: Callable[[Any], bool] | None = None,
        timeout: float | None = None,
        max_interval: float | None = None,
    ) -> Any:
        self.waits.append(
            {
                "kind": kind,
                "uuid": uuid,
                "until": until,
                "timeout": timeout,
                "max_interval": max_interval,
            }
        )
        outcome = self.results[uuid]
        if isinstance(outcome, list):
            outcome = outcome.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def as_completed(self, kind: str, uuids: Sequence[str]) -> AsyncIterator[Any]:
        self.completed.append((kind, list(uuids)))

        async def each() -> AsyncIterator[Any]:
            for uuid in uuids:
                yield self.results[uuid]

        return each()


def summaries_page(items: list[dict[str, Any]], next_token: str | None = None) -> dict[str, Any]:
    """A ``…TokenPagedResponse`` body."""
    return {
        "data": items,
        "count": len(items),
        "total": None,
        "isTruncated": next_token is not None,
        "nextToken": next_token,
    }
