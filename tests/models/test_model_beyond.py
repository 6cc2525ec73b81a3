"""Models beyond the seed: both spellings read, lenient enums, advanced dependencies,
network rules, job end dates (the facts come from the official SDKs' fixtures)."""

from __future__ import annotations

import pytest

from qarnot_async import InvalidInputError
from qarnot_async._converter import structure, unstructure
from qarnot_async.models import (
    AdvancedDependency,
    CarbonFacts,
    ComputingQuotas,
    Dependencies,
    DependencyCondition,
    DependencyState,
    ForcedNetworkRule,
    Job,
    Pool,
    SnapshotState,
    Task,
    TaskCreate,
)

UUID = "0b7a3d5e-2f4c-4a1b-9c3d-5e6f7a8b9c0d"

SNAKE = {
    "total_consumed_energy_Wh": 10.5,
    "total_energy_it_Wh": 10,
    "total_reused_energy_Wh": 8,
    "qarnot_carbon_footprint": 0.3,
    "equivalent_datacenter_name": "dc",
    "equivalent_DC_carbon_footprint": 1.2,
    "saved_carbon_footprint_compute": 0.9,
    "saved_carbon_footprint_heat": 0.5,
    "saved_carbon_footprint_compute_heat": 1.4,
    "saved_carbon_footprint_percent": 80,
    "PUE": 1.05,
    "ERE": 0.2,
    "ERF": 0.8,
    "WUE": 0,
}
CAMEL = {
    "totalConsumedEnergyWh": 10.5,
    "totalEnergyITWh": 10,
    "totalReuseEnergyWh": 8,
    "carbonFootprintC02Eq": 0.3,
    "comparisonDataCenterName": "dc",
    "equivalentDCCarbonFootprintC02Eq": 1.2,
    "savedCarbonFootprintComputeC02Eq": 0.9,
    "savedCarbonFootprintHeatC02Eq": 0.5,
    "savedCarbonFootprintComputeHeatC02Eq": 1.4,
    "savedCarbonFootprintPercentage": 80,
    "pue": 1.05,
    "ere": 0.2,
    "erf": 0.8,
    "wue": 0,
}


def test_carbon_facts_read_either_spelling_alike() -> None:
    snake, camel = structure(SNAKE, CarbonFacts), structure(CAMEL, CarbonFacts)
    assert snake == camel
    assert (snake.total_consumed_energy_wh, snake.pue, snake.wue) == (10.5, 1.05, 0)
    assert snake.equivalent_datacenter_name == "dc"
    assert "_oa_" not in repr(camel)  # the twins stay hidden
    assert unstructure(snake) == SNAKE


@pytest.mark.parametrize("spelling", ["runningCoresCount", "runningCoreCount"])
def test_quotas_read_both_core_count_spellings(spelling: str) -> None:
    quota = {"maxCores": 64, spelling: 16, "runningInstancesCount": 2}
    data = {
        "user": {"flex": quota, "reserved": [{**quota, "reservationName": "r"}]},
        "organization": {
            "name": "org",
            "flex": {**quota, "runningCountsPerUser": {"a@b.c": {spelling: 8}}},
        },
    }
    quotas = structure(data, ComputingQuotas)
    assert quotas.user is not None
    assert quotas.user.flex is not None
    assert quotas.user.flex.running_core_count == 16
    assert quotas.user.reserved is not None
    assert quotas.user.reserved[0].reservation_name == "r"
    assert quotas.organization is not None
    assert quotas.organization.flex is not None
    per_user = quotas.organization.flex.running_counts_per_user
    assert per_user is not None
    assert per_user["a@b.c"].running_core_count == 8


def test_snapshot_states_read_in_any_case() -> None:
    assert SnapshotState("triggered") is SnapshotState.TRIGGERED
    assert SnapshotState("INPROGRESS") is SnapshotState.IN_PROGRESS
    assert not SnapshotState("Paused").is_known


def test_advanced_dependencies_go_out_and_come_back() -> None:
    advanced = AdvancedDependency(task_uuid=UUID, task_final_state_condition=["Success", "failure"])
    assert advanced.task_final_state_condition == (
        DependencyCondition.SUCCESS,
        DependencyCondition.FAILURE,
    )
    create = TaskCreate(name="t", instance_count=1, dependencies=[advanced])
    body = unstructure(create)
    assert body["dependencies"] == {
        "advancedDependsOn": [{"taskUuid": UUID, "taskFinalStateCondition": ["success", "failure"]}]
    }
    task = structure(
        {
            "uuid": UUID,
            "dependencies": {
                "state": "dependencyConditionsFulfilled",
                "advancedDependsOn": [
                    {"taskUuid": UUID, "state": "waiting", "actualFinalState": "Success"}
                ],
            },
        },
        Task,
    )
    assert task.dependencies is not None
    assert task.dependencies.state is DependencyState.FULFILLED
    item = (task.dependencies.advanced_depends_on or ())[0]
    assert item.state is DependencyState.WAITING
    assert item.actual_final_state is DependencyCondition.SUCCESS


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: AdvancedDependency(task_uuid="nope"), "task_uuid"),
        (
            lambda: AdvancedDependency(task_uuid=UUID, task_final_state_condition=["done"]),
            "task_final_state_condition.0",
        ),
        (
            lambda: TaskCreate(
                name="t",
                dependencies=Dependencies(
                    depends_on=[UUID], advanced_depends_on=[AdvancedDependency(task_uuid=UUID)]
                ),
            ),
            "dependencies",
        ),
        (lambda: ForcedNetworkRule(inbound="yes", proto="tcp"), "inbound"),  # type: ignore[arg-type]
        (lambda: ForcedNetworkRule(inbound=True, proto="tcp", port=22), "port"),  # type: ignore[arg-type]
        (lambda: TaskCreate(name="t", max_time_queue_seconds=-1), "max_time_queue_seconds"),
        (lambda: TaskCreate(name="t", project_uuid="x"), "project_uuid"),
        (lambda: TaskCreate(name="t", forced_network_rules=[{}]), "forced_network_rules.0"),  # type: ignore[list-item]
    ],
)
def test_newer_inputs_are_checked_at_construction(build: object, field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field


def test_job_end_date_and_profile() -> None:
    unset = structure({"uuid": UUID, "profile": "p", "endDate": "0001-01-01T00:00:00Z"}, Job)
    assert (unset.profile, unset.end_date) == ("p", None)
    ended = structure({"uuid": UUID, "endDate": "2024-05-01T10:00:00Z"}, Job)
    assert ended.end_date is not None
    assert ended.end_date.year == 2024


def test_pool_fields_from_the_official_fixtures() -> None:
    pool = structure(
        {
            "uuid": UUID,
            "multiSlotsSettings": {"slotsPerNode": 3},
            "credits": 0.01,
            "forcedNetworkRules": [{"inbound": False, "proto": "udp", "toQBox": True}],
            "targetedReservationName": "r",
        },
        Pool,
    )
    assert pool.multi_slots_settings is not None
    assert pool.multi_slots_settings.slots_per_node == 3
    assert pool.credits == 0.01
    assert pool.forced_network_rules == (
        ForcedNetworkRule(inbound=False, proto="udp", to_q_box=True),
    )
    assert pool.targeted_reservation_name == "r"
