"""Carbon facts, credits, quotas, projects and budgets over HTTP against the emulator."""

from __future__ import annotations

import pytest

from qarnot_async import Client, InvalidInputError, NotFoundError
from qarnot_async.emulator import Emulator
from qarnot_async.models import (
    BudgetOverrunPolicy,
    CarbonFacts,
    PoolCreate,
    TaskCreate,
    TaskState,
)

MISSING = "0b7a3d5e-2f4c-4a1b-9c3d-5e6f7a8b9c0d"


async def test_task_carbon_facts_and_credits(
    qarnot_emulator: Emulator, qarnot_client: Client
) -> None:
    uuid = await qarnot_client.tasks.create(
        TaskCreate(name="t", profile="docker-batch", instance_count=2)
    )
    await qarnot_emulator.advance(600)
    assert (await qarnot_client.tasks.get(uuid)).state is TaskState.SUCCESS
    facts = await qarnot_client.tasks.carbon_facts(uuid, comparison_datacenter="dc-1")
    assert isinstance(facts, CarbonFacts)
    assert facts.equivalent_datacenter_name == "dc-1"
    assert facts.total_energy_it_wh is not None
    assert facts.total_energy_it_wh > 0
    assert facts.carbon_footprint is not None
    assert facts.pue is not None
    credits = await qarnot_client.tasks.credits(uuid)
    assert credits is not None
    assert credits > 0
    assert await qarnot_client.account.credits() == credits
    with pytest.raises(NotFoundError):
        await qarnot_client.tasks.carbon_facts(MISSING)
    with pytest.raises(NotFoundError):
        await qarnot_client.tasks.credits(MISSING)
    with pytest.raises(InvalidInputError):
        await qarnot_client.tasks.carbon_facts(uuid, comparison_datacenter=" ")


async def test_pool_carbon_facts_credits_and_newer_fields(
    qarnot_emulator: Emulator, qarnot_client: Client
) -> None:
    from qarnot_async.models import MultiSlotsSettings

    create = PoolCreate(
        name="p",
        profile="docker-batch",
        instance_count=1,
        multi_slots_settings=MultiSlotsSettings(slots_per_node=2),
        max_time_queue_seconds=30,
    )
    uuid = await qarnot_client.pools.create(create)
    await qarnot_emulator.advance(3600)
    facts = await qarnot_client.pools.carbon_facts(uuid)
    assert facts.total_consumed_energy_wh is not None
    assert facts.total_consumed_energy_wh > 0
    credits = await qarnot_client.pools.credits(uuid)
    pool = await qarnot_client.pools.get(uuid)
    assert pool.credits == credits
    assert pool.multi_slots_settings == MultiSlotsSettings(slots_per_node=2)
    assert pool.max_time_queue_seconds == 30
    with pytest.raises(NotFoundError):
        await qarnot_client.pools.carbon_facts(MISSING)
    with pytest.raises(NotFoundError):
        await qarnot_client.pools.credits(MISSING)


async def test_quotas_of_user_and_organization(
    qarnot_emulator: Emulator, qarnot_client: Client
) -> None:
    await qarnot_client.tasks.create(TaskCreate(name="t", profile="docker-batch", instance_count=1))
    await qarnot_emulator.advance(2)
    quotas = await qarnot_client.account.quotas()
    info = await qarnot_client.account.info()
    assert quotas.user is not None
    assert quotas.user.flex is not None
    assert info.computing_quotas is not None
    assert info.computing_quotas.user is not None
    assert quotas.user.flex.running_core_count == info.computing_quotas.user.flex.running_core_count
    assert quotas.user.flex.running_core_count
    organization = quotas.organization
    assert organization is not None
    assert organization.flex is not None
    assert organization.name
    per_user = organization.flex.running_counts_per_user
    assert per_user is not None
    assert info.email is not None
    assert per_user[info.email].running_core_count == quotas.user.flex.running_core_count


async def test_projects_and_budgets(qarnot_client: Client) -> None:
    projects = await qarnot_client.account.projects()
    assert len(projects) == 1
    assert projects[0].is_default
    assert projects[0].uuid is not None
    every = await qarnot_client.account.budgets(projects[0].uuid)
    active = await qarnot_client.account.budgets(projects[0].uuid, active_only=True)
    assert len(every) == 2
    assert [b.is_archived for b in active] == [False]
    assert active[0].budget_overrun_policy is BudgetOverrunPolicy.BLOCK_NEW
    assert active[0].remaining_amount_in_cents == 8750
    with pytest.raises(NotFoundError):
        await qarnot_client.account.budgets(MISSING)
    with pytest.raises(InvalidInputError):
        await qarnot_client.account.budgets(MISSING, active_only="yes")  # type: ignore[arg-type]
