"""The fast converter's compiled readers accept exactly what the detailed twin accepts."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Generic, TypeVar

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qarnot_async._converter import new_registry
from qarnot_async._converter._compile import compile_model_fn, field_types, slot_setters
from qarnot_async._converter._registry import is_newer
from qarnot_async.models import (
    Constants,
    Dependencies,
    HardwareConstraint,
    Job,
    JobState,
    OffsetPage,
    Pool,
    PoolCreate,
    ResourcesBucket,
    Scaling,
    Task,
    TaskCreate,
    TaskState,
    TaskSummary,
    TokenPage,
    UnknownHardwareConstraint,
    UserInfo,
)
from qarnot_async.models._types import Model, newer

WIRE = Path(__file__).resolve().parent.parent / "fixtures" / "wire"
FAST = new_registry(detailed=False)
DETAILED = new_registry(detailed=True)

CASES: list[tuple[str, Any]] = [
    ("task.json", Task),
    ("pool.json", Pool),
    ("job.json", Job),
    ("tasks_page.json", TokenPage[Task]),
    ("task_summaries_page.json", TokenPage[TaskSummary]),
    ("hardware_constraints_page.json", OffsetPage[HardwareConstraint]),
    ("scaling.json", Scaling),
    ("user_info.json", UserInfo),
    ("task_create.json", TaskCreate),
    ("pool_create.json", PoolCreate),
]
FIXTURES = {name: json.loads((WIRE / name).read_text()) for name, _ in CASES}

# Strings each value type may meet: valid ones and near misses.
WORDS = [
    "",
    "x",
    "00:00:01",
    "1.02:03:04.5000001",
    "1:2",
    "25:61:00",
    "2021-05-01T19:00:00Z",
    "0001-01-01T00:00:00Z",
    "2021-13-01T00:00:00",
    "0-2,4",
    "3-1",
    "Success",
    "Paused",
    "flex",
    "monday",
    "Fixed",
    "Weekly",
    "GpuHardwareConstraint",
    "52c10b2d-0687-41e1-985e-7279f6dd543a",
]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(WORDS)
    | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["key", "value", "type", "discriminator", "x"]), inner)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _outcome(registry: Any, data: Any, cls: Any) -> tuple[bool, Any]:
    try:
        return True, registry.converter.structure(data, cls)
    except Exception as exc:  # any failure: the fast path only says "bad"
        return False, type(exc)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=st.sampled_from(CASES),
    choice=st.randoms(use_true_random=False),
    value=json_values,
    delete=st.booleans(),
)
def test_fast_and_detailed_agree_on_any_mutation(
    case: tuple[str, Any], choice: Any, value: Any, delete: bool
) -> None:
    name, cls = case
    data = copy.deepcopy(FIXTURES[name])
    path = choice.choice(_paths(data))
    if path:
        *parents, last = path
        parent = data
        for key in parents:
            parent = parent[key]
        if delete and isinstance(parent, dict):
            del parent[last]
        else:
            parent[last] = value
    else:
        data = value
    fast_ok, fast = _outcome(FAST, data, cls)
    detailed_ok, detailed = _outcome(DETAILED, data, cls)
    assert fast_ok == detailed_ok, (path, value, fast, detailed)
    if fast_ok:
        assert fast == detailed


@pytest.mark.parametrize(("name", "cls"), CASES)
def test_fixtures_read_the_same_both_ways(name: str, cls: Any) -> None:
    data = FIXTURES[name]
    assert FAST.converter.structure(data, cls) == DETAILED.converter.structure(data, cls)


def test_field_types_resolve_type_arguments() -> None:
    assert field_types(TokenPage[Task])["data"] == tuple[Task, ...]
    assert field_types(OffsetPage[Job])["data"] == tuple[Job, ...]
    assert field_types(TokenPage)["data"] == tuple[Any, ...]


def test_field_types_resolve_generic_bases() -> None:
    assert field_types(TaskSummary)["state"] == TaskState | None
    assert field_types(Task)["previous_state"] == TaskState | None
    assert field_types(Job)["state"] == JobState | None
    assert field_types(Task)["constants"] is Constants


T = TypeVar("T")


@attrs.frozen
class Box(Generic[T]):
    item: T
    items: list[T] | None = None


@attrs.frozen
class IntBox(Box[int]):
    pass


def test_a_type_variable_bound_by_a_subclass() -> None:
    assert field_types(IntBox) == {"item": int, "items": list[int] | None}
    read = FAST.converter.structure
    assert read({"item": 1, "items": [2]}, IntBox) == IntBox(item=1, items=[2])
    with pytest.raises(Exception):  # noqa: PT011, B017 - the fast path only says "bad"
        read({"item": "1"}, IntBox)


@attrs.frozen
class Computed:
    a: int
    b: int = attrs.field(init=False, default=0)


@attrs.frozen
class NestedDefault:
    a: str = attrs.field(default="x", metadata={"qarnot_async.wire": "deep.a"})


def test_classes_left_to_cattrs() -> None:
    objects = lambda t: None  # noqa: E731
    assert compile_model_fn(FAST, Computed, objects) is None
    assert compile_model_fn(FAST, NestedDefault, objects) is None
    assert FAST.converter.structure({"a": 1}, Computed) == Computed(a=1)


def test_a_default_other_than_none_is_kept_when_the_member_is_absent() -> None:
    read = FAST.converter.structure
    assert read({"uuid": "u"}, Task).constants == {}
    unknown = read({"discriminator": "New"}, HardwareConstraint)
    assert isinstance(unknown, UnknownHardwareConstraint)
    assert unknown.raw == {"discriminator": "New"}


def test_a_missing_required_member_fails_the_fast_path() -> None:
    with pytest.raises(KeyError):
        FAST.converter.structure({"prefix": "p"}, ResourcesBucket)


@attrs.frozen
class Checked:
    a: int = attrs.field(validator=attrs.validators.gt(0))


@attrs.frozen
class PostInit:
    a: int

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "a", self.a + 1)


@attrs.frozen
class Factoried:
    a: list[int] = attrs.field(factory=list)


@attrs.frozen(slots=False)
class Unslotted:
    a: int


@pytest.mark.parametrize("cls", [Checked, PostInit, Factoried, TaskCreate, PoolCreate])
def test_a_model_with_work_in_its_init_is_built_by_its_init(cls: type) -> None:
    assert slot_setters(cls) is None


def test_fields_of_a_mixin_without_slots_are_stored_in_the_instance_dict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert slot_setters(Unslotted) == ["a"]
    setters = slot_setters(Task)
    assert setters is not None
    assert "tags" in setters  # Retention's, not slotted
    assert "uuid" not in setters  # Entity's slot: its setter instead
    registry = new_registry(detailed=False)
    registry.converter.structure(FIXTURES["task.json"], Task)  # the reader is built

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("__init__ ran")

    monkeypatch.setattr(Task, "__init__", refuse)
    read = registry.converter.structure(FIXTURES["task.json"], Task)
    monkeypatch.undo()
    assert read == DETAILED.converter.structure(FIXTURES["task.json"], Task)
    assert read.tags == tuple(FIXTURES["task.json"]["tags"])


def test_a_plain_model_is_built_slot_by_slot_without_its_init(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = new_registry(detailed=False)
    assert slot_setters(TaskSummary) is not None
    page = FIXTURES["task_summaries_page.json"]
    registry.converter.structure(page, TokenPage[TaskSummary])  # the readers are built

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("__init__ ran")

    monkeypatch.setattr(TaskSummary, "__init__", refuse)
    read = registry.converter.structure(
        FIXTURES["task_summaries_page.json"], TokenPage[TaskSummary]
    )
    monkeypatch.undo()
    assert read == DETAILED.converter.structure(
        FIXTURES["task_summaries_page.json"], TokenPage[TaskSummary]
    )
    assert hash(read.data[0]) == hash(
        DETAILED.converter.structure(FIXTURES["task_summaries_page.json"]["data"][0], TaskSummary)
    )
    # Still checked: a wrong value fails the fast path.
    with pytest.raises(Exception):  # noqa: PT011, B017 - the fast path only says "bad"
        registry.converter.structure({"uuid": 5}, TaskSummary)


def test_classes_with_work_in_their_init_still_run_it() -> None:
    read = FAST.converter.structure
    assert read({"a": 1}, PostInit) == PostInit(a=1)
    assert read({"a": 1}, PostInit).a == 2
    with pytest.raises(Exception):  # noqa: PT011, B017
        read({"a": 0}, Checked)
    assert read({}, Factoried) == Factoried()
    assert read({"a": 3}, Unslotted) == Unslotted(a=3)


@attrs.frozen(kw_only=True)
class WithNewer(Model):
    a: str | None = None
    b: int | None = None
    c: str | None = newer()


@attrs.frozen(kw_only=True)
class WithoutNewer(Model):
    a: str | None = None
    b: int | None = None
    c: str | None = None


class CountingDict(dict[str, Any]):
    """A JSON object that counts the one-by-one lookups a reader makes."""

    gets = 0

    def get(self, key: str, default: Any = None) -> Any:
        self.gets += 1
        return super().get(key, default)


def test_an_absent_newer_member_keeps_the_others_on_the_fast_path() -> None:
    read = compile_model_fn(FAST, WithNewer, lambda t: None)
    assert read is not None
    sent = CountingDict(a="x", b=1)  # the service leaves the newer member out
    got = read(sent)
    assert (got.a, got.b, got.c, dict(got.extra)) == ("x", 1, None, {})
    assert sent.gets == 1  # the newer member alone; the others in one fetch
    full = CountingDict(a="x", b=1, c="z", d=5)
    got = read(full)
    assert (got.c, dict(got.extra)) == ("z", {"d": 5})
    # Without the mark, one absent member sends every member down the slow path.
    plain = compile_model_fn(FAST, WithoutNewer, lambda t: None)
    assert plain is not None
    sent = CountingDict(a="x", b=1)
    assert plain(sent).c is None
    assert sent.gets == 3


def test_the_members_newer_than_openapi_are_marked() -> None:
    # The service sends these only when set (or not at all, before they existed).
    for cls, names in [
        (Task, {"forced_network_rules", "max_time_queue_seconds", "project_uuid"}),
        (Task, {"targeted_reservation_name"}),
        (Pool, {"multi_slots_settings", "credits"}),
        (Job, {"profile", "end_date"}),
        (Dependencies, {"advanced_depends_on", "state"}),
    ]:
        fields = attrs.fields_dict(cls)
        assert {n for n in names if is_newer(fields[n])} == names, cls
    assert not is_newer(attrs.fields_dict(Task)["name"])
