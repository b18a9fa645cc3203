#!/usr/bin/env bash
# Shared by the action's test scripts (sourced, never run).

# debug_binary REPO WHO: prints the binary to test, E2E_BINARY or REPO's
# debug build, building the latter with `cargo build --locked` if missing.
debug_binary() {
    local repo=$1 who=$2 bin=${E2E_BINARY:-$1/target/debug/aws-secrets-env}
    if [[ ! -x $bin ]]; then
        echo "$who: building $bin" >&2
        (cd "$repo" && cargo build --locked --bin aws-secrets-env) >&2
    fi
    printf '%s\n' "$bin"
}
