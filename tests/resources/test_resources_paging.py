"""Paged routes (qarnot_async/resources/_paging.py): bodies built from the paging
models, answers read into the one Page type."""

from __future__ import annotations

from typing import Any

import pytest
from fake_requester import FakeRequester, summaries_page

from qarnot_async import DecodeError, InvalidInputError, TaskSummary
from qarnot_async.filters import F
from qarnot_async.models import HardwareConstraint
from qarnot_async.pagination import Page, PageHead, ParallelPaginator, StagedPageFetcher
from qarnot_async.resources._paging import (
    OffsetPageReader,
    PageReader,
    creation_bounds,
    page_request,
    search_request,
    stream,
)
from qarnot_async.resources._requests import Calls

IN = {"operator": "In", "field": "Uuid", "values": ["a", "b"]}


def test_page_request_is_the_page_request_model_on_the_wire() -> None:
    assert page_request(filter=None, token=None, page_size=10, order_by=None, descending=True) == {
        "maximumResults": 10
    }  # no orderType without orderBy
    assert page_request(filter=IN, token="t2", page_size=5, order_by="name", descending=True) == {
        "token": "t2",
        "filter": IN,
        "maximumResults": 5,
        "orderBy": "name",
        "orderType": "DESC",
    }


def test_search_request_is_the_data_detail_request_model_on_the_wire() -> None:
    assert search_request(F.uuid.in_(["a", "b"]), select=["Uuid"], limit=2) == {
        "filter": IN,
        "select": {"fields": ["Uuid"]},
        "maximumResults": 2,
    }
    assert search_request(None, select=None, limit=None) == {}
    with pytest.raises(InvalidInputError, match="limit"):
        search_request(None, select=None, limit=0)
    with pytest.raises(InvalidInputError, match="filter"):
        search_request("State == 1", select=None, limit=None)  # type: ignore[arg-type]


async def test_page_reader_reads_one_page() -> None:
    fake = FakeRequester()
    fake.answer(
        "POST",
        "/tasks/summaries/paginate",
        summaries_page([{"uuid": "a", "state": "Success"}], next_token="n1"),
        {"data": [{"uuid": "b"}], "isTruncated": False, "nextToken": "stale", "total": 2},
    )
    reader = PageReader(
        Calls(fake), TaskSummary, "/tasks/summaries/paginate", filter=F.uuid.in_(["a", "b"])
    )
    first = await reader(None, 2)
    assert first == Page(items=[first.items[0]], next_token="n1", total=None, is_truncated=True)
    assert isinstance(first.items[0], TaskSummary)
    last = await reader("n1", 2)
    # A token on a page that is not truncated leads nowhere: the last page has none.
    assert (last.next_token, last.is_truncated, last.total) == (None, False, 2)
    assert fake.calls[1].body == {"token": "n1", "filter": IN, "maximumResults": 2}
    assert reader.query == {
        "route": "/tasks/summaries/paginate",
        "filter": IN,
        "order": None,
        "desc": False,
    }


async def test_a_malformed_page_names_the_route() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks/paginate", {"count": 0})
    with pytest.raises(DecodeError, match="POST /tasks/paginate: data: missing"):
        await PageReader(Calls(fake), TaskSummary, "/tasks/paginate")(None, 10)


async def test_offset_pages_look_like_token_pages() -> None:
    fake = FakeRequester()
    cpu = {"discriminator": "CpuModelHardwareConstraint", "cpuModel": "amd"}
    fake.answer(
        "GET",
        "/hardware-constraints",
        {"data": [cpu, cpu], "offset": 0, "limit": 2, "total": 3},
        {"data": [cpu], "offset": 2, "limit": 2, "total": 3},
    )
    reader = OffsetPageReader(Calls(fake), HardwareConstraint, "/hardware-constraints")
    first = await reader(None, 2)
    assert (len(first.items), first.next_token, first.is_truncated) == (2, "2", True)
    last = await reader(first.next_token, 2)
    assert (len(last.items), last.next_token, last.total) == (1, None, 3)
    assert [c.params for c in fake.calls] == [
        {"Limit": "2", "Offset": "0"},
        {"Limit": "2", "Offset": "2"},
    ]
    with pytest.raises(InvalidInputError, match="token"):
        await reader("qa1.not-an-offset", 2)


async def test_stream_walks_every_page_of_a_reader() -> None:
    fake = FakeRequester()
    cpu = {"discriminator": "CpuModelHardwareConstraint", "cpuModel": "amd"}
    fake.answer(
        "GET",
        "/hardware-constraints",
        {"data": [cpu] * 2, "total": 5},
        {"data": [cpu] * 2, "total": 5},
        {"data": [cpu], "total": 5},
    )
    reader = OffsetPageReader(Calls(fake), HardwareConstraint, "/hardware-constraints")
    items = [c async for c in stream(reader, page_size=2, limit=None, start_token=None, prefetch=0)]
    assert len(items) == 5
    assert [c.params["Offset"] for c in fake.calls] == ["0", "2", "4"]


async def test_a_token_page_reader_is_staged_its_head_read_before_its_items() -> None:
    fake = FakeRequester()
    answer = summaries_page([{"uuid": "a", "state": "Success"}, {"uuid": "b"}], next_token="n1")
    fake.answer("POST", "/tasks/summaries/paginate", answer)
    reader = PageReader(Calls(fake), TaskSummary, "/tasks/summaries/paginate")
    assert isinstance(reader, StagedPageFetcher)
    raw = await reader.request(None, 2)
    assert raw == answer  # decoded, not read
    assert reader.head(raw) == PageHead(2, "n1")
    assert [s.uuid for s in reader.read(raw).items] == ["a", "b"]
    last = {"data": [], "isTruncated": False, "nextToken": "stale"}
    assert reader.head(last) == PageHead(0, None)


@pytest.mark.parametrize(
    "answer",
    [
        {"data": [{"uuid": 5}], "isTruncated": True, "nextToken": "n"},
        {"data": [], "isTruncated": True, "nextToken": 7},
        ["not", "a", "page"],
    ],
)
def test_a_malformed_answer_has_no_next_cursor_and_fails_when_read(answer: object) -> None:
    reader = PageReader(Calls(FakeRequester()), TaskSummary, "/tasks/summaries/paginate")
    head = reader.head(answer)
    assert head.next_token is None or head.count == 1  # the item is bad, not the envelope
    with pytest.raises(DecodeError) as info:
        reader.read(answer)
    assert info.value.where == "POST /tasks/summaries/paginate"


def test_a_range_of_creation_dates_is_added_to_the_query() -> None:
    reader = PageReader(Calls(FakeRequester()), TaskSummary, "/tasks/summaries/paginate", filter=IN)
    low = {
        "operator": "GreaterThanOrEqual",
        "field": "CreationDate",
        "value": "2026-01-01T00:00:00Z",
    }
    high = {"operator": "LessThan", "field": "CreationDate", "value": "2026-02-01T00:00:00Z"}
    assert reader.within(low["value"], high["value"]).filter == {
        "operator": "And",
        "filters": [IN, low, high],
    }
    assert reader.within(None, high["value"]).filter == {"operator": "And", "filters": [IN, high]}
    bare = PageReader(Calls(FakeRequester()), TaskSummary, "/tasks/summaries/paginate")
    assert bare.within(low["value"], None).filter == low
    assert bare.within(None, None).filter is None


async def test_creation_bounds_cut_the_time_between_the_first_and_last_items() -> None:
    fake = FakeRequester()
    first = summaries_page([{"uuid": "a", "creationDate": "2026-01-01T00:00:00Z"}])
    last = summaries_page([{"uuid": "z", "creationDate": "2026-01-01T00:00:08Z"}])
    fake.answer("POST", "/tasks/summaries/paginate", first, last)
    reader = PageReader(Calls(fake), TaskSummary, "/tasks/summaries/paginate", filter=IN)
    bounds = await creation_bounds(reader, 4)
    assert bounds == ["2026-01-01T00:00:02Z", "2026-01-01T00:00:04Z", "2026-01-01T00:00:06Z"]
    assert [c.body["orderType"] for c in fake.calls] == ["ASC", "DESC"]
    assert all(c.body["maximumResults"] == 1 and c.body["filter"] == IN for c in fake.calls)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ([], []),  # nothing matches
        ([{"uuid": "a", "creationDate": "2026-01-01T00:00:00Z"}],) * 2,  # one item
        ([{"uuid": "a"}], [{"uuid": "b"}]),  # no dates
    ],
)
async def test_nothing_to_cut_means_one_range(first: list[Any], last: list[Any]) -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks/summaries/paginate", summaries_page(first), summaries_page(last))
    reader = PageReader(Calls(fake), TaskSummary, "/tasks/summaries/paginate")
    assert await creation_bounds(reader, 8) == []


def test_parallel_needs_two_cursors_or_more() -> None:
    reader = PageReader(Calls(FakeRequester()), TaskSummary, "/tasks/summaries/paginate")
    options: dict[str, Any] = {"page_size": 100, "limit": None, "start_token": None}
    paginator = stream(reader, prefetch=1, parallel=8, **options)
    assert isinstance(paginator, ParallelPaginator)
    assert paginator.cursors == 8
    with pytest.raises(InvalidInputError, match="parallel"):
        stream(reader, prefetch=1, parallel=0, **options)
    offsets = OffsetPageReader(Calls(FakeRequester()), HardwareConstraint, "/hardware-constraints")
    with pytest.raises(InvalidInputError, match="parallel"):
        stream(offsets, prefetch=1, parallel=2, **options)
