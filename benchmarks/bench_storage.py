"""Storage: ``client.buckets`` next to the official ``qarnot`` SDK's ``Bucket``, on a
remote-like S3.

Storage is remote for every user, so the S3 server (the emulator's: moto behind its
SigV4 gate) runs in a process of its own, reached through a proxy, in another process,
that adds 20 ms to every request. A compute emulator (in a thread of this process)
names that proxy in ``GET /settings``, so both SDKs find the storage as they would
find Qarnot's. Side by side, in one run:

* 1,000 files of 4 KiB: uploaded into an empty bucket by ``client.buckets.upload``
  and by the official ``Bucket.sync_directory``; downloaded into an empty directory
  by ``client.buckets.download`` and by the official ``Bucket.get_all_files``;
* the ceiling: the same 1,000 PUTs, then GETs, sent straight through aiobotocore,
  32, 64 and 128 at a time, through the same proxy (no listing, no file I/O, no
  hashing), the fastest kept: what the S3 server allows at that latency;
* one 256 MiB file up and down with ``client.buckets``, with the growth of this
  process's resident memory over the transfer (sampled every 5 ms), measured first,
  in a process that has moved nothing yet.

Requests are counted by the proxy. Run: ``python -m benchmarks storage`` (or
``python -m benchmarks.bench_storage``); ``QA_BENCH_SCALE=0.1`` shrinks the counts
and the large file for a quick run.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import qarnot
from aiohttp import web

from qarnot_async import Client
from qarnot_async.emulator import Emulator
from qarnot_async.storage import DEFAULT_MEMORY, PART_SIZE

SCALE = float(os.environ.get("QA_BENCH_SCALE", "1"))
SMALL_FILES = max(50, int(1000 * SCALE))
SMALL_SIZE = 4096
BIG_SIZE = (256 if SCALE >= 1 else 64) * 1024 * 1024
LATENCY = 0.02
CEILING_CONCURRENCY = (32, 64, 128)
MEMORY_AIM = 64 * 1024 * 1024
TOKEN = "bench-storage-token"
EMAIL = "bench@qarnot.local"
MiB = 1024 * 1024


# -- the S3 server and the proxy, each in a process of its own ----------------------------


def _serve_s3(pipe: Connection) -> None:
    from qarnot_async.emulator._storage import StorageServer

    server = StorageServer(email=EMAIL, token=TOKEN)
    pipe.send(server.url)
    pipe.recv()  # until told to stop
    server.stop()


_HOP = {"transfer-encoding", "connection", "keep-alive", "host"}


async def _proxy(upstream: str, pipe: Connection) -> None:
    """Forward every request to ``upstream`` after ``LATENCY`` seconds, streaming both
    bodies (the ``Host`` header is kept: SigV4 signed it)."""
    counts = {"requests": 0}

    async def forward(request: web.Request) -> web.StreamResponse:
        if request.path == "/__proxy/requests":
            if request.method == "DELETE":
                counts["requests"] = 0
            return web.json_response(counts)
        counts["requests"] += 1
        await asyncio.sleep(LATENCY)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        headers["Host"] = request.headers["Host"]

        async def body() -> Any:
            async for chunk in request.content.iter_chunked(1024 * 1024):
                yield chunk

        async with session.request(
            request.method,
            upstream + request.path_qs,
            headers=headers,
            data=body() if request.can_read_body else None,
        ) as answer:
            response = web.StreamResponse(
                status=answer.status,
                headers={k: v for k, v in answer.headers.items() if k.lower() not in _HOP},
            )
            await response.prepare(request)
            async for chunk in answer.content.iter_chunked(1024 * 1024):
                await response.write(chunk)
            await response.write_eof()
            return response

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:
        app = web.Application(client_max_size=0)
        app.router.add_route("*", "/{tail:.*}", forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        pipe.send(f"http://127.0.0.1:{runner.addresses[0][1]}")
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
        await runner.cleanup()


def _serve_proxy(upstream: str, pipe: Connection) -> None:
    asyncio.run(_proxy(upstream, pipe))


@contextmanager
def _process(target: Callable[..., None], *args: Any) -> Iterator[str]:
    """Start ``target(*args, pipe)`` in a new process; yield the URL it sends back."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=target, args=(*args, child), daemon=True)
    process.start()
    try:
        yield parent.recv()
    finally:
        parent.send("stop")
        process.join(30)
        if process.is_alive():
            process.terminate()


# -- measuring ---------------------------------------------------------------------------------


class _Proxy:
    """The proxy's request counter, read and reset over HTTP."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _call(self, method: str) -> int:
        import urllib.request

        request = urllib.request.Request(f"{self.url}/__proxy/requests", method=method)
        with urllib.request.urlopen(request) as answer:
            import json

            return int(json.load(answer)["requests"])

    def reset(self) -> None:
        self._call("DELETE")

    def count(self) -> int:
        return self._call("GET")


@dataclass
class Row:
    """One approach to one workload."""

    workload: str
    approach: str
    seconds: float
    requests: int


class _Memory:
    """Samples this process's resident memory every 5 ms; ``growth`` is the peak over
    what it was when sampling started."""

    def __init__(self) -> None:
        self.start = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss())

    def __enter__(self) -> _Memory:
        self.start = self.peak = _rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def growth(self) -> int:
        return self.peak - self.start


def _rss() -> int:
    """Resident bytes of this process (Linux: /proc; elsewhere, the peak so far)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _timed(proxy: _Proxy, workload: str, approach: str, work: Callable[[], Any]) -> Row:
    proxy.reset()
    started = time.perf_counter()
    work()
    return Row(workload, approach, time.perf_counter() - started, proxy.count())


def _small_tree(root: Path) -> None:
    for i in range(SMALL_FILES):
        path = root / f"dir-{i % 10}" / f"file-{i:04d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(SMALL_SIZE))


def _same(left: Path, right: Path) -> bool:
    names = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    return names == sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file()) and all(
        (left / n).read_bytes() == (right / n).read_bytes() for n in names
    )


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(message)


async def _ceiling(storage: str, bucket: str, keys: list[str]) -> tuple[float, float]:
    """The fastest seconds for the PUTs, then for the GETs, of ``keys`` straight through
    aiobotocore, over a few concurrencies."""
    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session

    config = AioConfig(
        max_pool_connections=max(CEILING_CONCURRENCY),
        s3={"addressing_style": "path"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    body = os.urandom(SMALL_SIZE)
    best_put = best_get = float("inf")
    async with get_session().create_client(
        "s3",
        region_name="us-east-1",
        endpoint_url=storage,
        aws_access_key_id=EMAIL,
        aws_secret_access_key=TOKEN,
        config=config,
    ) as s3:
        await s3.create_bucket(Bucket=bucket)
        for concurrency in CEILING_CONCURRENCY:
            gate = asyncio.Semaphore(concurrency)

            async def put(key: str, gate: asyncio.Semaphore = gate) -> None:
                async with gate:
                    await s3.put_object(Bucket=bucket, Key=key, Body=body)

            async def get(key: str, gate: asyncio.Semaphore = gate) -> None:
                async with gate:
                    answer = await s3.get_object(Bucket=bucket, Key=key)
                    async with answer["Body"] as stream:
                        await stream.read()

            started = time.perf_counter()
            await asyncio.gather(*(put(k) for k in keys))
            middle = time.perf_counter()
            await asyncio.gather(*(get(k) for k in keys))
            best_put = min(best_put, middle - started)
            best_get = min(best_get, time.perf_counter() - middle)
    return best_put, best_get


def _ours(emu: Emulator, work: Callable[[Client], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        async with emu.client() as client:
            return await work(client)

    return asyncio.run(go())


def _measure(emu: Emulator, proxy: _Proxy, root: Path) -> tuple[list[Row], dict[str, Any]]:
    rows: list[Row] = []
    big: dict[str, Any] = {}

    # The large file first, while this process has moved nothing yet.
    path = root / "big.bin"
    with path.open("wb") as file:
        for _ in range(BIG_SIZE // MiB):
            file.write(os.urandom(MiB))

    async def large(client: Client) -> None:
        buckets = client.buckets
        await buckets.create("large")
        await buckets.put_bytes("large", "warm-up", b"")  # the S3 client is open
        with _Memory() as memory:
            started = time.perf_counter()
            await buckets.upload("large", path)
            big["up"] = time.perf_counter() - started
        big["up_memory"] = memory.growth
        with _Memory() as memory:
            started = time.perf_counter()
            await buckets.download("large", root / "big-back", prefix="")
            big["down"] = time.perf_counter() - started
        big["down_memory"] = memory.growth

    _ours(emu, large)
    _check(
        (root / "big-back" / "big.bin").stat().st_size == BIG_SIZE, "the large file came back short"
    )
    path.unlink()
    (root / "big-back" / "big.bin").unlink()

    source = root / "small"
    _small_tree(source)
    workload_up = f"upload {SMALL_FILES:,} files of 4 KiB"
    workload_down = f"download {SMALL_FILES:,} files of 4 KiB"

    async def ours_up(client: Client) -> None:
        await client.buckets.create("ours")
        summary = await client.buckets.upload("ours", source)
        _check(summary.files == SMALL_FILES, "our upload lost files")

    async def ours_down(client: Client) -> None:
        summary = await client.buckets.download("ours", root / "ours-copy")
        _check(summary.files == SMALL_FILES, "our download lost files")

    conn = qarnot.connection.Connection(client_token=TOKEN, cluster_url=emu.url)
    _check(conn.s3client is not None, "the official SDK found no storage")

    def official_up() -> None:
        conn.create_bucket("official").sync_directory(str(source))

    def official_down() -> None:
        conn.retrieve_bucket("official").get_all_files(str(root / "official-copy"))

    keys = [f"ceiling/{i:04d}" for i in range(SMALL_FILES)]
    ceiling: dict[str, float] = {}

    def ceiling_up() -> None:
        ceiling["put"], ceiling["get"] = asyncio.run(_ceiling(proxy.url, "ceiling", keys))

    rows.append(
        _timed(proxy, workload_up, "ours: `client.buckets.upload`", lambda: _ours(emu, ours_up))
    )
    rows.append(_timed(proxy, workload_up, "official: `Bucket.sync_directory`", official_up))
    ceiling_row = _timed(proxy, workload_up, "ceiling", ceiling_up)
    rows.append(Row(workload_up, "ceiling: bare aiobotocore PUTs", ceiling["put"], SMALL_FILES))
    rows.append(
        _timed(
            proxy, workload_down, "ours: `client.buckets.download`", lambda: _ours(emu, ours_down)
        )
    )
    rows.append(_timed(proxy, workload_down, "official: `Bucket.get_all_files`", official_down))
    rows.append(Row(workload_down, "ceiling: bare aiobotocore GETs", ceiling["get"], SMALL_FILES))
    runs = len(CEILING_CONCURRENCY)
    _check(ceiling_row.requests >= 2 * runs * SMALL_FILES, "the ceiling run lost requests")
    _check(_same(source, root / "ours-copy"), "our download differs")
    _check(_same(source, root / "official-copy"), "the official download differs")
    return rows, big


def run() -> str:
    """Measure and return a markdown section."""
    with (
        tempfile.TemporaryDirectory() as scratch,
        _process(_serve_s3) as s3_url,
        _process(_serve_proxy, s3_url) as proxy_url,
        Emulator(token=TOKEN, email=EMAIL, storage_url=proxy_url) as emu,
    ):
        rows, big = _measure(emu, _Proxy(proxy_url), Path(scratch))
    by = {(r.workload.split()[0], r.approach.split(":")[0]): r for r in rows}
    table = []
    for row in rows:
        kind, who = row.workload.split()[0], row.approach.split(":")[0]
        ours = by[(kind, "ours")]
        if who == "official":
            versus = f"ours **{row.seconds / ours.seconds:.1f}x faster**"
        elif who == "ceiling":
            versus = f"ours: {ours.seconds / row.seconds:.2f}x the ceiling's time"
        else:
            versus = f"{SMALL_FILES / row.seconds:,.0f} files/s"
        table.append(
            f"| {row.workload} | {row.approach} | {row.seconds:.2f} s | {row.requests:,} "
            f"| {versus} |"
        )
    size = BIG_SIZE // MiB
    aim = "within" if max(big["up_memory"], big["down_memory"]) <= MEMORY_AIM else "OVER"
    return "\n".join(
        [
            "## Storage: buckets next to the official SDK, on a remote-like S3",
            "",
            f"The emulator's S3 server (moto behind its SigV4 gate) in a process of its own, "
            f"reached through a proxy in another process that adds {LATENCY * 1000:.0f} ms per "
            f"request; official SDK `qarnot` {qarnot.__version__} (boto3) from the benchmark's "
            "thread, ours in `asyncio.run` on the same thread. Requests counted by the proxy.",
            "",
            "| workload | approach | time | requests | compared |",
            "|---|---|---:|---:|---|",
            *table,
            "",
            f"One {size} MiB file with `client.buckets` (8 MiB parts, at most "
            f"{DEFAULT_MEMORY // PART_SIZE} in flight): up {big['up']:.2f} s "
            f"({size / big['up']:.0f} MiB/s), peak memory growth "
            f"{big['up_memory'] / MiB:.1f} MiB; down {big['down']:.2f} s "
            f"({size / big['down']:.0f} MiB/s), peak memory growth "
            f"{big['down_memory'] / MiB:.1f} MiB ({aim} the {MEMORY_AIM // MiB} MiB aim).",
        ]
    )


if __name__ == "__main__":
    print(run())
