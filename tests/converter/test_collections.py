"""Arrays through one hook and a per-element reader; JSON objects read as mappings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from qarnot_async._converter import new_registry, structure, unstructure
from qarnot_async._converter._collections import element_reader, list_hook, mapping_hook
from qarnot_async._converter._registry import BadValue
from qarnot_async.errors import DecodeError
from qarnot_async.models import ApiErrorDetail, DayOfWeek, Task, TaskState

FAST = new_registry(detailed=False)


def test_each_sequence_type_gives_its_own_container() -> None:
    assert structure(["a", "b"], list[str]) == ["a", "b"]
    assert structure(["a", "b"], tuple[str, ...]) == ("a", "b")
    assert structure(["a"], Sequence[str]) == ("a",)  # type: ignore[type-abstract]
    assert structure([], list[int]) == []


@pytest.mark.parametrize(
    ("t", "data", "value"),
    [
        (list[int], [1, 2], [1, 2]),
        (list[float], [1, 2.5], [1, 2.5]),
        (list[TaskState], ["Success", "Paused"], [TaskState.SUCCESS, TaskState("Paused")]),
        (list[DayOfWeek], ["monday"], [DayOfWeek.MONDAY]),
        (list[ApiErrorDetail], [{"code": "c"}], [ApiErrorDetail(code="c")]),
        (list[list[str]], [["a"], []], [["a"], []]),
        (list[int | None], [1, None], [1, None]),
    ],
)
def test_elements_of_every_kind(t: Any, data: Any, value: Any) -> None:
    assert structure(data, t) == value
    assert new_registry(detailed=True).converter.structure(data, t) == value


@pytest.mark.parametrize(
    ("t", "data", "field", "message"),
    [
        (list[str], "ab", "$", "expected a JSON array"),
        (list[str], {"a": 1}, "$", "expected a JSON array"),
        (list[str], ["a", 1], "1", "expected a string"),
        (list[int], [1, True], "1", "expected an integer"),
        (list[TaskState], ["Success", 3], "1", "expected a TaskState string"),
        (list[ApiErrorDetail], [{}, "x"], "1", "expected a JSON object"),
        (list[ApiErrorDetail], [{"code": 1}], "0.code", "expected a string"),
        (list[list[str]], [["a"], ["b", 2]], "1.1", "expected a string"),
    ],
)
def test_a_bad_element_is_named_by_its_index(t: Any, data: Any, field: str, message: str) -> None:
    with pytest.raises(DecodeError) as info:
        structure(data, t)
    assert (info.value.field, info.value.message) == (field, message)


def test_element_readers() -> None:
    scalar = element_reader(FAST, str)
    assert (scalar.accepts, scalar.read) == (frozenset({str}), None)
    assert scalar.one("x") == "x"
    with pytest.raises(BadValue):
        scalar.one(1)
    model = element_reader(FAST, ApiErrorDetail)
    assert model.accepts == frozenset({dict})
    assert model.one({"code": "c"}) == ApiErrorDetail(code="c")
    with pytest.raises(BadValue):
        model.one([])
    enum = element_reader(FAST, TaskState)
    assert enum.accepts is None
    assert enum.one("Success") is TaskState.SUCCESS
    nested = element_reader(FAST, list[int])
    assert nested.one([1]) == [1]


def test_a_list_of_scalars_is_checked_without_reading_each_element() -> None:
    hook = list_hook(FAST, tuple[str, ...])
    data = ["a", "b"]
    assert hook(data, None) == ("a", "b")
    with pytest.raises(BadValue) as info:
        hook(["a", None], None)
    assert info.value.value is None


def test_mappings() -> None:
    data = {"a": "1", "b": "2"}
    read = structure(data, Mapping[str, str])  # type: ignore[type-abstract]
    assert read == data
    assert read is not data
    assert structure({"x": [1, {"y": None}]}, dict[str, Any]) == {"x": [1, {"y": None}]}
    assert unstructure({"a": "1"}) == {"a": "1"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ([], "$", "expected a JSON object"),
        ({"a": 1}, "a", "expected a string"),
        ({"a": "1", "b": None}, "b", "expected a string"),
    ],
)
def test_bad_mappings(data: Any, field: str, message: str) -> None:
    with pytest.raises(DecodeError) as info:
        structure(data, dict[str, str])
    assert (info.value.field, info.value.message) == (field, message)


def test_a_mapping_hook_of_any_values_copies_the_object() -> None:
    hook = mapping_hook(FAST, Mapping[str, Any])
    data = {"filter": {"operator": "Equal"}}
    assert hook(data, None) == data
    assert hook(data, None) is not data
    with pytest.raises(BadValue):
        hook(["filter"], None)


def test_collections_are_written_as_json_arrays_and_objects() -> None:
    task = structure({"uuid": "u", "tags": ["a"], "errors": [{"code": "c"}]}, Task)
    assert unstructure(task) == {"uuid": "u", "tags": ["a"], "errors": [{"code": "c"}]}
    assert unstructure((1, 2)) == [1, 2]


def test_json_given_as_is_is_written_as_is_but_for_values_with_their_own_writer() -> None:
    from datetime import UTC, datetime

    from qarnot_async.models import DataDetailRequest, TaskState

    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    wire = {
        "operator": "And",
        "filters": [
            {"operator": "In", "field": "Uuid", "values": ("a", "b")},
            {"operator": "GreaterThan", "field": "CreationDate", "value": when},
            {"operator": "Equal", "field": "State", "value": TaskState.SUCCESS, "n": None},
        ],
    }
    assert unstructure(DataDetailRequest(filter=wire))["filter"] == {
        "operator": "And",
        "filters": [
            {"operator": "In", "field": "Uuid", "values": ["a", "b"]},
            {"operator": "GreaterThan", "field": "CreationDate", "value": "2026-01-02T03:04:05Z"},
            {"operator": "Equal", "field": "State", "value": "Success", "n": None},
        ],
    }
