#!/usr/bin/env bash
# Conformance reader wrapper: Go gotenv (Debian package; see go/gotenv/main.go and README.md).
# Usage: go_gotenv.sh FILE   (builds target/readers/gotenv first if it is missing or stale)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/../../target/readers/gotenv"
if [ ! -x "$bin" ] || [ "$here/go/gotenv/main.go" -nt "$bin" ]; then
  mkdir -p "$here/../../target/readers"
  flock "$here/../../target/readers/.build.lock" sh -c '[ -x "$1" ] && [ ! "$2" -nt "$1" ] || "$3" >&2' sh "$bin" "$here/go/gotenv/main.go" "$here/go/build.sh"
fi
exec "$bin" "$@"
