"""The request helpers (qarnot_async/resources/_requests.py): every answer is read by the
one converter, and a malformed one names the request and the field."""

from __future__ import annotations

import pytest
from fake_requester import FakeRequester, FakeResponse

from qarnot_async import DecodeError, Task
from qarnot_async.resources._requests import Calls, Resource


async def test_read_structures_the_answer_and_passes_the_keywords() -> None:
    fake = FakeRequester()
    fake.answer("GET", "/tasks/u1", {"uuid": "u1", "name": "one"})
    task = await Calls(fake).read(Task, "GET", "/tasks/u1", timeout=5.0)
    assert (task.uuid, task.name) == ("u1", "one")
    assert fake.calls[0].kwargs == {"timeout": 5.0}


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        ({"uuid": 3}, "uuid"),
        ([], "$"),
        (None, "$"),  # an empty body
    ],
)
async def test_a_malformed_answer_names_the_route_and_the_field(answer: object, field: str) -> None:
    fake = FakeRequester()
    fake.answer("GET", "/tasks/u1", answer)
    with pytest.raises(DecodeError) as info:
        await Calls(fake).read(Task, "GET", "/tasks/u1")
    assert info.value.where == "GET /tasks/u1"
    assert info.value.field == field
    assert str(info.value).startswith("GET /tasks/u1: ")


async def test_text_and_lists() -> None:
    fake = FakeRequester()
    fake.answer("GET", "/tasks/u1/stdout", FakeResponse(raw_text="hello\n"))
    fake.answer("GET", "/tasks", [{"uuid": "a"}, {"uuid": "b"}])
    calls = Calls(fake)
    assert await calls.text("GET", "/tasks/u1/stdout") == "hello\n"
    assert [t.uuid for t in await calls.read(list[Task], "GET", "/tasks")] == ["a", "b"]
    assert repr(calls) == "Calls(FakeRequester())"
    assert repr(Resource(fake)) == "<Resource of FakeRequester()>"
