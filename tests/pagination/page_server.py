"""A minimal ``POST /v1/tasks/summaries/paginate`` server, run in its own process by the
pagination memory test.

It answers ``N`` task summaries (the first command-line argument) by offset tokens,
rendering each page straight from a template: the test measures the client's memory,
so the server must cost the test neither allocations (another process) nor time (no
entity store, no lifecycle). It prints its port on its first line once it listens.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys

from aiohttp import web

# What the poller and most consumers read of a summary; fewer fields than the service
# sends keep the decoding, traced by tracemalloc, to a few seconds for 100,000.
ITEM = '{"uuid":"%08d-0000-4000-8000-000000000000","name":"task-%d","state":"Success"}'


TOTAL = web.AppKey("total", int)


async def paginate(request: web.Request) -> web.Response:
    total = request.app[TOTAL]
    body = await request.json()
    start = int(body.get("token") or 0)
    end = min(start + int(body["maximumResults"]), total)
    items = ",".join(ITEM % (i, i) for i in range(start, end))
    more = end < total
    token = json.dumps(str(end)) if more else "null"
    text = (
        f'{{"data":[{items}],"count":{end - start},"total":{total},'
        f'"isTruncated":{"true" if more else "false"},"nextToken":{token}}}'
    )
    return web.Response(text=text, content_type="application/json")


async def serve(total: int) -> None:
    app = web.Application()
    app[TOTAL] = total
    app.router.add_post("/v1/tasks/summaries/paginate", paginate)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    print(sock.getsockname()[1], flush=True)
    await asyncio.Event().wait()  # until the test terminates the process


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
