"""Input checks: each names the field, and `checked` makes a whole optional attribute."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from qarnot_async.errors import InvalidInputError
from qarnot_async.models import ForcedConstantAccess, SchedulingType
from qarnot_async.models._checks import (
    NAME_MAX_LENGTH,
    check_int,
    check_name,
    check_str,
    checked,
    str_tuple,
    to_enum,
    to_tuple,
)
from qarnot_async.models._types import WIRE_KEY


@attrs.frozen(kw_only=True)
class Sample:
    count: int | None = checked(check_int, 0, 10)
    label: str | None = checked(check_str, wire_name="displayLabel")


def test_a_checked_attribute_is_optional_and_checked() -> None:
    assert Sample() == Sample(count=None, label=None)
    assert Sample(count=10).count == 10
    with pytest.raises(InvalidInputError) as info:
        Sample(count=11)
    assert (info.value.field, info.value.value) == ("count", 11)
    assert "between 0 and 10" in info.value.message
    with pytest.raises(InvalidInputError):
        Sample(label=1)  # type: ignore[arg-type]


def test_a_checked_attribute_can_name_its_wire_member() -> None:
    fields = attrs.fields(Sample)
    assert fields.label.metadata[WIRE_KEY] == "displayLabel"
    assert WIRE_KEY not in fields.count.metadata


@pytest.mark.parametrize(
    ("value", "ok"),
    [("a", True), ("x" * NAME_MAX_LENGTH, True), ("", False), ("   ", False), (3, False)],
)
def test_names(value: Any, ok: bool) -> None:
    if ok:
        check_name("name", value)
    else:
        with pytest.raises(InvalidInputError):
            check_name("name", value)
    with pytest.raises(InvalidInputError):
        check_name("name", "x" * (NAME_MAX_LENGTH + 1))


def test_tuple_converters() -> None:
    assert to_tuple(None) is None
    assert to_tuple(iter([1, 2])) == (1, 2)
    assert str_tuple(["a"]) == ("a",)
    assert str_tuple(None) is None


def test_enum_converter() -> None:
    assert to_enum(SchedulingType, "scheduling_type", "flex") is SchedulingType.FLEX
    assert to_enum(SchedulingType, "scheduling_type", None) is None
    member = ForcedConstantAccess.READ_ONLY
    assert to_enum(ForcedConstantAccess, "access", member) is member
    unknown = to_enum(SchedulingType, "scheduling_type", "spot")
    assert unknown is not None
    assert not unknown.is_known
    with pytest.raises(InvalidInputError) as info:
        to_enum(SchedulingType, "scheduling_type", 1)  # type: ignore[arg-type]
    assert info.value.field == "scheduling_type"
    assert info.value.message == "must be a SchedulingType"
