"""Listings (qarnot_async/resources/_listing.py): one call shape for entities and summaries."""

from __future__ import annotations

import pytest
from fake_requester import FakeRequester, summaries_page

from qarnot_async import InvalidInputError, Page, PoolSummary, Task, TaskSummary
from qarnot_async.filters import F
from qarnot_async.resources import Listing, Pools, Tasks
from qarnot_async.resources._requests import Calls

SUCCESS = {"operator": "Equal", "field": "State", "value": "Success"}


def listing(fake: FakeRequester) -> Listing[Task]:
    return Listing(Calls(fake), Task, "/tasks", ("creationDate", "name"))


async def test_list_sends_the_tags_and_reads_a_list() -> None:
    fake = FakeRequester()
    fake.answer("GET", "/tasks", [{"uuid": "a"}], [{"uuid": "b"}])
    assert [t.uuid for t in await listing(fake).list()] == ["a"]
    assert [t.uuid for t in await listing(fake).list(["x", "y"])] == ["b"]
    assert [c.params for c in fake.calls] == [None, [("tag", "x"), ("tag", "y")]]


async def test_page_takes_the_filter_first_and_returns_the_one_page_type() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks/paginate", summaries_page([{"uuid": "a"}], next_token="t"))
    page = await listing(fake).page(
        F.state == "Success", token="t0", page_size=5000, order_by="name", descending=True
    )
    assert isinstance(page, Page)
    assert ([t.uuid for t in page.items], page.next_token) == (["a"], "t")
    assert fake.calls[0].body == {
        "token": "t0",
        "filter": SUCCESS,
        "maximumResults": 1000,  # capped
        "orderBy": "name",
        "orderType": "DESC",
    }


async def test_bad_arguments_cost_no_request() -> None:
    fake = FakeRequester()
    with pytest.raises(InvalidInputError, match="page_size"):
        await listing(fake).page(page_size=0)
    with pytest.raises(InvalidInputError, match="order_by"):
        await listing(fake).page(order_by="executionTime")  # not a field of this listing
    with pytest.raises(InvalidInputError, match="order_by"):
        listing(fake).paginate(order_by="colour")
    with pytest.raises(InvalidInputError, match="filter"):
        listing(fake).paginate(42)  # type: ignore[arg-type]
    assert fake.calls == []


async def test_paginate_streams_pages_up_to_the_limit() -> None:
    fake = FakeRequester()
    fake.answer(
        "POST",
        "/tasks/paginate",
        summaries_page([{"uuid": "a"}, {"uuid": "b"}], next_token="t1"),
        summaries_page([{"uuid": "c"}, {"uuid": "d"}], next_token="t2"),
    )
    stream = listing(fake).paginate({"operator": "Equal"}, page_size=2, limit=3, prefetch=0)
    assert [t.uuid async for t in stream] == ["a", "b", "c"]
    # limit is the total: the second request asks only for what is still wanted.
    assert [c.body for c in fake.calls] == [
        {"filter": {"operator": "Equal"}, "maximumResults": 2},
        {"token": "t1", "filter": {"operator": "Equal"}, "maximumResults": 1},
    ]


async def test_pages_of_a_stream_are_the_same_type_as_page() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks/paginate", summaries_page([{"uuid": "a"}]), repeat=True)
    from_page = await listing(fake).page()
    from_stream = [p async for p in listing(fake).paginate().pages()]
    assert type(from_page) is type(from_stream[0]) is Page
    assert from_page == from_stream[0]


async def test_summaries_are_a_listing_on_the_summary_routes() -> None:
    fake = FakeRequester()
    fake.answer("GET", "/tasks/summaries", [{"uuid": "a", "state": "Success"}])
    fake.answer("POST", "/tasks/summaries/paginate", summaries_page([{"uuid": "b"}]))
    fake.answer("POST", "/pools/summaries/paginate", summaries_page([{"uuid": "p"}]))
    tasks, pools = Tasks(fake), Pools(fake)
    [summary] = await tasks.summaries.list()
    assert isinstance(summary, TaskSummary)
    assert [s.uuid async for s in tasks.summaries.paginate(order_by="executionTime")] == ["b"]
    [pool] = (await pools.summaries.page()).items
    assert isinstance(pool, PoolSummary)
    assert fake.routes() == [
        "GET /tasks/summaries",
        "POST /tasks/summaries/paginate",
        "POST /pools/summaries/paginate",
    ]
    assert repr(tasks.summaries) == "<Listing /tasks/summaries of FakeRequester()>"
