"""HTTP/1.1 framing shared by the test and benchmark proxies (stdlib only).

`tests/faults/fault_proxy.py`, `tests/faults/sigv4_proxy.py` and
`bench/latency_proxy.py` import it after putting this folder on `sys.path`. It reads request and response heads,
bodies framed by Content-Length, chunked encoding or end of stream, and
writes messages back with Content-Length framing; `Upstream` is one
keep-alive connection to the server a proxy stands in front of.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import urllib.parse
from dataclasses import dataclass
from typing import AsyncIterator, Awaitable, Callable

MAX_HEADER_BYTES = 64 * 1024

Headers = list[tuple[str, str]]


class ProtocolError(Exception):
    pass


# What can go wrong on a connection: the proxies count and log these, then
# close the client connection.
CONNECTION_ERRORS = (ProtocolError, ConnectionError, asyncio.IncompleteReadError, ValueError, OSError)


async def read_head(reader: asyncio.StreamReader) -> bytes | None:
    """Read up to and including the blank line; None on a clean EOF."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if not e.partial.strip():
            return None
        raise ProtocolError("connection closed inside a header block") from e
    except asyncio.LimitOverrunError as e:
        raise ProtocolError("header block too large") from e


def parse_head(head: bytes) -> tuple[str, Headers]:
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ProtocolError(f"bad header line {line!r}")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers


def header(headers: Headers, name: str) -> str | None:
    name = name.lower()
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


def is_chunked(headers: Headers) -> bool:
    te = header(headers, "transfer-encoding")
    return te is not None and "chunked" in te.lower()


async def read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        line = await reader.readuntil(b"\r\n")
        size = int(line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return bytes(body)
        body += await reader.readexactly(size)
        if await reader.readexactly(2) != b"\r\n":
            raise ProtocolError("bad chunk terminator")


async def read_body(reader: asyncio.StreamReader, headers: Headers, *, until_eof: bool) -> bytes:
    if is_chunked(headers):
        return await read_chunked(reader)
    length = header(headers, "content-length")
    if length is not None:
        return await reader.readexactly(int(length))
    return await reader.read() if until_eof else b""


HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-connection", "transfer-encoding",
    "content-length", "te", "trailer", "upgrade", "expect",
}


def serialise(start: str, headers: Headers, body: bytes, extra: Headers) -> bytes:
    """`start`, the end-to-end `headers`, then `extra` (the framing) and `body`."""
    out = [start]
    out += [f"{k}: {v}" for k, v in headers if k.lower() not in HOP_BY_HOP]
    out += [f"{k}: {v}" for k, v in extra]
    return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body


def framed(start: str, headers: Headers, body: bytes, *, keep_alive: bool, length: str | None = None) -> bytes:
    """A message framed by Content-Length (`length`, else the body's) and a Connection header."""
    extra = [
        ("Content-Length", str(len(body)) if length is None else length),
        ("Connection", "keep-alive" if keep_alive else "close"),
    ]
    return serialise(start, headers, body, extra)


@dataclass
class Request:
    start: str
    method: str
    target: str
    headers: Headers
    body: bytes
    keep_alive: bool  # the client wants the connection kept after the response

    def forward(self) -> bytes:
        """The request as it goes upstream: Content-Length framing, kept alive."""
        return framed(self.start, self.headers, self.body, keep_alive=True)


async def read_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, idle_timeout: float
) -> Request | None:
    """The next request on a client connection, its body read (answering
    `Expect: 100-continue`); None when the client closed or stayed idle."""
    try:
        head = await asyncio.wait_for(read_head(reader), idle_timeout)
    except asyncio.TimeoutError:
        return None
    if head is None:
        return None
    start, headers = parse_head(head)
    parts = start.split(" ")
    if len(parts) != 3:
        raise ProtocolError(f"bad request line {start!r}")
    method, target, version = parts
    if (header(headers, "expect") or "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
    body = await read_body(reader, headers, until_eof=False)
    conn = (header(headers, "connection") or "").lower()
    keep_alive = "close" not in conn and (version == "HTTP/1.1" or "keep-alive" in conn)
    return Request(start, method, target, headers, body, keep_alive)


async def api_requests(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    idle_timeout: float,
    control: Callable[[str, str, asyncio.StreamWriter, bool], Awaitable[None]],
) -> AsyncIterator[tuple[Request, str]]:
    """The API requests of one client connection, each with its path, until
    the client closes or stays idle. A `/__…` control request (`GET
    /__stats`) is answered by `control(method, path, writer, keep_alive)`
    and never yielded: it never goes upstream and is not counted."""
    while True:
        req = await read_request(reader, writer, idle_timeout)
        if req is None:
            return
        path = urllib.parse.urlsplit(req.target).path
        if path.startswith("/__"):
            await control(req.method, path, writer, req.keep_alive)
            if not req.keep_alive:
                return
            continue
        yield req, path


async def close_writer(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass


class Upstream:
    """One keep-alive connection to the upstream server, reopened on demand.

    A request that fails on a kept-alive connection (the server may have
    closed it while idle) is sent once more on a new one; with
    `retry_fresh`, so is one that fails on a connection just opened.
    """

    def __init__(self, host: str, port: int, *, retry_fresh: bool = False) -> None:
        self.host, self.port = host, port
        self.retry_fresh = retry_fresh
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            await close_writer(self.writer)
        self.reader = self.writer = None

    async def exchange(self, request: bytes, method: str) -> tuple[str, Headers, bytes]:
        for attempt in (0, 1):
            reused = self.writer is not None
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=MAX_HEADER_BYTES)
            assert self.reader is not None
            try:
                self.writer.write(request)
                await self.writer.drain()
                head = await read_head(self.reader)
                if head is None:
                    raise ConnectionResetError("upstream closed the connection")
            except (ConnectionError, ProtocolError):
                await self.close()
                if attempt or not (reused or self.retry_fresh):
                    raise
                continue
            start, headers = parse_head(head)
            while start.split(" ", 2)[1].startswith("1"):  # 1xx interim responses
                head = await read_head(self.reader)
                if head is None:
                    raise ProtocolError("upstream closed after an interim response")
                start, headers = parse_head(head)
            status = int(start.split(" ", 2)[1])
            no_body = method == "HEAD" or status in (204, 304)
            body = b"" if no_body else await read_body(self.reader, headers, until_eof=True)
            conn = (header(headers, "connection") or "").lower()
            delimited = no_body or is_chunked(headers) or header(headers, "content-length") is not None
            if "close" in conn or not delimited or (start.startswith("HTTP/1.0") and "keep-alive" not in conn):
                await self.close()
            return start, headers, body
        raise AssertionError("unreachable")


def watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event, log: Callable[[str], None]) -> None:
    """Daemon thread: set `stop` once stdin reaches EOF (or cannot be read):
    the test that started the server, holding its stdin, is gone."""

    def run() -> None:
        try:
            while os.read(0, 65536):
                pass
        except OSError:
            pass
        log("stdin closed; exiting")
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=run, name="stdin-watch", daemon=True).start()


async def serve(
    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    port: int,
    *,
    stdin_watch: bool,
    log: Callable[[str], None],
) -> int:
    """Serves `handle` on 127.0.0.1:`port` (0: a free one), prints `PORT n`
    on stdout for the test that started it, and runs until SIGTERM or
    SIGINT, or (with `stdin_watch`) until stdin reaches EOF."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = await asyncio.start_server(handle, "127.0.0.1", port, limit=MAX_HEADER_BYTES, backlog=128)
    sys.stdout.write(f"PORT {server.sockets[0].getsockname()[1]}\n")
    sys.stdout.flush()
    if stdin_watch:
        watch_stdin(loop, stop, log)
    await stop.wait()
    server.close()
    # Open connections (a hanging one, say) are cancelled by asyncio.run on return.
    return 0
