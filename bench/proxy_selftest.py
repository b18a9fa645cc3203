#!/usr/bin/env python3
"""Self-test of latency_proxy.py: framing, keep-alive, timing, counters, concurrency.

Starts a small upstream on 127.0.0.1 that answers with Content-Length,
chunked and close-delimited bodies and echoes request bodies (Content-Length
and chunked), puts the proxy in front of it, and drives 8 concurrent
keep-alive connections through it. Prints `N passed, N failed`; exits 1 on a
failure. Usage: python3 bench/proxy_selftest.py
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RTT = 0.02
CONNS = 8
REQS = 12

results = {"passed": 0, "failed": 0}


def check(ok: bool, what: str) -> None:
    if ok:
        results["passed"] += 1
    else:
        results["failed"] += 1
        print(f"FAIL: {what}", file=sys.stderr)


async def upstream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            break
        lines = head.decode().split("\r\n")
        method, path, _ = lines[0].split(" ")
        hdrs = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
        if "chunked" in hdrs.get("transfer-encoding", ""):
            body = b""
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                body += await reader.readexactly(size)
                await reader.readexactly(2)
        else:
            body = await reader.readexactly(int(hdrs.get("content-length", "0")))
        payload = b"echo:" + body + b":" + path.encode()
        if path.startswith("/chunked"):
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for i in range(0, len(payload), 7):
                part = payload[i:i + 7]
                writer.write(b"%x\r\n%s\r\n" % (len(part), part))
            writer.write(b"0\r\nX-Trailer: t\r\n\r\n")
        elif path.startswith("/close"):
            writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + payload)
            await writer.drain()
            writer.close()
            return
        elif method == "HEAD":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n")
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(payload), payload))
        await writer.drain()
    writer.close()


async def read_response(reader: asyncio.StreamReader, method: str = "POST") -> tuple[int, dict, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split(" ")[1])
    hdrs = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
    if method == "HEAD":
        return status, hdrs, b""
    return status, hdrs, await reader.readexactly(int(hdrs["content-length"]))


async def client(port: int, idx: int) -> None:
    t0 = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for j in range(REQS):
        kind = ("/plain", "/chunked", "/reqchunked", "/head")[j % 4]
        body = f"c{idx}r{j}".encode() * (j + 1)
        target = f"secretsmanager.Op{j % 3}"
        if kind == "/reqchunked":
            req = (f"POST {kind} HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {target}\r\nTransfer-Encoding: chunked\r\n\r\n"
                   ).encode() + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        elif kind == "/head":
            req = f"HEAD /head HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {target}\r\n\r\n".encode()
        else:
            req = (f"POST {kind} HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {target}\r\nContent-Length: {len(body)}\r\n\r\n"
                   ).encode() + body
        t1 = time.monotonic()
        writer.write(req)
        await writer.drain()
        status, hdrs, got = await read_response(reader, "HEAD" if kind == "/head" else "POST")
        spent = time.monotonic() - t1
        check(status == 200, f"conn {idx} req {j} status {status}")
        if kind == "/head":
            check(hdrs.get("content-length") == "99", f"conn {idx} HEAD length {hdrs.get('content-length')}")
        else:
            check(got == b"echo:" + body + b":" + kind.encode(), f"conn {idx} req {j} body {got[:60]!r}")
        want = 3 * RTT if j == 0 else RTT
        check(spent >= want * 0.95, f"conn {idx} req {j} took {spent:.3f} s < {want:.3f} s")
    # a close-delimited response ends the connection after it is relayed
    writer.write(b"POST /close HTTP/1.1\r\nHost: x\r\nContent-Type: x\r\nX-Amz-Target: secretsmanager.Close\r\n"
                 b"Content-Length: 2\r\n\r\nzz")
    await writer.drain()
    status, hdrs, got = await read_response(reader)
    check(got == b"echo:zz:/close", f"conn {idx} close-delimited body {got!r}")
    writer.write(b"POST /plain HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    await writer.drain()
    status, hdrs, got = await read_response(reader)
    check(got == b"echo::/plain" and hdrs.get("connection") == "close", f"conn {idx} after reconnect {got!r}")
    check(await reader.read() == b"", f"conn {idx} not closed after Connection: close")
    writer.close()
    check(time.monotonic() - t0 < 3 * RTT + (REQS + 2) * RTT + 1.0, f"conn {idx} too slow")


async def fetch(port: int, method: str, path: str) -> dict:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    _, _, body = await read_response(reader)
    writer.close()
    return json.loads(body)


async def main() -> int:
    up = await asyncio.start_server(upstream, "127.0.0.1", 0)
    up_port = up.sockets[0].getsockname()[1]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "latency_proxy.py"), "--upstream", f"http://127.0.0.1:{up_port}",
        "--rtt-ms", str(RTT * 1000), stdout=asyncio.subprocess.PIPE)
    try:
        line = (await proc.stdout.readline()).decode()
        port = int(line.split()[1])
        t0 = time.monotonic()
        await asyncio.gather(*(client(port, i) for i in range(CONNS)))
        wall = time.monotonic() - t0
        check(wall < 3 * RTT + (REQS + 2) * RTT + 1.0, f"8 connections in parallel took {wall:.2f} s")
        st = await fetch(port, "GET", "/__stats")
        check(st["connections"] == CONNS, f"connections {st['connections']}")
        check(st["requests"] == CONNS * (REQS + 2), f"requests {st['requests']}")
        check(st["calls"].get("secretsmanager.Close") == CONNS, f"calls {st['calls']}")
        check(st["errors"] == 0, f"errors {st['errors']}")
        check(st["max_in_flight"] > 1, f"max in flight {st['max_in_flight']}")
        await fetch(port, "POST", "/__reset")
        st = await fetch(port, "GET", "/__stats")
        check(st["requests"] == 0 and st["connections"] == 0, f"after reset {st}")
    finally:
        proc.terminate()
        await proc.wait()
        up.close()
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
