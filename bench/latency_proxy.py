#!/usr/bin/env python3
"""A latency-injecting HTTP/1.1 reverse proxy that models a runner far from AWS.

It listens on 127.0.0.1 and forwards every request to an upstream HTTP server
(moto in the benchmark). The cost model:

* a NEW client connection is usable 2 x RTT after it was accepted (the TCP and
  TLS handshakes of a real HTTPS connection);
* every request is held 1 x RTT before it is forwarded (the request/response
  round trip); the response is relayed as soon as upstream has produced it;
* keep-alive is kept: a client connection serves any number of requests until
  the client closes it (or sends `Connection: close`), as AWS endpoints do.

Request bodies may be framed by Content-Length or chunked; responses by
Content-Length, chunked or end-of-stream. Responses are relayed with their
framing normalised to Content-Length, which every HTTP/1.1 client reads.

The proxy counts API calls (by `X-Amz-Target`, or `Action=` for query-protocol
APIs such as STS), client connections and upstream service time, and serves:

    GET  /__stats   -> JSON counters (no latency added, not counted)
    POST /__reset   -> zero the counters

Usage: latency_proxy.py --upstream http://127.0.0.1:5000 [--port 0] [--rtt-ms 50]
The chosen port is printed on stdout as `listening <port>` once bound.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import urllib.parse
from collections import Counter, defaultdict

MAX_HEADER_BYTES = 64 * 1024
IDLE_TIMEOUT_S = 120.0
SAMPLES_KEPT = 20000


class ProtocolError(Exception):
    pass


class Stats:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.connections = 0  # client connections that carried >= 1 API request
        self.requests = 0
        self.calls: Counter[str] = Counter()
        self.service: dict[str, list[float]] = defaultdict(list)  # upstream seconds per call
        self.max_in_flight = 0
        self.in_flight = 0
        self.errors = 0

    def as_dict(self) -> dict:
        service = {}
        for name, samples in self.service.items():
            service[name] = {
                "count": len(samples),
                "mean_ms": round(1000 * statistics.fmean(samples), 3),
                "median_ms": round(1000 * statistics.median(samples), 3),
                "max_ms": round(1000 * max(samples), 3),
            }
        return {
            "connections": self.connections,
            "requests": self.requests,
            "calls": dict(self.calls),
            "service_time": service,
            "max_in_flight": self.max_in_flight,
            "errors": self.errors,
        }


async def read_head(reader: asyncio.StreamReader) -> bytes | None:
    """Read up to and including the blank line; None on a clean EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if not e.partial.strip():
            return None
        raise ProtocolError("connection closed inside a header block") from e
    except asyncio.LimitOverrunError as e:
        raise ProtocolError("header block too large") from e
    return head


def parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    start = lines[0]
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ProtocolError(f"bad header line {line!r}")
        headers.append((name.strip(), value.strip()))
    return start, headers


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
            # trailers, until the blank line
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
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
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "content-length",
    "te",
    "trailer",
    "upgrade",
    "expect",
}


def serialise(start: str, headers: list[tuple[str, str]], body: bytes, *, extra: list[tuple[str, str]]) -> bytes:
    out = [start]
    out += [f"{k}: {v}" for k, v in headers if k.lower() not in HOP_BY_HOP]
    out += [f"{k}: {v}" for k, v in extra]
    return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body


def api_name(target: str, headers: list[tuple[str, str]], body: bytes) -> str:
    amz = header(headers, "x-amz-target")
    if amz:
        return amz
    query = urllib.parse.urlsplit(target).query
    for source in (query, body.decode("utf-8", "replace") if body else ""):
        action = urllib.parse.parse_qs(source).get("Action")
        if action:
            return f"Action={action[0]}"
    return "other"


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
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=MAX_HEADER_BYTES)
            assert self.reader is not None
            try:
                self.writer.write(request)
                await self.writer.drain()
                head = await read_head(self.reader)
                if head is None:
                    raise ConnectionResetError("upstream closed an idle connection")
            except (ConnectionError, ProtocolError):
                await self.close()
                if attempt:
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
            if "close" in conn or not framed or start.startswith("HTTP/1.0") and "keep-alive" not in conn:
                await self.close()
            return start, headers, body
        raise AssertionError("unreachable")


class Proxy:
    def __init__(self, upstream_host: str, upstream_port: int, rtt: float) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.rtt = rtt
        self.stats = Stats()

    async def control(self, method: str, path: str, writer: asyncio.StreamWriter) -> None:
        if method == "GET" and path == "/__stats":
            status, payload = "200 OK", self.stats.as_dict()
        elif method == "POST" and path == "/__reset":
            self.stats.reset()
            status, payload = "200 OK", {"reset": True}
        else:
            status, payload = "404 Not Found", {"error": "unknown control path"}
        body = json.dumps(payload, sort_keys=True).encode()
        writer.write(
            serialise(f"HTTP/1.1 {status}", [("Content-Type", "application/json")], body,
                      extra=[("Content-Length", str(len(body)))])
        )
        await writer.drain()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted = time.monotonic()
        ready_at = accepted + 2 * self.rtt  # TCP + TLS handshakes
        counted = False
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
                if header(headers, "expect") and header(headers, "expect").lower() == "100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    await writer.drain()
                body = await read_body(reader, headers, until_eof=False)
                client_conn = (header(headers, "connection") or "").lower()
                keep_alive = "close" not in client_conn and (version == "HTTP/1.1" or "keep-alive" in client_conn)

                if target.startswith("/__"):
                    await self.control(method, target, writer)
                    if not keep_alive:
                        break
                    continue

                if not counted:
                    counted = True
                    self.stats.connections += 1
                # The request leaves once the connection is up, then travels for one RTT.
                now = time.monotonic()
                await asyncio.sleep(max(ready_at - now, 0.0) + self.rtt)

                name = api_name(target, headers, body)
                self.stats.requests += 1
                self.stats.calls[name] += 1
                self.stats.in_flight += 1
                self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
                fwd = serialise(start, headers, body, extra=[("Content-Length", str(len(body))), ("Connection", "keep-alive")])
                t0 = time.monotonic()
                try:
                    rstart, rheaders, rbody = await upstream.exchange(fwd, method)
                finally:
                    self.stats.in_flight -= 1
                samples = self.stats.service[name]
                samples.append(time.monotonic() - t0)
                if len(samples) > SAMPLES_KEPT:
                    del samples[: len(samples) - SAMPLES_KEPT]
                length = str(len(rbody))
                if method == "HEAD":  # a HEAD response's length describes the body a GET would get
                    length = header(rheaders, "content-length") or length
                extra = [("Content-Length", length)]
                extra.append(("Connection", "keep-alive" if keep_alive else "close"))
                writer.write(serialise(rstart, rheaders, rbody, extra=extra))
                await writer.drain()
                if not keep_alive:
                    break
        except (ProtocolError, ConnectionError, asyncio.IncompleteReadError, ValueError, OSError) as e:
            self.stats.errors += 1
            print(f"latency_proxy: connection error: {e!r}", file=sys.stderr)
        finally:
            await upstream.close()
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", required=True, help="http://HOST:PORT of the real server")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--rtt-ms", type=float, default=50.0)
    args = ap.parse_args()
    up = urllib.parse.urlsplit(args.upstream)
    if up.scheme != "http" or not up.hostname or not up.port:
        ap.error("--upstream must be http://HOST:PORT")
    proxy = Proxy(up.hostname, up.port, args.rtt_ms / 1000.0)
    server = await asyncio.start_server(proxy.handle, args.host, args.port, limit=MAX_HEADER_BYTES, backlog=256)
    port = server.sockets[0].getsockname()[1]
    print(f"listening {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
