#!/usr/bin/env python3
"""A fake Docker Engine API server on a unix socket, to measure the REAL docker CLI's
`--env-file` parsing without a daemon. Standard library only.

Two modes:
  fake_engine.py serve SOCKET [RECORD.json]
      Serve until killed; each POST /containers/create body is appended to RECORD.json
      (one JSON object per line), or printed on stderr without RECORD.json.
  fake_engine.py envfile FILE
      Start the server on a temporary socket, run
          docker create --env-file FILE fake-image:latest
      with DOCKER_HOST=unix://SOCKET (and a scratch DOCKER_CONFIG), and print the `Env`
      list the CLI sent as a JSON object {"K": "V"} (each entry split at its first `=`;
      an entry without `=` would print null; duplicates: last wins, noted on stderr).
      If the CLI fails before sending the create request (e.g. "invalid env file",
      "token too long", invalid UTF-8), exit 1 with the CLI's stderr.
      The docker binary is $DOCKER_CLI or `docker` on PATH. A bare `K` line in the file is
      resolved by the CLI from THIS process's environment (minus DOCKER_*), so the caller
      controls it.

Endpoints: GET/HEAD /_ping, GET /version, GET /info, POST /containers/create (201 with a
fake id, so `docker create` exits 0 after printing it); anything else -> 404 JSON message.
"""
import http.server
import json
import os
import re
import socketserver
import subprocess
import sys
import tempfile
import threading

API_VERSION = "1.50"  # what docker CLI 28.2 speaks; the CLI negotiates down if needed
FAKE_ID = "f" * 64


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, path, on_create):
        self.on_create = on_create
        super().__init__(path, Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-dockerd/0"

    def address_string(self):  # unix sockets have no peer address
        return "unix"

    def log_message(self, fmt, *args):
        if os.environ.get("FAKE_ENGINE_DEBUG"):
            sys.stderr.write("fake-engine: " + (fmt % args) + "\n")

    def _send(self, code, obj=None, head_only=False):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Api-Version", API_VERSION)
        self.send_header("Docker-Experimental", "false")
        self.send_header("Ostype", "linux")
        self.send_header("Builder-Version", "1")
        self.send_header("Content-Type", "application/json" if obj is not None else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _route(self):
        # strip an optional /v1.NN prefix and the query string
        return re.sub(r"^/v[0-9.]+", "", self.path.split("?", 1)[0])

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            return self.rfile.read(n)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return b""

    def do_HEAD(self):
        if self._route() == "/_ping":
            self._send(200, None, head_only=True)
        else:
            self._send(404, None, head_only=True)

    def do_GET(self):
        route = self._route()
        if route == "/_ping":
            body = b"OK"
            self.send_response(200)
            self.send_header("Api-Version", API_VERSION)
            self.send_header("Ostype", "linux")
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif route == "/version":
            self._send(200, {"Version": "28.2.2", "ApiVersion": API_VERSION, "MinAPIVersion": "1.24",
                             "Os": "linux", "Arch": "amd64", "KernelVersion": "fake"})
        elif route == "/info":
            self._send(200, {"ID": "fake", "OSType": "linux", "Architecture": "x86_64",
                             "ServerVersion": "28.2.2", "Name": "fake-engine"})
        else:
            self._send(404, {"message": "fake engine: unsupported GET %s" % route})

    def do_POST(self):
        route = self._route()
        body = self._body()
        if route == "/containers/create":
            try:
                cfg = json.loads(body.decode("utf-8"))
            except ValueError as e:
                self._send(400, {"message": "fake engine: bad JSON: %s" % e})
                return
            self.server.on_create(cfg)
            self._send(201, {"Id": FAKE_ID, "Warnings": []})
        else:
            self._send(404, {"message": "fake engine: unsupported POST %s" % route})

    do_DELETE = do_PUT = do_POST


def start(path, on_create):
    srv = Server(path, on_create)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    return srv


def cmd_serve(sock, record=None):
    def on_create(cfg):
        line = json.dumps(cfg) + "\n"
        if record:
            with open(record, "a") as f:
                f.write(line)
        else:
            sys.stderr.write(line)
    srv = Server(sock, on_create)
    try:
        srv.serve_forever()
    finally:
        os.unlink(sock)


def cmd_envfile(path):
    if not os.path.isfile(path):
        sys.stderr.write("reader: no such file: %s\n" % path)
        return 2
    docker = os.environ.get("DOCKER_CLI", "docker")
    created = []
    with tempfile.TemporaryDirectory(prefix="fake-dockerd-") as tmp:
        sock = os.path.join(tmp, "docker.sock")
        srv = start(sock, created.append)
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
            env["DOCKER_HOST"] = "unix://" + sock
            env["DOCKER_CONFIG"] = os.path.join(tmp, "config")
            os.mkdir(env["DOCKER_CONFIG"])
            try:
                p = subprocess.run([docker, "create", "--env-file", path, "fake-image:latest"],
                                   env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
            except FileNotFoundError:
                sys.stderr.write("reader: docker CLI '%s' not found\n" % docker)
                return 2
            except subprocess.TimeoutExpired:
                sys.stderr.write("reader: docker CLI timed out\n")
                return 2
        finally:
            srv.shutdown()
            srv.server_close()
    err = p.stderr.decode("utf-8", "replace")
    if not created:
        sys.stderr.write(err)
        if p.returncode == 0:
            sys.stderr.write("reader: docker exited 0 but sent no create request\n")
            return 2
        return 1
    if p.returncode != 0:
        sys.stderr.write("reader: create was recorded but docker exited %d:\n%s" % (p.returncode, err))
        return 2
    out = {}
    for entry in created[-1].get("Env") or []:
        k, sep, v = entry.partition("=")
        if k in out:
            sys.stderr.write("reader: duplicate %r in Env; last wins\n" % k)
        out[k] = v if sep else None
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "serve":
        return cmd_serve(argv[2], argv[3] if len(argv) > 3 else None)
    if len(argv) == 3 and argv[1] == "envfile":
        return cmd_envfile(argv[2])
    sys.stderr.write("usage: fake_engine.py serve SOCKET [RECORD] | fake_engine.py envfile FILE\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv) or 0)
