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
  huge      200 whose chunked body (no Content-Length) never ends: the
            start of a JSON reply, then 64 KiB chunks until the client closes
  huge-length
            200 that declares Content-Length 1 TiB, then streams its body the
            same way until the client closes
  wide      200, a whole BatchGetSecretValue reply under the reply cap: one
            secret, named as the request's first SecretIdList entry, whose
            SecretString is a JSON object of 600,000 short keys (about 12 MiB)

`--only ACTION` faults only the requests for that API action (the last part
of `X-Amz-Target`, e.g. BatchGetSecretValue) and passes every other through;
`--delay-ms MS` holds every request that long before answering it, so that
calls overlap as they do against a distant endpoint.

`GET /__stats` is answered by the proxy itself (never forwarded, never counted)
with JSON counters: requests, faults, passed_through, connections, errors,
in_flight and max_in_flight (API requests read and not yet answered).

Once listening it prints exactly one line, `PORT <n>`, on stdout. It exits
with status 0 on SIGTERM/SIGINT and when its stdin reaches end of file (so a
test that dies does not leave it running; --no-stdin-watch turns that off).

Usage: fault_proxy.py --upstream http://127.0.0.1:5000 --mode throttle --count 2 [--port 0]
See tests/faults/README.md for the full contract.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from http11 import (  # noqa: E402  (tests/http11.py: the framing shared with bench/latency_proxy.py)
    CONNECTION_ERRORS, Headers, Upstream, api_requests, close_writer, framed, header, serialise, serve,
)

IDLE_TIMEOUT_S = 300.0
MODES = ("throttle", "error500", "drop", "hang", "message", "forbidden", "huge", "huge-length", "wide")
WIDE_KEYS = 600_000
HUGE_CHUNK = b"A" * 65536
HUGE_DECLARED = 1 << 40


def log(msg: str) -> None:
    print(f"fault_proxy: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- responses


def response(status: str, headers: Headers, body: bytes, keep_alive: bool) -> bytes:
    return framed(f"HTTP/1.1 {status}", headers, body, keep_alive=keep_alive)


_WIDE_STRING: bytes = b""


def wide_string() -> bytes:
    """The SecretString of --mode wide as a JSON string, made once."""
    global _WIDE_STRING
    if not _WIDE_STRING:
        value = json.dumps({f"key-{i:07d}": "val1" for i in range(WIDE_KEYS)}, separators=(",", ":"))
        _WIDE_STRING = json.dumps(value).encode()
    return _WIDE_STRING


def wide_reply(request_body: bytes, keep_alive: bool) -> bytes:
    """A BatchGetSecretValue reply of one secret holding WIDE_KEYS keys."""
    try:
        name = json.loads(request_body)["SecretIdList"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        name = "wide"
    head = {"ARN": f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf", "Name": name,
            "VersionId": str(uuid.uuid4()), "VersionStages": ["AWSCURRENT"]}
    body = (b'{"SecretValues":[' + json.dumps(head).encode()[:-1] + b',"SecretString":' + wide_string()
            + b'}],"Errors":[]}')
    return response("200 OK", [("Content-Type", "application/x-amz-json-1.1"),
                               ("x-amzn-RequestId", str(uuid.uuid4()))], body, keep_alive)


def aws_error(status: str, error_type: str, message: str, keep_alive: bool) -> bytes:
    body = json.dumps({"__type": error_type, "message": message}, ensure_ascii=False).encode("utf-8")
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-ErrorType", error_type),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    return response(status, headers, body, keep_alive)


# --------------------------------------------------------------------------- proxy


class Proxy:
    def __init__(self, upstream: tuple[str, int], mode: str, count: int, message: str,
                 only: str | None = None, delay: float = 0.0) -> None:
        self.upstream = upstream
        self.mode = mode
        self.count = count
        self.message = message
        self.only = only
        self.delay = delay
        self.in_flight = 0
        self.max_in_flight = 0
        self.requests = 0
        self.faults = 0
        self.passed_through = 0
        self.connections = 0
        self.errors = 0
        self.streamed = 0  # body bytes written by the huge modes, all requests together
        self.calls: list[str] = []  # X-Amz-Target of each counted request, in order, "F:" if faulted
        self.arrivals: list[float] = []  # when each of those calls arrived (monotonic seconds)

    def record(self, call: str) -> None:
        self.calls.append(call)
        self.arrivals.append(time.monotonic())

    def stats(self) -> dict:
        return {
            "mode": self.mode,
            "count": self.count,
            "requests": self.requests,
            "faults": self.faults,
            "passed_through": self.passed_through,
            "connections": self.connections,
            "errors": self.errors,
            "streamed": self.streamed,
            "calls": self.calls[-1000:],
            "arrivals": self.arrivals[-1000:],
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
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

    async def stream_huge(self, writer: asyncio.StreamWriter) -> None:
        """A 200 whose body never ends, written as fast as the client reads it
        (drain() waits while the socket is full, so nothing piles up here),
        until the client closes the connection."""
        start = b'{"SecretValues":[{"Name":"huge","SecretString":"'
        if self.mode == "huge":
            framing = [("Transfer-Encoding", "chunked")]
        else:
            framing = [("Content-Length", str(HUGE_DECLARED))]
        head = serialise("HTTP/1.1 200 OK", [("Content-Type", "application/x-amz-json-1.1"),
                                             ("x-amzn-RequestId", str(uuid.uuid4()))], b"", framing)
        chunked = self.mode == "huge"
        try:
            writer.write(head)
            for data in itertools.chain([start], itertools.repeat(HUGE_CHUNK)):
                writer.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
                await writer.drain()
                self.streamed += len(data)
        except CONNECTION_ERRORS:
            pass  # the client gave up: the end this mode expects

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        upstream = Upstream(*self.upstream)
        try:
            async for req, path in api_requests(reader, writer, IDLE_TIMEOUT_S, self.control):
                keep_alive = req.keep_alive
                self.requests += 1
                target_name = header(req.headers, "x-amz-target") or f"{req.method} {path}"
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                try:
                    done = await self.answer(req, reader, writer, target_name, upstream, keep_alive)
                finally:
                    self.in_flight -= 1
                if done:
                    break
        except CONNECTION_ERRORS as e:
            self.errors += 1
            log(f"connection error: {e!r}")
        finally:
            await upstream.close()
            await close_writer(writer)

    async def answer(self, req, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     target_name: str, upstream: Upstream, keep_alive: bool) -> bool:
        """Answers one API request; True when the connection is to be closed."""
        if self.delay:
            await asyncio.sleep(self.delay)
        action = target_name.rsplit(".", 1)[-1]
        if self.faults < self.count and self.only in (None, action):
            self.faults += 1
            self.record(f"F:{target_name}")
            if self.mode == "drop":
                return True  # close without a word
            if self.mode == "hang":
                # Never answer; discard whatever comes until the client gives up.
                while await reader.read(65536):
                    pass
                return True
            if self.mode in ("huge", "huge-length"):
                await self.stream_huge(writer)
                return True
            if self.mode == "wide":
                writer.write(wide_reply(req.body, keep_alive))
                await writer.drain()
                return not keep_alive
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
            return not keep_alive

        self.passed_through += 1
        self.record(target_name)
        try:
            rstart, rheaders, rbody = await upstream.exchange(req.forward(), req.method)
        except CONNECTION_ERRORS as e:
            self.errors += 1
            log(f"upstream error: {e!r}")
            writer.write(aws_error("502 Bad Gateway", "ProxyUpstreamError", f"fault_proxy: upstream: {e!r}", False))
            await writer.drain()
            return True
        writer.write(framed(rstart, rheaders, rbody, keep_alive=keep_alive))
        await writer.drain()
        return not keep_alive


# --------------------------------------------------------------------------- lifecycle


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", required=True, help="http://HOST:PORT of the real server (moto)")
    ap.add_argument("--mode", required=True, choices=MODES)
    ap.add_argument("--count", type=int, default=1, help="how many requests get the fault (default 1)")
    ap.add_argument("--message", default="access denied", help="the error message of --mode message")
    ap.add_argument("--only", help="fault only requests for this API action (e.g. BatchGetSecretValue)")
    ap.add_argument("--delay-ms", type=float, default=0.0, help="hold every API request this long")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1; 0 picks a free one")
    ap.add_argument("--no-stdin-watch", action="store_true", help="do not exit when stdin reaches EOF")
    args = ap.parse_args()
    if args.mode == "wide":
        wide_string()  # made before listening, so no reply waits for it
    up = urllib.parse.urlsplit(args.upstream)
    if up.scheme != "http" or not up.hostname or not up.port:
        ap.error("--upstream must be http://HOST:PORT")
    if args.count < 0:
        ap.error("--count must be >= 0")

    proxy = Proxy((up.hostname, up.port), args.mode, args.count, args.message,
                  args.only, args.delay_ms / 1000)
    return await serve(proxy.handle, args.port, stdin_watch=not args.no_stdin_watch, log=log)


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        sys.exit(0)
