#!/usr/bin/env bash
# Shared by the action's test scripts and tests/release/ (sourced, never
# run): the pass/fail counters, a free port, a moto server, the binary to
# test, and act without a network.

passed=0
failed=0
# ok NAME / not_ok NAME [LOG]: count a check and print its line (with LOG's
# lines under a failure, when given).
ok() {
    passed=$((passed + 1))
    printf 'ok   - %s\n' "$1"
}
not_ok() {
    failed=$((failed + 1))
    printf 'FAIL - %s\n' "$1"
    if [[ -n ${2:-} && -f $2 ]]; then
        sed 's/^/       | /' "$2"
    fi
}
# finish_tests: the last line, "N passed, M failed"; false if any failed.
finish_tests() {
    echo
    echo "$passed passed, $failed failed"
    ((failed == 0))
}

# free_port PYTHON: a TCP port free on 127.0.0.1 now.
free_port() {
    "$1" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_moto_server MOTO_SERVER PYTHON LOG: starts moto on a free port,
# waits until it answers, and sets $endpoint and $moto_pid (the caller
# stops it); on failure prints LOG and exits 1.
# shellcheck disable=SC2034 # endpoint and moto_pid are the caller's
start_moto_server() {
    local moto=$1 python=$2 log=$3 port
    port=$(free_port "$python")
    "$moto" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
    moto_pid=$!
    endpoint=http://127.0.0.1:$port
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "$endpoint/moto-api/" 2>/dev/null && break
        sleep 0.1
    done
    curl -fsS -o /dev/null "$endpoint/moto-api/" || {
        cat "$log" >&2
        echo "moto did not start" >&2
        exit 1
    }
}

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
