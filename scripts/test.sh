#!/usr/bin/env bash
# Runs every check and test: installs what they need (scripts/setup.sh), then
# rustfmt, clippy, unit and integration tests (against a moto server the
# harness starts on 127.0.0.1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/setup.sh
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt clippy
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked
