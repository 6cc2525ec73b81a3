"""Create a task, wait for it, read its output."""

from __future__ import annotations

from qarnot_async import Client
from qarnot_async.models import TaskCreate, TaskState


async def main(client: Client) -> TaskState | None:
    uuid = await client.tasks.create(
        TaskCreate(
            name="hello",
            profile="docker-batch",
            instance_count=2,
            constants={"DOCKER_CMD": "echo hello from instance ${INSTANCE_ID}"},
        )
    )
    task = await client.tasks.wait(uuid, timeout=600)
    print(task.name, task.state, f"{task.progress}%")
    print(await client.tasks.stdout(uuid))
    await client.tasks.delete(uuid)
    return task.state


if __name__ == "__main__":
    from _run import run

    run(main)
