#!/usr/bin/env bash
# Runs shellcheck over every shell script of the project: the one list, used by
# scripts/test.sh and the GitHub workflow.
set -euo pipefail
cd "$(dirname "$0")/.."
exec shellcheck -S warning scripts/*.sh .ci/run dist/*.sh tests/action/*.sh tests/release/*.sh \
  tests/readers/*.sh tests/readers/go/build.sh tests/faults/*.sh fuzz/run.sh bench/*.sh
