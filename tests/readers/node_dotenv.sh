#!/usr/bin/env bash
# Conformance reader wrapper: node dotenv (see node/read-dotenv.js; versions pinned in node/package-lock.json).
# Usage: node_dotenv.sh FILE
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ ! -d "$here/node/node_modules" ]; then
  echo "reader: $here/node/node_modules missing; run tests/readers/install.sh" >&2; exit 2
fi
exec node "$here/node/read-dotenv.js" "$@"
