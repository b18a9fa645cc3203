#!/usr/bin/env bash
# Conformance reader wrapper: Go viper (Debian package; see go/viper/main.go and README.md).
# Usage: go_viper.sh FILE   (builds target/readers/viper first if it is missing or stale)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/../../target/readers/viper"
if [ ! -x "$bin" ] || [ "$here/go/viper/main.go" -nt "$bin" ]; then
  mkdir -p "$here/../../target/readers"
  flock "$here/../../target/readers/.build.lock" sh -c '[ -x "$1" ] && [ ! "$2" -nt "$1" ] || "$3" >&2' sh "$bin" "$here/go/viper/main.go" "$here/go/build.sh"
fi
exec "$bin" "$@"
