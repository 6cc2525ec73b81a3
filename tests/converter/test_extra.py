"""Members a model does not declare: kept in ``extra``, written back, never lost.

The payloads of ``tests/fixtures/official/`` have the shapes the official SDKs read
(their test fixtures and the facts they cite), with members no SDK knows added at
every depth, as a newer service would send them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from qarnot_async import Client, InvalidInputError, Response
from qarnot_async._converter import (
    also_names,
    new_registry,
    structure,
    unstructure,
    wire_attributes,
    wire_name,
)
from qarnot_async.models import (
    NO_EXTRA,
    CarbonFacts,
    Extra,
    IdResponse,
    Job,
    MinimumCoreConstraint,
    Pool,
    PoolUpdate,
    RunningCounts,
    SecretsAccessRights,
    Task,
    TaskCreate,
    TaskSummary,
    TokenPage,
    UnknownHardwareConstraint,
    UnknownScalingPolicy,
    UnknownTimePeriod,
)

OFFICIAL = Path(__file__).resolve().parent.parent / "fixtures" / "official"
SHAPES = {"task.json": Task, "pool.json": Pool, "job.json": Job}
UNKNOWN_KINDS = (UnknownHardwareConstraint, UnknownScalingPolicy, UnknownTimePeriod)
UUID = "4c0e2a7b-9d61-4f3e-8a25-1b7c6d9e0f13"


def _load(name: str) -> Any:
    return json.loads((OFFICIAL / name).read_text())


def _leaves(data: Any) -> int:
    if isinstance(data, dict):
        return sum(_leaves(v) for v in data.values())
    if isinstance(data, list):
        return sum(_leaves(v) for v in data)
    return 0 if data is None else 1


class _Walk:
    """Follows JSON and the model read from it together, counting each leaf found."""

    def __init__(self) -> None:
        self.declared = 0
        self.extra = 0
        self.lost: list[str] = []

    def model(self, obj: Any, data: Any, path: str) -> None:
        if isinstance(obj, UNKNOWN_KINDS):
            assert obj.raw == data, path  # kept whole
            self.extra += _leaves(data)
            return
        assert isinstance(data, dict), path
        members: dict[str, attrs.Attribute[Any]] = {}
        for attribute in wire_attributes(type(obj)):
            for name in (wire_name(attribute).partition(".")[0], *also_names(attribute)):
                members[name] = attribute
        for key, value in data.items():
            a = members.get(key)
            if a is None:
                if key in ("discriminator", "type"):
                    self.declared += 1  # the union's tag, read into the class itself
                    continue
                if key in obj.extra and obj.extra[key] == value:
                    self.extra += _leaves(value)
                else:
                    self.lost.append(f"{path}.{key}")
            elif "." in wire_name(a):
                self.value(getattr(obj, a.name), _dotted(data, wire_name(a)), f"{path}.{key}")
            else:
                self.value(getattr(obj, a.name), value, f"{path}.{key}")

    def value(self, obj: Any, data: Any, path: str) -> None:
        if data is None:
            return
        if attrs.has(type(obj)) and not isinstance(obj, SecretsAccessRights):
            self.model(obj, data, path)
        elif isinstance(obj, SecretsAccessRights):
            self.extra += len(obj.extra)
            for wire, got in (("bySecret", obj.by_secret), ("byPrefix", obj.by_prefix)):
                if data.get(wire):
                    assert [next(iter(d.values())) for d in data[wire]] == list(got or ())
                    self.declared += len(data[wire])
        elif isinstance(data, list) and isinstance(obj, Mapping):  # [{key, value}]
            assert [(d["key"], d["value"]) for d in data] == list(obj.items()), path
            self.declared += 2 * len(data)
        elif isinstance(data, list):
            if isinstance(obj, str):  # an instance range written as text
                self.declared += 1
                return
            assert len(obj) == len(data), path
            for i, (item, raw) in enumerate(zip(obj, data, strict=True)):
                self.value(item, raw, f"{path}.{i}")
        elif isinstance(data, dict) and isinstance(obj, Mapping):
            assert dict(obj) == data, path
            self.declared += len(data)
        elif obj is None and not (isinstance(data, str) and data.startswith("0001-01-01")):
            self.lost.append(path)  # a value read as "not set" that was set
        else:
            self.declared += 1


def _dotted(data: dict[str, Any], name: str) -> Any:
    cur: Any = data
    for part in name.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    return cur


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_every_leaf_of_the_official_shapes_is_kept(name: str) -> None:
    data = _load(name)
    walk = _Walk()
    walk.model(structure(data, SHAPES[name]), data, name)
    assert walk.lost == []
    # Every leaf is either an attribute or in an ``extra``, and the newer members
    # added at every depth are among the latter.
    assert walk.declared + walk.extra == _leaves(data)
    assert walk.extra >= 1


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_the_unknown_members_go_back_on_the_wire(name: str) -> None:
    data = _load(name)
    written = unstructure(structure(data, SHAPES[name]))

    def future(d: Any, path: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], Any]]:
        found = []
        if isinstance(d, dict):
            for k, v in d.items():
                if k.startswith("future"):
                    found.append(((*path, k), v))
                else:
                    found += future(v, (*path, k))
        elif isinstance(d, list):
            for i, v in enumerate(d):
                found += future(v, (*path, i))
        return found

    expected = future(data)
    assert expected
    for path, value in expected:
        cur: Any = written
        for part in path:
            cur = cur[part]
        assert cur == value, path


@pytest.mark.parametrize("detailed", [False, True])
def test_both_converters_keep_the_same_extra(detailed: bool) -> None:
    data = _load("task.json")
    conv = new_registry(detailed=detailed).converter
    task = conv.structure(data, Task)
    assert dict(task.extra) == {
        "futureTaskMember": data["futureTaskMember"],
        "futureTaskFlag": False,
    }
    assert task.status is not None
    assert dict(task.status.extra) == {"futureStatusMember": "kept"}
    constraint = task.hardware_constraints[0] if task.hardware_constraints else None
    assert isinstance(constraint, MinimumCoreConstraint)
    assert dict(constraint.extra) == {"futureConstraintMember": "kept"}  # not the tag


SUMMARY = {
    "uuid": UUID,
    "name": "n",
    "shortname": "s",
    "state": "Submitted",
    "previousState": None,
    "stateTransitionTime": None,
    "previousStateTransitionTime": None,
    "creationDate": None,
    "lastModified": None,
    "profile": None,
    "instanceCount": None,
    "runningInstanceCount": None,
    "runningCoreCount": None,
    "executionTime": None,
    "wallTime": None,
    "endDate": None,
    "poolUuid": None,
    "jobUuid": None,
    "progress": None,
    "clusterInfo": None,
    "totalInstanceCount": None,
    "maxRetriesPerInstance": None,
    "advancedRanges": None,
    "waitForPoolResourcesSynchronization": None,
}


def test_a_summary_with_every_member_and_nothing_else_shares_the_empty_extra() -> None:
    assert set(SUMMARY) == {wire_name(a) for a in wire_attributes(TaskSummary)}
    assert structure(SUMMARY, TaskSummary).extra is NO_EXTRA


@pytest.mark.parametrize(
    "data",
    [
        {**SUMMARY, "newMember": 1},  # every member and one more
        {"uuid": UUID, "newMember": 1},  # most members absent
        {k: v for k, v in {**SUMMARY, "newMember": 1}.items() if k != "name"},
    ],
)
def test_a_summary_keeps_a_new_member_whatever_else_is_sent(data: dict[str, Any]) -> None:
    summary = structure(data, TaskSummary)
    assert dict(summary.extra) == {"newMember": 1}
    assert summary.uuid == UUID


def test_pages_and_small_models_keep_theirs() -> None:
    page = structure(
        {"data": [{**SUMMARY, "x": 1}], "nextToken": None, "isTruncated": False, "pageNumber": 3},
        TokenPage[TaskSummary],
    )
    assert dict(page.extra) == {"pageNumber": 3}
    assert dict(page.data[0].extra) == {"x": 1}
    assert dict(structure({"uuid": UUID, "etag": "e"}, IdResponse).extra) == {"etag": "e"}
    rights = structure({"bySecret": [{"key": "k"}], "byRole": ["r"]}, SecretsAccessRights)
    assert rights.by_secret == ("k",)
    assert dict(rights.extra) == {"byRole": ["r"]}
    assert unstructure(rights) == {"bySecret": [{"key": "k"}], "byRole": ["r"]}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"runningCoreCount": 3}, 3),
        ({"runningCoresCount": 4}, 4),  # the official SDKs' spelling
        ({"runningCoreCount": None, "runningCoresCount": 5}, 5),
        ({"runningCoreCount": 6, "runningCoresCount": 7}, 6),  # openapi.json's wins
    ],
)
def test_a_member_read_under_either_spelling_is_not_extra(
    data: dict[str, Any], expected: int
) -> None:
    counts = structure(data, RunningCounts)
    assert counts.running_core_count == expected
    assert counts.extra == {}
    assert unstructure(counts) == {"runningCoreCount": expected}


def test_carbon_facts_of_either_spelling_write_the_official_sdks_one() -> None:
    facts = structure({"pue": 1.1, "PUE": None, "comment": "x"}, CarbonFacts)
    assert facts.pue == 1.1
    assert dict(facts.extra) == {"comment": "x"}
    assert unstructure(facts) == {"PUE": 1.1, "comment": "x"}


def test_extra_survives_evolve_and_is_left_out_of_equality_hash_and_repr() -> None:
    task = structure({**SUMMARY, "secretish": "s3cr3t"}, TaskSummary)
    changed = attrs.evolve(task, name="other")
    assert changed.extra == {"secretish": "s3cr3t"}
    assert task == attrs.evolve(task, extra={})
    assert hash(task) == hash(attrs.evolve(task, extra={}))
    assert "s3cr3t" not in repr(task)
    assert repr(task.extra) == "Extra(members=['secretish'])"
    assert "s3cr3t" not in repr(task.extra)
    assert "s3cr3t" not in str(task.extra)


def test_extra_is_read_only() -> None:
    extra = structure({"uuid": UUID, "a": 1}, IdResponse).extra
    assert isinstance(extra, Extra)
    with pytest.raises(TypeError):
        extra["a"] = 2  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        IdResponse(uuid=UUID).extra = {}  # type: ignore[misc]


def test_an_input_sends_members_this_sdk_does_not_know_yet() -> None:
    created = TaskCreate(
        name="n", profile="p", instance_count=1, extra={"newSetting": {"a": 1}, "name": "lost"}
    )
    wire = unstructure(created)
    assert wire["newSetting"] == {"a": 1}
    assert wire["name"] == "n"  # a declared member wins over an extra one


@pytest.mark.parametrize("bad", [["a"], {1: "x"}, "text"])
def test_extra_that_is_not_a_mapping_of_names_is_refused(bad: Any) -> None:
    with pytest.raises(InvalidInputError, match="extra"):
        TaskCreate(name="n", extra=bad)


async def test_an_update_made_from_what_was_read_keeps_the_unknown_members(script: Any) -> None:
    pool = _load("pool.json")
    script.add("GET", f"/pools/{pool['uuid']}", Response.from_json(pool), repeat=True)
    script.add("PUT", f"/pools/{pool['uuid']}/scaling", Response(204))
    script.add("PUT", f"/pools/{pool['uuid']}", Response(204))
    async with Client("t", transport=script.transport) as client:
        read = await client.pools.get(pool["uuid"])
        assert read.scaling is not None
        assert read.elastic_property is not None
        await client.pools.update_scaling(pool["uuid"], read.scaling)
        resized = attrs.evolve(read.elastic_property, max_total_slots=16)
        await client.pools.update(pool["uuid"], PoolUpdate(elastic_property=resized))
    scaling_body = json.loads(script.requests[1].body)
    assert scaling_body["futureScalingMember"] is True
    assert scaling_body["policies"][0]["futurePolicyMember"] == "kept"
    assert scaling_body["policies"][0]["enabledPeriods"][0]["futurePeriodMember"] == 1
    update_body = json.loads(script.requests[2].body)
    assert update_body["elasticProperty"]["maxTotalSlots"] == 16
    assert update_body["elasticProperty"]["futureElasticMember"] == "kept"
