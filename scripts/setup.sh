#!/usr/bin/env bash
# Installs what the demo and the tests need, idempotently, on a fresh Debian
# machine that has the Rust toolchain: system packages, a project venv (.venv)
# with the pinned moto server, python-dotenv and act, and the conformance
# readers (tests/readers/install.sh).
# Usage: scripts/setup.sh [--minimal | --release]
#   --minimal: only what the demo needs
#   --release: also what scripts/rehearse-release.sh and tests/release/ need:
#              buildah and skopeo (images without a daemon), file, busybox-static
#              (a shell for the test image), and maturin from
#              scripts/requirements-release.txt
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

say() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    say "missing ${missing[*]} and no apt-get: install them by hand"; return 1
  fi
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  say "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Python with venv support: the machine's own if it has one, else Debian's.
if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  apt_install python3 python3-venv python3-pip
fi
full=1 release=
[ "${1:-}" = "--minimal" ] && full=
[ "${1:-}" = "--release" ] && release=1
if [ -n "$full" ]; then
  # dash for read-back tests; curl/openssl/git for the action's install and act tests;
  # strace for the tests that hold or fail the binary's own system calls.
  apt_install dash ca-certificates curl openssl git shellcheck strace make
fi

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
# The pins live in one place, scripts/requirements-test.txt.
if ! .venv/bin/python - scripts/requirements-test.txt <<'PY' 2>/dev/null
import importlib.metadata as m, re, sys
pins = [re.match(r"([A-Za-z0-9_.-]+)(\[[^]]*\])?==(\S+)", l) for l in open(sys.argv[1])]
sys.exit(0 if all(m.version(p[1]) == p[3] for p in pins if p) else 1)
PY
then
  say "pip install -r scripts/requirements-test.txt"
  .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
fi
if [ -n "$release" ]; then
  apt_install buildah skopeo file busybox-static
  if ! .venv/bin/python - scripts/requirements-release.txt <<'PY' 2>/dev/null
import importlib.metadata as m, re, sys
pins = [re.match(r"([A-Za-z0-9_.-]+)(\[[^]]*\])?==(\S+)", l) for l in open(sys.argv[1])]
sys.exit(0 if all(m.version(p[1]) == p[3] for p in pins if p) else 1)
PY
  then
    say "pip install -r scripts/requirements-release.txt"
    .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-release.txt
  fi
  say "ready for scripts/rehearse-release.sh: $(.venv/bin/maturin --version), $(buildah --version)"
  exit 0
fi
if [ -n "$full" ]; then
  # The conformance readers: Go (godotenv, gotenv, viper from Debian), node
  # dotenv/dotenvx (npm ci), python-dotenv, YAML readers, systemd, docker CLI.
  bash tests/readers/install.sh
fi
say "ready: .venv/bin/moto_server $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("moto"))')"
