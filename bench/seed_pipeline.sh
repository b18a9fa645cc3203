#!/usr/bin/env bash
# The seed's pipeline, as its deploy step and container entrypoint loop it:
# one AWS CLI call per secret, its SecretString turned into KEY=value lines by
# jq and appended to the env file.
# Usage: bench/seed_pipeline.sh OUTPUT SECRET_ID...
# AWS_CLI names the aws executable (default: aws on PATH).
set -euo pipefail
out=$1
shift
aws=${AWS_CLI:-aws}
: >"$out"
for secret in "$@"; do
  "$aws" secretsmanager get-secret-value --secret-id "$secret" --query SecretString --output text \
    | jq -r 'to_entries|map("\(.key)=\(.value)")|.[]' >>"$out"
done
