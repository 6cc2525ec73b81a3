"""What tasks and pools both report outside the versioned API: carbon facts and credits.

Not among the seed's operations. The carbon routes are in ``openapi.json``; the
credits routes are not (official Python SDK 2.23, ``credits_client.py``). Both live on
the cluster URL itself, with their own ``/carbon/v1`` and ``/credits/v1`` prefixes.
"""

from __future__ import annotations

from .._transport import UNVERSIONED
from ..errors import InvalidInputError
from ..models import CarbonFacts, Credits
from ._checks import item_route
from ._requests import Calls

__all__ = ["WithFootprint"]


class WithFootprint:
    """What tasks and pools both report: their carbon facts and the credits they
    consumed (as :class:`~qarnot_async.resources.WithInstances`, over the collection's
    calls and route)."""

    _calls: Calls
    _route: str

    async def carbon_facts(
        self, uuid: str, *, comparison_datacenter: str | None = None
    ) -> CarbonFacts:
        """``GET /carbon/v1/<collection>/{uuid}/carbon-facts``: the task's or pool's
        energy and carbon figures, compared with ``comparison_datacenter`` (the
        service's default if ``None``).

        Raises:
            InvalidInputError: a blank ``comparison_datacenter``.
            NotFoundError: no such task or pool.
        """
        return await _carbon_facts(self._calls, self._route, uuid, comparison_datacenter)

    async def credits(self, uuid: str) -> float | None:
        """``GET /credits/v1/<collection>/{uuid}/credits`` (not in openapi.json): the
        euros the task or pool consumed.

        Raises:
            NotFoundError: no such task or pool.
        """
        route = UNVERSIONED + "/credits/v1" + item_route(self._route, uuid, "credits")
        return (await self._calls.read(Credits, "GET", route)).credits


async def _carbon_facts(
    calls: Calls, collection: str, uuid: str, comparison_datacenter: str | None
) -> CarbonFacts:
    """``GET /carbon/v1/{collection}/{uuid}/carbon-facts[?comparisonDatacenter=]``."""
    params = None
    if comparison_datacenter is not None:
        if not isinstance(comparison_datacenter, str) or not comparison_datacenter.strip():
            raise InvalidInputError(
                "comparison_datacenter", "must be a datacenter name", comparison_datacenter
            )
        # openapi.json spells it comparisonDataCenter for pools; ASP.NET binds the query
        # case-insensitively, and the official SDKs send this spelling for both.
        params = {"comparisonDatacenter": comparison_datacenter}
    route = UNVERSIONED + "/carbon/v1" + item_route(collection, uuid, "carbon-facts")
    return await calls.read(CarbonFacts, "GET", route, params=params)
