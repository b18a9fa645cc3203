#!/usr/bin/env bash
# Self-test of tests/faults/fault_proxy.py against a real moto server, with
# boto3 as the client: every mode, the /__stats endpoint, chunked upstream
# responses, and both ways the proxy must exit (SIGTERM, stdin EOF).
#
# Usage: bash tests/faults/selftest.sh     (needs .venv: bash scripts/setup.sh)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROXY_PY="$ROOT/tests/faults/fault_proxy.py"
VPY="$ROOT/.venv/bin/python"
MOTO="$ROOT/.venv/bin/moto_server"
SYS_PY=${FAULT_PROXY_PYTHON:-python3} # the proxy itself needs only the stdlib

for f in "$VPY" "$MOTO"; do
    [[ -x $f ]] || { echo "missing $f: run bash scripts/setup.sh" >&2; exit 2; }
done

TMP=$(mktemp -d)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE="$TMP/none" AWS_SHARED_CREDENTIALS_FILE="$TMP/none" AWS_EC2_METADATA_DISABLED=true
unset AWS_ENDPOINT_URL AWS_PROFILE AWS_SESSION_TOKEN || true

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }

free_port() {
    "$SYS_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_exit PID SECONDS -> 0 if PID exited (with status 0) within SECONDS
wait_exit() {
    local pid=$1 tries=$(($2 * 10)) status=0
    while kill -0 "$pid" 2>/dev/null && ((tries-- > 0)); do
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        return 1
    fi
    wait "$pid" || status=$?
    return "$status"
}

# ---------------------------------------------------------------- moto
MOTO_PORT=$(free_port)
"$MOTO" -H 127.0.0.1 -p "$MOTO_PORT" >"$TMP/moto.log" 2>&1 &
PIDS+=("$!")
MOTO_URL="http://127.0.0.1:$MOTO_PORT"
"$VPY" - "$MOTO_URL" <<'PY'
import sys, time, urllib.request, urllib.error
deadline = time.monotonic() + 30
while True:
    try:
        urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=2).read()
        break
    except urllib.error.HTTPError:
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("moto did not start within 30 s")
        time.sleep(0.2)
PY

# ---------------------------------------------------------------- the checks, in Python
cat >"$TMP/check.py" <<'PY'
import json, sys, time, uuid, urllib.request
import boto3, botocore.exceptions
from botocore.config import Config

case, proxy, moto = sys.argv[1:4]
extra = sys.argv[4:]


# botocore: retries.max_attempts counts RETRIES (total attempts = max_attempts + 1);
# retries.total_max_attempts counts attempts. A single attempt needs the latter.
def client(endpoint, **cfg):
    return boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test", config=Config(**cfg))


def stats():
    with urllib.request.urlopen(proxy + "/__stats", timeout=5) as r:
        return json.load(r)


def expect(cond, what):
    if not cond:
        sys.exit(f"{case}: {what}")


name = f"fault-selftest-{case}-{uuid.uuid4().hex[:8]}"
value = '{"K":"multi\\nline %s :: \'q\'"}'
client(moto).create_secret(Name=name, SecretString=value)

if case in ("throttle", "error500", "drop"):
    c = client(proxy, retries={"max_attempts": 5, "mode": "standard"})
    resp = c.get_secret_value(SecretId=name)
    expect(resp["SecretString"] == value, f"value changed: {resp['SecretString']!r}")
    expect(resp["ResponseMetadata"]["RetryAttempts"] == 2, f"retries: {resp['ResponseMetadata']}")
    s = stats()
    expect((s["requests"], s["faults"], s["passed_through"]) == (3, 2, 1), f"stats {s}")
    # /__stats never goes upstream and is never counted, whatever its query string
    with urllib.request.urlopen(proxy + "/__stats?x=1", timeout=5) as r:
        again = json.load(r)
    expect(again["mode"] == case and again["requests"] == 3, f"stats again {again}")
elif case == "hang":
    c = client(proxy, retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=2, connect_timeout=2)
    t0 = time.monotonic()
    try:
        c.get_secret_value(SecretId=name)
        sys.exit("hang: the call succeeded")
    except botocore.exceptions.ReadTimeoutError:
        pass
    took = time.monotonic() - t0
    expect(1.5 < took < 6, f"timed out after {took:.1f} s")
    s = stats()
    expect((s["requests"], s["faults"], s["passed_through"]) == (1, 1, 0), f"stats {s}")
elif case == "message":
    msg = extra[0]
    c = client(proxy, retries={"total_max_attempts": 1, "mode": "standard"})
    try:
        c.get_secret_value(SecretId=name)
        sys.exit("message: the call succeeded")
    except botocore.exceptions.ClientError as e:
        err = e.response["Error"]
        expect(err["Code"] == "AccessDeniedException", f"code {err}")
        expect(err["Message"] == msg, f"message {err['Message']!r} != {msg!r}")
        expect(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, "status")
    # after the faults, the same proxy passes through
    resp = client(proxy, retries={"total_max_attempts": 1}).get_secret_value(SecretId=name)
    expect(resp["SecretString"] == value, "pass-through after the fault")
    s = stats()
    expect((s["requests"], s["faults"], s["passed_through"]) == (2, 1, 1), f"stats {s}")
elif case == "count0":
    c = client(proxy, retries={"total_max_attempts": 1, "mode": "standard"})
    for _ in range(3):
        expect(c.get_secret_value(SecretId=name)["SecretString"] == value, "value")
    s = stats()
    expect((s["requests"], s["faults"], s["passed_through"]) == (3, 0, 3), f"stats {s}")
else:
    sys.exit(f"unknown case {case}")
PY

# A chunked upstream (moto answers with Content-Length): the proxy must relay
# chunked responses whole, over a kept-alive client connection.
cat >"$TMP/chunked.py" <<'PY'
import http.client, http.server, json, subprocess, sys, threading

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part in (b'{"Name":', b'"chunked",', b'"SecretString":"a\\r\\nb"}'):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")
    def log_message(self, *a):
        pass

up = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=up.serve_forever, daemon=True).start()
p = subprocess.Popen([sys.argv[1], sys.argv[2], "--upstream", f"http://127.0.0.1:{up.server_port}",
                      "--mode", "throttle", "--count", "1"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
port = int(p.stdout.readline().split()[1])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
bodies = []
for _ in range(3):  # one fault, then two relayed chunked answers, on one connection
    conn.request("POST", "/", body=b"{}", headers={"Content-Type": "application/x-amz-json-1.1"})
    r = conn.getresponse()
    bodies.append((r.status, r.read()))
conn.request("GET", "/__stats")
stats = json.load(conn.getresponse())
p.stdin.close()  # stdin EOF: the proxy must exit
rc = p.wait(timeout=5)
want = b'{"Name":"chunked","SecretString":"a\\r\\nb"}'
assert bodies[0][0] == 400 and b"ThrottlingException" in bodies[0][1], bodies[0]
assert bodies[1:] == [(200, want), (200, want)], bodies
assert (stats["requests"], stats["faults"], stats["passed_through"], stats["connections"]) == (3, 1, 2, 1), stats
assert rc == 0, rc
PY

# ---------------------------------------------------------------- proxy lifecycle
PROXY_PID=
PROXY_URL=
PROXY_STDIN=
N=0
start_proxy() { # MODE COUNT [MESSAGE]
    N=$((N + 1))
    local fifo="$TMP/stdin.$N" out="$TMP/proxy.$N.out" tries=100
    mkfifo "$fifo"
    local args=(--upstream "$MOTO_URL" --mode "$1" --count "$2" --port 0)
    if (($# > 2)); then args+=(--message "$3"); fi
    "$SYS_PY" "$PROXY_PY" "${args[@]}" <"$fifo" >"$out" 2>"$TMP/proxy.$N.err" &
    PROXY_PID=$!
    PIDS+=("$PROXY_PID")
    exec {PROXY_STDIN}>"$fifo" # hold its stdin open; closing it stops the proxy
    while ! grep -q '^PORT ' "$out" && ((tries-- > 0)); do sleep 0.1; done
    PROXY_URL="http://127.0.0.1:$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$out")"
    [[ $PROXY_URL != "http://127.0.0.1:" ]] || { cat "$TMP/proxy.$N.err" >&2; return 1; }
}
# stop_proxy term|eof NAME: stop it one of the two ways, expect a clean exit
# within 5 s and exactly one line on its stdout.
stop_proxy() {
    if [[ $1 == term ]]; then kill -TERM "$PROXY_PID"; fi
    exec {PROXY_STDIN}>&-
    if wait_exit "$PROXY_PID" 5 && [[ $(wc -l <"$TMP/proxy.$N.out") == 1 ]]; then
        ok "$2: exits cleanly on $1"
    else
        not_ok "$2: did not exit cleanly on $1"
        kill -KILL "$PROXY_PID" 2>/dev/null || true
    fi
}

run_case() { # NAME MODE COUNT STOP [MESSAGE]
    local name=$1 mode=$2 count=$3 stop=$4
    shift 4
    start_proxy "$mode" "$count" "$@"
    local check=$mode
    if ((count == 0)); then check=count0; fi
    if "$VPY" "$TMP/check.py" "$check" "$PROXY_URL" "$MOTO_URL" "$@" >"$TMP/check.out" 2>&1; then
        ok "$name"
    else
        not_ok "$name"
        sed 's/^/    /' "$TMP/check.out" "$TMP/proxy.$N.err"
    fi
    stop_proxy "$stop" "$name"
}

HOSTILE=$'denied\n::stop-commands::pwned\r\n::add-mask::x "quoted" \\ %0A ü'

run_case "throttle x2 is retried to success" throttle 2 term
run_case "error500 x2 is retried to success" error500 2 eof
run_case "drop x2 is retried to success" drop 2 term
run_case "hang makes the client time out" hang 1000 eof
run_case "message arrives intact" message 1 term "$HOSTILE"
run_case "count 0 passes everything through" throttle 0 eof

if "$VPY" "$TMP/chunked.py" "$SYS_PY" "$PROXY_PY" >"$TMP/chunked.out" 2>&1; then
    ok "chunked upstream responses are relayed whole over keep-alive"
else
    not_ok "chunked upstream responses are relayed whole over keep-alive"
    sed 's/^/    /' "$TMP/chunked.out"
fi

# A hanging connection still open must not keep the proxy alive on SIGTERM.
start_proxy hang 1000
"$VPY" - "$PROXY_URL" <<'PY' &
import socket, sys, time, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
s = socket.create_connection((u.hostname, u.port))
s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
s.settimeout(10)
try:
    s.recv(1)
except OSError:
    pass
PY
HOLDER=$!
PIDS+=("$HOLDER")
sleep 0.5
stop_proxy term "hang with an open connection"
wait "$HOLDER" 2>/dev/null || true

echo "$passed passed, $failed failed"
((failed == 0))
