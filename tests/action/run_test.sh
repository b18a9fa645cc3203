#!/usr/bin/env bash
# Tests dist/run.sh, the action's input check and write step, outside any
# runner: each case states the exact log (standard output and error, as the
# job log shows them) and exit code first,
# then runs the script with the environment the action's main step
# (dist/main.js) gives it (AWS_SECRETS_ENV_<INPUT> for every input, set to the
# input's default from action.yml, then the case's inputs) and compares.
#
# Why here and not in act_test.sh: act in host mode returns from a step that
# exits non-zero without draining the step's pseudo-terminal
# (pkg/container/host_environment.go, `exec`: `if err != nil { return err }`
# before `<-logctx.Done()`), so the last lines a failing step prints, its
# ::error:: line included, are missing from act's log on some runs. The
# messages are checked here, exactly; act_test.sh checks that those steps fail.
#
# Usage: bash tests/action/run_test.sh
# Needs: bash, the project venv's python (PyYAML comes with moto) and the
# debug binary (built with `cargo build --locked` if missing; E2E_BINARY
# overrides). No network: every case fails before any call to AWS.
# Prints "N passed, M failed" last.
set -CeEuo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd -- "$here/../.." && pwd -P)
python=${VENV:-$repo/.venv}/bin/python
[[ -x $python ]] || {
    echo "run_test: $python is missing: run scripts/setup.sh" >&2
    exit 1
}
# shellcheck source=tests/action/lib.sh
. "$here/lib.sh"
bin=$(debug_binary "$repo" run_test)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-test.XXXXXXXX")
trap 'rm -rf -- "$tmp"' EXIT

# step_env: NAME=VALUE lines, the environment dist/main.js gives
# dist/run.sh: AWS_SECRETS_ENV_<INPUT> for every input of action.yml but the
# install's own (binary, download-url), set to the input's default.
step_env() {
    "$python" - "$repo/action.yml" <<'EOF'
import sys
import yaml

action = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
for name, spec in action["inputs"].items():
    if name in ("binary", "download-url"):
        continue
    default = spec.get("default", "")
    value = "" if default is None else str(default).lower() if isinstance(default, bool) else str(default)
    print(f"AWS_SECRETS_ENV_{name.replace('-', '_').upper()}={value}")
EOF
}

passed=0
failed=0
# case NAME EXPECTED-EXIT EXPECTED-LOG STEP-ID [ARG] -- NAME=VALUE...
case_() {
    local name=$1 want_rc=$2 want_out=$3 step=$4
    shift 4
    local args=()
    while [[ $1 != -- ]]; do
        args+=("$1")
        shift
    done
    shift
    local env_args=() line
    while IFS= read -r line; do env_args+=("$line"); done < <(step_env)
    [[ $step != write ]] || env_args+=("AWS_SECRETS_ENV_INSTALLED_BIN=$bin")
    mkdir -p "$tmp/$name/ws"
    : >"$tmp/$name/github_output"
    local rc=0
    (
        cd "$tmp/$name/ws"
        env -i PATH="$PATH" HOME="$tmp" GITHUB_ACTIONS=true \
            GITHUB_WORKSPACE="$tmp/$name/ws" GITHUB_OUTPUT="$tmp/$name/github_output" \
            AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
            AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_EC2_METADATA_DISABLED=true \
            "${env_args[@]}" "$@" \
            bash --noprofile --norc -p "$repo/dist/run.sh" "${args[@]}"
    ) >"$tmp/$name/log" 2>&1 || rc=$?
    local got
    got=$(cat "$tmp/$name/log")
    if [[ $rc == "$want_rc" && $got == "$want_out" ]]; then
        passed=$((passed + 1))
        printf 'ok   - %s\n' "$name"
    else
        failed=$((failed + 1))
        printf 'FAIL - %s (exit %s, expected %s)\n' "$name" "$rc" "$want_rc"
        diff <(printf '%s\n' "$want_out") <(printf '%s\n' "$got") | sed 's/^/       | /' || true
    fi
}

error='::error title=aws-secrets-env%3A invalid input::'
mixed="input 'secret-ids' (the aws-secretsmanager-get-secrets style) cannot be mixed with"

case_ bad-export-env 1 "${error}input 'export-env' must be one of: true|false|only" \
    check --check -- AWS_SECRETS_ENV_SECRET_ID=e2e/app AWS_SECRETS_ENV_EXPORT_ENV=sometimes
case_ mixed-secret-id 1 "${error}$mixed 'secret-id' (this action's style): keep one of them" \
    check --check -- AWS_SECRETS_ENV_SECRET_IDS=test1 AWS_SECRETS_ENV_SECRET_ID=e2e/plain
case_ mixed-parse-json 1 "${error}$mixed 'parse-json': use 'parse-json-secrets: true'" \
    check --check -- AWS_SECRETS_ENV_SECRET_IDS=test1 AWS_SECRETS_ENV_PARSE_JSON=always
case_ bad-parse-json-secrets 1 "${error}input 'parse-json-secrets' must be one of: true | True | TRUE | false | False | FALSE" \
    check --check -- AWS_SECRETS_ENV_SECRET_IDS=test1 AWS_SECRETS_ENV_PARSE_JSON_SECRETS=yes
case_ two-errors-at-once 1 "${error}input 'mask' must be one of: true|false|auto|always|never
${error}input 'max-attempts' must be a whole number from 1 to 20" \
    check --check -- AWS_SECRETS_ENV_SECRET_ID=e2e/app AWS_SECRETS_ENV_MASK=maybe AWS_SECRETS_ENV_MAX_ATTEMPTS=0
# L11: unmasked values exported to later steps print in clear wherever a
# later step (or a third-party action) logs its environment.
mask_export="input 'mask' is false and the variables are exported to later steps: every later step would print their values in clear; keep mask on (or write a file only, without export-env or secret-ids)"
for spelling in false never; do
    case_ "mask-$spelling-with-export-env" 1 "${error}$mask_export" \
        check --check -- AWS_SECRETS_ENV_SECRET_ID=e2e/app AWS_SECRETS_ENV_MASK=$spelling AWS_SECRETS_ENV_EXPORT_ENV=true
done
case_ mask-false-with-export-only 1 "${error}$mask_export" \
    check --check -- AWS_SECRETS_ENV_SECRET_ID=e2e/app AWS_SECRETS_ENV_MASK=False AWS_SECRETS_ENV_EXPORT_ENV=only
case_ mask-false-with-secret-ids 1 "${error}$mask_export" \
    check --check -- AWS_SECRETS_ENV_SECRET_IDS=test1 AWS_SECRETS_ENV_MASK=false
case_ mask-false-file-only 0 "" \
    check --check -- AWS_SECRETS_ENV_SECRET_ID=e2e/app AWS_SECRETS_ENV_MASK=false AWS_SECRETS_ENV_OUTPUT=app.env
# D3: auto-select-family-attempt-timeout as the official action reads it,
# JavaScript's Number() (white space trimmed; decimal with exponent, 0x, 0o,
# 0b, Infinity), then at least 10.
timeout_error="${error}input 'auto-select-family-attempt-timeout' must be a number greater than or equal to 10"
n=0
for good in 10 1e3 0x20 0X1f 0o17 0b1010 ' 20 ' $'\t2000\n' +Infinity Infinity 10.0 1.5e1 .1e3 +.5E2 0010 10. 1e999999999999; do
    n=$((n + 1))
    case_ "official-timeout-good-$n" 0 "" \
        check --check -- AWS_SECRETS_ENV_SECRET_IDS=test1 "AWS_SECRETS_ENV_AUTO_SELECT_FAMILY_ATTEMPT_TIMEOUT=$good"
done
n=0
for bad in 9.99 9 abc -Infinity 0x 1_000 -0x20 +0x20 0b1 1e-3 1e e3 NaN 0x1g -20 1e-999999999999 0.000 '1 0' 0b 0o8; do
    n=$((n + 1))
    case_ "official-timeout-bad-$n" 1 "$timeout_error" \
        check --check -- AWS_SECRETS_ENV_SECRET_IDS=test1 "AWS_SECRETS_ENV_AUTO_SELECT_FAMILY_ATTEMPT_TIMEOUT=$bad"
done
# D5: no secret given at all (`secret-ids: ''` cannot be told from no
# secret-ids): the message names both styles' inputs.
case_ no-secret-at-all 1 "${error}no secret to load: give 'secret-id' (this action's style: one selector per line, e.g. 'prod/myapp' or 'DB,prod/db:password') or 'secret-ids' (as in aws-secretsmanager-get-secrets); an empty 'secret-ids' fails here, where the official action loads nothing" \
    check --check --
case_ secret-ids-only-comments 1 "${error}input 'secret-ids' names no secret (only blank lines and comments): one secret name, ARN or PREFIX* per line" \
    check --check -- AWS_SECRETS_ENV_SECRET_IDS=$'  \n# later\n'
case_ secret-id-only-comments 1 "${error}input 'secret-id' names no secret (only blank lines and comments): one selector per line, e.g. 'prod/myapp' or 'DB,prod/db:password'" \
    check --check -- AWS_SECRETS_ENV_SECRET_ID=$'# later\n'
# D4 (kept, documented): a line of only spaces in secret-ids is skipped.
case_ official-line-of-spaces 0 "" \
    check --check -- AWS_SECRETS_ENV_SECRET_IDS=$'test/secret\n   \nalternativeSecret'
case_ good-inputs-check 0 "" \
    check --check -- AWS_SECRETS_ENV_SECRET_ID=e2e/app AWS_SECRETS_ENV_OUTPUT=app.env
case_ unknown-format-in-the-binary 2 "error: invalid value 'no-such-format' for '--format <FORMAT>'
  [possible values: dotenv, shell, json, docker, systemd, yaml, github-env]

For more information, try '--help'.
${error}error: invalid value 'no-such-format' for '--format <FORMAT>'" \
    write -- AWS_SECRETS_ENV_SECRET_ID=e2e/app AWS_SECRETS_ENV_OUTPUT=app.env AWS_SECRETS_ENV_FORMAT=no-such-format
case_ output-outside-the-workspace 1 "${error}input 'output' is outside the workspace (GITHUB_WORKSPACE or RUNNER_TEMP, symlinks resolved); write inside it, or set allow-outside-workspace: true" \
    write -- AWS_SECRETS_ENV_SECRET_ID=e2e/app AWS_SECRETS_ENV_OUTPUT=../app.env

# L1: TMOUT in the environment (planted through $GITHUB_ENV) made `read`
# time out on the list of AWS_SECRETS_ENV_* names, so a planted option (here
# FOLLOW_SYMLINKS) reached the binary. A stand-in binary prints the
# AWS_SECRETS_ENV_* names it gets: the inputs only, whatever TMOUT says.
printf '%s\n' '#!/bin/sh' 'env | sed -n "s/^\(AWS_SECRETS_ENV_[A-Z_]*\)=.*/\1/p" | sort | tr "\n" " "; echo' >"$tmp/names-bin"
chmod +x "$tmp/names-bin"
inputs_seen='AWS_SECRETS_ENV_ALLOW_NAMES AWS_SECRETS_ENV_ALLOW_OUTSIDE_WORKSPACE AWS_SECRETS_ENV_COMPAT AWS_SECRETS_ENV_CONNECT_TIMEOUT AWS_SECRETS_ENV_DRY_RUN AWS_SECRETS_ENV_EXPORT_ENV AWS_SECRETS_ENV_FORMAT AWS_SECRETS_ENV_MASK AWS_SECRETS_ENV_MAX_ATTEMPTS AWS_SECRETS_ENV_MODE AWS_SECRETS_ENV_NAME_TRANSFORMATION AWS_SECRETS_ENV_OUTPUT AWS_SECRETS_ENV_OVERWRITE AWS_SECRETS_ENV_PARSE_JSON AWS_SECRETS_ENV_SECRET_ID AWS_SECRETS_ENV_TIMEOUT '
for t in 0.0001 0.00001 1; do
    case_ "planted-option-with-TMOUT=$t" 0 "$inputs_seen" \
        write -- AWS_SECRETS_ENV_SECRET_ID=e2e/app AWS_SECRETS_ENV_OUTPUT=app.env \
        AWS_SECRETS_ENV_INSTALLED_BIN="$tmp/names-bin" TMOUT=$t AWS_SECRETS_ENV_FOLLOW_SYMLINKS=true \
        AWS_SECRETS_ENV_ALLOW_RESERVED_NAMES=true
done

# Issue 24: fallback-regions and role-to-assume with its options reach the
# binary under the names it reads (--fallback-region, --role-arn, ...). A
# stand-in binary prints them (none is a secret).
printf '%s\n' '#!/bin/sh' 'for v in FALLBACK_REGION ROLE_ARN ROLE_SESSION_NAME ROLE_DURATION ROLE_EXTERNAL_ID; do eval "printf \"%s=%s \" \$v \"\${AWS_SECRETS_ENV_$v-unset}\""; done; echo' >"$tmp/role-bin"
chmod +x "$tmp/role-bin"
case_ fallback-and-role-reach-the-binary 0 "FALLBACK_REGION=us-west-2,eu-west-1 ROLE_ARN=arn:aws:iam::123456789012:role/reader ROLE_SESSION_NAME=deploy-42 ROLE_DURATION=1800 ROLE_EXTERNAL_ID=ext-7 " \
    write -- AWS_SECRETS_ENV_SECRET_ID=e2e/app AWS_SECRETS_ENV_OUTPUT=app.env AWS_SECRETS_ENV_INSTALLED_BIN="$tmp/role-bin" \
    AWS_SECRETS_ENV_FALLBACK_REGIONS=us-west-2,eu-west-1 AWS_SECRETS_ENV_ROLE_TO_ASSUME=arn:aws:iam::123456789012:role/reader \
    AWS_SECRETS_ENV_ROLE_SESSION_NAME=deploy-42 AWS_SECRETS_ENV_ROLE_DURATION_SECONDS=1800 AWS_SECRETS_ENV_ROLE_EXTERNAL_ID=ext-7
case_ no-fallback-no-role-nothing-set 0 "FALLBACK_REGION=unset ROLE_ARN=unset ROLE_SESSION_NAME=unset ROLE_DURATION=unset ROLE_EXTERNAL_ID=unset " \
    write -- AWS_SECRETS_ENV_SECRET_ID=e2e/app AWS_SECRETS_ENV_OUTPUT=app.env AWS_SECRETS_ENV_INSTALLED_BIN="$tmp/role-bin"
case_ bad-fallback-regions 1 "${error}input 'fallback-regions' must be AWS region names separated by commas (e.g. us-west-2,eu-west-1)" \
    check --check -- AWS_SECRETS_ENV_SECRET_ID=e2e/app AWS_SECRETS_ENV_FALLBACK_REGIONS='us-west-2, Mars'
case_ role-option-without-role 1 "${error}input 'role-session-name' needs role-to-assume" \
    check --check -- AWS_SECRETS_ENV_SECRET_ID=e2e/app AWS_SECRETS_ENV_ROLE_SESSION_NAME=deploy-42

# ---------------------------------------------------------------- dist/main.js
# The action's main step, run as the runner runs it (INPUT_* for every input,
# defaults from action.yml, then the case's), standard output and error
# compared apart. Messages of the binary name the action's inputs, not its
# command-line flags (`--reader x` is `reader: x`), except on ::add-mask::
# lines, which pass byte for byte, and when `output` is `-` (values on
# standard output: nothing is filtered, the runner gets the binary's streams).
main_env() {
    "$python" - "$repo/action.yml" <<'EOF'
import yaml, sys
action = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
for name, spec in action["inputs"].items():
    default = spec.get("default", "")
    print(f"INPUT_{name.upper()}={'' if default is None else default}")
EOF
}
# main_case NAME EXPECTED-EXIT EXPECTED-STDOUT EXPECTED-STDERR -- INPUT_X=VALUE...
main_case() {
    local name=$1 want_rc=$2 want_out=$3 want_err=$4
    shift 5
    local env_args=() line rc=0
    while IFS= read -r line; do env_args+=("$line"); done < <(main_env)
    mkdir -p "$tmp/$name/ws" "$tmp/$name/temp"
    (
        cd "$tmp/$name/ws"
        env -i PATH="$PATH" HOME="$tmp" GITHUB_ACTIONS=true GITHUB_WORKSPACE="$tmp/$name/ws" \
            RUNNER_TEMP="$tmp/$name/temp" AWS_REGION=us-east-1 "${env_args[@]}" "$@" \
            node "$repo/dist/main.js"
    ) >"$tmp/$name/out" 2>"$tmp/$name/err" || rc=$?
    if [[ $rc == "$want_rc" && $(cat "$tmp/$name/out") == "$want_out" && $(cat "$tmp/$name/err") == "$want_err" ]]; then
        passed=$((passed + 1))
        printf 'ok   - %s\n' "$name"
    else
        failed=$((failed + 1))
        printf 'FAIL - %s (exit %s, expected %s)\n' "$name" "$rc" "$want_rc"
        diff <(printf '%s\n' "$want_out") "$tmp/$name/out" | sed 's/^/       | out /' || true
        diff <(printf '%s\n' "$want_err") "$tmp/$name/err" | sed 's/^/       | err /' || true
    fi
}
cat >"$tmp/stand-in" <<'EOF'
#!/bin/sh
[ "$1" = --version ] && { echo "aws-secrets-env 0.0.0"; exit 0; }
printf '%s\n' '::add-mask::a `--reader x` --format value' \
    '::error title=x::use `--reader python-dotenv`, `--format shell` (for `source`) or `--format json`'
printf '%s\n' "aws-secrets-env: error: invalid value 'x' for '--format <FORMAT>'" \
    '--reader applies to `--format dotenv`; see `--allow-reserved-names`; --overwrite-x --timeout' >&2
printf 'no newline at the end' >&2
exit 1
EOF
chmod +x "$tmp/stand-in"
if command -v node >/dev/null; then
    main_case main-messages-name-inputs 1 \
        '::add-mask::a `--reader x` --format value
::error title=x::use `reader: python-dotenv`, `format: shell` (for `source`) or `format: json`' \
        "aws-secrets-env: using $tmp/stand-in (override, version 0.0.0)
aws-secrets-env: error: invalid value 'x' for input 'format'
input \`reader\` applies to \`format: dotenv\`; see \`--allow-reserved-names\`; --overwrite-x input \`timeout\`
no newline at the end" \
        -- INPUT_SECRET-ID=e2e/app "INPUT_BINARY=$tmp/stand-in"
    main_case main-output-stdout-unfiltered 1 \
        '::add-mask::a `--reader x` --format value
::error title=x::use `--reader python-dotenv`, `--format shell` (for `source`) or `--format json`' \
        "aws-secrets-env: using $tmp/stand-in (override, version 0.0.0)
aws-secrets-env: error: invalid value 'x' for '--format <FORMAT>'
--reader applies to \`--format dotenv\`; see \`--allow-reserved-names\`; --overwrite-x --timeout
no newline at the end" \
        -- INPUT_SECRET-ID=e2e/app "INPUT_BINARY=$tmp/stand-in" INPUT_OUTPUT=-
    main_case main-unknown-format 2 "" \
        "aws-secrets-env: using $bin (override, version $("$bin" --version | sed 's/.* //'))
error: invalid value 'no-such-format' for input 'format'
  [possible values: dotenv, shell, json, docker, systemd, yaml, github-env]

For more information, try '--help'.
${error}error: invalid value 'no-such-format' for input 'format'" \
        -- INPUT_SECRET-ID=e2e/app "INPUT_BINARY=$bin" INPUT_FORMAT=no-such-format
else
    failed=$((failed + 1))
    echo "FAIL - dist/main.js cases: node is not installed"
fi

if [[ ! -s $tmp/good-inputs-check/github_output ]]; then
    passed=$((passed + 1))
    echo "ok   - good-inputs-check: no step output (dist/main.js owns the outputs)"
else
    failed=$((failed + 1))
    echo "FAIL - good-inputs-check: no step output (dist/main.js owns the outputs)"
fi
for name in unknown-format-in-the-binary output-outside-the-workspace; do
    if [[ -z $(find "$tmp/$name" -name app.env) ]]; then
        passed=$((passed + 1))
        echo "ok   - $name: no file written"
    else
        failed=$((failed + 1))
        echo "FAIL - $name: no file written"
    fi
done

echo
echo "$passed passed, $failed failed"
((failed == 0))
