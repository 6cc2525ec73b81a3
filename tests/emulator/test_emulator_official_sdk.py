"""The official synchronous ``qarnot`` SDK (2.23), unmodified, against the emulator.

The SDK runs in a worker thread while the emulator serves from the test's loop. Its
``wait()`` sleeps between polls: the sleep is replaced by advancing the emulated clock,
so the whole lifecycle runs without real waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
import qarnot
import qarnot.task
from qarnot.exceptions import MaxTaskException, QarnotGenericException, UnauthorizedException

from qarnot_async.emulator import Emulator


@pytest.fixture
def fake_sleep(monkeypatch: pytest.MonkeyPatch, qarnot_emulator: Emulator) -> list[float]:
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        qarnot_emulator.advance_threadsafe(seconds)

    monkeypatch.setattr(qarnot.task.time, "sleep", sleep)
    return slept


async def in_thread(emu: Emulator, flow: Callable[[Any], None]) -> None:
    def run() -> None:
        connection = qarnot.connection.Connection(client_token=emu.token, cluster_url=emu.url)
        flow(connection)

    await asyncio.to_thread(run)


async def test_task_submit_wait_and_outputs(
    qarnot_emulator: Emulator, fake_sleep: list[float]
) -> None:
    def flow(conn: Any) -> None:
        assert conn.s3client is None  # GET /settings said: no storage
        assert conn.user_info.email == "emulator@qarnot.local"
        task = conn.create_task("sdk-task", "docker-batch", 3)
        task.constants["DOCKER_CMD"] = "echo hello"
        task.tags = ["sdk"]
        task.submit()
        assert task.uuid
        assert task.state == "Submitted"
        assert task.wait() is True
        assert task.state == "Success"
        assert fake_sleep  # wait() polled and the clock moved
        assert "[2] done" in task.stdout()
        fresh = task.fresh_stdout()
        assert "[0] starting 'sdk-task'" in fresh
        assert task.fresh_stdout() == ""
        assert task.stdout(instanceId=1).startswith("[1] starting")
        assert task.status.succeeded_range == "0-2"
        assert task.status.execution_time_sec == 90.0
        assert [i.instance_id for i in task.completed_instances] == [0, 1, 2]
        assert conn.retrieve_task(task.uuid).state == "Success"
        listed = list(conn.all_tasks())
        assert [t.uuid for t in listed] == [task.uuid]
        assert [t.uuid for t in conn.all_tasks(tags=["sdk", "other"], summary=False)] == [task.uuid]
        assert list(conn.all_tasks(tags=["other"])) == []

    await in_thread(qarnot_emulator, flow)


async def test_a_failing_task(qarnot_emulator: Emulator, fake_sleep: list[float]) -> None:
    def flow(conn: Any) -> None:
        task = conn.create_task("fails", "docker-batch", 4)
        task.constants["EMULATOR_FAIL_INSTANCES"] = "1,3"
        task.submit()
        task.wait()
        assert task.state == "Failure"
        assert task.status.failed_range == "1,3"
        assert task.errors
        assert "1,3" in task.errors[0].message
        assert "[1] error" in task.stderr()

    await in_thread(qarnot_emulator, flow)


async def test_bulk_submission(qarnot_emulator: Emulator) -> None:
    def flow(conn: Any) -> None:
        tasks = [conn.create_task(f"bulk-{i}", "docker-batch", 1) for i in range(3)]
        conn.submit_tasks(tasks)
        assert all(t.uuid for t in tasks)
        assert len({t.uuid for t in tasks}) == 3
        mixed = [
            conn.create_task("good", "docker-batch", 1),
            conn.create_task("bad", "no-such-profile", 1),
        ]
        with pytest.raises(QarnotGenericException, match="No such profile"):
            conn.submit_tasks(mixed)
        assert mixed[0].uuid is not None
        assert mixed[1].uuid is None
        assert len(list(conn.all_tasks())) == 4

    await in_thread(qarnot_emulator, flow)


async def test_pool_submit_and_close(qarnot_emulator: Emulator) -> None:
    def flow(conn: Any) -> None:
        pool = conn.create_pool("sdk-pool", "docker-batch", 2)
        pool.submit()
        qarnot_emulator.advance_threadsafe(2)
        pool.update(True)
        assert pool.state == "FullyExecuting"
        task = conn.create_task("in-pool", pool, 1)
        task.submit()
        qarnot_emulator.advance_threadsafe(5)
        task.update(True)
        assert task.state == "FullyExecuting"
        assert task.pool.uuid == pool.uuid
        pool.close()
        qarnot_emulator.advance_threadsafe(1)
        pool.update(True)
        task.update(True)
        assert (pool.state, task.state) == ("Closed", "Cancelled")
        assert [p.uuid for p in conn.all_pools()] == [pool.uuid]
        assert "pool instance ready" in pool.stdout()
        pool.delete()
        assert list(conn.all_pools()) == []

    await in_thread(qarnot_emulator, flow)


async def test_job_submit_terminate_and_delete(qarnot_emulator: Emulator) -> None:
    def flow(conn: Any) -> None:
        job = conn.create_job("sdk-job", useDependencies=True)
        job.submit()  # POST /jobs/ (trailing slash)
        assert job.uuid
        assert job.state == "Active"
        first = conn.create_task("first", "docker-batch", 1, job=job)
        first.submit()
        second = conn.create_task("second", "docker-batch", 1, job=job)
        second.set_task_dependencies_from_uuids([first.uuid])
        second.submit()
        assert [t.uuid for t in job.tasks] == [first.uuid, second.uuid]
        qarnot_emulator.advance_threadsafe(20)
        first.update(True)
        second.update(True)
        assert (first.state, second.state) == ("FullyExecuting", "Submitted")  # held
        qarnot_emulator.advance_threadsafe(20)
        first.update(True)
        second.update(True)
        assert (first.state, second.state) == ("Success", "FullyExecuting")
        job.terminate()
        qarnot_emulator.advance_threadsafe(1)
        job.update(True)
        second.update(True)
        assert (job.state, second.state) == ("Completed", "Cancelled")
        with pytest.raises(UnauthorizedException, match="force"):
            job.delete()
        job.delete(forceAbort=True)  # DELETE /jobs/{uuid}?force=True
        assert list(conn.all_jobs()) == []
        assert list(conn.all_tasks()) == []

    await in_thread(qarnot_emulator, flow)


async def test_abort_account_and_catalogue(qarnot_emulator: Emulator) -> None:
    def flow(conn: Any) -> None:
        task = conn.create_task("to-abort", "docker-batch", 2)
        task.submit()
        task.abort()
        task.update(True)
        assert task.state == "Cancelled"
        assert "docker-batch" in conn.profiles_names()
        assert conn.retrieve_profile("blender").name == "blender"
        assert len(list(conn.all_hardware_constraints())) > 50
        assert conn.user_info.task_count == 1

    await in_thread(qarnot_emulator, flow)


@pytest.mark.qarnot_emulator(quotas={"maxTask": 1})
async def test_quota_exceptions(qarnot_emulator: Emulator) -> None:
    def flow(conn: Any) -> None:
        conn.create_task("one", "docker-batch", 1).submit()
        with pytest.raises(MaxTaskException):
            conn.create_task("two", "docker-batch", 1).submit()

    await in_thread(qarnot_emulator, flow)
