"""Upload a task's inputs, run it, and download what its instances wrote."""

from __future__ import annotations

import tempfile
from pathlib import Path

from qarnot_async import Client
from qarnot_async.models import TaskCreate, TaskState


async def main(client: Client, workdir: Path | None = None) -> TaskState | None:
    with tempfile.TemporaryDirectory() as scratch:
        root = workdir or Path(scratch)
        inputs, outputs = root / "inputs", root / "outputs"
        (inputs / "params").mkdir(parents=True)
        (inputs / "scene.csv").write_text("x,y\n1,2\n")
        (inputs / "params" / "settings.json").write_text('{"quality": "high"}')

        # Each instance lists what it finds in its working directory (the resources).
        task = TaskCreate(
            name="storage-example",
            profile="docker-batch",
            instance_count=2,
            constants={
                "DOCKER_CMD": "sh -c 'mkdir -p results && ls -R > results/${INSTANCE_ID}.txt'"
            },
        )
        final = await client.tasks.run(task, resources=inputs, output_dir=outputs, timeout=600)
        print(final.name, final.state)
        for path in sorted(outputs.rglob("*.txt")):
            seen = ", ".join(path.read_text().split())
            print(f"{path.relative_to(outputs).as_posix()}: {seen}")

        assert final.uuid is not None
        # The resources and results buckets go with the task.
        await client.tasks.delete(final.uuid, purge_resources=True, purge_results=True)
        return final.state


if __name__ == "__main__":
    from _run import run

    run(main, storage=True)
