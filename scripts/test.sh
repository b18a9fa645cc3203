#!/usr/bin/env bash
# Runs every check and test: installs what they need (scripts/setup.sh), then
# rustfmt, clippy, shellcheck, unit, integration and conformance tests (against
# a moto server the harness starts on 127.0.0.1, files read back by the real
# consumers), and the GitHub Action's install and act end-to-end tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/setup.sh
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt clippy
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
# Licences (no GPL), banned crates (OpenSSL, envfile) and sources; the
# advisory database needs GitHub, so advisories run in the GitHub workflow.
command -v cargo-deny >/dev/null || cargo install --locked --quiet cargo-deny@0.20.2
cargo deny --log-level error check licenses bans sources
shellcheck -S warning scripts/*.sh .ci/run dist/*.sh tests/action/*.sh tests/readers/*.sh \
  tests/readers/go/build.sh tests/faults/*.sh fuzz/run.sh bench/*.sh
# A short, reproducible fuzzing run (fixed seed, fixed number of inputs, empty
# corpus) of the encoders, the selector parser and JSON flattening; longer,
# open-ended runs: `FUZZ_SECONDS=600 bash fuzz/run.sh`. cargo-fuzz runs on the
# stable toolchain through RUSTC_BOOTSTRAP.
command -v cargo-fuzz >/dev/null || cargo install --locked --quiet cargo-fuzz@0.13.2
fuzz_log=$(mktemp)
if ! FUZZ_RUNS=${FUZZ_RUNS:-40000} FUZZ_SEED=${FUZZ_SEED:-1} bash fuzz/run.sh >"$fuzz_log" 2>&1; then
  tail -n 60 "$fuzz_log"
  echo "scripts/test.sh: the fuzzer found a crash or did not build (fuzz/artifacts/)" >&2
  exit 1
fi
grep -E '^(run\.sh: fuzzing|Done [0-9]+ runs)' "$fuzz_log"
cargo test --locked
# The composite action: verified install against a local HTTPS release, then
# end to end under nektos/act (host mode) against moto.
bash tests/action/install_test.sh
bash tests/action/act_test.sh
