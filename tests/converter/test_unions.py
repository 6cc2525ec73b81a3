"""Discriminated unions: hardware constraints, scaling policies, time periods."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qarnot_async._converter import structure, unstructure
from qarnot_async._converter._unions import UNIONS
from qarnot_async.errors import DecodeError
from qarnot_async.models import (
    AlwaysPeriod,
    CpuModelConstraint,
    DayOfWeek,
    FixedScalingPolicy,
    GpuConstraint,
    HardwareConstraint,
    ManagedTasksQueueScalingPolicy,
    MaximumCoreConstraint,
    MaximumRamConstraint,
    MaximumRamCoreRatioConstraint,
    MinimumCoreConstraint,
    MinimumRamConstraint,
    MinimumRamCoreRatioConstraint,
    NoGpuConstraint,
    NoSSDConstraint,
    Scaling,
    ScalingPolicy,
    SpecificHardwareConstraint,
    SSDConstraint,
    TaskCreate,
    TimePeriod,
    UnknownHardwareConstraint,
    UnknownScalingPolicy,
    UnknownTimePeriod,
    WeeklyPeriod,
)
from qarnot_async.models.hardware import HARDWARE_CONSTRAINT_TYPES
from qarnot_async.models.scaling import SCALING_POLICY_TYPES, TIME_PERIOD_TYPES

HARDWARE_CASES: list[tuple[dict[str, Any], HardwareConstraint]] = [
    ({"discriminator": "HardwareConstraint"}, HardwareConstraint()),
    (
        {"discriminator": "MinimumCoreHardwareConstraint", "coreCount": 8},
        MinimumCoreConstraint(core_count=8),
    ),
    (
        {"discriminator": "MaximumCoreHardwareConstraint", "coreCount": 32},
        MaximumCoreConstraint(core_count=32),
    ),
    (
        {"discriminator": "MinimumRamHardwareConstraint", "minimumMemoryMB": 4096.0},
        MinimumRamConstraint(minimum_memory_mb=4096.0),
    ),
    (
        {"discriminator": "MaximumRamHardwareConstraint", "maximumMemoryMB": 65536},
        MaximumRamConstraint(maximum_memory_mb=65536),
    ),
    (
        {"discriminator": "SpecificHardwareConstraint", "specificationKey": "8c-32g-amd"},
        SpecificHardwareConstraint(specification_key="8c-32g-amd"),
    ),
    (
        {
            "discriminator": "MinimumRamCoreRatioHardwareConstraint",
            "minimumMemoryGBCoreRatio": 2.5,
        },
        MinimumRamCoreRatioConstraint(minimum_memory_gb_core_ratio=2.5),
    ),
    (
        {
            "discriminator": "MaximumRamCoreRatioHardwareConstraint",
            "maximumMemoryGBCoreRatio": 8,
        },
        MaximumRamCoreRatioConstraint(maximum_memory_gb_core_ratio=8),
    ),
    ({"discriminator": "SSDHardwareConstraint"}, SSDConstraint()),
    ({"discriminator": "NoSSDHardwareConstraint"}, NoSSDConstraint()),
    ({"discriminator": "GpuHardwareConstraint"}, GpuConstraint()),
    ({"discriminator": "NoGpuHardwareConstraint"}, NoGpuConstraint()),
    (
        {"discriminator": "CpuModelHardwareConstraint", "cpuModel": "AMD Ryzen 7 3700X"},
        CpuModelConstraint(cpu_model="AMD Ryzen 7 3700X"),
    ),
]


def test_every_discriminator_has_a_case() -> None:
    assert len(HARDWARE_CASES) == 13
    assert {wire["discriminator"] for wire, _ in HARDWARE_CASES} == set(HARDWARE_CONSTRAINT_TYPES)


@pytest.mark.parametrize(("wire", "model"), HARDWARE_CASES)
def test_hardware_constraints_both_ways(wire: dict[str, Any], model: HardwareConstraint) -> None:
    parsed = structure(wire, HardwareConstraint)
    assert type(parsed) is type(model)
    assert parsed == model
    assert parsed.discriminator == wire["discriminator"]
    assert unstructure(model) == wire
    # Inside an input, a field typed with the base writes the concrete class.
    create = TaskCreate(name="t", hardware_constraints=[model])
    assert unstructure(create)["hardwareConstraints"] == [wire]


def test_unknown_hardware_constraint_keeps_its_json() -> None:
    wire: dict[str, Any] = {
        "discriminator": "QuantumHardwareConstraint",
        "qubits": 7,
        "extra": {"a": [1]},
    }
    parsed = structure([wire], list[HardwareConstraint])[0]
    assert isinstance(parsed, UnknownHardwareConstraint)
    assert parsed.discriminator == "QuantumHardwareConstraint"
    assert parsed.raw == wire
    wire["extra"]["a"].append(2)  # the model holds its own copy
    assert parsed.raw["extra"] == {"a": [1]}
    assert unstructure(parsed) == {
        "discriminator": "QuantumHardwareConstraint",
        "qubits": 7,
        "extra": {"a": [1]},
    }


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
KINDS = st.text(min_size=1, max_size=20)


@given(KINDS, st.dictionaries(st.text(min_size=1, max_size=8), JSON, max_size=4))
def test_any_unknown_kind_round_trips(kind: str, members: dict[str, Any]) -> None:
    hardware = {**members, "discriminator": kind}
    parsed = structure(hardware, HardwareConstraint)
    if kind in HARDWARE_CONSTRAINT_TYPES:
        return
    assert isinstance(parsed, UnknownHardwareConstraint)
    assert unstructure(parsed) == hardware

    period = {**members, "type": kind}
    policy = {**members, "type": kind + "Policy", "enabledPeriods": [period]}
    scaling = structure({"policies": [policy]}, Scaling)
    assert scaling.policies is not None
    parsed_policy = scaling.policies[0]
    if kind + "Policy" not in ("Fixed", "ManagedTasksQueue"):
        assert isinstance(parsed_policy, UnknownScalingPolicy)
        assert unstructure(scaling) == {"policies": [policy]}
    if kind not in ("Always", "Weekly"):
        assert isinstance(structure(period, TimePeriod), UnknownTimePeriod)
        assert unstructure(structure(period, TimePeriod)) == period


@given(
    st.lists(
        st.sampled_from([wire for wire, _ in HARDWARE_CASES])
        | st.builds(
            lambda n: {"discriminator": "MinimumCoreHardwareConstraint", "coreCount": n},
            st.integers(min_value=0, max_value=2**31 - 1),
        ),
        max_size=6,
    )
)
def test_lists_of_constraints_round_trip(wires: list[dict[str, Any]]) -> None:
    parsed = structure(wires, list[HardwareConstraint])
    assert unstructure(parsed) == wires


def test_scaling_policies_both_ways() -> None:
    weekly = WeeklyPeriod(
        name="nights",
        days=[DayOfWeek.MONDAY, "friday"],
        start_time_utc=timedelta(hours=22),
        end_time_utc=timedelta(hours=23, minutes=59, seconds=59),
    )
    scaling = Scaling(
        policies=[
            ManagedTasksQueueScalingPolicy(
                name="queue",
                min_total_slots=0,
                max_total_slots=10,
                scaling_factor=0.5,
                enabled_periods=[weekly],
            ),
            FixedScalingPolicy(name="default", slots_count=2, enabled_periods=[AlwaysPeriod()]),
        ]
    )
    wire = unstructure(scaling)
    assert wire == {
        "policies": [
            {
                "type": "ManagedTasksQueue",
                "name": "queue",
                "enabledPeriods": [
                    {
                        "type": "Weekly",
                        "name": "nights",
                        "days": ["monday", "friday"],
                        "startTimeUtc": "22:00:00",
                        "endTimeUtc": "23:59:59",
                    }
                ],
                "minTotalSlots": 0,
                "maxTotalSlots": 10,
                "scalingFactor": 0.5,
            },
            {
                "type": "Fixed",
                "name": "default",
                "enabledPeriods": [{"type": "Always"}],
                "slotsCount": 2,
            },
        ]
    }
    assert structure(wire, Scaling) == scaling
    assert weekly.days == (DayOfWeek.MONDAY, DayOfWeek.FRIDAY)
    assert [p.type for p in scaling.policies or ()] == ["ManagedTasksQueue", "Fixed"]


def test_unknown_policy_exposes_its_name() -> None:
    policy = structure({"type": "Predictive", "name": "ml", "horizon": 3}, ScalingPolicy)
    assert isinstance(policy, UnknownScalingPolicy)
    assert policy.name == "ml"
    assert policy.type == "Predictive"


@pytest.mark.parametrize(
    ("wire", "field", "value"),
    [
        ({"coreCount": 2}, "discriminator", None),
        ({"discriminator": 4}, "discriminator", 4),
        ({"discriminator": "MinimumCoreHardwareConstraint"}, "coreCount", None),
        ({"discriminator": "MinimumCoreHardwareConstraint", "coreCount": "2"}, "coreCount", "2"),
        (
            {"discriminator": "MinimumRamHardwareConstraint", "minimumMemoryMB": True},
            "minimumMemoryMB",
            True,
        ),
    ],
)
def test_malformed_constraints(wire: dict[str, Any], field: str, value: Any) -> None:
    with pytest.raises(DecodeError) as info:
        structure(wire, HardwareConstraint)
    assert info.value.field == field
    assert info.value.value == value


def test_malformed_policy_type_is_located() -> None:
    with pytest.raises(DecodeError) as info:
        structure({"policies": [{"name": "x"}]}, Scaling)
    assert info.value.field == "policies.0.type"
    with pytest.raises(DecodeError) as info:
        structure(
            {"policies": [{"type": "Fixed", "enabledPeriods": [{"type": "Weekly", "days": "x"}]}]},
            Scaling,
        )
    assert info.value.field == "policies.0.enabledPeriods.0.days"
    assert info.value.value == "x"


def test_each_known_member_is_registered_with_its_tag() -> None:
    for discriminator, cls in HARDWARE_CONSTRAINT_TYPES.items():
        assert discriminator == cls.DISCRIMINATOR
        if not attrs.fields(cls):
            assert cls().discriminator == discriminator
    assert {
        "Fixed": FixedScalingPolicy,
        "ManagedTasksQueue": ManagedTasksQueueScalingPolicy,
    } == SCALING_POLICY_TYPES
    assert {"Always": AlwaysPeriod, "Weekly": WeeklyPeriod} == TIME_PERIOD_TYPES
    assert UnknownHardwareConstraint not in HARDWARE_CONSTRAINT_TYPES.values()


def test_the_unions_the_converter_reads() -> None:
    assert {(u.base, u.member, u.unknown) for u in UNIONS} == {
        (HardwareConstraint, "discriminator", UnknownHardwareConstraint),
        (ScalingPolicy, "type", UnknownScalingPolicy),
        (TimePeriod, "type", UnknownTimePeriod),
    }


def test_an_unknown_member_keeps_a_copy_and_its_name_when_it_has_one() -> None:
    policies, periods, constraints = (
        next(u for u in UNIONS if u.base is base)
        for base in (ScalingPolicy, TimePeriod, HardwareConstraint)
    )
    raw = {"type": "Burst", "name": "night", "extra": [1]}
    policy = policies.read_unknown("Burst", raw)
    assert policy == UnknownScalingPolicy(type="Burst", name="night", raw=raw)
    assert policy.raw is not raw
    assert policy.raw["extra"] is not raw["extra"]
    assert periods.read_unknown("Monthly", {"type": "Monthly", "name": 3}).name is None
    constraint = constraints.read_unknown("Quantum", {"discriminator": "Quantum"})
    assert constraint == UnknownHardwareConstraint(
        discriminator="Quantum", raw={"discriminator": "Quantum"}
    )


def test_an_unknown_member_too_deep_to_copy_is_refused() -> None:
    deep: Any = None
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(DecodeError) as info:
        structure({"policies": [{"type": "Burst", "steps": deep}]}, Scaling)
    assert info.value.field == "policies.0"
    assert info.value.message == "nested too deeply"
