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

__all__ = ["carbon_facts", "credits_of"]


async def carbon_facts(
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


async def credits_of(calls: Calls, collection: str, uuid: str) -> float | None:
    """``GET /credits/v1/{collection}/{uuid}/credits``: euros consumed."""
    route = UNVERSIONED + "/credits/v1" + item_route(collection, uuid, "credits")
    return (await calls.read(Credits, "GET", route)).credits
