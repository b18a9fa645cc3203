#!/usr/bin/env bash
# Benchmark aws-secrets-env against the seed's aws-cli + jq pipeline behind a
# latency proxy (bench/README.md). Installs what it needs (the project venv
# with moto, jq, GNU time, AWS CLI v1 in bench/.venv-awscli), then runs bench/bench.py
# under `nice -n 19`. It never builds the tool: build it first
# (cargo build --release) or pass --bin PATH.
# Usage: bench/run.sh [bench.py options, e.g. --runs 5 --ns 1,20,100,1000 --json]
# Env: RUNS, BENCH_BIN, BENCH_PREV_BIN (a previous release to compare).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
AWSCLI_VERSION=${AWSCLI_VERSION:-1.46.3}

bash scripts/setup.sh --minimal
missing=()
command -v jq >/dev/null || missing+=(jq)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! bench/.venv-awscli/bin/aws --version 2>/dev/null | grep -q "aws-cli/$AWSCLI_VERSION "; then
  echo "bench: installing awscli==$AWSCLI_VERSION into bench/.venv-awscli" >&2
  python3 -m venv bench/.venv-awscli
  bench/.venv-awscli/bin/pip install -q --disable-pip-version-check "awscli==$AWSCLI_VERSION"
fi
exec nice -n 19 .venv/bin/python bench/bench.py "$@"
