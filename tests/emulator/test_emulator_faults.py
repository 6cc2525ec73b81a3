"""Faults on demand, their counters, and the control routes."""

from __future__ import annotations

import math
import time
from collections import Counter
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import pytest
from _emulator_api import Api

from qarnot_async.emulator import FAULT_KINDS, Emulator, Faults
from qarnot_async.emulator._faults import FaultInjector


def within(observed: int, trials: int, rate: float, sigmas: float = 4.5) -> bool:
    """Whether ``observed`` is a plausible Binomial(trials, rate) draw."""
    expected = trials * rate
    return abs(observed - expected) <= sigmas * math.sqrt(trials * rate * (1 - rate)) + 1


def test_the_injector_draws_each_fault_at_its_rate() -> None:
    faults = Faults(rate_429=0.1, rate_503=0.05, rate_500=0.02, reset_rate=0.03, drop_rate=0.01)
    injector = FaultInjector(faults, seed=1)
    trials = 100_000
    drawn = Counter(injector.decide("GET /tasks/{uuid}")[1] for _ in range(trials))
    for kind, rate in (("429", 0.1), ("503", 0.05), ("500", 0.02), ("reset", 0.03), ("drop", 0.01)):
        assert within(drawn[kind], trials, rate), (kind, drawn[kind])
    assert within(drawn[None], trials, 0.79)


def test_the_same_seed_replays_the_same_faults() -> None:
    faults = Faults.spread(0.5)
    first = FaultInjector(faults, seed=42)
    second = FaultInjector(faults, seed=42)
    assert [first.decide("GET /x") for _ in range(200)] == [
        second.decide("GET /x") for _ in range(200)
    ]


def test_latency_jitter_and_routes() -> None:
    injector = FaultInjector(Faults(latency=0.2, jitter=0.1, routes={"GET /tasks*"}), seed=3)
    delays = [injector.decide("GET /tasks/{uuid}")[0] for _ in range(1000)]
    assert min(delays) >= 0.2
    assert max(delays) <= 0.3
    assert max(delays) - min(delays) > 0.05
    assert injector.decide("POST /pools")[0] == 0.0


def test_fault_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="add up"):
        Faults(rate_429=0.6, rate_500=0.6)
    with pytest.raises(ValueError, match="between 0 and 1"):
        Faults(reset_rate=-0.1)
    with pytest.raises(ValueError, match="negative"):
        Faults(latency=-1)
    with pytest.raises(ValueError, match="unknown"):
        Faults.from_json({"rate_418": 0.1})
    with pytest.raises(ValueError, match="matches no route"):
        Emulator(faults=Faults(rate_429=0.1, routes={"POST /taks"}))
    spread = Faults.spread(0.2, latency=0.01)
    assert (spread.rate_429, spread.rate_503, spread.rate_500, spread.reset_rate) == (0.05,) * 4
    assert spread.drop_rate == 0
    assert spread.latency == 0.01


@pytest.mark.qarnot_emulator(
    faults=Faults(
        rate_429=0.1, rate_503=0.1, rate_500=0.1, reset_rate=0.05, drop_rate=0.05, retry_after=3
    ),
    seed=7,
)
async def test_each_fault_shows_up_at_its_rate_and_is_counted(qarnot_emulator: Emulator) -> None:
    trials = 1000
    seen: Counter[str] = Counter()
    # A POST: aiohttp silently retries idempotent requests once after a connection error,
    # which would hide resets from this count.
    async with aiohttp.ClientSession(headers={"Authorization": qarnot_emulator.token}) as session:
        for _ in range(trials):
            try:
                async with session.post(
                    f"{qarnot_emulator.url}/v1/tasks/search", json={}
                ) as response:
                    await response.read()
                    seen[str(response.status)] += 1
                    if response.status in (429, 503):
                        assert response.headers["Retry-After"] == "3"
            except aiohttp.ClientError:
                seen["connection"] += 1
    stats = qarnot_emulator.stats
    assert stats.requests["POST /tasks/search"] == trials
    assert (seen["429"], seen["503"], seen["500"]) == (
        stats.faults["429"],
        stats.faults["503"],
        stats.faults["500"],
    )
    assert seen["connection"] == stats.faults["reset"] + stats.faults["drop"]
    assert seen["200"] == stats.responses["POST /tasks/search"]["200"]
    for kind, rate in (("429", 0.1), ("503", 0.1), ("500", 0.1), ("reset", 0.05), ("drop", 0.05)):
        assert within(stats.faults[kind], trials, rate), (kind, stats.faults[kind])
        assert stats.route_faults["POST /tasks/search"][kind] == stats.faults[kind]
    assert set(stats.faults) == set(FAULT_KINDS)


@pytest.mark.qarnot_emulator(faults=Faults(drop_rate=1.0, routes={"POST /tasks"}))
async def test_a_dropped_answer_was_still_applied(api: Api, qarnot_emulator: Emulator) -> None:
    body = {"name": "t", "profile": "docker-batch", "instanceCount": 1}
    for _ in range(2):  # a client retrying a POST whose answer was lost
        with pytest.raises(aiohttp.ClientError):
            await api.call("POST", "/tasks", json=body)
    assert qarnot_emulator.task_count() == 2  # the duplicate is born
    assert (await api.call("GET", "/tasks"))[0] == 200
    assert qarnot_emulator.stats.faults["drop"] == 2


@pytest.mark.qarnot_emulator(faults=Faults(reset_rate=1.0, routes={"POST /tasks"}))
async def test_a_reset_request_is_not_applied(api: Api, qarnot_emulator: Emulator) -> None:
    with pytest.raises(aiohttp.ClientError):
        await api.call(
            "POST", "/tasks", json={"name": "t", "profile": "docker-batch", "instanceCount": 1}
        )
    assert qarnot_emulator.task_count() == 0
    stats = qarnot_emulator.stats
    assert stats.requests["POST /tasks"] == 1
    assert stats.faults["reset"] == 1
    assert "POST /tasks" not in stats.responses


async def test_faults_limited_to_routes_and_changed_at_run_time(
    api: Api, qarnot_emulator: Emulator
) -> None:
    qarnot_emulator.set_faults(rate_503=1.0, routes={"POST /tasks"}, retry_after=2)
    status, body = await api.call(
        "POST", "/tasks", json={"name": "t", "profile": "docker-batch", "instanceCount": 1}
    )
    assert status == 503
    assert api.last.headers["Retry-After"] == "2"
    assert "message" in body
    assert (await api.call("GET", "/tasks"))[0] == 200
    assert qarnot_emulator.task_count() == 0
    qarnot_emulator.set_faults(Faults())
    await api.create_task()
    qarnot_emulator.set_faults(rate_429=1.0)  # every route, even without a token
    assert (await api.call("GET", "/tasks", auth=False))[0] == 429
    assert qarnot_emulator.faults.rate_429 == 1.0


async def test_retry_after_as_an_http_date(api: Api, qarnot_emulator: Emulator) -> None:
    qarnot_emulator.set_faults(rate_429=1.0, retry_after=30, retry_after_as_date=True)
    status, _ = await api.call("GET", "/tasks")
    assert status == 429
    moment = parsedate_to_datetime(api.last.headers["Retry-After"])
    assert 25 <= (moment - datetime.now(UTC)).total_seconds() <= 31


async def test_latency_is_real_time(api: Api, qarnot_emulator: Emulator) -> None:
    qarnot_emulator.set_faults(latency=0.05, routes={"GET /versions"})
    started = time.perf_counter()
    await api.call("GET", "/versions")
    # A lower bound only: a sleep never ends early, whereas an upper bound on wall time
    # fails on a busy machine. The counter shows which routes were delayed.
    assert time.perf_counter() - started >= 0.05
    assert qarnot_emulator.stats.faults["latency"] == 1
    await api.call("GET", "/settings")
    assert qarnot_emulator.stats.faults["latency"] == 1  # not a faulted route


async def test_stats_count_per_route_template_and_reset(
    api: Api, qarnot_emulator: Emulator
) -> None:
    uuid = await api.create_task()
    await api.call("GET", f"/tasks/{uuid}")
    await api.call("GET", f"/tasks/{uuid}", prefix="")
    await api.call("GET", "/tasks/nope")
    await api.call("POST", "/tasks/summaries/paginate", json={})
    stats = qarnot_emulator.stats
    assert stats.requests == {
        "POST /tasks": 1,
        "GET /tasks/{uuid}": 3,
        "POST /tasks/summaries/paginate": 1,
    }
    assert stats.responses["GET /tasks/{uuid}"] == {"200": 2, "404": 1}
    assert stats.total == 5
    qarnot_emulator.reset_stats()
    assert qarnot_emulator.stats.total == 0


async def test_control_routes(api: Api, qarnot_emulator: Emulator) -> None:
    async def control(method: str, path: str, json: object = None) -> tuple[int, Any]:
        return await api.call(method, f"/__emulator/{path}", json=json, prefix="", auth=False)

    status, faults = await control("GET", "faults")
    assert status == 200
    assert faults == Faults().to_json()
    status, faults = await control(
        "PUT", "faults", {"rate_500": 0.25, "routes": ["GET /tasks/*"], "seed": 9}
    )
    assert status == 200
    assert faults["rate_500"] == 0.25
    assert faults["routes"] == ["GET /tasks/*"]
    status, faults = await control("PATCH", "faults", {"latency": 0.0, "retry_after": 5})
    assert faults["rate_500"] == 0.25
    assert faults["retry_after"] == 5
    assert qarnot_emulator.faults.retry_after == 5
    for bad in (
        {"rate_500": 2},
        {"colour": 1},
        {"routes": ["GET /nowhere"]},
        {"rate_429": "x"},
        {"retry_after": 1.5},
    ):
        status, answer = await control("PUT", "faults", bad)
        assert status == 400, bad
        assert "message" in answer
    status, _ = await control("PUT", "faults", {})
    assert qarnot_emulator.faults == Faults()

    uuid = await api.create_task()
    status, clock = await control("POST", "advance", {"seconds": 33})
    assert status == 200
    assert set(clock) == {"now", "epoch", "speed"}
    assert clock["speed"] is None
    assert (await api.task(uuid))["state"] == "Success"
    assert (await control("POST", "advance", {"seconds": -1}))[0] == 400
    assert (await control("POST", "advance", {"seconds": "soon"}))[0] == 400
    status, now = await control("GET", "clock")
    assert now["now"] == clock["now"]

    status, seeded = await control(
        "POST", "seed/tasks", {"count": 3, "fields": {"state": "Failure", "tags": ["s"]}}
    )
    assert status == 200
    assert len(seeded["uuids"]) == 3
    assert (await api.task(seeded["uuids"][0]))["state"] == "Failure"
    status, seeded = await control("POST", "seed/pools", {"count": 2})
    assert status == 200
    assert len(seeded["uuids"]) == 2
    assert (await control("POST", "seed/jobs", {"count": 1}))[0] == 200
    assert (await control("POST", "seed/things", {"count": 1}))[0] == 404
    assert (await control("POST", "seed/tasks", {"count": 1, "fields": {"colour": 1}}))[0] == 400
    assert (await control("POST", "seed/tasks", {"count": "many"}))[0] == 400

    status, stats = await control("GET", "stats")
    assert status == 200
    assert set(stats) == {
        "total",
        "requests",
        "responses",
        "faults",
        "routeFaults",
    }
    assert not any(key.startswith(("GET /__", "POST /__", "PUT /__")) for key in stats["requests"])
    assert stats["requests"]["POST /tasks"] == 1
    status, stats = await control("DELETE", "stats")
    assert stats["total"] == 0
    assert (await control("POST", "reset"))[0] == 200
    assert await api.ok("GET", "/tasks") == []
    assert qarnot_emulator.stats.requests == {"GET /tasks": 1}
