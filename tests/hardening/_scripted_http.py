"""A loopback HTTP/1.1 server that answers exactly the bytes a test scripts.

aiohttp.web would refuse to send most of what the hardening tests need (a wrong
``Content-Length``, a body cut short, a reset before the status line, invalid gzip), so
this is a raw ``asyncio`` server on 127.0.0.1. Each request on a connection is parsed
(request line, headers, a ``Content-Length`` body) and handed to the script, an async
function that writes the answer with the helpers below; the connection is closed after
each answer unless the script keeps it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import attrs


@attrs.define
class RawRequest:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@attrs.define
class Exchange:
    """What a script receives: the request and the connection to answer on."""

    request: RawRequest
    writer: asyncio.StreamWriter
    number: int
    """The request's rank on this server, counting from 1."""

    async def send(
        self,
        status: int,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        *,
        reason: str = "X",
        length: int | None = None,
    ) -> None:
        """A whole answer; ``length`` overrides the ``Content-Length`` (a lie)."""
        head = {"Content-Length": str(len(body) if length is None else length)}
        head.update(headers or {})
        await self.raw(status_line(status, reason) + header_block(head) + body)

    async def send_json(self, status: int, text: str, **headers: str) -> None:
        """A JSON answer, ``text`` being the raw body."""
        await self.send(status, text.encode(), {"Content-Type": "application/json", **headers})

    async def raw(self, data: bytes) -> None:
        """Write bytes as they are."""
        self.writer.write(data)
        await self.writer.drain()

    async def chunked(self, status: int, chunks: AsyncIterator[bytes], **headers: str) -> None:
        """A chunked answer (no length known in advance), chunk by chunk."""
        head = {"Transfer-Encoding": "chunked", **headers}
        await self.raw(status_line(status, "X") + header_block(head))
        async for chunk in chunks:
            if chunk:
                await self.raw(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        await self.raw(b"0\r\n\r\n")

    def reset(self) -> None:
        """Drop the connection with a TCP RST (no FIN, no answer)."""
        reset(self.writer)


Script = Callable[[Exchange], Awaitable[None]]


def status_line(status: int, reason: str = "X") -> bytes:
    """``HTTP/1.1 <status> <reason>``."""
    return f"HTTP/1.1 {status} {reason}\r\n".encode()


def header_block(headers: Mapping[str, str]) -> bytes:
    """The headers and the blank line that ends them; the connection closes after."""
    lines = [f"{k}: {v}" for k, v in {"Connection": "close", **headers}.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def reset(writer: asyncio.StreamWriter) -> None:
    """Abort the connection with linger 0, so the peer sees a reset."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed (about size / 1000 on the wire)."""
    return _bomb(size, zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS))


def deflate_bomb(size: int) -> bytes:
    """``size`` zero bytes in the zlib format (HTTP's ``deflate``)."""
    return _bomb(size, zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS))


def _bomb(size: int, compressor: Any) -> bytes:
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + compressor.flush()


def gzipped(data: bytes) -> bytes:
    """``data`` gzip-compressed."""
    return gzip.compress(data)


class ScriptedServer:
    """Serves ``script`` on 127.0.0.1; counts connections and requests.

    Use as ``async with ScriptedServer(script) as server:``; ``server.url`` is the base
    URL to give a client, ``server.requests`` what it received.
    """

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[RawRequest] = []
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aenter__(self) -> ScriptedServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            request = await _read_request(reader)
            if request is None:
                return
            self.requests.append(request)
            await self.script(Exchange(request, writer, len(self.requests)))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away first: nothing to answer
        except asyncio.CancelledError:
            pass  # the server is stopping: this connection's script ends here
        finally:
            self._tasks.discard(task)
            if not writer.transport.is_closing():
                writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _read_request(reader: asyncio.StreamReader) -> RawRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return RawRequest(method, path, headers, body)
