"""A task's wire JSON is written once per revision (qarnot_async/emulator/_render.py):
always the very bytes a fresh render would give, whatever changed meanwhile."""

from __future__ import annotations

import pytest
from _emulator_api import Api

from qarnot_async.emulator import Emulator
from qarnot_async.emulator._render import (
    ENCODE,
    task_output,
    task_output_json,
    task_summary,
    task_summary_json,
)
from qarnot_async.emulator._state import STATE


def fresh(emu: Emulator, uuid: str) -> tuple[bytes, bytes]:
    """What a fresh render writes for the task now: its summary and its full JSON."""
    st = emu.app[STATE]
    task, now = st.store.tasks[uuid], st.sync()
    return ENCODE(task_summary(task, now)).encode(), ENCODE(task_output(task, now)).encode()


def kept(emu: Emulator, uuid: str) -> tuple[bytes, bytes]:
    st = emu.app[STATE]
    task, now, version = st.store.tasks[uuid], st.sync(), st.store.version
    return task_summary_json(task, now, version), task_output_json(task, now, version)


@pytest.mark.qarnot_emulator(task_duration=10)
async def test_the_kept_json_is_always_the_fresh_json(api: Api, qarnot_emulator: Emulator) -> None:
    emu = qarnot_emulator
    seeded = emu.seed_tasks(2, state="Success")[0]
    created = await api.create_task(instanceCount=2)
    for uuid in (seeded, created):
        assert kept(emu, uuid) == fresh(emu, uuid)
        assert kept(emu, uuid) == fresh(emu, uuid)  # read again: from what is kept
    # A running task's figures move with the clock; a change anywhere is seen at once.
    for seconds in (1.5, 2, 3.25, 0, 7, 30):
        await emu.advance(seconds)
        assert kept(emu, created) == fresh(emu, created)
        assert kept(emu, seeded) == fresh(emu, seeded)
    await api.ok("PUT", f"/tasks/{seeded}", json={"tags": ["new"]})
    assert b'"tags":["new"]' in kept(emu, seeded)[1]
    assert kept(emu, seeded) == fresh(emu, seeded)


async def raw(api: Api, method: str, path: str, body: object = None) -> tuple[bytes, str]:
    """The bytes of an answer and its content type."""
    async with api.session.request(
        method,
        f"{api.emu.url}/v1{path}",
        json=body,
        headers={"Authorization": api.emu.token},
    ) as response:
        assert response.status == 200
        return await response.read(), response.headers["Content-Type"]


async def test_the_answers_are_the_kept_json(api: Api, qarnot_emulator: Emulator) -> None:
    emu = qarnot_emulator
    uuids = emu.seed_tasks(3)
    one, content_type = await raw(api, "GET", f"/tasks/{uuids[0]}")
    assert one == fresh(emu, uuids[0])[1]
    assert content_type == "application/json; charset=utf-8"
    page, _ = await raw(api, "POST", "/tasks/summaries/paginate", {"maximumResults": 2})
    summaries = b",".join(fresh(emu, u)[0] for u in uuids[:2])
    assert page.startswith(b'{"data":[' + summaries + b'],"count":2,"total":3,"isTruncated":true')
    full, _ = await raw(api, "POST", "/tasks/paginate", {"maximumResults": 5})
    everything = b",".join(fresh(emu, u)[1] for u in uuids)
    assert (
        full
        == b'{"data":['
        + everything
        + b'],"count":3,"total":3,"isTruncated":false,"nextToken":null}'
    )
