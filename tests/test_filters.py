"""The filter builder serialises to the service's wire form."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import pytest

from qarnot_async import InvalidInputError
from qarnot_async.filters import F, to_wire


class Colour(enum.Enum):
    RED = "Red"


def test_leaf_operators() -> None:
    assert (F.state == "Success").to_wire() == {
        "operator": "Equal",
        "field": "State",
        "value": "Success",
    }
    assert (F.state != Colour.RED).to_wire()["operator"] == "NotEqual"
    assert (F.state != Colour.RED).to_wire()["value"] == "Red"
    assert (F.instance_count < 3).to_wire()["operator"] == "LessThan"
    assert (F.instance_count <= 3).to_wire()["operator"] == "LessThanOrEqual"
    assert (F.instance_count > 3).to_wire()["operator"] == "GreaterThan"
    assert (F.instance_count >= 3).to_wire()["operator"] == "GreaterThanOrEqual"
    assert F.name.like("render-%").to_wire() == {
        "operator": "Like",
        "field": "Name",
        "value": "render-%",
    }


def test_many_valued_leaves() -> None:
    assert F.tags.any_of(["a", "b"]).to_wire() == {
        "operator": "In",
        "field": "Tags",
        "values": ["a", "b"],
    }
    assert F.uuid.in_(u for u in ("x", "y")).to_wire()["values"] == ["x", "y"]
    assert F.state.not_in([Colour.RED]).to_wire() == {
        "operator": "NotIn",
        "field": "State",
        "values": ["Red"],
    }


def test_dates_serialise_as_utc_iso() -> None:
    leaf = F.creation_date >= datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert leaf.to_wire()["value"] == "2026-01-02T03:04:05Z"
    with pytest.raises(InvalidInputError, match="timezone-aware"):
        _ = F.creation_date >= datetime(2026, 1, 2)


def test_and_or_nest_and_flatten() -> None:
    f = (F.state == "Success") & (F.profile == "blender") & F.tags.any_of(["x"])
    wire = f.to_wire()
    assert wire["operator"] == "And"
    assert [leaf["field"] for leaf in wire["filters"]] == ["State", "Profile", "Tags"]
    g = ((F.state == "Success") | (F.state == "Failure")) & (F.job_uuid == "j")
    wire = g.to_wire()
    assert wire["operator"] == "And"
    assert wire["filters"][0]["operator"] == "Or"
    assert len(wire["filters"][0]["filters"]) == 2


def test_typo_fails_early_with_known_fields() -> None:
    with pytest.raises(InvalidInputError, match=r"unknown filter field; known fields: .*state"):
        _ = F.stat
    assert not hasattr(F, "stat")  # an AttributeError too, so hasattr() behaves
    assert (F.field("Brand") == "x").to_wire()["field"] == "Brand"


def test_misuse_is_refused() -> None:
    with pytest.raises(TypeError, match="&"):
        bool(F.state == "Success")
    with pytest.raises(InvalidInputError, match="list of values"):
        F.tags.any_of("abc")
    with pytest.raises(InvalidInputError, match="cannot filter on a value"):
        _ = F.name == object()
    with pytest.raises(InvalidInputError, match="only filters combine"):
        _ = (F.state == "x") & "y"  # type: ignore[operator]


def test_to_wire_accepts_raw_dicts_and_none() -> None:
    raw = {"operator": "Equal", "field": "State", "value": "Success"}
    assert to_wire(raw) == raw
    assert to_wire(None) is None
    assert to_wire(F.state == "Success") == raw
    with pytest.raises(InvalidInputError):
        to_wire(42)  # type: ignore[arg-type]
