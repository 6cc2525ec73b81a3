"""The verbs tasks, pools and jobs share (qarnot_async/resources/_collection.py)."""

from __future__ import annotations

import pytest
from fake_requester import FakeRequester, FakeResponse

from qarnot_async import DecodeError, InvalidInputError, JobCreate, Task, TaskCreate
from qarnot_async.filters import F
from qarnot_async.models import PoolUpdate
from qarnot_async.resources import Jobs, Pools, Tasks


async def test_get_quotes_the_uuid_and_reads_the_entity() -> None:
    fake = FakeRequester()
    fake.answer("GET", "/tasks/my%2Ftask", {"uuid": "u", "shortname": "my/task"})
    task = await Tasks(fake).get("my/task")
    assert isinstance(task, Task)
    assert task.uuid == "u"
    with pytest.raises(InvalidInputError, match="uuid"):
        await Tasks(fake).get("")


async def test_search_takes_the_filter_first_and_limit_is_the_total() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/jobs/search", [{"uuid": "j"}])
    found = await Jobs(fake).search(F.name == "x", select=["Uuid"], limit=5)
    assert [j.uuid for j in found] == ["j"]
    assert fake.calls[0].body == {
        "filter": {"operator": "Equal", "field": "Name", "value": "x"},
        "select": {"fields": ["Uuid"]},
        "maximumResults": 5,
    }
    fake.answer("POST", "/jobs/search", {"uuid": "j"})
    with pytest.raises(DecodeError, match="POST /jobs/search"):
        await Jobs(fake).search()


async def test_create_takes_the_collections_own_input() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/jobs", {"uuid": "j1"})
    assert await Jobs(fake).create(JobCreate(name="j")) == "j1"
    with pytest.raises(InvalidInputError, match="job: expected JobCreate, got TaskCreate"):
        await Jobs(fake).create(TaskCreate(name="t", instance_count=1))  # type: ignore[arg-type]
    fake.answer("POST", "/jobs", [{"statusCode": 200, "uuid": "j2"}])
    assert (await Jobs(fake).create_many([JobCreate(name="k")])).uuids == ["j2"]
    with pytest.raises(InvalidInputError, match=r"jobs\[0\]"):
        await Jobs(fake).create_many([TaskCreate(name="t", instance_count=1)])  # type: ignore[list-item]


async def test_create_many_adopts_on_request_only() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/jobs", [{"statusCode": 409, "message": "taken"}], repeat=True)
    fake.answer("POST", "/jobs/search", [{"uuid": "j0", "shortname": "k", "name": "old"}])
    item = JobCreate(name="new", shortname="k")
    [plain] = await Jobs(fake).create_many([item])
    assert (plain.uuid, plain.status, plain.created) == (None, 409, False)
    [adopted] = await Jobs(fake).create_many([item], adopt_existing=True)
    assert (adopted.uuid, adopted.adopted) == ("j0", True)
    assert fake.routes() == ["POST /jobs", "POST /jobs", "POST /jobs/search"]


async def test_updates_and_output_of_tasks_and_pools() -> None:
    fake = FakeRequester()
    fake.answer("PUT", "/pools/p", None)
    fake.answer("PATCH", "/tasks/t", None)
    fake.answer("GET", "/tasks/t/stdout", FakeResponse(raw_text="all"))
    fake.answer("POST", "/pools/p/stderr/2", FakeResponse(raw_text="new"))
    await Pools(fake).update("p", PoolUpdate(constants={"K": "v"}))
    await Tasks(fake).sync_resources("t")
    assert await Tasks(fake).stdout("t") == "all"
    assert await Pools(fake).stderr("p", 2, fresh=True) == "new"
    assert fake.calls[0].body == {"constants": [{"key": "K", "value": "v"}]}
    with pytest.raises(InvalidInputError, match="update: expected TaskUpdate"):
        await Tasks(fake).update("t", PoolUpdate())  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="instance_id"):
        await Pools(fake).stdout("p", -1)
    assert fake.routes() == [
        "PUT /pools/p",
        "PATCH /tasks/t",
        "GET /tasks/t/stdout",
        "POST /pools/p/stderr/2",
    ]


def test_collections_describe_themselves() -> None:
    fake = FakeRequester()
    assert [c.kind for c in (Tasks(fake), Pools(fake), Jobs(fake))] == ["task", "pool", "job"]
    assert repr(Tasks(fake)) == "<Tasks /tasks of FakeRequester()>"
    assert not hasattr(Jobs(fake), "summaries")  # the service has no job summaries
