#!/usr/bin/env bash
# The seed's deploy step, end to end on this machine: starts a local Secrets
# Manager emulator (moto), stores the `simple_bank` secret as the tutorial
# does, runs `aws-secrets-env write --secret-id simple_bank --output app.env`
# as a GitHub Actions step would (masking on), then shows app.env and reads it
# back the way the app's start script does (`set -a; . ./app.env`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/setup.sh --minimal
echo "== building aws-secrets-env (a fresh clone compiles the AWS SDK first: about 4 minutes on 2 cores)"
cargo build --locked
bin="$root/target/debug/aws-secrets-env"

work="$root/target/demo"
mkdir -p "$work"
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
.venv/bin/moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT

export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1 \
  AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_EC2_METADATA_DISABLED=true
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

echo "== storing secret simple_bank in the local Secrets Manager ($AWS_ENDPOINT_URL)"
.venv/bin/python - <<'PY'
import json, boto3
sm = boto3.client("secretsmanager")
value = {
    "DB_DRIVER": "postgres",
    # A password with a quote, `$` and `#`: the tutorial's jq pipeline breaks on these.
    "DB_SOURCE": "postgresql://root:tupE\"xr0$Gp4#In4@simple-bank.czutruo2pa5q.eu-west-1.rds.amazonaws.com:5432/simple_bank",
    "SERVER_ADDRESS": "0.0.0.0:8080",
    "ACCESS_TOKEN_DURATION": "15m",
    "TOKEN_SYMMETRIC_KEY": "a3f1c9e07b2d4e6f8a1b3c5d7e9f0a2b",
}
try:
    sm.create_secret(Name="simple_bank", SecretString=json.dumps(value))
except sm.exceptions.ResourceExistsException:
    sm.put_secret_value(SecretId="simple_bank", SecretString=json.dumps(value))
PY

echo "== aws-secrets-env write --secret-id simple_bank --output app.env   (as a GitHub Actions step)"
cd "$work"
rm -f app.env
GITHUB_ACTIONS=true "$bin" write --secret-id simple_bank --output app.env

echo "== app.env ($(stat -c %a app.env))"
cat app.env
echo "== read back by the start script: set -a; . ./app.env"
bash -c 'set -a; . ./app.env; printf "DB_SOURCE=%s\n" "$DB_SOURCE"'
