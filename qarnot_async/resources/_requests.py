"""The one way resources reach the service: send through the requester, read the
answer with the one converter.

Every answer is read by :func:`~qarnot_async._converter.structure` with the request
named in ``where`` (``"POST /tasks"``), so a malformed answer anywhere is a
:class:`~qarnot_async.errors.DecodeError` that names the route and the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from .._converter import structure

if TYPE_CHECKING:
    from .._transport import Response
    from ._requester import Requester

__all__ = ["Calls", "Resource"]

T = TypeVar("T")


class Calls:
    """Requests of one resource (or state source, or creator) over a :class:`Requester`.

    Args:
        requester: what sends the requests (the client, a view of it, a test double).
    """

    __slots__ = ("requester",)

    def __init__(self, requester: Requester) -> None:
        self.requester = requester

    def __repr__(self) -> str:
        return f"Calls({self.requester!r})"

    async def send(self, method: str, route: str, **kwargs: Any) -> Response:
        """Send one request (keywords as :meth:`Requester.request`); return its success."""
        return await self.requester.request(method, route, **kwargs)

    async def read(self, cls: type[T], method: str, route: str, **kwargs: Any) -> T:
        """Send one request and read its JSON answer as ``cls`` (e.g. ``list[Task]``).

        Raises:
            DecodeError: the answer is not a ``cls``; ``where`` names the request.
        """
        response = await self.send(method, route, **kwargs)
        return structure(response.json(), cls, where=f"{method} {route}")

    async def text(self, method: str, route: str, **kwargs: Any) -> str:
        """Send one request and return its body as text (stdout, stderr)."""
        return (await self.send(method, route, **kwargs)).text()


class Resource:
    """The base of the resources that are not collections (``client.hardware``,
    ``client.profiles``, ``client.account``): their requests over a requester."""

    def __init__(self, requester: Requester) -> None:
        self._calls = Calls(requester)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._calls.requester!r}>"
