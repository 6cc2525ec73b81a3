"""Duplicate-safe creation decisions, with scripted answers (MockTransport)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from qarnot_async import Client, ConflictError, Response, TaskCreate

if TYPE_CHECKING:
    from conftest import Script


pytestmark = pytest.mark.usefixtures("no_backoff")  # tests/conftest.py


def make(name: str, shortname: str) -> TaskCreate:
    return TaskCreate(name=name, shortname=shortname, profile="docker-batch", instance_count=1)


def taken() -> Response:
    return Response.from_json({"message": "shortname taken"}, status=409)


@pytest.mark.parametrize(
    ("found_name", "landed"),
    [("mine", True), ("not mine", False)],
)
async def test_conflict_after_a_lost_attempt_is_settled_by_name(
    script: Script, found_name: str, landed: bool
) -> None:
    script.add("POST", "/tasks", Response(502), taken())
    script.add(
        "POST",
        "/tasks/search",
        Response.from_json([{"uuid": "found", "shortname": "s1", "name": found_name}]),
    )
    async with Client("t", transport=script.transport) as c:
        if landed:  # the lost attempt landed: its uuid is the answer
            assert await c.tasks.create(make("mine", "s1")) == "found"
        else:  # someone else's task holds the shortname
            with pytest.raises(ConflictError):
                await c.tasks.create(make("mine", "s1"))
    assert script.paths() == ["POST /tasks", "POST /tasks", "POST /tasks/search"]


async def test_conflict_on_the_first_attempt_is_raised_without_lookup(script: Script) -> None:
    script.add("POST", "/tasks", taken())
    async with Client("t", transport=script.transport) as c:
        with pytest.raises(ConflictError, match="shortname taken"):
            await c.tasks.create(make("mine", "s1"))
    assert script.paths() == ["POST /tasks"]


async def test_bulk_conflicts_after_retry_are_settled_by_name(script: Script) -> None:
    script.add(
        "POST",
        "/tasks",
        Response(503),
        Response.from_json(
            [
                {"statusCode": 409, "message": "taken"},
                {"statusCode": 409, "message": "taken"},
                {"statusCode": 200, "uuid": "u3"},
            ],
            status=207,
        ),
    )
    script.add(
        "POST",
        "/tasks/search",
        Response.from_json(
            [
                {"uuid": "u1", "shortname": "a", "name": "one"},
                {"uuid": "x", "shortname": "b", "name": "somebody else's"},
            ]
        ),
    )
    async with Client("t", transport=script.transport) as c:
        results = await c.tasks.create_many(
            [make("one", "a"), make("two", "b"), make("three", "c")]
        )
    assert [r.uuid for r in results] == ["u1", None, "u3"]
    assert results[1].status == 409
    assert results[1].message == "taken"


async def test_bulk_chunk_lost_for_good_is_reconciled(script: Script) -> None:
    script.add("POST", "/tasks", TimeoutError(), repeat=True)
    script.add(
        "POST",
        "/tasks/search",
        Response.from_json([{"uuid": "u1", "shortname": "a", "name": "one"}]),
    )
    async with Client("t", transport=script.transport) as c:
        results = await c.tasks.create_many([make("one", "a"), make("two", "b")])
    assert results[0].uuid == "u1"  # it landed before the answers were lost
    assert results[1].uuid is None
    assert results[1].status == 0
    assert "no answer" in (results[1].message or "")
