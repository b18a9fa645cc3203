#!/usr/bin/env python3
"""GitHub Actions' OIDC token endpoint, played on 127.0.0.1 (stdlib only).

A job with `permissions: id-token: write` gets ACTIONS_ID_TOKEN_REQUEST_URL
and ACTIONS_ID_TOKEN_REQUEST_TOKEN; `GET $URL&audience=AUD` with
`Authorization: bearer $TOKEN` answers `{"count": 1, "value": JWT}`. This
server does the same at `http://127.0.0.1:PORT/token?api-version=2.0`: with
the right bearer it returns a JWT (header `{"alg":"none"}`, claims `sub`,
`aud` = the audience asked for, `iss`, `iat`, `exp`, signature `x`: STS in
moto does not check it); otherwise 401, as GitHub does.

`GET /__log` answers the JSON list of the requests seen: {"audience",
"authorized"}.

Once listening it prints exactly one line, `PORT <n>`, on stdout. It exits on
SIGTERM/SIGINT and when its stdin reaches end of file (--no-stdin-watch turns
that off, for a server started in the background by a shell script).

Usage: oidc_server.py --bearer REQUEST_TOKEN [--sub repo:OWNER/REPO:ref:refs/heads/main] [--port 0]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(sub: str, audience: str) -> str:
    now = int(time.time())
    claims = {"sub": sub, "aud": audience, "iss": "https://token.actions.githubusercontent.com",
              "iat": now, "nbf": now, "exp": now + 300}
    return ".".join([b64url(b'{"alg":"none","typ":"JWT"}'), b64url(json.dumps(claims).encode()), "x"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bearer", required=True, help="the ACTIONS_ID_TOKEN_REQUEST_TOKEN it accepts")
    ap.add_argument("--sub", default="repo:octo-org/app:ref:refs/heads/main", help="the token's sub claim")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1; 0 picks a free one")
    ap.add_argument("--no-stdin-watch", action="store_true", help="do not exit when stdin reaches EOF")
    args = ap.parse_args()
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def reply(self, status: int, payload: object) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/__log":
                self.reply(200, seen)
                return
            if url.path != "/token":
                self.reply(404, {"message": "not found"})
                return
            audience = (urllib.parse.parse_qs(url.query).get("audience") or [""])[0]
            authorized = self.headers.get("Authorization", "") == f"bearer {args.bearer}"
            seen.append({"audience": audience, "authorized": authorized})
            if not authorized:
                self.reply(401, {"message": "Unauthorized"})
                return
            self.reply(200, {"count": 1, "value": jwt(args.sub, audience)})

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    sys.stdout.write(f"PORT {server.server_address[1]}\n")
    sys.stdout.flush()

    def stop(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if not args.no_stdin_watch:
        def watch() -> None:
            try:
                while os.read(0, 65536):
                    pass
            except OSError:
                pass
            stop()
        threading.Thread(target=watch, daemon=True).start()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
