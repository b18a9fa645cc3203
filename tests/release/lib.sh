#!/usr/bin/env bash
# Shared by tests/release/*_test.sh (sourced, never run): counters, a moto
# server with the secrets the tests load, and an HTTPS mirror signed by a CA
# made here. Each test takes the rehearsal's output directory
# (scripts/rehearse-release.sh OUT) as its argument.
#
# After `release_setup NAME OUT`: $out, $tmp (removed at exit unless
# KEEP_TMP=1), $version, $tag, $major, $python (the project venv's).
# After `start_moto`: $endpoint (http://127.0.0.1:PORT) with the secrets
# rel/app (JSON: DB_PASSWORD, API_KEY) and rel/token (a string), and
# $tmp/expected/<NAME> holding each value's exact bytes (NAME as in
# rel/app's keys, and TOKEN).
# After `start_mirror ROOT`: $mirror (https://127.0.0.1:PORT) serving ROOT,
# $tmp/ca/ca.pem the CA that signed its certificate, $tmp/mirror.log the
# paths it served.

# The counters (ok, not_ok, finish_tests), free_port and start_moto_server
# are tests/action/lib.sh's.
_release_lib=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/action/lib.sh
. "$_release_lib/../action/lib.sh"
# check NAME COMMAND...: ok or not_ok by the command's exit code.
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else not_ok "$name"; fi
}

_release_pids=()
# shellcheck disable=SC2317 # invoked by the EXIT trap
_release_cleanup() {
    local pid
    for pid in "${_release_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [[ -n ${KEEP_TMP:-} ]] || rm -rf -- "$tmp"
}

release_setup() {
    local who=$1 repo
    (($# == 2)) || {
        echo "usage: $who OUT (the directory scripts/rehearse-release.sh filled)" >&2
        exit 2
    }
    out=$(cd -- "$2" && pwd -P)
    [[ -f $out/.rehearsal && -d $out/action && -d $out/download ]] || {
        echo "$who: $out is not a rehearsal's output (scripts/rehearse-release.sh OUT)" >&2
        exit 2
    }
    repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
    python=${VENV:-$repo/.venv}/bin/python
    [[ -x $python ]] || {
        echo "$who: $python is missing (bash scripts/setup.sh)" >&2
        exit 2
    }
    version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$out/action/dist/manifest.json")
    # shellcheck disable=SC2034 # used by the tests that source this file
    tag=v$version major=v${version%%.*}
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/$who.XXXXXXXX")
    trap _release_cleanup EXIT
}

start_moto() {
    start_moto_server "${python%/python}/moto_server" "$python" "$tmp/moto.log"
    _release_pids+=("$moto_pid")
    mkdir -p "$tmp/expected"
    # Values with quotes, $, a backtick, %, # and spaces: what a naive tool
    # mangles (each readable back by every default dotenv reader). Each expected value goes to its own file, never to the log.
    "$python" - "$endpoint" "$tmp/expected" <<'EOF'
import json, os, sys
import boto3
endpoint, out = sys.argv[1:3]
app = {
    "DB_PASSWORD": "p@ss w0rd $HOME `id` 100% #1 rehearsal",
    "API_KEY": "rel-key-\"quoted\"-rehearsal",
}
token = "rel-token with spaces $(whoami) rehearsal"
c = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test")
c.create_secret(Name="rel/app", SecretString=json.dumps(app))
c.create_secret(Name="rel/token", SecretString=token)
for name, value in {**app, "TOKEN": token}.items():
    with open(os.path.join(out, name), "w", newline="") as f:
        f.write(value)
EOF
}

# aws_env: the variables that point the AWS SDK at moto.
aws_env() {
    printf '%s\n' "AWS_ENDPOINT_URL=$endpoint" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test \
        AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true
}

# no_value_in FILE: none of the expected values appears in FILE.
no_value_in() {
    local f
    for f in "$tmp"/expected/*; do
        if grep -qF -- "$(cat "$f")" "$1"; then
            echo "  leaked: the value of ${f##*/} in $1" >&2
            return 1
        fi
    done
}

start_mirror() {
    local root=$1 port
    mkdir -p "$tmp/ca"
    # A CA, and a server certificate for 127.0.0.1 that it signs.
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=rehearsal test CA" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
        -keyout "$tmp/ca/ca.key" -out "$tmp/ca/ca.pem" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
        -keyout "$tmp/ca/server.key" -out "$tmp/ca/server.csr" >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$tmp/ca/ext"
    openssl x509 -req -in "$tmp/ca/server.csr" -CA "$tmp/ca/ca.pem" -CAkey "$tmp/ca/ca.key" \
        -CAcreateserial -days 1 -extfile "$tmp/ca/ext" -out "$tmp/ca/server.pem" >/dev/null 2>&1
    : >"$tmp/mirror.log"
    "$python" "$_release_lib/../action/https_mirror.py" "$root" "$tmp/ca/server.pem" "$tmp/ca/server.key" \
        "$tmp/mirror.log" "$tmp/mirror.port" 2>"$tmp/mirror.err" &
    _release_pids+=($!)
    for _ in $(seq 1 100); do
        [[ -s $tmp/mirror.port ]] && break
        sleep 0.1
    done
    [[ -s $tmp/mirror.port ]] || {
        cat "$tmp/mirror.err" >&2
        echo "the https mirror did not start" >&2
        exit 1
    }
    port=$(cat "$tmp/mirror.port")
    mirror=https://127.0.0.1:$port
    curl --proto '=https' --cacert "$tmp/ca/ca.pem" -fsS -o /dev/null "$mirror/" || {
        echo "the https mirror is not trusted with its CA" >&2
        exit 1
    }
}
