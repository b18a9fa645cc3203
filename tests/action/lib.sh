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

# act_offline SCRIPT ARGS...: act must run with no network, so that a
# reference the action makes to anything but its own ref fails the job
# instead of being cloned. Runs SCRIPT again in a network namespace with only
# a loopback (`unshare -n`, or `-rn` where unprivileged; moto and any helper
# start inside it) and never returns; where no namespace can be made, sets
# the array `offline` to proxy variables for act pointing at a closed port.
# shellcheck disable=SC2034 # offline is read by the caller
act_offline() {
    local script=$1 how closed local_hosts
    shift
    if [[ -z ${ACT_TEST_OFFLINE:-} ]]; then
        # shellcheck disable=SC2086 # $how is a command and its option
        for how in "unshare -n" "unshare -rn"; do
            if $how true 2>/dev/null && $how sh -c 'ip link set lo up' 2>/dev/null; then
                exec env ACT_TEST_OFFLINE="$how" $how -- bash "$script" "$@"
            fi
        done
        ACT_TEST_OFFLINE=proxy
    fi
    offline=()
    if [[ $ACT_TEST_OFFLINE == proxy ]]; then
        echo "act_test: no network namespace here: act's proxies point at a closed port instead" >&2
        closed=http://127.0.0.1:9 local_hosts=127.0.0.1,localhost
        offline=("HTTPS_PROXY=$closed" "HTTP_PROXY=$closed" "ALL_PROXY=$closed" "https_proxy=$closed"
            "http_proxy=$closed" "NO_PROXY=$local_hosts" "no_proxy=$local_hosts")
    else
        ip link set lo up
        echo "act_test: offline ($ACT_TEST_OFFLINE): loopback only" >&2
    fi
}
