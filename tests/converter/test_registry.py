"""The shared vocabulary of the converter: predicates, wire names, the registry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional, TypeVar, Union

import attrs
import pytest

from qarnot_async._converter import new_registry
from qarnot_async._converter._registry import (
    BadValue,
    elem_type,
    is_mapping,
    is_model,
    is_open_enum,
    is_optional,
    is_seq,
    non_none,
    wire_name,
    writer,
)
from qarnot_async.models import ResourcesBucket, Task, TaskState, TokenPage
from qarnot_async.models._types import wire

T = TypeVar("T")


@attrs.frozen
class Sample:
    snake_case_name: int
    explicit: int = attrs.field(metadata=wire("cacheTTLSec"))
    single: int = 0


def test_wire_names() -> None:
    fields = attrs.fields(Sample)
    assert wire_name(fields.snake_case_name) == "snakeCaseName"
    assert wire_name(fields.explicit) == "cacheTTLSec"
    assert wire_name(fields.single) == "single"
    assert wire_name(attrs.fields(ResourcesBucket).prefix) == "filtering.prefixFiltering.prefix"


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (int | None, True),
        (Optional[int], True),  # noqa: UP045 - the typing spelling must work too
        (None | str, True),
        (Union[int, str, None], False),  # noqa: UP007 - a wider union is not "optional"
        (int | str, False),
        (int, False),
        (list[int], False),
    ],
)
def test_is_optional(t: Any, expected: bool) -> None:
    assert is_optional(t) is expected


def test_non_none() -> None:
    assert non_none(int | None) is int
    assert non_none(None | str) is str


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (list[int], True),
        (tuple[int, ...], True),
        (Sequence[str], True),
        (tuple[int, str], False),
        (tuple[int], False),
        (dict[str, int], False),
        (str, False),
    ],
)
def test_is_seq(t: Any, expected: bool) -> None:
    assert is_seq(t) is expected


def test_elem_type() -> None:
    assert elem_type(tuple[Task, ...]) is Task
    assert elem_type(list[int]) is int


def test_is_mapping() -> None:
    assert is_mapping(dict[str, int])
    assert is_mapping(Mapping[str, Any])
    assert not is_mapping(dict)
    assert not is_mapping(list[str])


def test_is_model() -> None:
    assert is_model(Task)
    assert is_model(TokenPage[Task])
    assert not is_model(dict)
    assert not is_model(int | None)


def test_is_open_enum() -> None:
    assert is_open_enum(TaskState)
    assert not is_open_enum(str)
    assert not is_open_enum(TaskState.SUCCESS)


def test_bad_value_keeps_its_subpath() -> None:
    error = BadValue("expected a string", 3, ("constants", 0, "key"))
    assert (error.message, error.value, error.subpath) == (
        "expected a string",
        3,
        ("constants", 0, "key"),
    )
    assert str(error) == "expected a string"


def test_writer_of_an_unbound_type_writes_by_runtime_class() -> None:
    conv = new_registry(detailed=False).converter
    bucket = ResourcesBucket(bucket_name="b")
    assert writer(conv, T)(bucket) == {"bucketName": "b"}
    assert writer(conv, Any)(bucket) == {"bucketName": "b"}
    assert writer(conv, ResourcesBucket)(bucket) == {"bucketName": "b"}


def test_each_registry_has_its_own_converter_and_caches() -> None:
    fast = new_registry(detailed=False)
    detailed = new_registry(detailed=True)
    assert not fast.detailed
    assert detailed.detailed
    assert fast.converter is not detailed.converter
    assert fast.model_fns == {} == detailed.model_fns
    assert set(fast.scalars) == {str, int, float, bool}


def test_readers_are_built_once_per_type() -> None:
    registry = new_registry(detailed=False)
    data = {"uuid": "u", "status": {"instanceCount": 1}}
    first = registry.converter.structure(data, Task)
    built = dict(registry.model_fns)
    assert Task in built
    second = registry.converter.structure(data, Task)
    assert registry.model_fns == built
    assert all(registry.model_fns[t] is fn for t, fn in built.items())
    assert first == second
