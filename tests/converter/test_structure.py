"""structure() turns any malformed answer into a DecodeError naming the request and field.

Whatever the service (or a proxy in front of it) sends back, the caller sees a
DecodeError: never a KeyError, TypeError, AttributeError or RecursionError.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_origin

import pytest

from qarnot_async._converter import converter, structure, unstructure
from qarnot_async.errors import DecodeError, QarnotError
from qarnot_async.models import (
    IdResponse,
    Job,
    MultiResponse,
    OffsetPage,
    Pool,
    PoolSummary,
    Settings,
    Task,
    TaskSummary,
    TokenPage,
    UserInfo,
)

WIRE = Path(__file__).resolve().parent.parent / "fixtures" / "wire"

ANSWER_TYPES: list[Any] = [
    IdResponse,
    list[MultiResponse],
    Task,
    Pool,
    Job,
    TokenPage[Task],
    TokenPage[TaskSummary],
    TokenPage[PoolSummary],
    OffsetPage[Job],
    list[Task],
    UserInfo,
    Settings,
]

MALFORMED: list[Any] = [
    {},
    [],
    None,
    "",
    0,
    1.5,
    True,
    [{}],
    [None],
    [[]],
    {"data": None},
    {"data": {}},
    {"data": [None]},
    {"data": [[]]},
    {"uuid": None},
    {"uuid": []},
    {"uuid": {"a": 1}},
    {"uuid": "u", "status": []},
    {"uuid": "u", "state": {}},
]


def _read(data: Any, cls: Any) -> Any:
    """What structure gives for ``data``: the value, or the DecodeError it raised."""
    try:
        return structure(data, cls, where="GET /v1/test")
    except DecodeError as error:
        return error


def _deep(depth: int, leaf: Any = None) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("cls", ANSWER_TYPES, ids=repr)
@pytest.mark.parametrize("data", MALFORMED, ids=repr)
def test_any_answer_is_read_or_is_a_decode_error(data: Any, cls: Any) -> None:
    outcome = _read(data, cls)
    if isinstance(outcome, DecodeError):
        assert isinstance(outcome, QarnotError)
        assert outcome.where == "GET /v1/test"
        assert str(outcome).startswith("GET /v1/test: ")
    else:
        # An answer whose members are all optional may be empty: it is then read.
        assert isinstance(outcome, get_origin(cls) or cls)


@pytest.mark.parametrize(
    ("data", "cls"),
    [
        (None, IdResponse),
        ([], Task),
        ([{}], IdResponse),
        ({}, TokenPage[Task]),
        ({"data": None}, TokenPage[Task]),
        ({"data": [None]}, TokenPage[Task]),
        ({"data": [{}]}, TokenPage[Task]),
        ({"data": [[]]}, OffsetPage[Job]),
        ({}, list[Task]),
        ([None], list[MultiResponse]),
        ([[]], list[MultiResponse]),
        ({"uuid": "u", "status": []}, Pool),
        ({"uuid": "u", "state": {}}, Job),
        ([], Settings),
        ("", UserInfo),
    ],
    ids=repr,
)
def test_a_malformed_answer_is_refused(data: Any, cls: Any) -> None:
    with pytest.raises(DecodeError) as info:
        structure(data, cls, where="GET /v1/test")
    assert info.value.where == "GET /v1/test"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "uuid", "missing required member"),
        ([], "$", "expected a JSON object"),
        (None, "$", "expected a JSON object"),
        ([{"uuid": "u"}], "$", "expected a JSON object"),
        ({"uuid": 7}, "uuid", "expected a string"),
        ({"uuid": None}, "uuid", "expected a string"),
    ],
)
def test_a_creation_answer_names_the_member(data: Any, field: str, message: str) -> None:
    with pytest.raises(DecodeError) as info:
        structure(data, IdResponse, where="POST /v1/tasks")
    assert info.value.field == field
    assert message in info.value.message
    assert info.value.where == "POST /v1/tasks"


def test_a_creation_answer_reads_the_uuid() -> None:
    answer = structure({"uuid": "52c10b2d-0687-41e1-985e-7279f6dd543a", "other": 1}, IdResponse)
    assert answer == IdResponse(uuid="52c10b2d-0687-41e1-985e-7279f6dd543a")
    assert answer.extra == {"other": 1}  # kept, and written back
    assert unstructure(answer) == {"uuid": "52c10b2d-0687-41e1-985e-7279f6dd543a", "other": 1}


def test_a_bulk_answer_names_the_item() -> None:
    data = [{"statusCode": 200, "uuid": "a"}, {"statusCode": "201"}]
    with pytest.raises(DecodeError) as info:
        structure(data, list[MultiResponse], where="POST /v1/tasks")
    assert info.value.field == "1.statusCode"
    assert info.value.value == "201"


@pytest.mark.parametrize("cls", ANSWER_TYPES, ids=repr)
def test_nesting_far_deeper_than_any_model_is_a_decode_error(cls: Any) -> None:
    deep = _deep(100_000)
    with pytest.raises(DecodeError) as info:
        structure(deep, cls, where="GET /v1/test")
    assert len(str(info.value)) < 1_000
    # Deep values in members: refused where the model has a member of another kind,
    # ignored where it has none (unknown members are ignored).
    for data in ({"data": deep, "uuid": deep}, [deep], {"uuid": "u", "tags": deep}):
        outcome = _read(data, cls)
        if isinstance(outcome, DecodeError):
            assert len(str(outcome)) < 1_000


def test_deep_nesting_inside_a_kept_object_is_a_decode_error() -> None:
    """An unknown union member keeps its JSON: too deep to copy is an error, not a crash."""
    constraint = {"discriminator": "FromTheFuture", "spec": _deep(100_000)}
    with pytest.raises(DecodeError) as info:
        structure({"uuid": "u", "hardwareConstraints": [constraint]}, Task)
    assert info.value.field == "hardwareConstraints.0"
    assert "nested too deeply" in info.value.message


def test_a_huge_string_is_read_or_refused_with_a_short_message() -> None:
    huge = "x" * 50_000_000
    assert structure({"uuid": huge}, IdResponse).uuid is huge
    with pytest.raises(DecodeError) as info:
        structure(huge, Task)
    assert info.value.value is huge
    assert len(str(info.value)) < 1_000
    assert "50,000,002 characters" in str(info.value)


def test_the_error_message_keeps_small_values_exact() -> None:
    with pytest.raises(DecodeError) as info:
        structure({"uuid": "u", "labels": {"a": 1, "b": [2]}}, Task)
    assert str(info.value) == "labels.a: expected a string (got 1)"


def test_a_valid_answer_goes_through_the_fast_converter_alone() -> None:
    data = json.loads((WIRE / "task.json").read_text())
    assert structure(data, Task) == converter.structure(data, Task)


def test_a_class_the_converter_cannot_read_is_a_programming_error() -> None:
    class NotAModel:
        pass

    with pytest.raises(Exception) as info:  # noqa: PT011 - cattrs' own error
        structure({}, NotAModel)
    assert not isinstance(info.value, DecodeError)
