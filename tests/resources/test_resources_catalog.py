"""``client.hardware``, ``client.profiles``, ``client.account``
(qarnot_async/resources/catalog.py)."""

from __future__ import annotations

import pytest
from fake_requester import FakeRequester

from qarnot_async import DecodeError, InvalidInputError, Page
from qarnot_async.models import CpuModelConstraint, Settings
from qarnot_async.resources import Account, Hardware, Profiles

CPU = {"discriminator": "CpuModelHardwareConstraint", "cpuModel": "AMD EPYC"}


async def test_hardware_pages_take_a_token_and_a_page_size() -> None:
    fake = FakeRequester()
    fake.answer("GET", "/hardware-constraints", {"data": [CPU], "total": 3}, repeat=True)
    hardware = Hardware(fake)
    page = await hardware.page(page_size=500)
    assert isinstance(page, Page)
    assert page.next_token == "1"
    await hardware.page(token=page.next_token, page_size=1)
    assert [c.params for c in fake.calls] == [
        {"Limit": "50", "Offset": "0"},  # capped at the route's 50
        {"Limit": "1", "Offset": "1"},
    ]
    assert len(await hardware.list()) == 3
    assert len(await hardware.paginate(page_size=1, limit=2).collect(limit=10)) == 2
    with pytest.raises(InvalidInputError, match="page_size"):
        await hardware.page(page_size=0)


async def test_cpu_search() -> None:
    fake = FakeRequester()
    fake.answer("GET", "/hardware-constraints/cpu-model-constraints/search", [CPU])
    [cpu] = await Hardware(fake).search_cpu("amd")
    assert isinstance(cpu, CpuModelConstraint)
    assert fake.calls[0].params == {"cpuModel": "amd"}
    with pytest.raises(InvalidInputError, match="model"):
        await Hardware(fake).search_cpu(" ")


async def test_profiles_and_account() -> None:
    fake = FakeRequester()
    fake.answer("GET", "/profiles", ["docker-batch"], {"docker-batch": 1})
    fake.answer("GET", "/profiles/a%20b", {"name": "a b"})
    fake.answer("GET", "/settings", {"storage": None})
    fake.answer("GET", "/versions", [{"version": "v1"}])
    fake.answer("GET", "/info", {"email": "me@example.com"})
    fake.answer("GET", "", None)
    assert await Profiles(fake).list() == ["docker-batch"]
    with pytest.raises(DecodeError, match="GET /profiles"):
        await Profiles(fake).list()
    assert (await Profiles(fake).get("a b")).name == "a b"
    account = Account(fake)
    settings = await account.settings()
    assert isinstance(settings, Settings)
    assert settings["storage"] is None
    assert [v.version for v in await account.versions()] == ["v1"]
    assert (await account.info()).email == "me@example.com"
    await account.ping()
    assert fake.routes()[-1] == "GET "
    assert not hasattr(account, "status")  # one availability check: ping()
