#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 proxy for the integration tests (stdlib only).

It listens on 127.0.0.1 in front of an upstream HTTP server (moto). The first
N requests, counted across all client connections, get a fault chosen by
--mode; every later request is passed through to the upstream unchanged.

Modes:
  throttle  400 + x-amzn-ErrorType: ThrottlingException (AWS JSON 1.1 throttling)
  error500  500 + x-amzn-ErrorType: InternalServiceError
  drop      read the request, then close the connection without a response
  hang      read the request and never answer (until the client gives up)
  message   400 + AccessDeniedException whose message is --message, verbatim
  forbidden 403 with an HTML body and no AWS error code (a corporate proxy,
            moto's IAM mode)

`GET /__stats` is answered by the proxy itself (never forwarded, never counted)
with JSON counters: requests, faults, passed_through, connections, errors.

Once listening it prints exactly one line, `PORT <n>`, on stdout. It exits
with status 0 on SIGTERM/SIGINT and when its stdin reaches end of file (so a
test that dies does not leave it running; --no-stdin-watch turns that off).

Usage: fault_proxy.py --upstream http://127.0.0.1:5000 --mode throttle --count 2 [--port 0]
See tests/faults/README.md for the full contract.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import threading
import urllib.parse
import uuid

MAX_HEADER_BYTES = 64 * 1024
IDLE_TIMEOUT_S = 300.0
MODES = ("throttle", "error500", "drop", "hang", "message", "forbidden")


class ProtocolError(Exception):
    pass


def log(msg: str) -> None:
    print(f"fault_proxy: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- HTTP/1.1 framing


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


def parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
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


def header(headers: list[tuple[str, str]], name: str) -> str | None:
    name = name.lower()
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


def is_chunked(headers: list[tuple[str, str]]) -> bool:
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


async def read_body(reader: asyncio.StreamReader, headers: list[tuple[str, str]], *, until_eof: bool) -> bytes:
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


def serialise(start: str, headers: list[tuple[str, str]], body: bytes, extra: list[tuple[str, str]]) -> bytes:
    out = [start]
    out += [f"{k}: {v}" for k, v in headers if k.lower() not in HOP_BY_HOP]
    out += [f"{k}: {v}" for k, v in extra]
    return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body


def response(status: str, headers: list[tuple[str, str]], body: bytes, keep_alive: bool) -> bytes:
    extra = [("Content-Length", str(len(body))), ("Connection", "keep-alive" if keep_alive else "close")]
    return serialise(f"HTTP/1.1 {status}", headers, body, extra)


def aws_error(status: str, error_type: str, message: str, keep_alive: bool) -> bytes:
    body = json.dumps({"__type": error_type, "message": message}, ensure_ascii=False).encode("utf-8")
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-ErrorType", error_type),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    return response(status, headers, body, keep_alive)


# --------------------------------------------------------------------------- upstream


class Upstream:
    """One keep-alive connection to the upstream server, reopened on demand."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None

    async def exchange(self, request: bytes, method: str) -> tuple[str, list[tuple[str, str]], bytes]:
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
                if attempt or not reused:  # only a stale keep-alive connection is retried
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
            framed = no_body or is_chunked(headers) or header(headers, "content-length") is not None
            if "close" in conn or not framed or (start.startswith("HTTP/1.0") and "keep-alive" not in conn):
                await self.close()
            return start, headers, body
        raise AssertionError("unreachable")


# --------------------------------------------------------------------------- proxy


class Proxy:
    def __init__(self, upstream: tuple[str, int], mode: str, count: int, message: str) -> None:
        self.upstream = upstream
        self.mode = mode
        self.count = count
        self.message = message
        self.requests = 0
        self.faults = 0
        self.passed_through = 0
        self.connections = 0
        self.errors = 0
        self.calls: list[str] = []  # X-Amz-Target of each counted request, in order, "F:" if faulted

    def stats(self) -> dict:
        return {
            "mode": self.mode,
            "count": self.count,
            "requests": self.requests,
            "faults": self.faults,
            "passed_through": self.passed_through,
            "connections": self.connections,
            "errors": self.errors,
            "calls": self.calls[-1000:],
        }

    async def control(self, method: str, path: str, writer: asyncio.StreamWriter, keep_alive: bool) -> None:
        if path == "/__stats" and method in ("GET", "HEAD"):
            status, payload = "200 OK", self.stats()
        elif path == "/__stats":
            status, payload = "405 Method Not Allowed", {"error": "use GET /__stats"}
        else:
            status, payload = "404 Not Found", {"error": "unknown control path"}
        body = json.dumps(payload, sort_keys=True).encode()
        writer.write(response(status, [("Content-Type", "application/json")], body, keep_alive))
        await writer.drain()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        upstream = Upstream(*self.upstream)
        try:
            while True:
                try:
                    head = await asyncio.wait_for(read_head(reader), IDLE_TIMEOUT_S)
                except asyncio.TimeoutError:
                    break
                if head is None:
                    break
                start, headers = parse_head(head)
                parts = start.split(" ")
                if len(parts) != 3:
                    raise ProtocolError(f"bad request line {start!r}")
                method, target, version = parts
                if (header(headers, "expect") or "").lower() == "100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    await writer.drain()
                body = await read_body(reader, headers, until_eof=False)
                client_conn = (header(headers, "connection") or "").lower()
                keep_alive = "close" not in client_conn and (version == "HTTP/1.1" or "keep-alive" in client_conn)

                path = urllib.parse.urlsplit(target).path
                if path.startswith("/__"):  # control paths never go upstream and are not counted
                    await self.control(method, path, writer, keep_alive)
                    if not keep_alive:
                        break
                    continue

                self.requests += 1
                target_name = header(headers, "x-amz-target") or f"{method} {path}"
                if self.faults < self.count:
                    self.faults += 1
                    self.calls.append(f"F:{target_name}")
                    if self.mode == "drop":
                        break  # close without a word
                    if self.mode == "hang":
                        # Never answer; discard whatever comes until the client gives up.
                        while await reader.read(65536):
                            pass
                        break
                    if self.mode == "throttle":
                        out = aws_error("400 Bad Request", "ThrottlingException", "Rate exceeded", keep_alive)
                    elif self.mode == "error500":
                        out = aws_error("500 Internal Server Error", "InternalServiceError", "internal error", keep_alive)
                    elif self.mode == "forbidden":
                        html = b"<html><body>403 Forbidden</body></html>"
                        out = response("403 Forbidden", [("Content-Type", "text/html")], html, keep_alive)
                    else:  # message
                        out = aws_error("400 Bad Request", "AccessDeniedException", self.message, keep_alive)
                    writer.write(out)
                    await writer.drain()
                    if not keep_alive:
                        break
                    continue

                self.passed_through += 1
                self.calls.append(target_name)
                fwd = serialise(start, headers, body, [("Content-Length", str(len(body))), ("Connection", "keep-alive")])
                try:
                    rstart, rheaders, rbody = await upstream.exchange(fwd, method)
                except (ConnectionError, ProtocolError, asyncio.IncompleteReadError, ValueError, OSError) as e:
                    self.errors += 1
                    log(f"upstream error: {e!r}")
                    writer.write(aws_error("502 Bad Gateway", "ProxyUpstreamError", f"fault_proxy: upstream: {e!r}", False))
                    await writer.drain()
                    break
                writer.write(serialise(rstart, rheaders, rbody, [
                    ("Content-Length", str(len(rbody))),
                    ("Connection", "keep-alive" if keep_alive else "close"),
                ]))
                await writer.drain()
                if not keep_alive:
                    break
        except (ProtocolError, ConnectionError, asyncio.IncompleteReadError, ValueError, OSError) as e:
            self.errors += 1
            log(f"connection error: {e!r}")
        finally:
            await upstream.close()
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass


# --------------------------------------------------------------------------- lifecycle


def watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Daemon thread: set `stop` once stdin reaches EOF (or cannot be read)."""

    def run() -> None:
        try:
            while os.read(0, 65536):
                pass
        except OSError:
            pass
        log("stdin closed; exiting")
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=run, name="stdin-watch", daemon=True).start()


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", required=True, help="http://HOST:PORT of the real server (moto)")
    ap.add_argument("--mode", required=True, choices=MODES)
    ap.add_argument("--count", type=int, default=1, help="how many requests get the fault (default 1)")
    ap.add_argument("--message", default="access denied", help="the error message of --mode message")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1; 0 picks a free one")
    ap.add_argument("--no-stdin-watch", action="store_true", help="do not exit when stdin reaches EOF")
    args = ap.parse_args()
    up = urllib.parse.urlsplit(args.upstream)
    if up.scheme != "http" or not up.hostname or not up.port:
        ap.error("--upstream must be http://HOST:PORT")
    if args.count < 0:
        ap.error("--count must be >= 0")

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    proxy = Proxy((up.hostname, up.port), args.mode, args.count, args.message)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", args.port, limit=MAX_HEADER_BYTES, backlog=128)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()
    if not args.no_stdin_watch:
        watch_stdin(loop, stop)

    await stop.wait()
    server.close()
    # Open connections (a hanging one, say) are cancelled by asyncio.run on return.
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        sys.exit(0)
