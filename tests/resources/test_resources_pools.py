"""``client.pools`` (qarnot_async/resources/pools.py): each operation's request."""

from __future__ import annotations

import pytest
from fake_requester import FakeRequester

from qarnot_async import InvalidInputError, Job, Task
from qarnot_async.models import FixedScalingPolicy, PoolClone, PoolCreate, Scaling
from qarnot_async.resources import Pools

SCALING = Scaling(policies=(FixedScalingPolicy(name="f", slots_count=2),))
SCALING_WIRE = {"policies": [{"type": "Fixed", "name": "f", "slotsCount": 2}]}


async def test_reading_a_pools_jobs_tasks_and_scaling() -> None:
    fake = FakeRequester()
    fake.answer("GET", "/pools/p/jobs", [{"uuid": "j"}])
    fake.answer("GET", "/pools/p/tasks", [{"uuid": "t"}])
    fake.answer("GET", "/pools/p/scaling", SCALING_WIRE)
    pools = Pools(fake)
    [job] = await pools.jobs("p")
    [task] = await pools.tasks("p")
    assert (type(job), type(task)) == (Job, Task)
    assert await pools.scaling("p") == SCALING


async def test_changing_a_pool() -> None:
    fake = FakeRequester()
    for route in (
        "POST /pools",
        "POST /pools/p/clone",
        "POST /pools/p/close",
        "DELETE /pools/p",
        "PUT /pools/p/scaling",
        "POST /sanity-checks/pools/scaling",
    ):
        method, path = route.split(" ")
        fake.answer(method, path, {"uuid": "new"})
    pools = Pools(fake)
    pool = PoolCreate(name="p", profile="docker-batch", instance_count=1)
    assert await pools.create(pool) == "new"
    assert await pools.clone("p", PoolClone(name="p2")) == "new"
    await pools.close("p")
    await pools.delete("p")
    await pools.update_scaling("p", SCALING)
    await pools.check_scaling(SCALING)
    assert [c.body for c in fake.calls[-2:]] == [SCALING_WIRE, SCALING_WIRE]
    assert fake.calls[2].kwargs == {"idempotent": True}  # closing twice is harmless
    with pytest.raises(InvalidInputError, match="scaling"):
        await pools.check_scaling(SCALING_WIRE)  # type: ignore[arg-type]
    assert len(fake.calls) == 6
