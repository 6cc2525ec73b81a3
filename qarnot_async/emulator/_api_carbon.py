"""Carbon facts and credits of tasks and pools, computed from what they ran.

``/carbon/v1/{tasks|pools}/{uuid}/carbon-facts`` (in ``openapi.json``) and
``/credits/v1/...`` (not in it: the official Python SDK's ``credits_client.py``) live
on the bare cluster URL; the emulator also serves them under ``/v1``. Both derive from
the core-seconds an entity executed so far on the emulator's clock, so they are zero
before it runs and stop growing once it ends. Carbon facts are answered in the
official SDKs' snake_case, with openapi.json's camelCase members alongside, so a client
reading either spelling sees the same figures.
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from ._catalog import CORES_PER_INSTANCE
from ._errors import json_response
from ._http import now_of, state_of
from ._newer import credits_for
from ._ops import find_pool, find_task
from ._render import pool_execution_seconds, task_execution_seconds

__all__ = ["HANDLERS", "carbon_facts"]

#: Watts each core draws, and the sites' figures (Qarnot's heaters reuse most heat).
WATTS_PER_CORE: Final = 10.0
PUE: Final = 1.05
ERE: Final = 0.2
ERF: Final = 0.81
WUE: Final = 0.0
QARNOT_G_PER_KWH: Final = 30.0
#: The datacenter savings are measured against, unless the query names another.
DEFAULT_DATACENTER: Final = "Average french datacenter"
DATACENTER_PUE: Final = 1.6
DATACENTER_G_PER_KWH: Final = 60.0


def carbon_facts(core_seconds: float, datacenter: str) -> dict[str, Any]:
    """The carbon facts of ``core_seconds`` of execution, both spellings."""
    it = core_seconds * WATTS_PER_CORE / 3600
    total = it * PUE
    reused = total * ERF
    footprint = total / 1000 * QARNOT_G_PER_KWH
    equivalent = it * DATACENTER_PUE / 1000 * DATACENTER_G_PER_KWH
    saved_heat = reused / 1000 * DATACENTER_G_PER_KWH
    saved_compute = equivalent - footprint
    saved = saved_compute + saved_heat
    percent = saved / (equivalent + saved_heat) * 100 if equivalent else 0.0
    r = round
    snake = {
        "total_consumed_energy_Wh": r(total, 4),
        "total_energy_it_Wh": r(it, 4),
        "total_reused_energy_Wh": r(reused, 4),
        "qarnot_carbon_footprint": r(footprint, 4),
        "equivalent_datacenter_name": datacenter,
        "equivalent_DC_carbon_footprint": r(equivalent, 4),
        "saved_carbon_footprint_compute": r(saved_compute, 4),
        "saved_carbon_footprint_heat": r(saved_heat, 4),
        "saved_carbon_footprint_compute_heat": r(saved, 4),
        "saved_carbon_footprint_percent": r(percent, 2),
        "PUE": PUE,
        "ERE": ERE,
        "ERF": ERF,
        "WUE": WUE,
    }
    camel = {
        "totalConsumedEnergyWh": snake["total_consumed_energy_Wh"],
        "totalEnergyITWh": snake["total_energy_it_Wh"],
        "totalReuseEnergyWh": snake["total_reused_energy_Wh"],
        "carbonFootprintC02Eq": snake["qarnot_carbon_footprint"],
        "comparisonDataCenterName": datacenter,
        "equivalentDCCarbonFootprintC02Eq": snake["equivalent_DC_carbon_footprint"],
        "savedCarbonFootprintComputeC02Eq": snake["saved_carbon_footprint_compute"],
        "savedCarbonFootprintHeatC02Eq": snake["saved_carbon_footprint_heat"],
        "savedCarbonFootprintComputeHeatC02Eq": snake["saved_carbon_footprint_compute_heat"],
        "savedCarbonFootprintPercentage": snake["saved_carbon_footprint_percent"],
        "pue": PUE,
        "ere": ERE,
        "erf": ERF,
        "wue": WUE,
    }
    return {**snake, **camel}


def _datacenter(request: web.Request) -> str:
    # openapi.json spells it comparisonDatacenter (tasks) and comparisonDataCenter
    # (pools); ASP.NET binds either case-insensitively.
    values = [v for k, v in request.query.items() if k.lower() == "comparisondatacenter"]
    return values[-1] if values and values[-1].strip() else DEFAULT_DATACENTER


def _task_core_seconds(request: web.Request) -> float:
    st = state_of(request)
    task = find_task(st, request.match_info["uuid"])
    return task_execution_seconds(task, now_of(request)) * CORES_PER_INSTANCE


def _pool_core_seconds(request: web.Request) -> float:
    st = state_of(request)
    pool = find_pool(st, request.match_info["uuid"])
    return pool_execution_seconds(pool, now_of(request)) * CORES_PER_INSTANCE


async def task_carbon(request: web.Request) -> web.StreamResponse:
    """GET /carbon/v1/tasks/{uuid}/carbon-facts: 404 for an unknown task."""
    return json_response(carbon_facts(_task_core_seconds(request), _datacenter(request)))


async def pool_carbon(request: web.Request) -> web.StreamResponse:
    """GET /carbon/v1/pools/{uuid}/carbon-facts: 404 for an unknown pool."""
    return json_response(carbon_facts(_pool_core_seconds(request), _datacenter(request)))


async def task_credits(request: web.Request) -> web.StreamResponse:
    """GET /credits/v1/tasks/{uuid}/credits: ``{"credits"}`` in euros."""
    return json_response({"credits": credits_for(_task_core_seconds(request))})


async def pool_credits(request: web.Request) -> web.StreamResponse:
    """GET /credits/v1/pools/{uuid}/credits: ``{"credits"}``, the pool's ``credits``."""
    return json_response({"credits": credits_for(_pool_core_seconds(request))})


async def account_credits(request: web.Request) -> web.StreamResponse:
    """GET /credits/v1/accounts/credits: every task's and pool's credits, summed."""
    st, now = state_of(request), now_of(request)
    seconds = sum(task_execution_seconds(t, now) for t in st.store.tasks.values())
    seconds += sum(pool_execution_seconds(p, now) for p in st.store.pools.values())
    return json_response({"credits": credits_for(seconds * CORES_PER_INSTANCE)})


HANDLERS: list[tuple[str, str, Any]] = [
    ("GET", "/carbon/v1/tasks/{uuid}/carbon-facts", task_carbon),
    ("GET", "/carbon/v1/pools/{uuid}/carbon-facts", pool_carbon),
    ("GET", "/credits/v1/accounts/credits", account_credits),
    ("GET", "/credits/v1/tasks/{uuid}/credits", task_credits),
    ("GET", "/credits/v1/pools/{uuid}/credits", pool_credits),
]
