"""Stream task summaries with a filter, stop half way, and resume from the token."""

from __future__ import annotations

from qarnot_async import Client
from qarnot_async.filters import F
from qarnot_async.models import TaskCreate


async def main(client: Client) -> list[str]:
    names = [f"render-{i:03d}" for i in range(30)] + [f"other-{i:03d}" for i in range(5)]
    await client.tasks.create_many(
        [TaskCreate(name=n, profile="docker-batch", instance_count=1) for n in names]
    )
    query = F.name.like("render-%")
    stream = client.tasks.summaries.paginate(query, order_by="name", page_size=10)
    seen: list[str] = []
    async for summary in stream:
        seen.append(summary.name or "")
        if len(seen) == 12:
            break  # the in-flight prefetch is cancelled here
    token = stream.resume_token  # store it anywhere: it is a plain string
    rest = client.tasks.summaries.paginate(query, order_by="name", page_size=10, start_token=token)
    seen += [s.name or "" async for s in rest]
    print(len(seen), "tasks:", seen[0], "...", seen[-1])
    return seen


if __name__ == "__main__":
    from _run import run

    run(main)
