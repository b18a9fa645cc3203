#!/usr/bin/env bash
# bench/container_startup.sh: container start-up cost of the seed's entrypoint
# (bash + AWS CLI + jq, examples/container/seed-entrypoint.sh) against
# `aws-secrets-env exec`, both loading the same two secrets from a local moto
# server. Prints Markdown (progress goes to stderr).
#
#   bash bench/container_startup.sh            # 10 runs each, start-up table
#   bash bench/container_startup.sh --sizes    # also the image-size table
#                                              # (installs awscli into a fresh
#                                              # venv from PyPI)
#   bash bench/container_startup.sh --runs 20 --wait-load 1.0
#
# Options:
#   --runs N          timed runs per contender (default 10; one warm-up run
#                     each is not counted)
#   --bin PATH        aws-secrets-env binary (default target/release/...)
#   --awscli-venv DIR venv with the AWS CLI (default bench/.venv-awscli; made
#                     under the temporary directory from PyPI if missing)
#   --sizes           also measure the image components (see docs/container.md)
#   --wait-load X     first wait (up to --wait-max seconds, default 600) until
#                     the 1-minute load average is below X
#   --wait-max S      the longest wait for --wait-load, in seconds
#
# What is measured, per run, with the two contenders alternating:
#   start-up  from just before the launch (bash $EPOCHREALTIME) until the app
#             command runs: the app is `/usr/bin/date +%s%6N`, whose output
#             is the moment it ran. Both contenders pay the same
#             subshell + /usr/bin/time + env + date start-up (about 3.4 ms
#             on the machine of docs/container.md).
#   peak RSS  /usr/bin/time -f %M: Linux ru_maxrss of the waited-for child,
#             i.e. the largest single process in its tree, not the sum of the
#             processes alive at the same time. For the seed that is the
#             `aws` Python process (bash and jq are a few MiB each and run
#             beside it); for aws-secrets-env it is its own peak before
#             execve (the exec'd app's is also included; `date` is ~2 MiB).
#   CPU       user + system seconds of the whole tree (%U + %S).
# Before timing, each contender's app is `/usr/bin/env` once, and the eight
# variables must arrive with their exact values.
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=10
bin="$root/target/release/aws-secrets-env"
awscli_venv="$root/bench/.venv-awscli"
awscli_version="${AWSCLI_VERSION:-1.46.3}"
sizes=false
wait_load=""
wait_max=600

die() { printf 'container_startup.sh: %s\n' "$*" >&2; exit 1; }
log() { printf '%s\n' "$*" >&2; }

while (($#)); do
    case "$1" in
        --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
        --bin) bin="${2:?--bin needs a path}"; shift 2 ;;
        --awscli-venv) awscli_venv="${2:?--awscli-venv needs a directory}"; shift 2 ;;
        --sizes) sizes=true; shift ;;
        --wait-load) wait_load="${2:?--wait-load needs a number}"; shift 2 ;;
        --wait-max) wait_max="${2:?--wait-max needs seconds}"; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"

entrypoint="$root/examples/container/seed-entrypoint.sh"
moto="$root/.venv/bin/moto_server"
venv_python="$root/.venv/bin/python"
[[ -x "$bin" ]] || die "no binary at $bin: build it with 'cargo build --release --locked'"
bin=$(readlink -f "$bin")
awscli_venv=$(readlink -m "$awscli_venv")
"$bin" exec --help >/dev/null 2>&1 || die "$bin has no 'exec' subcommand: rebuild it"
[[ -x "$moto" && -x "$venv_python" ]] || die "no moto in $root/.venv: run scripts/setup.sh"
[[ -f "$entrypoint" ]] || die "missing $entrypoint"
[[ -x /usr/bin/time ]] || die "GNU time is needed at /usr/bin/time (apt-get install time)"
command -v jq >/dev/null || die "jq is needed (apt-get install jq)"
[[ -x /usr/bin/date && -x /usr/bin/env ]] || die "coreutils date/env expected in /usr/bin"

tmp=$(mktemp -d /tmp/container-startup.XXXXXX)
moto_pid=""
cleanup() {
    if [[ -n "$moto_pid" ]]; then
        kill "$moto_pid" 2>/dev/null || true
        wait "$moto_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

load1() { cut -d' ' -f1 /proc/loadavg; }

if [[ -n "$wait_load" ]]; then
    waited=0
    while awk -v l="$(load1)" -v x="$wait_load" 'BEGIN { exit !(l >= x) }'; do
        if ((waited >= wait_max)); then
            log "load $(load1) still >= $wait_load after ${wait_max}s; measuring anyway"
            break
        fi
        log "waiting for the 1-minute load ($(load1)) to drop below $wait_load..."
        sleep 15
        waited=$((waited + 15))
    done
fi

# --- the AWS CLI ------------------------------------------------------------
if [[ ! -x "$awscli_venv/bin/aws" ]]; then
    awscli_venv="$tmp/venv-awscli"
    log "installing awscli==$awscli_version into $awscli_venv (PyPI)..."
    python3 -m venv "$awscli_venv"
    "$awscli_venv/bin/pip" install --quiet --disable-pip-version-check \
        "awscli==$awscli_version" >&2
fi

# --- moto on a free port ------------------------------------------------------
port=$("$venv_python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$moto" -H 127.0.0.1 -p "$port" >"$tmp/moto.log" 2>&1 &
moto_pid=$!
endpoint="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    kill -0 "$moto_pid" 2>/dev/null || die "moto exited: $(cat "$tmp/moto.log")"
    sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || die "moto did not listen on $port"

mkdir -p "$tmp/home" "$tmp/work"
# Both contenders run with exactly this environment (env -i): no profile, no
# GITHUB_ACTIONS (so no masking output), the CLI's venv first on PATH.
base_env=(
    "PATH=$awscli_venv/bin:/usr/local/bin:/usr/bin:/bin"
    "HOME=$tmp/home"
    "LANG=C.UTF-8"
    "AWS_ACCESS_KEY_ID=testing"
    "AWS_SECRET_ACCESS_KEY=testing"
    "AWS_DEFAULT_REGION=us-east-1"
    "AWS_REGION=us-east-1"
    "AWS_ENDPOINT_URL=$endpoint"
    "AWS_EC2_METADATA_DISABLED=true"
)

# Two secrets shaped like the seed's (JSON objects, four keys each). The values
# avoid what the seed's script cannot carry (', runs of whitespace, newlines),
# so that both contenders do the same work and pass the same check.
"$venv_python" - "$endpoint" >"$tmp/expected" <<'PY'
import json, sys
import boto3
client = boto3.client(
    "secretsmanager", endpoint_url=sys.argv[1], region_name="us-east-1",
    aws_access_key_id="testing", aws_secret_access_key="testing",
)
secrets = {
    "db/credentials": {
        "MYSQL_HOST": "todobackend-db.cluster-abc123.us-east-1.rds.amazonaws.com",
        "MYSQL_USER": "todobackend",
        "MYSQL_PASSWORD": "some-super-secret-password",
        "MYSQL_DATABASE": "todobackend",
    },
    "app/credentials": {
        "SECRET_KEY": "E2]eTfO~8Z5)&0SlR-&XQf=yA:B(`,p.B#R6d]a~X-vf?%%/wY",
        "TOKEN_SYMMETRIC_KEY": "12345678901234567890123456789012",
        "ACCESS_TOKEN_DURATION": "15m",
        "DB_SOURCE": "postgresql://root:s3cr3t@db.example.com:5432/simple_bank?sslmode=require",
    },
}
for name, value in secrets.items():
    client.create_secret(Name=name, SecretString=json.dumps(value))
    for key, v in value.items():
        print(f"{key}={v}")
PY

seed_cmd=(env -i "${base_env[@]}" "SECRETS=db/credentials app/credentials"
    /bin/bash "$entrypoint")
ours_cmd=(env -i "${base_env[@]}"
    "$bin" exec --secret-id db/credentials --secret-id app/credentials --)

# --- correctness check ----------------------------------------------------------
check() { # name cmd...
    local name=$1; shift
    (cd "$tmp/work" && "$@" /usr/bin/env) >"$tmp/env.out" 2>"$tmp/env.err" \
        || die "$name failed: $(cat "$tmp/env.err")"
    local key line
    while IFS= read -r line; do
        key=${line%%=*}
        grep -qxF -- "$line" "$tmp/env.out" \
            || die "$name: $key did not arrive with its exact value"
    done <"$tmp/expected"
}
check "seed entrypoint" "${seed_cmd[@]}"
check "aws-secrets-env exec" "${ours_cmd[@]}"

# --- timing ---------------------------------------------------------------------
one_run() { # label cmd...: appends "startup_us wall_us rss_kib cpu_s" to $tmp/label
    local label=$1; shift
    local t0 t1 app
    t0=${EPOCHREALTIME/./}
    (cd "$tmp/work" && /usr/bin/time -f '%M %U %S' -o "$tmp/time.out" \
        "$@" /usr/bin/date +%s%6N) >"$tmp/run.out" 2>"$tmp/run.err" \
        || die "$label failed: $(cat "$tmp/run.err")"
    t1=${EPOCHREALTIME/./}
    app=$(tail -n 1 "$tmp/run.out")
    [[ "$app" =~ ^[0-9]+$ ]] || die "$label: the app printed no timestamp"
    read -r rss user sys <"$tmp/time.out"
    printf '%s %s %s %s\n' "$((app - t0))" "$((t1 - t0))" "$rss" \
        "$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')" >>"$tmp/$label"
}

load_start=$(cut -d" " -f1-3 /proc/loadavg)
date_start=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
log "warm-up..."
one_run warmup "${seed_cmd[@]}"
one_run warmup "${ours_cmd[@]}"
: >"$tmp/seed"
: >"$tmp/ours"
for i in $(seq 1 "$runs"); do
    log "run $i/$runs (load $(load1))"
    if ((i % 2)); then
        one_run seed "${seed_cmd[@]}"
        one_run ours "${ours_cmd[@]}"
    else
        one_run ours "${ours_cmd[@]}"
        one_run seed "${seed_cmd[@]}"
    fi
done
load_end=$(cut -d" " -f1-3 /proc/loadavg)

# median of column $2 in file $1 (average of the two middle values if even)
median() { cut -d' ' -f"$2" "$1" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minmax() { cut -d' ' -f"$2" "$1" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo, hi }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

row() { # label file
    local f=$2 lo hi
    read -r lo hi < <(minmax "$f" 1)
    printf '| %s | %s ms (%s–%s) | %s ms | %s MiB | %s s |\n' "$1" \
        "$(ms "$(median "$f" 1)")" "$(ms "$lo")" "$(ms "$hi")" \
        "$(ms "$(median "$f" 2)")" "$(mib "$(median "$f" 3)")" \
        "$(awk -v c="$(median "$f" 4)" 'BEGIN { printf "%.2f", c }')"
}

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem_total=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
aws_version=$(env -i "${base_env[@]}" aws --version 2>&1)
moto_version=$("$venv_python" -c 'import moto; print(moto.__version__)')

echo "## Container start-up: seed entrypoint vs \`aws-secrets-env exec\`"
echo
echo "- date: $date_start; machine: $(nproc) cores, $cpu_model, $mem_total RAM, $(uname -sr)"
echo "- load average (1, 5, 15 min) at start: $load_start; at end: $load_end"
echo "- two secrets in moto $moto_version on 127.0.0.1 (db/credentials, app/credentials; 4 keys each); $runs runs each after one warm-up, alternating"
echo "- seed: \`SECRETS=\"db/credentials app/credentials\" bash examples/container/seed-entrypoint.sh CMD\` with $aws_version, $(jq --version), bash ${BASH_VERSION%%(*}"
echo "- ours: \`$("$bin" --version) exec --secret-id db/credentials --secret-id app/credentials -- CMD\` ($(stat -c %s "$bin") bytes, $(basename "$(dirname "$bin")") build)"
echo
echo "| contender | launch → app runs, median (min–max) | wall until exit, median | peak RSS (largest process), median | CPU user+sys, median |"
echo "|---|---|---|---|---|"
row "seed entrypoint (bash + aws CLI + jq)" "$tmp/seed"
row "\`aws-secrets-env exec\`" "$tmp/ours"
awk -v a="$(median "$tmp/seed" 1)" -v b="$(median "$tmp/ours" 1)" \
    'BEGIN { printf "\nStart-up ratio (medians): the seed entrypoint takes %.1f× as long.\n", a / b }'

# --- image sizes ----------------------------------------------------------------
if [[ "$sizes" == true ]]; then
    kib_of_pkg() { dpkg-query -W -f '${Installed-Size}' "$1"; }
    du_k() { du -sk "$@" | awk '{ s += $1 } END { print s + 0 }'; }
    log "sizes: installing awscli==$awscli_version into a fresh venv (PyPI)..."
    fresh="$tmp/venv-fresh"
    /usr/bin/python3 -m venv "$fresh"
    sp=$(echo "$fresh"/lib/python3*/site-packages)
    sp_before=$(du_k "$sp")
    bin_before=$(du_k "$fresh/bin")
    pip_k=$(du_k "$sp"/pip "$sp"/pip-*.dist-info)
    "$fresh/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check \
        "awscli==$awscli_version" >&2
    awscli_k=$(($(du_k "$sp") - sp_before + $(du_k "$fresh/bin") - bin_before))
    ours_bin_b=$(stat -c %s "$bin")
    ca_b=$(stat -c %s /etc/ssl/certs/ca-certificates.crt)
    py_k=0
    for p in python3.11-minimal libpython3.11-minimal libpython3.11-stdlib python3-minimal; do
        py_k=$((py_k + $(kib_of_pkg "$p")))
    done
    jq_k=$(($(kib_of_pkg jq) + $(kib_of_pkg libjq1) + $(kib_of_pkg libonig5)))
    bash_k=$(kib_of_pkg bash)
    seed_total_k=$((awscli_k + pip_k + py_k + jq_k + bash_k))
    ours_total_k=$(((ours_bin_b + ca_b + 1023) / 1024))
    echo
    echo "## Image size: what each approach adds to the app"
    echo
    echo "| component | size | how measured |"
    echo "|---|---|---|"
    echo "| **ours**: aws-secrets-env | $(mib $((ours_bin_b / 1024))) MiB | \`stat\` of the stripped release binary (glibc build on $(uname -m); the musl static build was not buildable here) |"
    echo "| **ours**: CA bundle | $(mib $((ca_b / 1024))) MiB | \`stat\` of /etc/ssl/certs/ca-certificates.crt (Debian) |"
    echo "| **ours: total** | **$(mib "$ours_total_k") MiB** | on \`FROM scratch\`, nothing else |"
    echo "| seed: awscli $awscli_version + dependencies | $(mib "$awscli_k") MiB | \`du -sk\` growth of site-packages + bin of a fresh Debian python3 venv |"
    echo "| seed: pip | $(mib "$pip_k") MiB | \`du -sk\` of pip in that venv (the seed's \`pip3 install\` needs it; py3-pip on current alpine) |"
    echo "| seed: Python 3.11 | $(mib "$py_k") MiB | dpkg Installed-Size: python3.11-minimal, libpython3.11-minimal, libpython3.11-stdlib, python3-minimal (Debian) |"
    echo "| seed: jq | $(mib "$jq_k") MiB | dpkg Installed-Size: jq, libjq1, libonig5 (Debian) |"
    echo "| seed: bash | $(mib "$bash_k") MiB | dpkg Installed-Size: bash (Debian) |"
    echo "| **seed: total** | **$(mib "$seed_total_k") MiB** | on top of its base image |"
    awk -v a="$seed_total_k" -v b="$ours_total_k" \
        'BEGIN { printf "\nThe seed approach adds %.0f× the bytes (Debian package sizes; alpine'"'"'s differ, see docs/container.md).\n", a / b }'
fi
