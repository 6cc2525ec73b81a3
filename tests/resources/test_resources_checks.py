"""Argument checks and route building (qarnot_async/resources/_checks.py)."""

from __future__ import annotations

import pytest

from qarnot_async import InvalidInputError, TaskCreate
from qarnot_async.resources._checks import (
    check_instance_id,
    check_positive,
    check_uuid_arg,
    clamp_page_size,
    expect,
    item_route,
    order_field,
    route,
    tag_params,
)

ALL = ("creationDate", "name", "state", "executionTime")


def test_routes_quote_every_segment() -> None:
    assert route("tasks", "a/b?c", 3) == "/tasks/a%2Fb%3Fc/3"
    assert item_route("/tasks", "u-1", "stdout", 0) == "/tasks/u-1/stdout/0"
    with pytest.raises(InvalidInputError, match="uuid"):
        item_route("/tasks", "  ")


@pytest.mark.parametrize("bad", ["", "   ", None, 12])
def test_uuid_argument_must_be_a_non_empty_string(bad: object) -> None:
    with pytest.raises(InvalidInputError) as info:
        check_uuid_arg(bad, "name")
    assert info.value.field == "name"
    assert check_uuid_arg("my-task") == "my-task"


def test_instance_ids_and_counts() -> None:
    check_instance_id(None)
    check_instance_id(0)
    for bad in (-1, "1", 1.5):
        with pytest.raises(InvalidInputError, match="instance_id"):
            check_instance_id(bad)  # type: ignore[arg-type]
    check_positive(None, "limit")
    with pytest.raises(InvalidInputError, match="limit"):
        check_positive(0, "limit")
    assert clamp_page_size(5000, 1000) == 1000
    assert clamp_page_size(7, 1000) == 7
    with pytest.raises(InvalidInputError, match="page_size"):
        clamp_page_size(0, 1000)


@pytest.mark.parametrize(
    ("given", "wire"),
    [
        ("creationDate", "creationDate"),
        ("creation_date", "creationDate"),
        ("creation-date", "creationDate"),
        ("NAME", "name"),
        ("execution_time", "executionTime"),
        (None, None),
    ],
)
def test_order_field_accepts_the_documented_names(given: str | None, wire: str | None) -> None:
    assert order_field(given, allowed=ALL) == wire


def test_order_field_refuses_others_listing_the_allowed() -> None:
    with pytest.raises(InvalidInputError, match=r"creationDate, name, state$"):
        order_field("executionTime", allowed=("creationDate", "name", "state"))
    with pytest.raises(InvalidInputError, match="order_by"):
        order_field("colour", allowed=ALL)


def test_tags_and_types() -> None:
    assert tag_params(None) is None
    assert tag_params("a") == [("tag", "a")]
    assert tag_params(["a", "b"]) == [("tag", "a"), ("tag", "b")]
    with pytest.raises(InvalidInputError, match="tags"):
        tag_params(["a", ""])
    expect(TaskCreate(name="t", instance_count=1), TaskCreate, "task")
    with pytest.raises(InvalidInputError, match="expected TaskCreate or int, got dict"):
        expect({}, (TaskCreate, int), "task")
