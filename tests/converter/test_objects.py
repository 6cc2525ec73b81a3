"""Models read and written by wire name, nested wire paths, the secrets access rights."""

from __future__ import annotations

from typing import Any

import pytest

from qarnot_async._converter import new_registry, structure, unstructure
from qarnot_async._converter._objects import (
    attrs_class,
    is_object,
    model_writer,
    object_fn,
    object_hook,
)
from qarnot_async._converter._registry import BadValue
from qarnot_async.errors import DecodeError
from qarnot_async.models import (
    DataDetailRequest,
    HardwareConstraint,
    ResourcesBucket,
    RunningInstanceInfo,
    SecretsAccessRights,
    Task,
    TaskCreate,
    TokenPage,
)

BUCKET_WIRE = {
    "bucketName": "b",
    "filtering": {"prefixFiltering": {"prefix": "in/"}},
    "resourcesTransformation": {"stripPrefix": {"prefix": "in/"}},
    "cacheTTLSec": 60,
}
BUCKET = ResourcesBucket(bucket_name="b", prefix="in/", strip_prefix="in/", cache_ttl_sec=60)


@pytest.mark.parametrize("detailed", [False, True])
def test_members_are_read_by_wire_name(detailed: bool) -> None:
    conv = new_registry(detailed=detailed).converter
    info = conv.structure({"maxFrequencyGHz": 3.5, "cpuUsage": 0.5}, RunningInstanceInfo)
    assert (info.max_frequency_ghz, info.cpu_usage) == (3.5, 0.5)
    assert conv.structure(BUCKET_WIRE, ResourcesBucket) == BUCKET


def test_members_are_written_by_wire_name_and_defaults_left_out() -> None:
    assert unstructure(RunningInstanceInfo(max_frequency_ghz=3.5)) == {"maxFrequencyGHz": 3.5}
    assert unstructure(BUCKET) == BUCKET_WIRE
    assert unstructure(ResourcesBucket(bucket_name="b")) == {"bucketName": "b"}


@pytest.mark.parametrize(
    "data",
    [
        {"bucketName": "b"},
        {"bucketName": "b", "filtering": None},
        {"bucketName": "b", "filtering": {}},
        {"bucketName": "b", "filtering": {"prefixFiltering": None}},
        {"bucketName": "b", "filtering": {"prefixFiltering": {"prefix": None}}},
    ],
)
def test_an_absent_level_of_a_nested_member_reads_as_none(data: dict[str, Any]) -> None:
    assert structure(data, ResourcesBucket).prefix is None


@pytest.mark.parametrize(
    ("filtering", "field"),
    [
        ("x", "filtering"),
        ({"prefixFiltering": ["x"]}, "filtering.prefixFiltering"),
        ({"prefixFiltering": {"prefix": 3}}, "filtering.prefixFiltering.prefix"),
    ],
)
def test_a_bad_nested_member_is_named_by_its_wire_path(filtering: Any, field: str) -> None:
    with pytest.raises(DecodeError) as info:
        structure({"bucketName": "b", "filtering": filtering}, ResourcesBucket)
    assert info.value.field == field


@pytest.mark.parametrize("detailed", [False, True])
def test_a_member_named_like_a_dotted_path_is_not_that_path(detailed: bool) -> None:
    conv = new_registry(detailed=detailed).converter
    data = {"bucketName": "b", "filtering.prefixFiltering.prefix": 3}
    assert conv.structure(data, ResourcesBucket) == ResourcesBucket(bucket_name="b")


def test_a_nested_member_in_a_request() -> None:
    assert unstructure(DataDetailRequest(select=["Uuid"])) == {"select": {"fields": ["Uuid"]}}
    assert structure({"select": {"fields": ["Uuid"]}}, DataDetailRequest).select == ("Uuid",)


def test_unknown_members_are_ignored() -> None:
    assert structure({**BUCKET_WIRE, "newMember": [1, 2]}, ResourcesBucket) == BUCKET


def test_inputs_are_checked_when_read() -> None:
    with pytest.raises(DecodeError) as info:
        structure({"name": "t", "maxRetriesPerInstance": -1}, TaskCreate)
    assert info.value.field == "maxRetriesPerInstance"


def test_object_functions_are_cached_per_registry() -> None:
    registry = new_registry(detailed=False)
    fn = object_fn(registry, Task)
    assert object_fn(registry, Task) is fn
    assert registry.object_fns[Task] is fn
    assert object_fn(new_registry(detailed=False), Task) is not fn


def test_is_object() -> None:
    registry = new_registry(detailed=False)
    assert is_object(registry, Task)
    assert is_object(registry, TokenPage[Task])
    assert is_object(registry, SecretsAccessRights)
    assert is_object(registry, HardwareConstraint)
    assert not is_object(registry, dict)
    assert not is_object(registry, str)


def test_the_object_hook_wants_a_json_object() -> None:
    hook = object_hook(new_registry(detailed=False), ResourcesBucket)
    assert hook({"bucketName": "b"}, ResourcesBucket) == ResourcesBucket(bucket_name="b")
    for bad in ([], "b", None, 1):
        with pytest.raises(BadValue) as info:
            hook(bad, ResourcesBucket)
        assert info.value.message == "expected a JSON object"


def test_attrs_class_of_a_generic() -> None:
    assert attrs_class(TokenPage[Task]) is TokenPage
    assert attrs_class(Task) is Task


def test_model_writer_of_a_generic_page() -> None:
    conv = new_registry(detailed=False).converter
    page = TokenPage(data=(BUCKET,), count=1)
    out = model_writer(conv, TokenPage[ResourcesBucket])(page)
    assert out == {"data": [BUCKET_WIRE], "count": 1}
    assert unstructure(page) == out


def test_secrets_access_rights() -> None:
    wire = {"bySecret": [{"key": "a"}, {"key": "b"}], "byPrefix": [{"prefix": "p/"}]}
    rights = SecretsAccessRights(by_secret=["a", "b"], by_prefix=["p/"])
    assert structure(wire, SecretsAccessRights) == rights
    assert unstructure(rights) == wire
    assert structure({}, SecretsAccessRights) == SecretsAccessRights()
    assert unstructure(SecretsAccessRights()) == {}


@pytest.mark.parametrize(
    ("wire", "field"),
    [
        ({"bySecret": {"key": "a"}}, "bySecret"),
        ({"bySecret": ["a"]}, "bySecret.0"),
        ({"byPrefix": [{"prefix": 1}]}, "byPrefix.0.prefix"),
        ({"byPrefix": [{"key": "a"}]}, "byPrefix.0.prefix"),
    ],
)
def test_bad_secrets_access_rights(wire: Any, field: str) -> None:
    with pytest.raises(DecodeError) as info:
        structure({"uuid": "u", "secretsAccessRights": wire}, Task)
    assert info.value.field == f"secretsAccessRights.{field}"
