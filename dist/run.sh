#!/usr/bin/env bash
# Validates the action's inputs and runs `aws-secrets-env write`.
#
#   run.sh --check   validate only (the action's first step, before any
#                    download or build)
#   run.sh           validate, then run `write` with the binary named by
#                    AWS_SECRETS_ENV_INSTALLED_BIN (the install step's output)
#
# dist/main.js (the action's main step) maps every input to an
# AWS_SECRETS_ENV_* variable; the binary reads those itself, and writes the step outputs (path, keys,
# count), the job summary, the masks and $GITHUB_ENV. Input values are
# never echoed here: a bad value is reported by name only.
set -CeEuo pipefail
# TMOUT, which bash imports even under -p, is `read`'s default timeout: a
# loop over `read` would end early as if at the end of its input (and skip
# the filtering below). No `read` is used here (mapfile does not time out),
# and TMOUT goes first anyway.
unset TMOUT

mapfile -t _inherited_functions < <(compgen -A function || true)
for _f in "${_inherited_functions[@]}"; do
    unset -f "$_f"
done
unset _f _inherited_functions

errors=0
bad() {
    # Messages are fixed text plus input names: nothing to escape.
    printf '::error title=aws-secrets-env%%3A invalid input::%s\n' "$*"
    errors=$((errors + 1))
}

# check INPUT VAR ALLOWED...: exact match after lower-casing.
check() {
    local input=$1 var=$2 value
    shift 2
    value=${!var:-}
    value=${value,,}
    local allowed
    for allowed in "$@"; do
        if [[ $value == "$allowed" ]]; then
            printf -v "$var" '%s' "$value"
            export "${var?}"
            return 0
        fi
    done
    local IFS='|'
    bad "input '$input' must be one of: $*"
}

# selectors VAR: the lines of VAR that are not blank or # comments.
selectors() {
    local line n=0 lines=()
    mapfile -t lines <<<"${!1:-}"
    for line in "${lines[@]}"; do
        line=${line%$'\r'}
        line=${line#"${line%%[![:space:]]*}"}
        [[ -z $line || $line == \#* ]] && continue
        n=$((n + 1))
    done
    printf '%s' "$n"
}

# at_least_10 TEXT: whether JavaScript's Number(TEXT) is a number >= 10, as
# the official action checks auto-select-family-attempt-timeout: ASCII white
# space trimmed; a decimal with optional sign, fraction and exponent;
# 0x/0o/0b integers (no sign); [+]Infinity. Exact for any length (no
# arithmetic on the whole number).
at_least_10() {
    local v=$1 digits int frac exp n
    v=${v#"${v%%[![:space:]]*}"}
    v=${v%"${v##*[![:space:]]}"}
    case $v in
        Infinity | +Infinity) return 0 ;;
    esac
    if [[ $v =~ ^0[xX]([0-9a-fA-F]+)$ || $v =~ ^0[oO]([0-7]+)$ || $v =~ ^0[bB]([01]+)$ ]]; then
        digits=${BASH_REMATCH[1]}
        digits=${digits#"${digits%%[!0]*}"}
        ((${#digits} > 0 && ${#digits} <= 15)) || return $((${#digits} == 0))
        case ${v:1:1} in
            x | X) n=$((16#$digits)) ;;
            o | O) n=$((8#$digits)) ;;
            *) n=$((2#$digits)) ;;
        esac
        ((n >= 10))
        return
    fi
    [[ $v =~ ^\+?([0-9]*)(\.([0-9]*))?([eE]([+-]?[0-9]+))?$ ]] || return 1
    int=${BASH_REMATCH[1]} frac=${BASH_REMATCH[3]} exp=${BASH_REMATCH[5]:-0}
    [[ -n $int$frac ]] || return 1
    [[ -z ${BASH_REMATCH[4]} || -n $exp ]] || return 1
    # The value is 0.D x 10^n, D the significant digits (first one non-zero):
    # at least 10 when n >= 2.
    digits=$int$frac
    n=${#int}
    while [[ $digits == 0* ]]; do
        digits=${digits#0}
        n=$((n - 1))
    done
    [[ -n $digits ]] || return 1
    local mag=${exp#[+-]}
    mag=${mag#"${mag%%[!0]*}"}
    if ((${#mag} > 15)); then
        [[ $exp != -* ]]
        return
    fi
    mag=$((10#${mag:-0}))
    [[ $exp != -* ]] || mag=$((-mag))
    ((n + mag >= 2))
}

# Two styles of inputs, never mixed (docs/action.md, "Migrating"): ours
# (secret-id, parse-json) or aws-actions/aws-secretsmanager-get-secrets'
# (secret-ids, parse-json-secrets, auto-select-family-attempt-timeout),
# which exports every variable and writes no file unless output is given.
official=false
(($(selectors AWS_SECRETS_ENV_SECRET_IDS) > 0)) && official=true
export_env=${AWS_SECRETS_ENV_EXPORT_ENV:-}
export_env=${export_env,,}
no_file=false
if [[ $official == true ]]; then
    mixed="input 'secret-ids' (the aws-secretsmanager-get-secrets style) cannot be mixed with"
    [[ -z ${AWS_SECRETS_ENV_SECRET_ID:-} ]] || bad "$mixed 'secret-id' (this action's style): keep one of them"
    [[ -z ${AWS_SECRETS_ENV_PARSE_JSON:-} ]] || bad "$mixed 'parse-json': use 'parse-json-secrets: true'"
    [[ $export_env =~ ^(|true|only)$ ]] || bad "$mixed 'export-env: $export_env': secret-ids always exports (add 'output' for a file as well)"
    # As the official getBooleanInput: these six spellings only.
    case ${AWS_SECRETS_ENV_PARSE_JSON_SECRETS:-false} in
        true | True | TRUE) AWS_SECRETS_ENV_PARSE_JSON=auto ;;
        false | False | FALSE) AWS_SECRETS_ENV_PARSE_JSON=never ;;
        *) bad "input 'parse-json-secrets' must be one of: true | True | TRUE | false | False | FALSE" ;;
    esac
    if ! at_least_10 "${AWS_SECRETS_ENV_AUTO_SELECT_FAMILY_ATTEMPT_TIMEOUT:-1000}"; then
        bad "input 'auto-select-family-attempt-timeout' must be a number greater than or equal to 10"
    fi
    AWS_SECRETS_ENV_SECRET_ID=$AWS_SECRETS_ENV_SECRET_IDS
    : "${AWS_SECRETS_ENV_NAME_TRANSFORMATION:=uppercase}"
    AWS_SECRETS_ENV_COMPAT=official
    export_env=true
    [[ -n ${AWS_SECRETS_ENV_OUTPUT:-} ]] || no_file=true
else
    for input in parse-json-secrets auto-select-family-attempt-timeout; do
        var=AWS_SECRETS_ENV_${input//-/_}
        var=${var^^}
        [[ -z ${!var:-} ]] || bad "input '$input' belongs to the aws-secretsmanager-get-secrets style: give 'secret-ids' with it (or use this action's 'secret-id' and 'parse-json')"
    done
    # No selector: name the input that was given, or both styles' inputs
    # (an empty `secret-ids: ''` cannot be told from no secret-ids; the
    # official action loads nothing for it, this one fails: docs/action.md).
    if (($(selectors AWS_SECRETS_ENV_SECRET_ID) == 0)); then
        if [[ ${AWS_SECRETS_ENV_SECRET_IDS:-} == *[![:space:]]* ]]; then
            bad "input 'secret-ids' names no secret (only blank lines and comments): one secret name, ARN or PREFIX* per line"
        elif [[ ${AWS_SECRETS_ENV_SECRET_ID:-} == *[![:space:]]* ]]; then
            bad "input 'secret-id' names no secret (only blank lines and comments): one selector per line, e.g. 'prod/myapp' or 'DB,prod/db:password'"
        else
            bad "no secret to load: give 'secret-id' (this action's style: one selector per line, e.g. 'prod/myapp' or 'DB,prod/db:password') or 'secret-ids' (as in aws-secretsmanager-get-secrets); an empty 'secret-ids' fails here, where the official action loads nothing"
        fi
    fi
    : "${AWS_SECRETS_ENV_NAME_TRANSFORMATION:=none}" "${AWS_SECRETS_ENV_PARSE_JSON:=auto}"
    AWS_SECRETS_ENV_COMPAT=none
    if [[ $export_env == only ]]; then
        [[ -z ${AWS_SECRETS_ENV_OUTPUT:-} ]] || bad "input 'export-env' is 'only', which writes no file: drop 'output'"
        no_file=true
        export_env=true
    fi
    : "${export_env:=false}"
    [[ $no_file == true ]] || : "${AWS_SECRETS_ENV_OUTPUT:=app.env}"
fi
AWS_SECRETS_ENV_EXPORT_ENV=$export_env AWS_SECRETS_ENV_NO_FILE=$no_file
export AWS_SECRETS_ENV_SECRET_ID AWS_SECRETS_ENV_NAME_TRANSFORMATION AWS_SECRETS_ENV_PARSE_JSON AWS_SECRETS_ENV_MODE \
    AWS_SECRETS_ENV_COMPAT AWS_SECRETS_ENV_EXPORT_ENV AWS_SECRETS_ENV_NO_FILE

for pair in output:AWS_SECRETS_ENV_OUTPUT base:AWS_SECRETS_ENV_BASE example:AWS_SECRETS_ENV_EXAMPLE; do
    var=${pair#*:}
    case ${!var:-} in
        *$'\n'* | *$'\r'*) bad "input '${pair%%:*}' must be a single path" ;;
    esac
done
# The set of formats belongs to the binary (`aws-secrets-env write --help`);
# check the shape here, the binary rejects unknown names (exit 2, see below).
if [[ ! ${AWS_SECRETS_ENV_FORMAT:-} =~ ^[a-z0-9-]+$ ]]; then
    bad "input 'format' must be a format name such as dotenv, shell, json or github-env"
fi
check mask AWS_SECRETS_ENV_MASK true false auto always never
[[ $official == true ]] || check parse-json AWS_SECRETS_ENV_PARSE_JSON auto always never
check name-transformation AWS_SECRETS_ENV_NAME_TRANSFORMATION none uppercase lowercase
[[ $official == true ]] || check export-env AWS_SECRETS_ENV_EXPORT_ENV true false only
: "${AWS_SECRETS_ENV_ALLOW_OUTSIDE_WORKSPACE:=false}"
check allow-outside-workspace AWS_SECRETS_ENV_ALLOW_OUTSIDE_WORKSPACE true false
: "${AWS_SECRETS_ENV_DRY_RUN:=false}"
check dry-run AWS_SECRETS_ENV_DRY_RUN true false
# The permissions the binary accepts are its own (`--mode`); the shape here.
: "${AWS_SECRETS_ENV_MODE:=0600}"
if [[ ! ${AWS_SECRETS_ENV_MODE} =~ ^0?[0-7]{3}$ ]]; then
    bad "input 'mode' must be octal permissions such as '0600' or '0640' (quoted in the workflow)"
fi
# Unmasked values on standard output would print in clear in the job log.
if [[ ${AWS_SECRETS_ENV_MASK} =~ ^(false|never)$ && ${AWS_SECRETS_ENV_OUTPUT:-} == - ]]; then
    bad "input 'mask' is false and 'output' is '-': every value would print in clear in the job log; keep mask on, or write to a file"
fi
# Exported values reach every later step, which may print them (L11).
if [[ ${AWS_SECRETS_ENV_MASK} =~ ^(false|never)$ && $AWS_SECRETS_ENV_EXPORT_ENV =~ ^(true|only)$ ]]; then
    bad "input 'mask' is false and the variables are exported to later steps: every later step would print their values in clear; keep mask on (or write a file only, without export-env or secret-ids)"
fi
if [[ -n ${AWS_SECRETS_ENV_REGION:-} && ! ${AWS_SECRETS_ENV_REGION} =~ ^[a-z]{2,}(-[a-z]+)+-[0-9]+$ ]]; then
    bad "input 'region' is not an AWS region name (e.g. eu-west-1)"
fi
for pair in timeout:AWS_SECRETS_ENV_TIMEOUT connect-timeout:AWS_SECRETS_ENV_CONNECT_TIMEOUT; do
    var=${pair#*:}
    if [[ ! ${!var:-} =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
        bad "input '${pair%%:*}' must be a number of seconds"
    fi
done
if [[ ! ${AWS_SECRETS_ENV_MAX_ATTEMPTS:-} =~ ^([1-9]|1[0-9]|20)$ ]]; then
    bad "input 'max-attempts' must be a whole number from 1 to 20"
fi
if [[ -n ${AWS_SECRETS_ENV_FALLBACK_REGIONS:-} && ! ${AWS_SECRETS_ENV_FALLBACK_REGIONS} =~ ^[a-z]{2,}(-[a-z]+)+-[0-9]+(,[a-z]{2,}(-[a-z]+)+-[0-9]+)*$ ]]; then
    bad "input 'fallback-regions' must be AWS region names separated by commas (e.g. us-west-2,eu-west-1)"
fi
if [[ -z ${AWS_SECRETS_ENV_ROLE_TO_ASSUME:-} ]]; then
    for pair in role-session-name:AWS_SECRETS_ENV_ROLE_SESSION_NAME role-duration-seconds:AWS_SECRETS_ENV_ROLE_DURATION_SECONDS \
        role-external-id:AWS_SECRETS_ENV_ROLE_EXTERNAL_ID; do
        var=${pair#*:}
        [[ -z ${!var:-} ]] || bad "input '${pair%%:*}' needs role-to-assume"
    done
fi
if [[ -n ${AWS_SECRETS_ENV_VERSION:-} && ! ${AWS_SECRETS_ENV_VERSION} =~ ^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; then
    bad "input 'version' must be a version such as 0.1.0, or empty for the version pinned by this action ref"
fi
((errors == 0)) || exit 1

[[ ${1:-} != --check ]] || exit 0

bin=${AWS_SECRETS_ENV_INSTALLED_BIN:-}
if [[ -z $bin || ! -x $bin ]]; then
    printf '::error title=aws-secrets-env::the install step did not provide a binary\n'
    exit 1
fi
# An empty input means "not set": let the binary and the SDK pick defaults.
[[ -n ${AWS_SECRETS_ENV_REGION:-} ]] || unset AWS_SECRETS_ENV_REGION
unset AWS_SECRETS_ENV_INSTALLED_BIN AWS_SECRETS_ENV_VERSION
# Only the action's inputs configure the binary: drop any other
# AWS_SECRETS_ENV_* (e.g. ..._ALLOW_RESERVED_NAMES) that an earlier step set
# through $GITHUB_ENV. Keep this list in step with dist/main.js's INPUTS.
# SECRET_IDS and the other official inputs were folded into these above.
# (clap counts a set variable as given: --no-file conflicts with --output.)
if [[ -n ${AWS_SECRETS_ENV_OUTPUT:-} ]]; then export AWS_SECRETS_ENV_OUTPUT; else unset AWS_SECRETS_ENV_OUTPUT; fi
[[ $AWS_SECRETS_ENV_NO_FILE == true ]] || unset AWS_SECRETS_ENV_NO_FILE
[[ -n ${AWS_SECRETS_ENV_BASE:-} ]] || unset AWS_SECRETS_ENV_BASE
[[ -n ${AWS_SECRETS_ENV_READER:-} ]] || unset AWS_SECRETS_ENV_READER
[[ -n ${AWS_SECRETS_ENV_EXAMPLE:-} ]] || unset AWS_SECRETS_ENV_EXAMPLE
# fallback-regions, role-to-assume and its options, under the names the binary reads.
export AWS_SECRETS_ENV_FALLBACK_REGION=${AWS_SECRETS_ENV_FALLBACK_REGIONS:-}
[[ -n $AWS_SECRETS_ENV_FALLBACK_REGION ]] || unset AWS_SECRETS_ENV_FALLBACK_REGION
export AWS_SECRETS_ENV_ROLE_ARN=${AWS_SECRETS_ENV_ROLE_TO_ASSUME:-}
export AWS_SECRETS_ENV_ROLE_DURATION=${AWS_SECRETS_ENV_ROLE_DURATION_SECONDS:-}
export AWS_SECRETS_ENV_ROLE_SESSION_NAME=${AWS_SECRETS_ENV_ROLE_SESSION_NAME:-}
export AWS_SECRETS_ENV_ROLE_EXTERNAL_ID=${AWS_SECRETS_ENV_ROLE_EXTERNAL_ID:-}
for var in AWS_SECRETS_ENV_ROLE_ARN AWS_SECRETS_ENV_ROLE_SESSION_NAME AWS_SECRETS_ENV_ROLE_DURATION \
    AWS_SECRETS_ENV_ROLE_EXTERNAL_ID; do
    [[ -n ${!var} ]] || unset "$var"
done
inputs=' SECRET_ID OUTPUT MODE READER BASE EXAMPLE DRY_RUN FORMAT MASK PARSE_JSON NAME_TRANSFORMATION EXPORT_ENV NO_FILE COMPAT ALLOW_NAMES OVERWRITE ALLOW_OUTSIDE_WORKSPACE REGION TIMEOUT CONNECT_TIMEOUT MAX_ATTEMPTS FALLBACK_REGION ROLE_ARN ROLE_SESSION_NAME ROLE_DURATION ROLE_EXTERNAL_ID '
# (compgen's list as words: variable names hold no white space or globs.)
names=$(compgen -e AWS_SECRETS_ENV_) || names=''
for var in $names; do
    [[ $inputs == *" ${var#AWS_SECRETS_ENV_} "* ]] || unset "$var"
done
unset names
# `output` is relative to the workspace, wherever the step runs.
if [[ -n ${GITHUB_WORKSPACE:-} && -d ${GITHUB_WORKSPACE} ]]; then
    cd -- "$GITHUB_WORKSPACE"
fi
# `output` stays inside the workspace or RUNNER_TEMP: `/abs`, `../x` or a
# committed symlinked directory would put the secrets anywhere (a PR author
# chooses where, under pull_request_target or on a self-hosted runner).
# Checked before anything is created; the binary refuses a symlink as the
# file itself.
# resolve PATH: the physical path of its deepest existing directory, then the
# rest as written; fails if the rest climbs with `..`.
resolve() {
    local path=$1 rest='' dir
    [[ $path == /* ]] || path=$PWD/$path
    while [[ $path == */ && $path != / ]]; do path=${path%/}; done
    until [[ -d $path ]]; do
        rest=/${path##*/}$rest
        path=${path%/*}
        [[ -n $path ]] || path=/
    done
    [[ /$rest/ != */../* ]] || return 1
    dir=$(cd -P -- "$path" && pwd -P) || return 1
    printf '%s%s\n' "${dir%/}" "$rest"
}
# inside PATH ROOT...: PATH is one of the (resolved) ROOTs or below one.
inside() {
    local path=$1 root real
    shift
    for root in "$@"; do
        [[ -n $root && -d $root ]] || continue
        real=$(cd -P -- "$root" && pwd -P) || continue
        [[ $path == "$real" || $path == "${real%/}"/* ]] && return 0
    done
    return 1
}
output=${AWS_SECRETS_ENV_OUTPUT:--}
if [[ $output != - && $AWS_SECRETS_ENV_ALLOW_OUTSIDE_WORKSPACE != true && -n ${GITHUB_WORKSPACE:-} ]]; then
    if ! resolved=$(resolve "$output") ||
        ! inside "$resolved" "$GITHUB_WORKSPACE" "${RUNNER_TEMP:-}"; then
        printf '::error title=aws-secrets-env%%3A invalid input::%s\n' \
            "input 'output' is outside the workspace (GITHUB_WORKSPACE or RUNNER_TEMP, symlinks resolved); write inside it, or set allow-outside-workspace: true"
        exit 1
    fi
fi
# Like actions that write files, create the output's directory if needed.
if [[ $output != - && $output == */* ]]; then
    mkdir -p -- "${output%/*}/"
fi
# The binary reports its own errors, usage errors included, as annotations.
exec "$bin" write
