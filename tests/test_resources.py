"""Every Compute API operation through the public client, over HTTP, on the emulator."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from qarnot_async import (
    BadRequestError,
    Client,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    QuotaExceededError,
)
from qarnot_async.emulator import Emulator
from qarnot_async.filters import F
from qarnot_async.models import (
    FixedScalingPolicy,
    JobCreate,
    PoolClone,
    PoolCreate,
    PoolUpdate,
    Scaling,
    TaskClone,
    TaskCreate,
    TaskRetry,
    TaskState,
    TaskUpdate,
)

# The 67 operations of the API contract, as (method, path) with the contract's own
# parameter names: the table test below checks each is reached from the public API.
OPERATIONS = [
    "GET /hardware-constraints",
    "GET /hardware-constraints/cpu-model-constraints/search",
    "GET /jobs",
    "POST /jobs",
    "POST /jobs/search",
    "POST /jobs/paginate",
    "POST /jobs/{jobUuid}/terminate",
    "DELETE /jobs/{jobuuid}",
    "GET /jobs/{jobuuid}",
    "GET /jobs/{jobuuid}/tasks",
    "GET /",
    "GET /pools/summaries",
    "POST /pools/summaries/paginate",
    "GET /pools",
    "POST /pools",
    "POST /pools/search",
    "POST /pools/paginate",
    "POST /pools/{pooluuid}/clone",
    "POST /pools/{pooluuid}/close",
    "DELETE /pools/{pooluuid}",
    "GET /pools/{pooluuid}",
    "PATCH /pools/{pooluuid}",
    "PUT /pools/{pooluuid}",
    "GET /pools/{pooluuid}/jobs",
    "GET /pools/{pooluuid}/tasks",
    "GET /pools/{poolUuid}/stdout",
    "POST /pools/{poolUuid}/stdout",
    "GET /pools/{poolUuid}/stdout/{instanceId}",
    "POST /pools/{poolUuid}/stdout/{instanceId}",
    "GET /pools/{poolUuid}/stderr",
    "POST /pools/{poolUuid}/stderr",
    "GET /pools/{poolUuid}/stderr/{instanceId}",
    "POST /pools/{poolUuid}/stderr/{instanceId}",
    "GET /pools/{poolUuid}/scaling",
    "PUT /pools/{poolUuid}/scaling",
    "POST /sanity-checks/pools/scaling",
    "GET /profiles",
    "GET /profiles/{name}",
    "GET /settings",
    "GET /tasks",
    "POST /tasks",
    "GET /tasks/summaries",
    "POST /tasks/summaries/paginate",
    "POST /tasks/search",
    "POST /tasks/paginate",
    "POST /tasks/{taskUuid}/snapshot/periodic",
    "POST /tasks/{taskUuid}/snapshot",
    "POST /tasks/{taskUuid}/retry",
    "POST /tasks/{taskUuid}/recover",
    "POST /tasks/{taskUuid}/resume",
    "POST /tasks/{taskUuid}/clone",
    "PUT /tasks/{taskUuid}",
    "PATCH /tasks/{taskUuid}",
    "DELETE /tasks/{taskUuid}",
    "GET /tasks/{taskUuid}",
    "POST /tasks/{taskUuid}/abort",
    "GET /tasks/{taskUuid}/stdout",
    "POST /tasks/{taskUuid}/stdout",
    "GET /tasks/{taskUuid}/stdout/{instanceId}",
    "POST /tasks/{taskUuid}/stdout/{instanceId}",
    "GET /tasks/{taskUuid}/stderr",
    "POST /tasks/{taskUuid}/stderr",
    "GET /tasks/{taskUuid}/stderr/{instanceId}",
    "POST /tasks/{taskUuid}/stderr/{instanceId}",
    "GET /info",
    "GET /versions",
    "GET /status",
]


def _normalise(key: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", key.strip())


def task(name: str = "t", **kwargs: object) -> TaskCreate:
    kwargs.setdefault("profile", "docker-batch")
    kwargs.setdefault("instance_count", 2)
    return TaskCreate(name=name, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
async def client(qarnot_emulator: Emulator) -> Client:
    async with qarnot_emulator.client() as c:
        yield c  # type: ignore[misc]


async def test_every_operation_is_reachable(qarnot_emulator: Emulator) -> None:
    """Drive all 67 operations through the public API and check what comes back."""
    emu = qarnot_emulator
    async with emu.client() as c:
        # account and catalogue
        await c.account.ping()
        # GET /status twins GET / (ping): reached through the public low-level path.
        assert (await c.request("GET", "/status")).status == 200
        info = await c.account.info()
        assert info.email == "emulator@qarnot.local"
        assert (await c.account.settings())["storage"] is None
        assert [v.version for v in await c.account.versions()] == ["v1"]
        profiles = await c.profiles.list()
        assert "docker-batch" in profiles
        assert (await c.profiles.get("docker-batch")).name == "docker-batch"
        constraints = await c.hardware.list()
        assert constraints
        assert all(hasattr(x, "discriminator") for x in constraints)
        cpus = await c.hardware.search_cpu("amd")
        assert cpus
        assert all("amd" in x.cpu_model.lower() for x in cpus)

        # pools
        pool = await c.pools.create(
            PoolCreate(name="pool", profile="docker-batch", instance_count=2)
        )
        assert (await c.pools.get(pool)).name == "pool"
        assert pool in [p.uuid for p in await c.pools.list()]
        assert pool in [p.uuid for p in await c.pools.summaries.list()]
        assert [p.uuid for p in await c.pools.search(F.uuid == pool)] == [pool]
        assert [p.uuid for p in (await c.pools.page()).items] == [pool]
        assert [p.uuid for p in (await c.pools.summaries.page()).items] == [pool]
        await c.pools.update(pool, PoolUpdate(constants={"K": "v"}))
        assert (await c.pools.get(pool)).constants["K"] == "v"
        await c.pools.sync_resources(pool)
        scaling = Scaling(policies=(FixedScalingPolicy(name="f", slots_count=2),))
        await c.pools.check_scaling(scaling)
        await c.pools.update_scaling(pool, scaling)
        got = await c.pools.scaling(pool)
        assert got.policies is not None
        assert got.policies[0].name == "f"
        await emu.advance(120)
        assert isinstance(await c.pools.stdout(pool), str)
        assert isinstance(await c.pools.stdout(pool, fresh=True), str)
        assert isinstance(await c.pools.stdout(pool, 0), str)
        assert isinstance(await c.pools.stdout(pool, 0, fresh=True), str)
        assert isinstance(await c.pools.stderr(pool), str)
        assert isinstance(await c.pools.stderr(pool, fresh=True), str)
        assert isinstance(await c.pools.stderr(pool, 0), str)
        assert isinstance(await c.pools.stderr(pool, 0, fresh=True), str)
        pool2 = await c.pools.clone(pool, PoolClone(name="pool-2"))
        assert (await c.pools.get(pool2)).name == "pool-2"

        # jobs
        job = await c.jobs.create(JobCreate(name="job", pool_uuid=pool, use_dependencies=True))
        assert (await c.jobs.get(job)).use_dependencies is True
        assert job in [j.uuid for j in await c.jobs.list()]
        assert [j.uuid for j in await c.jobs.search(F.uuid == job)] == [job]
        assert [j.uuid for j in (await c.jobs.page()).items] == [job]
        assert [j.uuid for j in await c.pools.jobs(pool)] == [job]
        more = await c.jobs.create_many([JobCreate(name="j2"), JobCreate(name="j3")])
        assert len(more.uuids) == 2

        # tasks
        uuid = await c.tasks.create(
            task("one", job_uuid=job, constants={"EMULATOR_DURATION": "10"})
        )
        got_task = await c.tasks.get(uuid)
        assert got_task.name == "one"
        assert got_task.job_uuid == job
        assert [t.uuid for t in await c.jobs.tasks(job)] == [uuid]
        assert [t.uuid for t in await c.pools.tasks(pool)] == [uuid]
        many = await c.tasks.create_many([task(f"m{i}") for i in range(3)])
        assert len(many.uuids) == 3
        assert uuid in [t.uuid for t in await c.tasks.list()]
        assert uuid in [t.uuid for t in await c.tasks.summaries.list()]
        assert [t.uuid for t in await c.tasks.search(F.uuid == uuid)] == [uuid]
        assert len((await c.tasks.page(page_size=2)).items) == 2
        assert len((await c.tasks.summaries.page(page_size=3)).items) == 3
        await c.tasks.update(uuid, TaskUpdate(tags=["x"]))
        assert (await c.tasks.get(uuid)).tags == ("x",)
        await c.tasks.sync_resources(uuid)
        await c.tasks.snapshot(uuid, whitelist=".*")
        await c.tasks.periodic_snapshot(uuid, timedelta(seconds=30))
        await c.tasks.stop_periodic_snapshot(uuid)
        await emu.advance(300)
        done = await c.tasks.get(uuid)
        assert done.state is TaskState.SUCCESS
        assert "done" in await c.tasks.stdout(uuid)
        assert "done" in await c.tasks.stdout(uuid, fresh=True)
        assert await c.tasks.stdout(uuid, fresh=True) == ""  # nothing new since
        assert "[1]" not in await c.tasks.stdout(uuid, 0)
        assert isinstance(await c.tasks.stdout(uuid, 1, fresh=True), str)
        assert isinstance(await c.tasks.stderr(uuid), str)
        assert isinstance(await c.tasks.stderr(uuid, fresh=True), str)
        assert isinstance(await c.tasks.stderr(uuid, 0), str)
        assert isinstance(await c.tasks.stderr(uuid, 0, fresh=True), str)
        clone = await c.tasks.clone(uuid, TaskClone(name="clone"))
        assert (await c.tasks.get(clone)).name == "clone"
        failing = await c.tasks.create(task("failing", constants={"EMULATOR_FAIL_INSTANCES": "1"}))
        await emu.advance(300)
        assert (await c.tasks.get(failing)).state is TaskState.FAILURE
        retried = await c.tasks.retry(failing, TaskRetry(constants={"EMULATOR_FAIL_INSTANCES": ""}))
        recovered = await c.tasks.recover(failing)
        aborted = await c.tasks.create(task("to-abort"))
        await c.tasks.abort(aborted)
        await emu.advance(60)
        assert (await c.tasks.get(aborted)).state is TaskState.CANCELLED
        resumed = await c.tasks.resume(aborted)
        assert len({retried, recovered, resumed}) == 3
        await c.tasks.delete(clone)
        with pytest.raises(NotFoundError):
            await c.tasks.get(clone)

        # teardown routes
        with pytest.raises(ForbiddenError):
            await c.jobs.delete(job)  # it has tasks
        await c.jobs.terminate(job)
        await c.jobs.delete(job, force=True)
        await c.pools.close(pool2)
        await c.pools.delete(pool2)

    seen = {_normalise(k) for k in emu.stats.requests}
    expected = {_normalise(op) for op in OPERATIONS}
    assert len(expected) == 67
    assert expected - seen == set()


async def test_shortname_lookup_and_versionless_client(qarnot_emulator: Emulator) -> None:
    async with qarnot_emulator.client(api_version=None) as c:
        uuid = await c.tasks.create(task("named", shortname="my-task"))
        assert (await c.tasks.get("my-task")).uuid == uuid
        with pytest.raises(ConflictError, match="my-task"):
            await c.tasks.create(task("again", shortname="my-task"))
    assert "POST /tasks" in qarnot_emulator.stats.requests


async def test_generated_shortnames_are_unique(client: Client) -> None:
    uuids = [await client.tasks.create(task(f"t{i}")) for i in range(3)]
    shortnames = {(await client.tasks.get(u)).shortname for u in uuids}
    assert len(shortnames) == 3
    assert all(s and s.startswith("qa-") for s in shortnames)


async def test_bulk_partial_failure_is_returned(client: Client) -> None:
    inputs = [task("ok-1"), task("dup", shortname="taken"), task("ok-2")]
    await client.tasks.create(task("first", shortname="taken"))
    results = await client.tasks.create_many(inputs, chunk_size=2)
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].status == 409
    assert results[1].message
    with pytest.raises(Exception, match="#1: 409"):
        results.raise_for_errors()
    names = {(await client.tasks.get(u)).name for u in results.uuids}
    assert names == {"ok-1", "ok-2"}


@pytest.mark.qarnot_emulator(quotas={"maxTask": 2})
async def test_quota_maps_to_quota_error(client: Client) -> None:
    await client.tasks.create(task("a"))
    await client.tasks.create(task("b"))
    with pytest.raises(QuotaExceededError, match="maximum number of tasks reached"):
        await client.tasks.create(task("c"))


async def test_not_found_and_read_only(client: Client) -> None:
    with pytest.raises(NotFoundError) as info:
        await client.tasks.get("00000000-0000-0000-0000-000000000000")
    assert "GET /tasks/00000000-0000-0000-0000-000000000000" in str(info.value)
    with pytest.raises(NotFoundError):
        await client.profiles.get("no-such-profile")
    view = client.as_account("other@example.com")
    assert (await view.tasks.list()) == []
    with pytest.raises(ForbiddenError):
        await view.tasks.create(task("nope"))


async def test_bad_input_is_refused_before_sending(qarnot_emulator: Emulator) -> None:
    async with qarnot_emulator.client() as c:
        uuid = await c.tasks.create(task("t"))
        qarnot_emulator.reset_stats()
        with pytest.raises(InvalidInputError, match="instance_count"):
            TaskCreate(name="x", instance_count=2, advanced_ranges="0-3")
        with pytest.raises(InvalidInputError, match="name"):
            TaskCreate(name="", instance_count=1)
        with pytest.raises(InvalidInputError, match="unknown filter field"):
            await c.tasks.search(F.nmae == "x")
        with pytest.raises(InvalidInputError, match="instance_id"):
            await c.tasks.stdout(uuid, -1)
        with pytest.raises(InvalidInputError, match="order_by"):
            c.tasks.paginate(order_by="colour")
        with pytest.raises(InvalidInputError, match="task"):
            await c.tasks.create({"name": "raw"})  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="shortname"):
            await c.tasks.create_many([task("a", shortname="s"), task("b", shortname="s")])
        with pytest.raises(InvalidInputError, match="interval"):
            await c.tasks.periodic_snapshot(uuid, 0)
        with pytest.raises(InvalidInputError, match="uuid"):
            await c.tasks.get("")
    assert qarnot_emulator.stats.total == 0


async def test_service_validation_maps_to_bad_request(client: Client) -> None:
    with pytest.raises(BadRequestError) as info:
        await client.tasks.search({"operator": "Bogus", "field": "State", "value": "x"})
    assert info.value.status == 400


async def test_create_many_reports_progress(client: Client) -> None:
    seen: list[tuple[int, int]] = []
    results = await client.tasks.create_many(
        [task(f"p{i}") for i in range(25)],
        chunk_size=10,
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert len(results.uuids) == 25
    # One call per chunk, in completion order: the count only grows, up to the total.
    assert len(seen) == 3
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (25, 25)
