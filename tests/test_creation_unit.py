"""Duplicate-safe creation decisions, with scripted answers (aioresponses)."""

from __future__ import annotations

import asyncio

import pytest
from aioresponses import aioresponses

from qarnot_async import Client, ConflictError, TaskCreate, _retry

BASE = "https://api.example.test/v1"


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    async def instant(seconds: float) -> None:
        await asyncio.sleep(0)

    monkeypatch.setattr(_retry, "_sleep", instant)


def make(name: str, shortname: str) -> TaskCreate:
    return TaskCreate(name=name, shortname=shortname, profile="docker-batch", instance_count=1)


async def test_conflict_after_a_lost_attempt_answers_the_landed_uuid() -> None:
    with aioresponses() as mock:
        mock.post(f"{BASE}/tasks", status=502)
        mock.post(f"{BASE}/tasks", status=409, payload={"message": "shortname taken"})
        mock.post(
            f"{BASE}/tasks/search",
            payload=[{"uuid": "landed", "shortname": "s1", "name": "mine"}],
        )
        async with Client("t", cluster_url="https://api.example.test") as c:
            assert await c.tasks.create(make("mine", "s1")) == "landed"


async def test_conflict_with_someone_elses_task_is_raised() -> None:
    with aioresponses() as mock:
        mock.post(f"{BASE}/tasks", status=502)
        mock.post(f"{BASE}/tasks", status=409, payload={"message": "shortname taken"})
        mock.post(
            f"{BASE}/tasks/search",
            payload=[{"uuid": "other", "shortname": "s1", "name": "not mine"}],
        )
        async with Client("t", cluster_url="https://api.example.test") as c:
            with pytest.raises(ConflictError):
                await c.tasks.create(make("mine", "s1"))


async def test_conflict_on_the_first_attempt_is_raised_without_lookup() -> None:
    with aioresponses() as mock:
        mock.post(f"{BASE}/tasks", status=409, payload={"message": "shortname taken"})
        async with Client("t", cluster_url="https://api.example.test") as c:
            with pytest.raises(ConflictError, match="shortname taken"):
                await c.tasks.create(make("mine", "s1"))
        assert all(str(url).endswith("/tasks") for _, url in mock.requests)


async def test_bulk_conflicts_after_retry_are_settled_by_name() -> None:
    with aioresponses() as mock:
        mock.post(f"{BASE}/tasks", status=503)
        mock.post(
            f"{BASE}/tasks",
            status=207,
            payload=[
                {"statusCode": 409, "message": "taken"},
                {"statusCode": 409, "message": "taken"},
                {"statusCode": 200, "uuid": "u3"},
            ],
        )
        mock.post(
            f"{BASE}/tasks/search",
            payload=[
                {"uuid": "u1", "shortname": "a", "name": "one"},
                {"uuid": "x", "shortname": "b", "name": "somebody else's"},
            ],
        )
        async with Client("t", cluster_url="https://api.example.test") as c:
            results = await c.tasks.create_many(
                [make("one", "a"), make("two", "b"), make("three", "c")]
            )
    assert [r.uuid for r in results] == ["u1", None, "u3"]
    assert results[1].status == 409
    assert results[1].message == "taken"


async def test_bulk_chunk_lost_for_good_is_reconciled() -> None:
    with aioresponses() as mock:
        mock.post(f"{BASE}/tasks", exception=TimeoutError(), repeat=True)
        mock.post(f"{BASE}/tasks/search", payload=[{"uuid": "u1", "shortname": "a", "name": "one"}])
        async with Client("t", cluster_url="https://api.example.test") as c:
            results = await c.tasks.create_many([make("one", "a"), make("two", "b")])
    assert results[0].uuid == "u1"  # it landed before the answers were lost
    assert results[1].uuid is None
    assert results[1].status == 0
    assert "no answer" in (results[1].message or "")
