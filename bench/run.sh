#!/usr/bin/env bash
# A first benchmark: wall time (median of RUNS) and peak RSS of one `write`
# for N secrets against a local moto server on 127.0.0.1 (no added latency).
# Issue 5 extends this with a latency proxy, API-call counts and the seed's
# aws-cli + jq pipeline side by side.
# Usage: bench/run.sh [BINARY]   (default: a release build of this checkout)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
RUNS=${RUNS:-7}
bash scripts/setup.sh --minimal
if [ $# -ge 1 ]; then
  bin=$1
else
  cargo build --quiet --release --locked
  bin="$root/target/release/aws-secrets-env"
fi
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
.venv/bin/moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
work=$(mktemp -d)
trap 'kill $moto 2>/dev/null || true; rm -rf "$work"' EXIT
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
.venv/bin/python - <<'PY'
import json, boto3
sm = boto3.client("secretsmanager")
for i in range(100):
    sm.create_secret(Name=f"bench/{i:03}", SecretString=json.dumps({f"K{i}_{j}": f"value-{i}-{j}" for j in range(5)}))
PY
printf '%-6s %-12s %-10s\n' N median_s peak_rss_KiB
for n in 1 20 100; do
  args=()
  for i in $(seq 0 $((n - 1))); do args+=(--secret-id "$(printf 'bench/%03d' "$i")"); done
  times=()
  rss=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$work/time" -f '%e %M' "$bin" write "${args[@]}" --output "$work/app.env" --mask never 2>/dev/null
    out=$(tail -1 "$work/time")
    times+=("${out% *}")
    r=${out#* }; [ "$r" -gt "$rss" ] && rss=$r
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  printf '%-6s %-12s %-10s\n' "$n" "$median" "$rss"
done
printf 'binary: %s bytes\n' "$(stat -c %s "$bin")"
