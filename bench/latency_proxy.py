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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from http11 import (  # noqa: E402  (tests/http11.py: the framing shared with tests/faults/fault_proxy.py)
    CONNECTION_ERRORS, MAX_HEADER_BYTES, Headers, Upstream, api_requests, close_writer, framed, header, serialise,
)

IDLE_TIMEOUT_S = 120.0
SAMPLES_KEPT = 20000


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


def api_name(target: str, headers: Headers, body: bytes) -> str:
    amz = header(headers, "x-amz-target")
    if amz:
        return amz
    query = urllib.parse.urlsplit(target).query
    for source in (query, body.decode("utf-8", "replace") if body else ""):
        action = urllib.parse.parse_qs(source).get("Action")
        if action:
            return f"Action={action[0]}"
    return "other"


class Proxy:
    def __init__(self, upstream_host: str, upstream_port: int, rtt: float) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.rtt = rtt
        self.stats = Stats()

    async def control(self, method: str, path: str, writer: asyncio.StreamWriter, _keep_alive: bool) -> None:
        # Answered with Content-Length whatever the client asked: the
        # connection stays usable, and a client asking to close closes it.
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
                      [("Content-Length", str(len(body)))])
        )
        await writer.drain()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted = time.monotonic()
        ready_at = accepted + 2 * self.rtt  # TCP + TLS handshakes
        counted = False
        upstream = Upstream(*self.upstream, retry_fresh=True)
        try:
            async for req, _path in api_requests(reader, writer, IDLE_TIMEOUT_S, self.control):
                if not counted:
                    counted = True
                    self.stats.connections += 1
                # The request leaves once the connection is up, then travels for one RTT.
                now = time.monotonic()
                await asyncio.sleep(max(ready_at - now, 0.0) + self.rtt)

                name = api_name(req.target, req.headers, req.body)
                self.stats.requests += 1
                self.stats.calls[name] += 1
                self.stats.in_flight += 1
                self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
                t0 = time.monotonic()
                try:
                    rstart, rheaders, rbody = await upstream.exchange(req.forward(), req.method)
                finally:
                    self.stats.in_flight -= 1
                samples = self.stats.service[name]
                samples.append(time.monotonic() - t0)
                if len(samples) > SAMPLES_KEPT:
                    del samples[: len(samples) - SAMPLES_KEPT]
                length = None
                if req.method == "HEAD":  # a HEAD response's length describes the body a GET would get
                    length = header(rheaders, "content-length") or None
                writer.write(framed(rstart, rheaders, rbody, keep_alive=req.keep_alive, length=length))
                await writer.drain()
                if not req.keep_alive:
                    break
        except CONNECTION_ERRORS as e:
            self.stats.errors += 1
            print(f"latency_proxy: connection error: {e!r}", file=sys.stderr)
        finally:
            await upstream.close()
            await close_writer(writer)


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
