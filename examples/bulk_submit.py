"""Submit a batch in bulk, then handle each task as it ends."""

from __future__ import annotations

from collections import Counter

from qarnot_async import Client
from qarnot_async.models import TaskCreate


async def main(client: Client, count: int = 200) -> Counter[str]:
    inputs = [
        TaskCreate(name=f"frame-{i:04d}", profile="docker-batch", instance_count=1)
        for i in range(count)
    ]
    results = await client.tasks.create_many(inputs, chunk_size=100)
    results.raise_for_errors()  # partial failure is data; this turns it into one error
    states: Counter[str] = Counter()
    async for task in client.tasks.as_completed(results.uuids):
        states[task.state.value if task.state else "?"] += 1
    print(dict(states), f"in {client.stats.requests} requests")
    return states


if __name__ == "__main__":
    from _run import run

    run(main)
