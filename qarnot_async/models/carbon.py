"""Carbon facts of a task or a pool (``GET /carbon/v1/{tasks|pools}/{uuid}/carbon-facts``).

Not in the seed's 67 operations; the route and ``comparisonDatacenter`` are in
``openapi.json`` (``GetTaskCarbonFactsResponse``), but the official SDKs read other
names than that schema: both spellings are read (``wired(..., also=...)``).
"""

from __future__ import annotations

import attrs

from ._types import Model, wired

__all__ = ["CarbonFacts"]


@attrs.frozen(kw_only=True)
class CarbonFacts(Model):
    """The energy and carbon figures of a task or pool (``GetTaskCarbonFactsResponse``).

    Energies in Wh, footprints in gCO2eq, ``saved_carbon_footprint_percent`` in %,
    ``wue`` in L/kWh. ``equivalent_datacenter_name`` is the datacenter the savings are
    measured against. Read from the official SDKs' snake_case members
    (``total_consumed_energy_Wh``, ``PUE``...) or openapi.json's camelCase ones
    (``totalConsumedEnergyWh``, ``pue``...), whichever the service sends.
    """

    # Each wire name is the official SDKs' spelling; ``also`` is openapi.json's
    # (GetTaskCarbonFactsResponse / GetPoolCarbonFactsResponse).
    total_consumed_energy_wh: float | None = wired(
        "total_consumed_energy_Wh", also="totalConsumedEnergyWh"
    )
    total_energy_it_wh: float | None = wired("total_energy_it_Wh", also="totalEnergyITWh")
    total_reused_energy_wh: float | None = wired(
        "total_reused_energy_Wh", also="totalReuseEnergyWh"
    )
    carbon_footprint: float | None = wired("qarnot_carbon_footprint", also="carbonFootprintC02Eq")
    equivalent_datacenter_name: str | None = wired(
        "equivalent_datacenter_name", also="comparisonDataCenterName"
    )
    equivalent_dc_carbon_footprint: float | None = wired(
        "equivalent_DC_carbon_footprint", also="equivalentDCCarbonFootprintC02Eq"
    )
    saved_carbon_footprint_compute: float | None = wired(
        "saved_carbon_footprint_compute", also="savedCarbonFootprintComputeC02Eq"
    )
    saved_carbon_footprint_heat: float | None = wired(
        "saved_carbon_footprint_heat", also="savedCarbonFootprintHeatC02Eq"
    )
    saved_carbon_footprint_compute_heat: float | None = wired(
        "saved_carbon_footprint_compute_heat", also="savedCarbonFootprintComputeHeatC02Eq"
    )
    saved_carbon_footprint_percent: float | None = wired(
        "saved_carbon_footprint_percent", also="savedCarbonFootprintPercentage"
    )
    pue: float | None = wired("PUE", also="pue")
    ere: float | None = wired("ERE", also="ere")
    erf: float | None = wired("ERF", also="erf")
    wue: float | None = wired("WUE", also="wue")
