"""What tasks, pools and jobs share is declared once and behaves the same for each."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest

from qarnot_async.errors import InvalidInputError
from qarnot_async.models import (
    Job,
    JobState,
    Pool,
    PoolClone,
    PoolCreate,
    PoolState,
    PoolSummary,
    PoolUpdate,
    Task,
    TaskClone,
    TaskCreate,
    TaskRecover,
    TaskResume,
    TaskRetry,
    TaskState,
    TaskSummary,
    TaskUpdate,
)
from qarnot_async.models._bases import ComputeSettings, ComputeSummary, Entity, UpdatableSettings


@pytest.mark.parametrize(
    ("cls", "state", "final"),
    [
        (TaskSummary, TaskState.SUCCESS, True),
        (Task, TaskState.CANCELLED, True),
        (Task, TaskState.FULLY_EXECUTING, False),
        (PoolSummary, PoolState.CLOSED, True),
        (Pool, PoolState.CLOSING, False),
        (Job, JobState.COMPLETED, True),
        (Job, JobState.ACTIVE, False),
        (Task, TaskState("Paused"), False),
        (Job, None, False),
    ],
)
def test_is_final_follows_the_state(cls: Any, state: Any, final: bool) -> None:
    assert cls(uuid="u", state=state).is_final is final


def test_entities_share_identity_state_and_dates() -> None:
    shared = {a.name for a in attrs.fields(Entity)}
    assert {"uuid", "name", "shortname", "state", "creation_date", "last_modified"} <= shared
    for cls in (Task, TaskSummary, Pool, PoolSummary, Job):
        assert issubclass(cls, Entity)
        assert shared <= {a.name for a in attrs.fields(cls)}
    for cls in (Task, Pool):
        assert issubclass(cls, ComputeSummary)
    assert not issubclass(Job, ComputeSummary)


def test_task_and_pool_inputs_share_their_settings() -> None:
    for cls in (TaskCreate, TaskClone, TaskRetry, TaskRecover, TaskResume, PoolCreate, PoolClone):
        assert issubclass(cls, ComputeSettings)
    for cls in (TaskUpdate, PoolUpdate):
        assert issubclass(cls, UpdatableSettings)
        assert not issubclass(cls, ComputeSettings)


@pytest.mark.parametrize(
    ("cls", "required"),
    [
        (TaskCreate, {"name": "t"}),
        (TaskClone, {}),
        (TaskRetry, {}),
        (PoolCreate, {"name": "p", "profile": "docker-batch"}),
        (PoolClone, {}),
    ],
)
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("shortname", ""),
        ("tags", ["ok", 3]),
        ("priority", 2**31),
        ("auto_delete_on_completion", "yes"),
        ("completion_time_to_live", timedelta(seconds=-1)),
        ("labels", {"a": 1}),
        ("default_resources_cache_ttl_sec", -1),
        ("forced_constants", ["C=1"]),
    ],
)
def test_a_shared_setting_is_checked_alike_in_every_input(
    cls: Any, required: dict[str, Any], field: str, value: Any
) -> None:
    with pytest.raises(InvalidInputError) as info:
        cls(**required, **{field: value})
    assert info.value.field.split(".")[0] == field


def test_required_names_stay_required() -> None:
    with pytest.raises(TypeError):
        TaskCreate()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        PoolCreate(name="p")  # type: ignore[call-arg]
    assert TaskClone().name is None
    assert PoolClone().profile is None


def test_lists_given_to_an_input_are_kept_as_tuples() -> None:
    tags = ["a"]
    for obj in (TaskRetry(tags=tags), PoolUpdate(tags=tags), TaskUpdate(tags=tags)):
        assert obj.tags == ("a",)
    tags.append("b")
    assert TaskRetry(tags=["a"]) == TaskRetry(tags=("a",))
