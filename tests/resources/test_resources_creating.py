"""Duplicate-safe creation (qarnot_async/resources/_creating.py), over scripted answers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fake_requester import FakeRequester, FakeResponse

from qarnot_async import (
    BadRequestError,
    BulkCreateError,
    ConfigurationError,
    ConflictError,
    ConnectError,
    DecodeError,
    InvalidInputError,
    NotFoundError,
    QarnotError,
    RateLimitedError,
    RedirectError,
    RequestTimeoutError,
    ResponseTooLargeError,
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
    # A malformed success may hide a creation: the shortname is looked up, found absent.
    fake.answer("POST", "/tasks/search", [])
    with pytest.raises(DecodeError) as info:
        await creator(fake).create(make("t"), TaskCreate, "task")
    assert (info.value.where, info.value.field) == ("POST /tasks", field)
    assert info.value.shortname == fake.calls[0].body["shortname"]
    assert info.value.created is False
    assert fake.calls[1].body == lookup_body(info.value.shortname)


async def test_a_malformed_success_whose_entity_is_found_answers_its_uuid() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", {})

    def found(call: Any) -> list[dict[str, Any]]:
        [shortname] = call.body["filter"]["values"]
        return [{"uuid": "landed", "shortname": shortname, "name": "t"}]

    fake.answer("POST", "/tasks/search", found)
    assert await creator(fake).create(make("t"), TaskCreate, "task") == "landed"
    # One lookup, in one attempt: the creation spent the retries already.
    assert fake.routes() == ["POST /tasks", "POST /tasks/search"]
    assert fake.calls[1].kwargs["idempotent"] is False


def sent(error: QarnotError, attempt: int) -> QarnotError:
    error.attempt = attempt
    return error


LOST = {
    "timeout": lambda: sent(RequestTimeoutError("no answer", method="POST", path="/t"), 5),
    "reset": lambda: sent(ConnectError("reset", method="POST", path="/t"), 5),
    "reset-once": lambda: ConnectError("reset", method="POST", path="/t"),
    "5xx": lambda: sent(ServerError(503, "busy", method="POST", path="/t"), 5),
    "5xx-once": lambda: ServerError(500, "oops", method="POST", path="/t"),
    "409-on-retry": lambda: conflict(attempt=2),
    "400-on-retry": lambda: sent(BadRequestError(400, "quota?", method="POST", path="/t"), 3),
    "redirect": lambda: RedirectError(307, "moved", location="https://elsewhere"),
    "too-large": lambda: ResponseTooLargeError(10, method="POST", path="/t"),
}


@pytest.mark.parametrize("kind", list(LOST))
async def test_a_lost_create_looks_its_shortname_up_once(kind: str) -> None:
    # Found and ours: the uuid.
    fake = FakeRequester()
    fake.answer("POST", "/tasks", LOST[kind]())
    fake.answer("POST", "/tasks/search", [{"uuid": "landed", "shortname": "s1", "name": "me"}])
    assert await creator(fake).create(make("me", "s1"), TaskCreate, "task") == "landed"
    assert fake.calls[1].body == lookup_body("s1")
    # Absent, or someone else's: raised, certainly not created.
    for found in ([], [{"uuid": "x", "shortname": "s1", "name": "not me"}]):
        fake = FakeRequester()
        error = LOST[kind]()
        fake.answer("POST", "/tasks", error)
        fake.answer("POST", "/tasks/search", found)
        with pytest.raises(type(error)) as info:
            await creator(fake).create(make("me", "s1"), TaskCreate, "task")
        assert (info.value.shortname, info.value.created) == ("s1", False)
        assert fake.routes() == ["POST /tasks", "POST /tasks/search"]


@pytest.mark.parametrize(
    "lookup",
    [
        ServerError(503, "down too", method="POST", path="/tasks/search"),
        {"not": "a list"},
        ConnectError("refused", method="POST", path="/tasks/search", request_sent=False),
    ],
)
async def test_a_failed_lookup_raises_the_creation_error_that_could_not_tell(
    lookup: object,
) -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", LOST["timeout"]())
    fake.answer("POST", "/tasks/search", lookup)
    with pytest.raises(RequestTimeoutError) as info:
        await creator(fake).create(make("me", "s1"), TaskCreate, "task")
    assert (info.value.shortname, info.value.created) == ("s1", None)
    assert any("looking the shortname up failed too" in n for n in info.value.__notes__)


REFUSED = {
    "400": lambda: BadRequestError(400, "bad profile", method="POST", path="/t"),
    "404": lambda: NotFoundError(404, "no such pool", method="POST", path="/t"),
    "409": lambda: conflict(attempt=1),
    "429-beyond-cap": lambda: RateLimitedError(429, "later", method="POST", path="/t"),
    "never-connected": lambda: ConnectError("refused", request_sent=False),
    "closed-client": lambda: ConfigurationError("the client is closed"),
}


@pytest.mark.parametrize("kind", list(REFUSED))
async def test_a_creation_refused_on_its_first_attempt_is_not_created_without_lookup(
    kind: str,
) -> None:
    fake = FakeRequester()
    error = REFUSED[kind]()
    fake.answer("POST", "/tasks", error)
    with pytest.raises(type(error)) as info:
        await creator(fake).create(make("me", "s1"), TaskCreate, "task")
    assert (info.value.shortname, info.value.created) == ("s1", False)
    assert fake.routes() == ["POST /tasks"]


def test_other_errors_carry_no_creation_outcome() -> None:
    error = NotFoundError(404, "no such task")
    assert (error.shortname, error.created) == (None, None)


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
    with pytest.raises(ConflictError) as info:
        await creator(fake).create(make("mine", "s1"), TaskCreate, "task")
    assert (info.value.shortname, info.value.created) == ("s1", False)


async def test_conflict_on_the_first_attempt_is_raised_without_lookup() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", conflict(attempt=1))
    with pytest.raises(ConflictError, match="shortname taken"):
        await creator(fake).create(make("mine", "s1"), TaskCreate, "task")
    assert fake.routes() == ["POST /tasks"]


async def test_a_lookup_answer_that_is_not_a_list_leaves_the_conflict_undecided() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", conflict(attempt=2))
    fake.answer("POST", "/tasks/search", {"uuid": "landed"})
    with pytest.raises(ConflictError) as info:
        await creator(fake).create(make("mine", "s1"), TaskCreate, "task")
    assert (info.value.shortname, info.value.created) == ("s1", None)
    [note] = info.value.__notes__
    assert "POST /tasks/search" in note  # the lookup's DecodeError, named


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
    assert [(r.status, r.message, r.created) for r in results.failures] == [
        (409, "taken", False),
        (400, "bad profile", False),
    ]
    assert [r.created for r in results] == [True, False, True, False]
    # The failures on a retry, in one lookup (a 400 on a retry may follow a lost success).
    assert fake.calls[1].body == lookup_body("a", "b", "d")
    with pytest.raises(BulkCreateError, match="#1: 409"):
        results.raise_for_errors()


async def test_bulk_conflicts_on_a_first_attempt_are_failures_without_lookup() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", [{"statusCode": 409, "message": "taken"}])
    results = await create_all(fake, [make("one", "a")])
    assert (results[0].uuid, results[0].status, results[0].created) == (None, 409, False)
    assert not results[0].adopted
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
    assert results[0] == CreateResult(0, "u1", 200, None, "a", True)  # it landed unseen
    assert (results[1].uuid, results[1].status, results[1].created) == (None, status, False)
    assert message in (results[1].message or "")
    assert results[1].shortname == "b"


async def test_a_failed_lookup_reports_the_original_failure() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", ServerError(502, "bad gateway", method="POST", path="/tasks"))
    fake.answer("POST", "/tasks/search", {"not": "a list"})
    results = await create_all(fake, [make("one", "a")])
    assert (results[0].uuid, results[0].status, results[0].message) == (None, 502, "bad gateway")
    assert (results[0].shortname, results[0].created) == ("a", None)


async def test_a_chunk_refused_whole_on_its_first_attempt_is_not_created_without_lookup() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", BadRequestError(400, "not a list", method="POST", path="/t"))
    results = await create_all(fake, [make("one", "a"), make("two", "b")])
    assert [(r.status, r.shortname, r.created) for r in results] == [
        (400, "a", False),
        (400, "b", False),
    ]
    assert fake.routes() == ["POST /tasks"]


async def test_item_failures_that_may_hide_a_creation_share_one_lookup() -> None:
    fake = FakeRequester()
    fake.answer(
        "POST",
        "/tasks",
        [
            {"statusCode": 500, "message": "oops"},
            {"statusCode": 400, "message": "bad"},  # refused on a first attempt: no lookup
            {"statusCode": 200},  # a success without a uuid
            {"statusCode": 503, "message": "busy"},
        ],
    )
    fake.answer("POST", "/tasks/search", [{"uuid": "u1", "shortname": "a", "name": "one"}])
    items = [make("one", "a"), make("two", "b"), make("three", "c"), make("four", "d")]
    results = await create_all(fake, items)
    assert [(r.uuid, r.created) for r in results] == [
        ("u1", True),
        (None, False),
        (None, False),
        (None, False),
    ]
    assert fake.routes() == ["POST /tasks", "POST /tasks/search"]
    assert fake.calls[1].body == lookup_body("a", "c", "d")


async def test_adopt_existing_takes_the_entity_holding_a_taken_shortname() -> None:
    fake = FakeRequester()
    taken = {"statusCode": 409, "message": "taken"}
    fake.answer("POST", "/tasks", [taken, {"statusCode": 200, "uuid": "u2"}, taken])
    # Adopted by shortname alone: the name there need not match.
    fake.answer("POST", "/tasks/search", [{"uuid": "old", "shortname": "a", "name": "v1"}])
    items = [make("one", "a"), make("two", "b"), make("three", "c")]
    results = await create_all(fake, items, adopt_existing=True)
    assert results[0] == CreateResult(0, "old", 409, None, "a", False, True)
    assert results[0].ok
    assert (results[1].uuid, results[1].created, results[1].adopted) == ("u2", True, False)
    # Taken, yet nothing there by the time of the lookup: a failure, not created.
    assert (results[2].uuid, results[2].status, results[2].created) == (None, 409, False)
    assert fake.calls[1].body == lookup_body("a", "c")
    assert results.uuids == ["old", "u2"]


async def test_adopt_existing_after_a_lost_attempt() -> None:
    fake = FakeRequester()
    taken = {"statusCode": 409, "message": "taken"}
    fake.answer("POST", "/tasks", FakeResponse([taken, taken], attempt=2))
    fake.answer(
        "POST",
        "/tasks/search",
        [
            {"uuid": "mine", "shortname": "a", "name": "one"},  # the lost attempt landed
            {"uuid": "theirs", "shortname": "b", "name": "other"},  # there before
        ],
    )
    results = await create_all(fake, [make("one", "a"), make("two", "b")], adopt_existing=True)
    assert [(r.uuid, r.created, r.adopted) for r in results] == [
        ("mine", True, False),
        ("theirs", False, True),
    ]


async def test_adopt_existing_with_a_failed_lookup_cannot_tell() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", [{"statusCode": 409, "message": "taken"}])
    fake.answer("POST", "/tasks/search", ServerError(503, "down", method="POST", path="/s"))
    results = await create_all(fake, [make("one", "a")], adopt_existing=True)
    assert (results[0].uuid, results[0].status, results[0].created) == (None, 409, None)


def test_create_results_read_as_a_sequence() -> None:
    results = CreateResults([CreateResult(0, "u", 200), CreateResult(1, None, 400, "no")])
    # By default, a result with a uuid was created; one without could not tell.
    assert [(r.created, r.adopted) for r in results] == [(True, False), (None, False)]
    assert len(results) == 2
    assert results[0].ok
    assert list(results[1:]) == [CreateResult(1, None, 400, "no")]
    assert repr(results) == "CreateResults(ok=1, failed=1)"
    CreateResults([CreateResult(0, "u", 200)]).raise_for_errors()  # nothing failed


async def test_adopt_existing_after_a_lost_chunk_reports_the_taken_shortname() -> None:
    fake = FakeRequester()
    fake.answer("POST", "/tasks", sent(ServerError(503, "busy", method="POST", path="/t"), 5))
    fake.answer("POST", "/tasks/search", [{"uuid": "old", "shortname": "a", "name": "v1"}])
    results = await create_all(fake, [make("v2", "a"), make("two", "b")], adopt_existing=True)
    assert results[0] == CreateResult(0, "old", 409, None, "a", False, True)
    assert (results[1].uuid, results[1].status, results[1].created) == (None, 503, False)
