"""The poller's state source (qarnot_async/resources/_watching.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from fake_requester import FakeRequester, summaries_page

from qarnot_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    Job,
    NotFoundError,
    Task,
    TaskState,
    TaskSummary,
)
from qarnot_async._converter import structure
from qarnot_async.models import PoolState, PoolSummary
from qarnot_async.resources import Jobs, StateSighting, Tasks
from qarnot_async.resources._requests import Calls
from qarnot_async.resources._watching import PagedStateSource, sighting_of


def source(fake: FakeRequester) -> PagedStateSource:
    return PagedStateSource(
        calls=Calls(fake),
        kind="task",
        collection="/tasks",
        states_route=(TaskSummary, "/tasks/summaries/paginate"),
        entities_route=(Task, "/tasks/paginate"),
    )


def wanted(*uuids: str) -> dict[str, object]:
    return {"operator": "In", "field": "Uuid", "values": list(uuids)}


SELECT = {"fields": ["Uuid", "State", "StateTransitionTime"]}


async def test_states_of_many_uuids_in_one_search_selecting_three_fields() -> None:
    fake = FakeRequester()
    fake.answer(
        "POST",
        "/tasks/search",
        [
            {"uuid": "a", "state": "Success", "stateTransitionTime": "2021-05-01T19:00:00Z"},
            {"uuid": "b", "state": "Submitted"},
        ],
    )
    fake.answer("POST", "/tasks/summaries/paginate", summaries_page([]))
    states = await source(fake).states(["a", "b", "gone"])
    assert states == {
        "a": StateSighting(
            uuid="a",
            state=TaskState.SUCCESS,
            state_transition_time=datetime(2021, 5, 1, 19, tzinfo=UTC),
        ),
        "b": StateSighting(uuid="b", state=TaskState.SUBMITTED),
    }  # a uuid the service does not know is left out; only the state is read
    search, confirm = fake.calls
    assert search.path == "/tasks/search"
    assert search.body == {
        "select": SELECT,
        "filter": wanted("a", "b", "gone"),
        "maximumResults": 3,
    }
    # The one left out is asked for again on the paged route before it counts as gone.
    assert confirm.path == "/tasks/summaries/paginate"
    assert confirm.body == {"filter": wanted("gone"), "maximumResults": 1}


async def test_a_uuid_a_search_left_out_but_the_pages_hold_is_not_gone() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks/search", [{"uuid": "a", "state": "Success"}])
    fake.answer(
        "POST", "/tasks/summaries/paginate", summaries_page([{"uuid": "b", "state": "Submitted"}])
    )
    states = await source(fake).states(["a", "b"])
    assert {u: s.state for u, s in states.items()} == {
        "a": TaskState.SUCCESS,
        "b": TaskState.SUBMITTED,
    }


async def test_everything_found_by_the_search_costs_one_request() -> None:
    fake = FakeRequester()
    fake.answer(
        "POST",
        "/tasks/search",
        [{"uuid": u, "state": "FullyExecuting"} for u in ("a", "b")],
        repeat=True,
    )
    src = source(fake)
    for _ in range(3):
        assert sorted(await src.states(["a", "b"])) == ["a", "b"]
    assert fake.routes() == ["POST /tasks/search"] * 3


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (BadRequestError(400, "unknown member select", method="POST", path="/x"), "select"),
        (NotFoundError(404, "no such route", method="POST", path="/x"), "no such route"),
        (APIError(405, "method not allowed", method="POST", path="/x"), "not allowed"),
        ({"data": [], "isTruncated": False}, "expected a JSON array"),  # not a search answer
    ],
)
async def test_a_refused_search_falls_back_to_summaries_pages_for_good(
    caplog: pytest.LogCaptureFixture, answer: object, reason: str
) -> None:
    caplog.set_level(logging.WARNING, logger="qarnot_async")
    fake = FakeRequester()
    fake.answer("POST", "/tasks/search", answer)
    fake.answer(
        "POST",
        "/tasks/summaries/paginate",
        summaries_page([{"uuid": "a", "state": "Success"}]),
        repeat=True,
    )
    src = source(fake)
    assert list(await src.states(["a"])) == ["a"]
    assert list(await src.states(["a"])) == ["a"]
    assert not src.selecting
    assert fake.routes() == ["POST /tasks/search"] + ["POST /tasks/summaries/paginate"] * 2
    assert fake.calls[1].body == {"filter": wanted("a"), "maximumResults": 1}
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1
    assert "refused a search selecting Uuid, State, StateTransitionTime" in messages[0]
    assert reason in messages[0]


async def test_other_errors_of_the_search_reach_the_poller() -> None:
    fake = FakeRequester()
    denied = AuthenticationError(401, "bad token", method="POST", path="/tasks/search")
    fake.answer("POST", "/tasks/search", denied)
    src = source(fake)
    with pytest.raises(AuthenticationError):
        await src.states(["a"])
    assert src.selecting  # not a service without the search: asked again next tick


async def test_pages_are_followed_until_every_uuid_is_found() -> None:
    fake = FakeRequester()
    fake.answer(
        "POST",
        "/tasks/paginate",
        summaries_page([{"uuid": "a"}], next_token="t1"),
        summaries_page([{"uuid": "b"}], next_token="t2"),  # all found: no third request
    )
    entities = await source(fake).entities(["a", "b"])
    assert all(isinstance(e, Task) for e in entities.values())
    assert sorted(entities) == ["a", "b"]
    assert [c.body.get("token") for c in fake.calls] == [None, "t1"]


async def test_a_refused_uuid_filter_falls_back_to_one_get_each_for_good(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="qarnot_async")
    fake = FakeRequester()
    refused = BadRequestError(400, "unknown field Uuid", method="POST", path="/x")
    fake.answer("POST", "/tasks/search", refused)
    fake.answer("POST", "/tasks/summaries/paginate", refused)
    fake.answer("GET", "/tasks/a", {"uuid": "a", "state": "Success"}, repeat=True)
    fake.answer("GET", "/tasks/gone", NotFoundError(404, "no", method="GET", path="/tasks/gone"))
    src = source(fake)
    states = await src.states(["a", "gone"])
    assert list(states) == ["a"]
    assert states["a"] == StateSighting(uuid="a", state=TaskState.SUCCESS)
    assert src.fallback
    assert list(await src.entities(["a"])) == ["a"]  # no second try of the filter
    assert fake.routes().count("POST /tasks/summaries/paginate") == 1
    assert fake.routes().count("POST /tasks/paginate") == 0
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2  # the search, then the filter on the pages
    assert "refused a Uuid filter" in messages[1]
    assert "unknown field Uuid" in messages[1]


def test_each_collection_builds_its_own_source() -> None:
    fake = FakeRequester()
    tasks, jobs = Tasks(fake).state_source(), Jobs(fake).state_source()
    assert (tasks.kind, jobs.kind) == ("task", "job")
    assert isinstance(tasks, PagedStateSource)
    assert isinstance(jobs, PagedStateSource)
    assert tasks.states_route == (TaskSummary, "/tasks/summaries/paginate")
    # Jobs have no summaries: their states come from the entities.
    assert jobs.states_route == jobs.entities_route == (Job, "/jobs/paginate")
    assert tasks.is_final(TaskState.CANCELLED)
    assert not tasks.is_final(TaskState.SUBMITTED)


def test_a_sighting_reads_the_state_and_its_time_only() -> None:
    summary = {
        "uuid": "a",
        "state": "FullyExecuting",
        "stateTransitionTime": "2021-05-01T19:00:00Z",
        "executionTime": "not even read",
        "progress": "nor this",
    }
    sighting = structure(summary, sighting_of(TaskSummary))
    assert sighting == StateSighting(
        uuid="a",
        state=TaskState.FULLY_EXECUTING,
        state_transition_time=datetime(2021, 5, 1, 19, tzinfo=UTC),
    )
    assert not sighting.is_final
    assert structure({"uuid": "j", "state": "Completed"}, sighting_of(Job)).is_final
    pool = structure({"uuid": "p", "state": "Closed"}, sighting_of(PoolSummary))
    assert pool.state is PoolState.CLOSED
