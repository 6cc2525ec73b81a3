"""Every request body is built from its model, and reads back through the same converter."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from qarnot_async._converter import structure, unstructure, wire_attributes, wire_name
from qarnot_async.errors import DecodeError
from qarnot_async.models import (
    AlwaysPeriod,
    DataDetailRequest,
    ElasticProperty,
    ForcedConstant,
    ForcedNetworkRule,
    IdResponse,
    JobCreate,
    ManagedTasksQueueScalingPolicy,
    MinimumCoreConstraint,
    MultiResponse,
    MultiSlotsSettings,
    OrderType,
    PageRequest,
    PeriodicSnapshot,
    PoolClone,
    PoolCreate,
    PoolUpdate,
    PreparationTask,
    Privileges,
    ResourcesBucket,
    RetrySettings,
    Scaling,
    SecretsAccessRights,
    SSDConstraint,
    TaskClone,
    TaskCreate,
    TaskRecover,
    TaskResume,
    TaskRetry,
    TaskUpdate,
    UniqueSnapshot,
    WeeklyPeriod,
)

UUID = "52c10b2d-0687-41e1-985e-7279f6dd543a"
FILTER = {"operator": "And", "filters": [{"operator": "Equal", "field": "State", "value": "X"}]}

#: A value for every attribute of every request model, by attribute name.
SAMPLES: dict[str, Any] = {
    "name": "render",
    "shortname": "render-1",
    "profile": "blender",
    "job_uuid": UUID,
    "pool_uuid": UUID,
    "max_retries_per_instance": 2,
    "resource_buckets": ["input"],
    "advanced_resource_buckets": [
        ResourcesBucket(bucket_name="b", prefix="in/", strip_prefix="in/", cache_ttl_sec=60)
    ],
    "result_bucket": "output",
    "constants": {"A": "1", "QARNOT_SECRET__KEY": "s"},
    "forced_constants": [
        ForcedConstant(
            constant_name="C", forced_value="v", force_export_in_environment=True, access="readOnly"
        )
    ],
    "constraints": {"K": "V"},
    "hardware_constraints": [MinimumCoreConstraint(core_count=4), SSDConstraint()],
    "secrets_access_rights": SecretsAccessRights(by_secret=["s"], by_prefix=["p/"]),
    "tags": ["t1", "t2"],
    "snapshot_interval": 30,
    "snapshot_whitelist": "*.png",
    "snapshot_blacklist": "*.tmp",
    "snapshot_bucket": "snaps",
    "snapshot_bucket_prefix": "s/",
    "results_whitelist": "*.exr",
    "results_blacklist": "*.log",
    "results_bucket": "results",
    "results_bucket_prefix": "r/",
    "priority": 5,
    "dependencies": [UUID],
    "auto_delete_on_completion": True,
    "completion_time_to_live": timedelta(hours=1, microseconds=5),
    "wait_for_pool_resources_synchronization": True,
    "upload_results_on_cancellation": False,
    "labels": {"team": "render"},
    "scheduling_type": "flex",
    "targeted_reserved_machine_key": "machine",
    "default_resources_cache_ttl_sec": 10,
    "results_cache_ttl_sec": 20,
    "privileges": Privileges(export_api_and_storage_credentials_in_environment=True),
    "retry_settings": RetrySettings(max_total_retries=3, max_per_instance_retries=1),
    "default_retry_settings": RetrySettings(max_total_retries=4),
    "instance_count": 3,
    "forced_network_rules": [
        ForcedNetworkRule(
            inbound=True,
            proto="tcp",
            name="ssh",
            application_type="ssh",
            port="22",
            to="node",
            public_host="h",
            public_port="2222",
            forwarder="f",
            priority="1",
            description="d",
            to_q_box=False,
            to_payload=True,
        )
    ],
    "max_time_queue_seconds": 600,
    "targeted_reservation_name": "my-reservation",
    "project_uuid": UUID,
    "multi_slots_settings": MultiSlotsSettings(slots_per_node=4),
    "elastic_property": ElasticProperty(
        is_elastic=True,
        min_total_slots=0,
        max_total_slots=10,
        min_idle_slots=1,
        resize_period=90,
        ramp_resize_factor=0.5,
        min_idle_time_seconds=60,
    ),
    "scaling": Scaling(
        policies=[
            ManagedTasksQueueScalingPolicy(
                name="day",
                min_total_slots=0,
                max_total_slots=8,
                min_idle_slots=1,
                min_idle_time_seconds=60,
                scaling_factor=0.5,
                enabled_periods=[
                    WeeklyPeriod(
                        name="weekdays",
                        days=["monday", "friday"],
                        start_time_utc=timedelta(hours=8),
                        end_time_utc=timedelta(hours=19),
                    ),
                    AlwaysPeriod(),
                ],
            )
        ]
    ),
    "preparation_task": PreparationTask(command_line="echo ready"),
    "task_default_wait_for_pool_resources_synchronization": True,
    "use_dependencies": True,
    "max_wall_time": timedelta(days=1),
    "whitelist": "*.png",
    "blacklist": "*.tmp",
    "bucket": "snaps",
    "bucket_prefix": "s/",
    "interval": 60,
    "token": "next",
    "filter": FILTER,
    "maximum_results": 50,
    "order_by": "CreationDate",
    "order_type": "DESC",
    "select": ["Uuid", "Shortname"],
    "policies": [ManagedTasksQueueScalingPolicy(name="p", max_total_slots=2)],
    "active_policy_name": "p",
    "uuid": UUID,
    "status_code": 201,
    "message": "created",
}

REQUEST_MODELS: list[type] = [
    TaskCreate,
    TaskClone,
    TaskRetry,
    TaskRecover,
    TaskResume,
    TaskUpdate,
    PoolCreate,
    PoolClone,
    PoolUpdate,
    JobCreate,
    UniqueSnapshot,
    PeriodicSnapshot,
    Scaling,
    PageRequest,
    DataDetailRequest,
    IdResponse,
    MultiResponse,
]


def full(cls: type, **changes: Any) -> Any:
    """An instance of ``cls`` with every attribute set (ranges left out: see below)."""
    values = {a.name: SAMPLES[a.name] for a in wire_attributes(cls) if a.name != "advanced_ranges"}
    return cls(**{**values, **changes})


@pytest.mark.parametrize("cls", REQUEST_MODELS, ids=lambda c: c.__name__)
def test_every_attribute_goes_on_the_wire_and_comes_back(cls: type) -> None:
    obj = full(cls)
    body = unstructure(obj)
    assert json.loads(json.dumps(body)) == body
    sent = {wire_name(a).split(".")[0] for a in wire_attributes(cls) if a.name != "advanced_ranges"}
    assert set(body) == sent
    assert structure(body, cls) == obj


@pytest.mark.parametrize("cls", [TaskCreate, TaskClone], ids=lambda c: c.__name__)
def test_instance_ranges_go_on_the_wire_instead_of_a_count(cls: type) -> None:
    obj = full(cls, instance_count=None, advanced_ranges="0-2,7")
    body = unstructure(obj)
    assert body["advancedRanges"] == "0-2,7"
    assert "instanceCount" not in body
    assert structure(body, cls) == obj


def test_an_unset_request_sends_nothing() -> None:
    assert unstructure(PageRequest()) == {}
    assert unstructure(DataDetailRequest()) == {}
    assert unstructure(TaskUpdate()) == {}
    assert unstructure(UniqueSnapshot()) == {}


def test_the_paginate_body() -> None:
    body = unstructure(
        PageRequest(
            token="t", filter=FILTER, maximum_results=100, order_by="Name", order_type="desc"
        )
    )
    assert body == {
        "token": "t",
        "filter": FILTER,
        "maximumResults": 100,
        "orderBy": "Name",
        "orderType": "DESC",
    }
    assert type(body["orderType"]) is str
    assert structure(body, PageRequest).order_type is OrderType.DESC


def test_the_search_body() -> None:
    body = unstructure(DataDetailRequest(filter=FILTER, select=["Uuid"], maximum_results=3))
    assert body == {"filter": FILTER, "select": {"fields": ["Uuid"]}, "maximumResults": 3}


def test_a_filter_is_sent_as_given_and_read_back_as_given() -> None:
    request = PageRequest(filter=FILTER)
    body = unstructure(request)
    assert body["filter"] == FILTER
    assert body["filter"] is not FILTER  # a copy: the request cannot change it later
    assert structure(body, PageRequest) == request


@pytest.mark.parametrize(
    ("body", "cls", "field"),
    [
        ({"maximumResults": 0}, PageRequest, "maximumResults"),
        ({"orderType": 1}, PageRequest, "orderType"),
        ({"filter": []}, PageRequest, "filter"),
        ({"select": {"fields": "Uuid"}}, DataDetailRequest, "select.fields"),
        ({"interval": -1}, PeriodicSnapshot, "interval"),
        ({"name": "j", "maxWallTime": "forever"}, JobCreate, "maxWallTime"),
        ({"name": "p"}, PoolCreate, "profile"),
    ],
)
def test_a_bad_body_read_back_names_its_wire_member(body: Any, cls: type, field: str) -> None:
    with pytest.raises(DecodeError) as info:
        structure(body, cls)
    assert info.value.field == field
