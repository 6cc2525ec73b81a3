"""Carbon facts of a task or a pool (``GET /carbon/v1/{tasks|pools}/{uuid}/carbon-facts``).

Not in the seed's 67 operations; the route and ``comparisonDatacenter`` are in
``openapi.json`` (``GetTaskCarbonFactsResponse``), but the official SDKs read other
names than that schema: both spellings are read (see :mod:`._spellings`).
"""

from __future__ import annotations

import attrs

from ._spellings import fold_twins, twin
from ._types import wired

__all__ = ["CarbonFacts"]


@attrs.frozen(kw_only=True)
class CarbonFacts:
    """The energy and carbon figures of a task or pool (``GetTaskCarbonFactsResponse``).

    Energies in Wh, footprints in gCO2eq, ``saved_carbon_footprint_percent`` in %,
    ``wue`` in L/kWh. ``equivalent_datacenter_name`` is the datacenter the savings are
    measured against. Read from the official SDKs' snake_case members
    (``total_consumed_energy_Wh``, ``PUE``...) or openapi.json's camelCase ones
    (``totalConsumedEnergyWh``, ``pue``...), whichever the service sends.
    """

    total_consumed_energy_wh: float | None = wired("total_consumed_energy_Wh")
    total_energy_it_wh: float | None = wired("total_energy_it_Wh")
    total_reused_energy_wh: float | None = wired("total_reused_energy_Wh")
    carbon_footprint: float | None = wired("qarnot_carbon_footprint")
    equivalent_datacenter_name: str | None = wired("equivalent_datacenter_name")
    equivalent_dc_carbon_footprint: float | None = wired("equivalent_DC_carbon_footprint")
    saved_carbon_footprint_compute: float | None = wired("saved_carbon_footprint_compute")
    saved_carbon_footprint_heat: float | None = wired("saved_carbon_footprint_heat")
    saved_carbon_footprint_compute_heat: float | None = wired("saved_carbon_footprint_compute_heat")
    saved_carbon_footprint_percent: float | None = wired("saved_carbon_footprint_percent")
    pue: float | None = wired("PUE")
    ere: float | None = wired("ERE")
    erf: float | None = wired("ERF")
    wue: float | None = wired("WUE")

    # openapi.json's spellings (GetTaskCarbonFactsResponse / GetPoolCarbonFactsResponse).
    _oa_total_consumed_energy_wh: float | None = twin("totalConsumedEnergyWh")
    _oa_total_energy_it_wh: float | None = twin("totalEnergyITWh")
    _oa_total_reused_energy_wh: float | None = twin("totalReuseEnergyWh")
    _oa_carbon_footprint: float | None = twin("carbonFootprintC02Eq")
    _oa_equivalent_datacenter_name: str | None = twin("comparisonDataCenterName")
    _oa_equivalent_dc_carbon_footprint: float | None = twin("equivalentDCCarbonFootprintC02Eq")
    _oa_saved_carbon_footprint_compute: float | None = twin("savedCarbonFootprintComputeC02Eq")
    _oa_saved_carbon_footprint_heat: float | None = twin("savedCarbonFootprintHeatC02Eq")
    _oa_saved_carbon_footprint_compute_heat: float | None = twin(
        "savedCarbonFootprintComputeHeatC02Eq"
    )
    _oa_saved_carbon_footprint_percent: float | None = twin("savedCarbonFootprintPercentage")
    _oa_pue: float | None = twin("pue")
    _oa_ere: float | None = twin("ere")
    _oa_erf: float | None = twin("erf")
    _oa_wue: float | None = twin("wue")

    def __attrs_post_init__(self) -> None:
        fold_twins(self, _TWINS)


# (public attribute, hidden twin): each twin is its public attribute's name behind
# ``_oa_``; the public one carries the SDKs' snake_case wire name, the twin
# openapi.json's camelCase one.
_TWINS = tuple(
    (field.name.removeprefix("_oa_"), field.name)
    for field in attrs.fields(CarbonFacts)
    if field.name.startswith("_oa_")
)
