#!/usr/bin/env python3
"""A proxy that reads each request's SigV4 signature (stdlib only).

It listens on 127.0.0.1 in front of an upstream HTTP server (moto) and, for
every request, records who signed it and for where: the access key id, the
region and the service of the `Credential=AKID/DATE/REGION/SERVICE/aws4_request`
scope of its `Authorization` header, and the call (`X-Amz-Target`, or the
`Action=` of a query-protocol body such as STS's). Requests are passed through
unchanged, except:

  --fail-region REGION --fail-with error500|notfound
        every request signed for REGION gets a 500 InternalServiceError (an
        outage) or a 400 ResourceNotFoundException (a missing secret)
  --deny ACTION
        every STS request whose Action is ACTION (AssumeRole,
        AssumeRoleWithWebIdentity) gets 403 AccessDenied, as STS words it
  --expire-in SECONDS
        STS's temporary credentials are said to expire SECONDS from now (the
        <Expiration> of the reply rewritten), so that renewal can be seen

`GET /__log` is answered by the proxy itself with the JSON list of the
requests seen, in order: {"key", "region", "service", "call", "answer"} with
answer "passed", "error500", "notfound" or "denied", and for STS calls the
"session", "duration" and "external_id" asked for, where given. Unsigned
requests (STS's AssumeRoleWithWebIdentity) have key "".

Once listening it prints exactly one line, `PORT <n>`, on stdout. It exits on
SIGTERM/SIGINT and when its stdin reaches end of file (--no-stdin-watch turns
that off).

Usage: sigv4_proxy.py --upstream http://127.0.0.1:5000 [--fail-region us-east-1 --fail-with error500] [--deny AssumeRole] [--port 0]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import re
import sys
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from http11 import (  # noqa: E402  (tests/http11.py: the framing shared with fault_proxy.py)
    CONNECTION_ERRORS, Upstream, api_requests, close_writer, framed, header, serve,
)

IDLE_TIMEOUT_S = 300.0
SCOPE = re.compile(r"Credential=([^/,\s]+)/[0-9]{8}/([^/]+)/([^/]+)/aws4_request")


def log(msg: str) -> None:
    print(f"sigv4_proxy: {msg}", file=sys.stderr, flush=True)


def json_error(status: str, error_type: str, message: str, keep_alive: bool) -> bytes:
    body = json.dumps({"__type": error_type, "message": message}).encode()
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-ErrorType", error_type),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    return framed(f"HTTP/1.1 {status}", headers, body, keep_alive=keep_alive)


def sts_denied(action: str, keep_alive: bool) -> bytes:
    """STS's own wording of a refusal (query protocol: an XML ErrorResponse)."""
    if action == "AssumeRoleWithWebIdentity":
        message = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
    else:
        message = ("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: "
                   "sts:AssumeRole on resource: arn:aws:iam::123456789012:role/reader")
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{message}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()
    return framed("HTTP/1.1 403 Forbidden", [("Content-Type", "text/xml")], body, keep_alive=keep_alive)


class Proxy:
    def __init__(self, upstream: tuple[str, int], fail_region: str | None, fail_with: str, deny: list[str],
                 expire_in: float | None = None) -> None:
        self.expire_in = expire_in
        self.upstream = upstream
        self.fail_region = fail_region
        self.fail_with = fail_with
        self.deny = set(deny)
        self.seen: list[dict] = []

    async def control(self, method: str, path: str, writer: asyncio.StreamWriter, keep_alive: bool) -> None:
        if path == "/__log":
            status, body = "200 OK", json.dumps(self.seen).encode()
        else:
            status, body = "404 Not Found", json.dumps({"error": "unknown control path"}).encode()
        writer.write(framed(f"HTTP/1.1 {status}", [("Content-Type", "application/json")], body,
                            keep_alive=keep_alive))
        await writer.drain()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = Upstream(*self.upstream)
        try:
            async for req, path in api_requests(reader, writer, IDLE_TIMEOUT_S, self.control):
                keep_alive = req.keep_alive
                found = SCOPE.search(header(req.headers, "authorization") or "")
                key, region, service = found.groups() if found else ("", "", "")
                call = header(req.headers, "x-amz-target") or ""
                entry = {"key": key, "region": region, "service": service}
                if not call:
                    form = urllib.parse.parse_qs(req.body.decode("utf-8", "replace"))
                    call = (form.get("Action") or [f"{req.method} {path}"])[0]
                    for name, field in (("RoleSessionName", "session"), ("DurationSeconds", "duration"),
                                        ("ExternalId", "external_id")):
                        if name in form:
                            entry[field] = form[name][0]
                entry.update(call=call, answer="passed")
                self.seen.append(entry)

                out = None
                if call in self.deny:
                    entry["answer"] = "denied"
                    out = sts_denied(call, keep_alive)
                elif self.fail_region and region == self.fail_region and service != "sts":
                    entry["answer"] = self.fail_with
                    if self.fail_with == "error500":
                        out = json_error("500 Internal Server Error", "InternalServiceError",
                                         "internal error", keep_alive)
                    else:
                        out = json_error("400 Bad Request", "ResourceNotFoundException",
                                         "Secrets Manager can't find the specified secret.", keep_alive)
                if out is not None:
                    writer.write(out)
                    await writer.drain()
                    if not keep_alive:
                        break
                    continue

                try:
                    rstart, rheaders, rbody = await upstream.exchange(req.forward(), req.method)
                except CONNECTION_ERRORS as e:
                    log(f"upstream error: {e!r}")
                    writer.write(json_error("502 Bad Gateway", "ProxyUpstreamError", "upstream", False))
                    await writer.drain()
                    break
                if self.expire_in is not None and call.startswith("AssumeRole"):
                    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=self.expire_in)
                    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                    rbody = re.sub(rb"<Expiration>[^<]*</Expiration>", b"<Expiration>" + stamp + b"</Expiration>", rbody)
                writer.write(framed(rstart, rheaders, rbody, keep_alive=keep_alive))
                await writer.drain()
                if not keep_alive:
                    break
        except CONNECTION_ERRORS as e:
            log(f"connection error: {e!r}")
        finally:
            await upstream.close()
            await close_writer(writer)


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", required=True, help="http://HOST:PORT of the real server (moto)")
    ap.add_argument("--fail-region", help="fail every request signed for this region")
    ap.add_argument("--fail-with", choices=("error500", "notfound"), default="error500")
    ap.add_argument("--deny", action="append", default=[], help="an STS Action to refuse (repeatable)")
    ap.add_argument("--expire-in", type=float, help="STS credentials expire this many seconds from now")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1; 0 picks a free one")
    ap.add_argument("--no-stdin-watch", action="store_true", help="do not exit when stdin reaches EOF")
    args = ap.parse_args()
    up = urllib.parse.urlsplit(args.upstream)
    if up.scheme != "http" or not up.hostname or not up.port:
        ap.error("--upstream must be http://HOST:PORT")

    proxy = Proxy((up.hostname, up.port), args.fail_region, args.fail_with, args.deny, args.expire_in)
    return await serve(proxy.handle, args.port, stdin_watch=not args.no_stdin_watch, log=log)


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        sys.exit(0)
