"""Duplicate-safe creation (qarnot_async/resources/_creating.py), over scripted answers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fake_requester import FakeRequester, FakeResponse

from qarnot_async import (
    BulkCreateError,
    ConflictError,
    DecodeError,
    InvalidInputError,
    RequestTimeoutError,
    ServerError,
    TaskCreate,
)
from qarnot_async.models import Task, TaskRetry
from qarnot_async.resources import CreateResult, CreateResults, _creating
from qarnot_async.resources._creating import (
    DEFAULT_CONCURRENCY,
    Creator,
    bulk_concurrency,
    new_shortname,
)
from qarnot_async.resources._requests import Calls


def make(name: str, shortname: str | None = None) -> TaskCreate:
    return TaskCreate(name=name, shortname=shortname, profile="docker-batch", instance_count=1)


def creator(fake: FakeRequester) -> Creator:
    return Creator(Calls(fake), "/tasks", Task)


def conflict(attempt: int) -> ConflictError:
    error = ConflictError(409, "shortname taken", method="POST", path="/tasks")
    error.attempt = attempt
    return error


def lookup_body(*shortnames: str) -> dict[str, Any]:
    return {
        "filter": {"operator": "In", "field": "Shortname", "values": list(shortnames)},
        "select": {"fields": ["Uuid", "Shortname", "Name"]},
        "maximumResults": len(shortnames),
    }


async def test_create_sends_the_model_with_a_generated_shortname() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", {"uuid": "u1"})
    assert await creator(fake).create(make("t"), TaskCreate, "task") == "u1"
    body = fake.calls[0].body
    assert body["name"] == "t"
    assert body["shortname"].startswith("qa-")
    assert fake.calls[0].kwargs["idempotent"] is True
    assert new_shortname() != new_shortname()


@pytest.mark.parametrize(
    ("answer", "field"), [({}, "uuid"), ([], "$"), (None, "$"), ({"uuid": None}, "uuid")]
)
async def test_an_answer_without_a_uuid_is_a_decode_error(answer: object, field: str) -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", answer)
    with pytest.raises(DecodeError) as info:
        await creator(fake).create(make("t"), TaskCreate, "task")
    assert (info.value.where, info.value.field) == ("POST /tasks", field)


async def test_create_adds_the_shortname_to_the_json_and_leaves_the_input_alone() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", {"uuid": "u1"}, {"uuid": "u2"})
    item = make("t")
    await creator(fake).create(item, TaskCreate, "task")
    await creator(fake).create(make("t", "mine"), TaskCreate, "task")
    assert item.shortname is None
    assert fake.calls[1].body["shortname"] == "mine"
    assert len({new_shortname() for _ in range(1000)}) == 1000


async def test_wrong_input_is_refused_before_sending() -> None:
    fake = FakeRequester()
    with pytest.raises(InvalidInputError, match="task"):
        await creator(fake).create({"name": "raw"}, TaskCreate, "task")
    with pytest.raises(InvalidInputError, match="overrides"):
        await creator(fake).create_from("u", "retry", make("t"), TaskRetry)
    assert fake.calls == []


async def test_conflict_after_a_lost_attempt_answers_the_landed_uuid() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", conflict(attempt=2))
    fake.answer("POST", "/tasks/search", [{"uuid": "landed", "shortname": "s1", "name": "mine"}])
    assert await creator(fake).create(make("mine", "s1"), TaskCreate, "task") == "landed"
    assert fake.calls[1].body == lookup_body("s1")


async def test_conflict_with_someone_elses_entity_is_raised() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", conflict(attempt=2))
    fake.answer("POST", "/tasks/search", [{"uuid": "x", "shortname": "s1", "name": "not mine"}])
    with pytest.raises(ConflictError):
        await creator(fake).create(make("mine", "s1"), TaskCreate, "task")


async def test_conflict_on_the_first_attempt_is_raised_without_lookup() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", conflict(attempt=1))
    with pytest.raises(ConflictError, match="shortname taken"):
        await creator(fake).create(make("mine", "s1"), TaskCreate, "task")
    assert fake.routes() == ["POST /tasks"]


async def test_a_lookup_answer_that_is_not_a_list_is_a_decode_error() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", conflict(attempt=2))
    fake.answer("POST", "/tasks/search", {"uuid": "landed"})
    with pytest.raises(DecodeError) as info:
        await creator(fake).create(make("mine", "s1"), TaskCreate, "task")
    assert info.value.where == "POST /tasks/search"


async def test_create_from_posts_the_overrides_below_the_entity() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks/u%2F1/retry", {"uuid": "new"})
    assert await creator(fake).create_from("u/1", "retry", None, TaskRetry) == "new"
    assert fake.calls[0].body["shortname"].startswith("qa-")
    # A re-creation without a name is recognised by its shortname alone.
    fake.answer("POST", "/tasks/u/retry", conflict(attempt=3))
    fake.answer("POST", "/tasks/search", [{"uuid": "landed", "shortname": "s", "name": "any"}])
    retry = TaskRetry(shortname="s")
    assert await creator(fake).create_from("u", "retry", retry, TaskRetry) == "landed"


async def create_all(fake: FakeRequester, items: list[TaskCreate], **options: Any) -> CreateResults:
    options.setdefault("chunk_size", 100)
    options.setdefault("concurrency", 4)
    options.setdefault("on_progress", None)
    return await creator(fake).create_all(items, TaskCreate, "tasks", **options)


async def test_bulk_creation_chunks_in_order_and_reports_progress() -> None:
    fake = FakeRequester()

    def answer(call: Any) -> list[dict[str, Any]]:
        return [{"statusCode": 200, "uuid": f"u-{item['name']}"} for item in call.body]

    fake.answer("POST", "/tasks", answer, repeat=True)
    progress: list[tuple[int, int]] = []
    results = await create_all(
        fake,
        [make(f"t{i}") for i in range(5)],
        chunk_size=2,
        concurrency=1,
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert results.uuids == [f"u-t{i}" for i in range(5)]
    assert [len(c.body) for c in fake.calls] == [2, 2, 1]
    assert progress == [(2, 5), (4, 5), (5, 5)]
    assert all(r.ok and r.shortname and r.status == 200 for r in results)


async def test_bulk_inputs_are_checked_before_anything_is_sent() -> None:
    fake = FakeRequester()
    with pytest.raises(InvalidInputError, match=r"tasks\[1\].shortname"):
        await create_all(fake, [make("a", "s"), make("b", "s")])
    with pytest.raises(InvalidInputError, match=r"tasks\[1\]"):
        await create_all(fake, [make("a"), "b"])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="chunk_size"):
        await create_all(fake, [make("a")], chunk_size=0)
    with pytest.raises(InvalidInputError, match="concurrency"):
        await create_all(fake, [make("a")], concurrency=0)
    assert fake.calls == []


async def test_bulk_chunks_are_converted_only_when_they_are_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    converted: list[str] = []
    real = _creating.unstructure

    def counting(item: Any) -> Any:
        converted.append(item.name)
        return real(item)

    monkeypatch.setattr(_creating, "unstructure", counting)
    fake = FakeRequester()
    seen_at_send: list[int] = []

    def answer(call: Any) -> list[dict[str, Any]]:
        seen_at_send.append(len(converted))
        return [{"statusCode": 200, "uuid": f"u-{item['name']}"} for item in call.body]

    fake.answer("POST", "/tasks", answer, repeat=True)
    items = [make(f"t{i}") for i in range(6)]
    results = await create_all(fake, items, chunk_size=2, concurrency=1)
    # Each input converted once, each chunk just before its request: the first
    # request left with only its own two inputs converted.
    assert converted == [f"t{i}" for i in range(6)]
    assert seen_at_send == [2, 4, 6]
    assert [r.shortname for r in results] == [c["shortname"] for c in fake.calls[0].body] + [
        c["shortname"] for call in fake.calls[1:] for c in call.body
    ]
    assert all(item.shortname is None for item in items)


class _CountingRequester:
    """Counts requests in flight; answers each bulk POST once released."""

    def __init__(self, max_concurrency: int | None, expected: int) -> None:
        if max_concurrency is not None:
            self.max_concurrency = max_concurrency
        self.in_flight = self.most = 0
        self.expected = expected
        self.full = asyncio.Event()
        self.release = asyncio.Event()

    async def request(self, method: str, path: str, **kwargs: Any) -> FakeResponse:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        if self.in_flight == self.expected:
            self.full.set()
        await self.release.wait()
        self.in_flight -= 1
        return FakeResponse([{"statusCode": 200, "uuid": "u"} for _ in kwargs["json_body"]])


@pytest.mark.parametrize(("cap", "expected"), [(8, 4), (64, 32), (1, 1), (None, 16)])
async def test_the_default_concurrency_is_sized_from_the_client(
    cap: int | None, expected: int
) -> None:
    requester = _CountingRequester(cap, expected)
    assert bulk_concurrency(requester) == expected
    work = asyncio.ensure_future(
        Creator(Calls(requester), "/tasks", Task).create_all(  # type: ignore[arg-type]
            [make(f"t{i}") for i in range(200)],
            TaskCreate,
            "tasks",
            chunk_size=2,
            concurrency=None,
            on_progress=None,
        )
    )
    await requester.full.wait()
    for _ in range(10):  # no more chunks leave while those are in flight
        await asyncio.sleep(0)
    assert requester.most == expected
    requester.release.set()
    assert len((await work).uuids) == 200
    assert DEFAULT_CONCURRENCY == 16


async def test_bulk_conflicts_after_retry_are_settled_by_name() -> None:
    fake = FakeRequester()
    fake.answer(
        "POST",
        "/tasks",
        FakeResponse(
            [
                {"statusCode": 409, "message": "taken"},
                {"statusCode": 409, "message": "taken"},
                {"statusCode": 200, "uuid": "u3"},
                {"statusCode": 400, "message": "bad profile"},
            ],
            attempt=2,
        ),
    )
    fake.answer(
        "POST",
        "/tasks/search",
        [
            {"uuid": "u1", "shortname": "a", "name": "one"},
            {"uuid": "x", "shortname": "b", "name": "somebody else's"},
        ],
    )
    items = [make("one", "a"), make("two", "b"), make("three", "c"), make("four", "d")]
    results = await create_all(fake, items)
    assert [r.uuid for r in results] == ["u1", None, "u3", None]
    assert [(r.status, r.message) for r in results.failures] == [
        (409, "taken"),
        (400, "bad profile"),
    ]
    assert fake.calls[1].body == lookup_body("a", "b")  # only the conflicted ones
    with pytest.raises(BulkCreateError, match="#1: 409"):
        results.raise_for_errors()


async def test_bulk_conflicts_on_a_first_attempt_are_failures_without_lookup() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", [{"statusCode": 409, "message": "taken"}])
    results = await create_all(fake, [make("one", "a")])
    assert (results[0].uuid, results[0].status) == (None, 409)
    assert fake.routes() == ["POST /tasks"]


@pytest.mark.parametrize(
    ("answer", "status", "message"),
    [
        (RequestTimeoutError("no answer within 30s", method="POST", path="/tasks"), 0, "no answer"),
        (ServerError(503, "try later", method="POST", path="/tasks"), 503, "try later"),
        ([{"statusCode": 200, "uuid": "u1"}], 0, "one result per item"),  # 1 answer for 2
        ({"statusCode": 200}, 0, "expected a JSON array"),
    ],
)
async def test_a_chunk_without_usable_answers_is_reconciled_by_shortname(
    answer: Any, status: int, message: str
) -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", answer)
    fake.answer("POST", "/tasks/search", [{"uuid": "u1", "shortname": "a", "name": "one"}])
    results = await create_all(fake, [make("one", "a"), make("two", "b")])
    assert results[0] == CreateResult(0, "u1", 200, None, "a")  # it landed before the loss
    assert (results[1].uuid, results[1].status) == (None, status)
    assert message in (results[1].message or "")


async def test_a_failed_lookup_reports_the_original_failure() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", ServerError(502, "bad gateway", method="POST", path="/tasks"))
    fake.answer("POST", "/tasks/search", {"not": "a list"})
    results = await create_all(fake, [make("one", "a")])
    assert (results[0].uuid, results[0].status, results[0].message) == (None, 502, "bad gateway")


def test_create_results_read_as_a_sequence() -> None:
    results = CreateResults([CreateResult(0, "u", 200), CreateResult(1, None, 400, "no")])
    assert len(results) == 2
    assert results[0].ok
    assert list(results[1:]) == [CreateResult(1, None, 400, "no")]
    assert repr(results) == "CreateResults(ok=1, failed=1)"
    CreateResults([CreateResult(0, "u", 200)]).raise_for_errors()  # nothing failed
