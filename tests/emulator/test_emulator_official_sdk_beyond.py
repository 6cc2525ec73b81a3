"""The official ``qarnot`` SDK's calls beyond the seed, unmodified, against the emulator:
its ``Secrets`` API, ``carbon_facts()``, ``instant``/``snapshot_status``/``wait_snapshot``,
quotas, credits and budgets."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import qarnot
import qarnot.task
from qarnot.exceptions import SecretConflictException, SecretNotFoundException

from qarnot_async.emulator import Emulator


async def _run(emu: Emulator, flow: Any) -> None:
    def run() -> None:
        flow(qarnot.connection.Connection(client_token=emu.token, cluster_url=emu.url))

    await asyncio.to_thread(run)


async def test_the_sdk_secrets_api(qarnot_emulator: Emulator) -> None:
    def flow(conn: Any) -> None:
        secrets = qarnot.Secrets(conn)
        assert secrets.create_secret("/app/db/password/", "hunter22") == "app/db/password"
        secrets.create_secret("app/token", "t0k3n")
        secrets.create_secret("top", "v")
        with pytest.raises(SecretConflictException):
            secrets.create_secret("top", "again")
        assert secrets.get_secret("app/db/password") == "hunter22"
        secrets.update_secret("app/db/password", "changed")
        assert secrets.get_secret("/app/db/password") == "changed"
        assert sorted(secrets.list_secrets("app")) == ["app/db/", "app/token"]
        assert sorted(secrets.list_secrets("", recursive=True)) == [
            "app/db/password",
            "app/token",
            "top",
        ]
        secrets.delete_secret("top")
        with pytest.raises(SecretNotFoundException):
            secrets.get_secret("top")
        with pytest.raises(SecretNotFoundException):
            secrets.delete_secret("top")
        with pytest.raises(SecretNotFoundException):
            secrets.update_secret("top", "v")

    await _run(qarnot_emulator, flow)


async def test_the_sdk_carbon_facts_and_credits(qarnot_emulator: Emulator) -> None:
    def flow(conn: Any) -> None:
        task = conn.create_task("carbon", "docker-batch", 2)
        task.submit()
        pool = conn.create_pool("carbon-pool", "docker-batch", 1)
        pool.submit()
        qarnot_emulator.advance_threadsafe(600)
        task.update(True)  # past the SDK's cache of a few seconds
        assert task.state == "Success"
        facts = task.carbon_facts("my-dc")
        assert facts.energy_it_Wh > 0
        assert facts.carbon_footprint_gC02eq > 0
        assert facts.equivalent_datacenter_name == "my-dc"
        assert facts.PUE > 1
        assert pool.carbon_facts().energy_consumption_Wh > 0
        assert conn.credits().amount_in_euros > 0

    await _run(qarnot_emulator, flow)


async def test_the_sdk_snapshot_status_and_wait(
    qarnot_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        qarnot_emulator.advance_threadsafe(seconds)

    monkeypatch.setattr(qarnot.task.time, "sleep", sleep)

    def flow(conn: Any) -> None:
        task = conn.create_task("snap", "docker-batch", 1)
        task.submit()
        qarnot_emulator.advance_threadsafe(2)
        snapshot_id = task.instant(whitelist="*.txt")
        assert snapshot_id
        status = task.snapshot_status(snapshot_id)
        assert status._id == snapshot_id  # the SDK's Snapshot has no public accessor
        assert type(status._status).__name__ == "TriggeredStatus"
        assert not status._status.is_completed
        assert task.wait_snapshot(snapshot_id, timeout=60) is True
        assert slept  # it polled, and the emulated clock moved
        assert type(task.snapshot_status(snapshot_id)._status).__name__ == "SuccessStatus"

    await _run(qarnot_emulator, flow)


async def test_the_sdk_quotas(qarnot_emulator: Emulator) -> None:
    def flow(conn: Any) -> None:
        user = conn.get_user_computing_quotas()
        organization = conn.get_organization_computing_quotas()
        info = conn.user_info
        assert user.flex.max_cores == info.computing_quotas.user.flex.max_cores
        assert user.flex.running_cores_count == 0
        assert organization.flex.running_counts_per_user[info.email].running_cores_count == 0

    await _run(qarnot_emulator, flow)
