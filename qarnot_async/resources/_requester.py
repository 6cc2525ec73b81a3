"""The narrow view of the client that resources need: one request path and the poller.

Resources never see :class:`~qarnot_async.Client` itself, only this protocol, so a
resource can be built over anything that sends requests (a client, a view of one, a
test double) and the client is free to change its insides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .._transport import Response
    from ..polling import Poller

__all__ = ["Requester"]


class Requester(Protocol):
    """What a resource calls: :meth:`request` and :attr:`poller`."""

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = ...,
        json_body: Any = ...,
        timeout: float | None = ...,
        idempotent: bool | None = ...,
        headers: Mapping[str, str] | None = ...,
    ) -> Response:
        """Send one request (retried by the client's policy); return its success."""
        ...

    @property
    def poller(self) -> Poller:
        """The shared poller behind every wait, watch and ``as_completed``."""
        ...
