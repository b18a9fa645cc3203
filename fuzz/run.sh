#!/usr/bin/env bash
# Builds the fuzz targets (encoders, selectors, flatten) and runs each for
# FUZZ_SECONDS (default 60). Exits non-zero when the fuzzer finds a crash (the
# input is saved under fuzz/artifacts/TARGET/) or the build fails.
#
# cargo-fuzz needs nightly-only rustc flags (-Zsanitizer, sanitizer coverage);
# RUSTC_BOOTSTRAP=1 lets the pinned stable toolchain accept them.
# Usage: fuzz/run.sh [extra libFuzzer flags...]
#   FUZZ_TARGETS   space-separated targets (default: encoders selectors flatten)
#   FUZZ_RUNS      run this many inputs per target instead of FUZZ_SECONDS,
#                  from an empty corpus with a fixed seed (FUZZ_SEED, default
#                  1): a reproducible run, as CI needs
#   FUZZ_SECONDS   run time in seconds (default 60)
#   FUZZ_SANITIZER address (default) or none (faster; the target is safe Rust)
#   FUZZ_JOBS      parallel fuzzing processes (default 1)
set -euo pipefail
fuzz_dir=$(cd "$(dirname "$0")" && pwd)
cd "$fuzz_dir"

seconds=${FUZZ_SECONDS:-60}
sanitizer=${FUZZ_SANITIZER:-address}
jobs=${FUZZ_JOBS:-1}
case $seconds in '' | *[!0-9]*) echo "run.sh: FUZZ_SECONDS must be a whole number" >&2; exit 2 ;; esac

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "run.sh: cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
  exit 2
fi

export RUSTC_BOOTSTRAP=1
read -r -a targets <<<"${FUZZ_TARGETS:-encoders selectors flatten}"
for target in "${targets[@]}"; do
  cargo fuzz build -s "$sanitizer" "$target"
done

for target in "${targets[@]}"; do
  if [ -n "${FUZZ_RUNS:-}" ]; then
    corpus=$(mktemp -d)
    args=(-runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}")
    what="$FUZZ_RUNS inputs, seed ${FUZZ_SEED:-1}"
  else
    corpus=corpus/$target
    mkdir -p "$corpus"
    args=(-max_total_time="$seconds")
    what="${seconds}s"
  fi
  args+=(-dict="$fuzz_dir/encoders.dict" -print_final_stats=1)
  if [ "$jobs" -gt 1 ]; then
    args+=(-fork="$jobs")
  fi
  echo "run.sh: fuzzing $target ($what)" >&2
  # libFuzzer exits non-zero (and writes artifacts/TARGET/crash-*) on a
  # crash; set -e passes that on.
  cargo fuzz run -s "$sanitizer" "$target" "$corpus" -- "${args[@]}" "$@"
done
