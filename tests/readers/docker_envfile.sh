#!/usr/bin/env bash
# Conformance reader: the real docker CLI's `--env-file` parser (docker/cli pkg/kvfile),
# measured with `docker create --env-file FILE` against docker/fake_engine.py.
# Usage: docker_envfile.sh FILE -> {"K": "V", ...}; exit 1 with the CLI's message if it
# rejects the file. Needs the docker CLI only (no daemon). See docker/fake_engine.py.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="$here/../../.venv/bin/python"; [ -x "$py" ] || py="$(command -v python3)"
exec "$py" "$here/docker/fake_engine.py" envfile "$@"
