"""``client.jobs`` (qarnot_async/resources/jobs.py): each operation's request."""

from __future__ import annotations

from fake_requester import FakeRequester

from qarnot_async import Task
from qarnot_async.resources import Jobs


async def test_job_operations() -> None:
    fake = FakeRequester()
    fake.answer("GET", "/jobs/j/tasks", [{"uuid": "t"}])
    fake.answer("POST", "/jobs/j/terminate", None)
    fake.answer("DELETE", "/jobs/j", None, None)
    jobs = Jobs(fake)
    [task] = await jobs.tasks("j")
    assert isinstance(task, Task)
    await jobs.terminate("j")
    await jobs.delete("j")
    await jobs.delete("j", force=True)
    assert [c.kwargs for c in fake.calls[1:]] == [
        {"idempotent": True},
        {"params": None},
        {"params": {"force": "true"}},
    ]
