#!/usr/bin/env bash
# Tests dist/install.sh against a fake release served over HTTPS on
# 127.0.0.1 (python3 http.server + ssl, self-signed certificate made here
# with openssl; curl trusts it through CURL_CA_BUNDLE, so install.sh keeps
# its `--proto '=https' --tlsv1.2` and nothing is relaxed for the test).
#
# Usage: bash tests/action/install_test.sh
# Needs: bash, python3, openssl, curl, tar, sha256sum; cargo for the one
# real source-build case (see below). Prints "N passed, M failed" last and
# exits non-zero if anything failed.
#
# Knobs install.sh offers for tests (documented in docs/action.md):
#   --manifest FILE               manifest to read instead of dist/manifest.json
#   --cargo-profile NAME          profile of the source build
#   --download-url URL            the mirror (also the action input download-url)
#   RUNNER_TOOL_CACHE/RUNNER_TEMP cache and scratch roots (a runner sets them)
#   RUNNER_OS/RUNNER_ARCH         the platform to install for
# Overrides are arguments only: the same names as environment variables,
# which an earlier step could plant through $GITHUB_ENV, are ignored (case 12).
#
# Source fallback trade-off: the real case runs `cargo build --locked
# --profile dev` with CARGO_TARGET_DIR=<repo>/target, so it reuses the debug
# build that `cargo build`/`cargo test` leave there (seconds when warm; a cold
# tree pays a full debug build, never a release build). The exact
# `--release --locked --manifest-path` command line that users get is checked
# with a stub cargo on PATH instead, which costs nothing.
# shellcheck disable=SC2016 # the bash -c snippets get their arguments as $1...
set -CeEuo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd -- "$here/../.." && pwd -P)
install_sh=$repo/dist/install.sh
update_manifest=$repo/dist/update-manifest.sh

# shellcheck source=tests/action/lib.sh
. "$here/lib.sh"
check() {
    # check NAME LOGFILE COMMAND...
    local name=$1 logfile=$2
    shift 2
    if "$@"; then ok "$name"; else not_ok "$name" "$logfile"; fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/install-test.XXXXXXXX")
server_pid=''
cleanup() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    [[ -n ${KEEP_TMP:-} ]] || rm -rf -- "$tmp"
}
trap cleanup EXIT

for tool in python3 openssl curl tar sha256sum; do
    command -v "$tool" >/dev/null || {
        echo "install_test: $tool is required" >&2
        exit 1
    }
done

# ------------------------------------------------------------- fake release
target=x86_64-unknown-linux-musl
asset=aws-secrets-env-$target.tar.gz
mkdir -p "$tmp/pkg" "$tmp/www/v0.1.0" "$tmp/www/v9.9.9"
cat >"$tmp/pkg/aws-secrets-env" <<'EOF'
#!/bin/sh
echo "aws-secrets-env 0.1.0 (fake test asset)"
EOF
chmod 0755 "$tmp/pkg/aws-secrets-env"
echo "not part of the install" >"$tmp/pkg/README.md"
tar -czf "$tmp/www/v0.1.0/$asset" -C "$tmp/pkg" aws-secrets-env README.md

# An archive with a path-traversal member, for the "odd archive" case.
python3 - "$tmp/www/v9.9.9/$asset" "$tmp/pkg/aws-secrets-env" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as tar:
    tar.add(sys.argv[2], arcname="aws-secrets-env")
    tar.add(sys.argv[2], arcname="../escaped")
EOF

# Manifests, made by the same generator the release uses. The download base
# is unreachable on purpose: every case goes through the documented mirror
# override --download-url, except the one that checks the base.
export AWS_SECRETS_ENV_DOWNLOAD_BASE=https://downloads.invalid/releases/download
"$update_manifest" --allow-missing --output "$tmp/good.json" 0.1.0 "$tmp/www/v0.1.0" 2>/dev/null
"$update_manifest" --allow-missing --output "$tmp/evil.json" 9.9.9 "$tmp/www/v9.9.9" 2>/dev/null
sed "s/\"sha256\": \"[0-9a-f]\{64\}\"/\"sha256\": \"$(printf '0%.0s' {1..64})\"/" "$tmp/good.json" >"$tmp/bad.json"
"$update_manifest" --unreleased --output "$tmp/unreleased.json" 0.1.0 2>/dev/null
python3 -m json.tool "$tmp/good.json" >/dev/null
grep -q "\"$target\": { \"file\": \"$asset\", \"sha256\": \"$(sha256sum "$tmp/www/v0.1.0/$asset" | cut -d' ' -f1)\" }" "$tmp/good.json"
if grep -q "$(sha256sum "$tmp/www/v0.1.0/$asset" | cut -d" " -f1)" "$tmp/bad.json"; then exit 1; fi

# ------------------------------------------------------------- https server
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
: >"$tmp/requests.log"
python3 "$here/https_mirror.py" "$tmp/www" "$tmp/cert.pem" "$tmp/key.pem" \
    "$tmp/requests.log" "$tmp/port" 2>"$tmp/server.err" &
server_pid=$!
for _ in $(seq 1 100); do
    [[ -s $tmp/port ]] && break
    sleep 0.1
done
[[ -s $tmp/port ]] || {
    cat "$tmp/server.err" >&2
    echo "install_test: the https server did not start" >&2
    exit 1
}
port=$(cat "$tmp/port")
mirror=https://127.0.0.1:$port
export CURL_CA_BUNDLE=$tmp/cert.pem
curl --proto '=https' --tlsv1.2 -fsS -o /dev/null "$mirror/v0.1.0/$asset"
: >|"$tmp/requests.log"

# KEEP_TMP=1 keeps the scratch directory (logs per case) for debugging.

# ------------------------------------------------------------- helpers
# run_install NAME [VAR=VALUE...] [-- ARG...]: runs install.sh in a clean
# environment with its own GITHUB_OUTPUT/RUNNER_TEMP, the good manifest and
# the mirror (ARGs after -- come later and win); stdout+stderr go to
# $tmp/NAME.log, the exit code to $rc.
rc=0
run_install() {
    local name=$1
    shift
    local -a vars=() args=(--manifest "$tmp/good.json" --download-url "$mirror")
    while (($#)) && [[ $1 != -- ]]; do
        vars+=("$1")
        shift
    done
    (($#)) && shift
    args+=("$@")
    mkdir -p "$tmp/$name/temp"
    : >|"$tmp/$name/output"
    rc=0
    env -i PATH="$PATH" HOME="$tmp" CURL_CA_BUNDLE="$CURL_CA_BUNDLE" \
        GITHUB_OUTPUT="$tmp/$name/output" RUNNER_TEMP="$tmp/$name/temp" \
        RUNNER_OS=Linux RUNNER_ARCH=X64 GITHUB_ACTION_PATH="$repo" \
        "${vars[@]}" bash --noprofile --norc -p "$install_sh" "${args[@]}" >"$tmp/$name.log" 2>&1 || rc=$?
}
output_of() { # output_of NAME KEY
    sed -n "s/^$2=//p" "$tmp/$1/output"
}
requests() { grep -c "$asset" "$tmp/requests.log" || true; }
temp_is_empty() { [[ -z $(ls -A "$tmp/$1/temp") ]]; }

# ------------------------------------------------------------- cases
# 1. Good checksum: downloads, verifies, installs, caches.
cache=$tmp/toolcache
run_install good RUNNER_TOOL_CACHE="$cache"
bin=$(output_of good bin)
check "good checksum: exit 0" "$tmp/good.log" test "$rc" -eq 0
check "good checksum: source=download, version=0.1.0" "$tmp/good.log" \
    test "$(output_of good source)/$(output_of good version)" = download/0.1.0
check "good checksum: installed binary runs" "$tmp/good.log" \
    bash -c '[[ -x $1 && $("$1" --version) == *"fake test asset"* ]]' _ "$bin"
check "good checksum: only the binary is extracted" "$tmp/good.log" \
    test ! -e "$(dirname -- "$bin")/README.md"
check "good checksum: archive and .complete marker in the tool cache" "$tmp/good.log" \
    test -f "$cache/aws-secrets-env/0.1.0/$target/$asset" -a -f "$cache/aws-secrets-env/0.1.0/$target.complete"
check "good checksum: one download" "$tmp/good.log" test "$(requests)" -eq 1
check "good checksum: log has the sha256 verified line" "$tmp/good.log" \
    grep -q 'sha256 verified' "$tmp/good.log"

# 2. Cache hit: a second run does not download.
before=$(requests)
run_install cached RUNNER_TOOL_CACHE="$cache"
check "cache hit: exit 0, source=cache" "$tmp/cached.log" test "$rc/$(output_of cached source)" = 0/cache
check "cache hit: no request reached the server" "$tmp/cached.log" test "$(requests)" -eq "$before"
check "cache hit: binary runs" "$tmp/cached.log" \
    bash -c '[[ $("$1" --version) == *"fake test asset"* ]]' _ "$(output_of cached bin)"

# 3. Tampered cache: the checksum is re-checked, the archive fetched again.
printf 'tampered' >>"$cache/aws-secrets-env/0.1.0/$target/$asset"
before=$(requests)
run_install tampered RUNNER_TOOL_CACHE="$cache"
check "tampered cache: re-downloaded (source=download) with a warning" "$tmp/tampered.log" \
    bash -c '[[ $1 == 0/download ]] && grep -q "::warning::" "$2"' _ "$rc/$(output_of tampered source)" "$tmp/tampered.log"
check "tampered cache: one more request" "$tmp/tampered.log" test "$(requests)" -eq $((before + 1))
check "tampered cache: cache repaired" "$tmp/tampered.log" \
    test "$(sha256sum <"$cache/aws-secrets-env/0.1.0/$target/$asset")" = "$(sha256sum <"$tmp/www/v0.1.0/$asset")"

# 4. Bad checksum: fails closed, nothing installed or cached.
cache_bad=$tmp/toolcache-bad
run_install bad RUNNER_TOOL_CACHE="$cache_bad" -- --manifest "$tmp/bad.json"
check "bad checksum: exit 1" "$tmp/bad.log" test "$rc" -eq 1
check "bad checksum: ::error:: names the mismatch" "$tmp/bad.log" \
    grep -q '^::error title=aws-secrets-env install failed::checksum mismatch' "$tmp/bad.log"
check "bad checksum: no step output" "$tmp/bad.log" test ! -s "$tmp/bad/output"
check "bad checksum: nothing in the tool cache" "$tmp/bad.log" \
    test -z "$(find "$cache_bad" -type f 2>/dev/null)"
check "bad checksum: nothing left in RUNNER_TEMP" "$tmp/bad.log" temp_is_empty bad

# 5. Refusals before any download.
run_install plainhttp -- --download-url "http://127.0.0.1:$port"
check "http:// mirror refused" "$tmp/plainhttp.log" \
    bash -c '[[ $1 == 1 ]] && grep -q "must use https" "$2"' _ "$rc" "$tmp/plainhttp.log"
before=$(requests)
run_install redirect -- --download-url "$mirror/to-http"
check "redirect to http:// refused by curl --proto =https" "$tmp/redirect.log" \
    bash -c '[[ $1 == 1 ]] && grep -q "Protocol .http." "$2" && grep -q "GET /to-http/" "$3"' \
    _ "$rc" "$tmp/redirect.log" "$tmp/requests.log"
check "redirect: nothing installed" "$tmp/redirect.log" bash -c '[[ ! -s $1 ]]' _ "$tmp/redirect/output"
run_install evil AWS_SECRETS_ENV_VERSION=9.9.9 -- --manifest "$tmp/evil.json"
check "archive with ../ member refused, nothing installed" "$tmp/evil.log" \
    bash -c '[[ $1 == 1 ]] && grep -q "refusing archive member" "$2" && [[ ! -s $3 ]]' \
    _ "$rc" "$tmp/evil.log" "$tmp/evil/output"
check "evil archive: nothing left in RUNNER_TEMP" "$tmp/evil.log" temp_is_empty evil
run_install wrongversion AWS_SECRETS_ENV_VERSION=v0.2.0
check "version other than the pinned one: ::error::" "$tmp/wrongversion.log" \
    bash -c '[[ $1 == 1 ]] && grep -q "^::error.*pins 0.1.0" "$2"' _ "$rc" "$tmp/wrongversion.log"
run_install samev AWS_SECRETS_ENV_VERSION=v0.1.0
check "version equal to the pinned one (with v): ok" "$tmp/samev.log" test "$rc" -eq 0

# 6. The manifest's own download_base is used when there is no override.
sed "s#https://downloads.invalid/releases/download#$mirror#" "$tmp/good.json" >"$tmp/based.json"
run_install based -- --manifest "$tmp/based.json" --download-url ''
check "manifest download_base: exit 0, source=download" "$tmp/based.log" \
    test "$rc/$(output_of based source)" = 0/download

# 7. --binary (the action input `binary`): used as is, no download.
before=$(requests)
run_install override -- --binary "$tmp/pkg/aws-secrets-env"
check "--binary: exit 0, source=override, that path" "$tmp/override.log" \
    test "$rc/$(output_of override source)/$(output_of override bin)" = "0/override/$tmp/pkg/aws-secrets-env"
check "--binary: no download" "$tmp/override.log" test "$(requests)" -eq "$before"
run_install override_bad -- --binary "$tmp/pkg/README.md"
check "--binary not executable: ::error::" "$tmp/override_bad.log" \
    bash -c '[[ $1 == 1 ]] && grep -q "^::error" "$2"' _ "$rc" "$tmp/override_bad.log"

# 8. Source fallback, command line checked with a stub cargo (no compile).
mkdir -p "$tmp/stub"
cat >"$tmp/stub/cargo" <<'EOF'
#!/usr/bin/env bash
printf '%s\n' "$@" >"$STUB_CARGO_ARGS"
dir=${CARGO_TARGET_DIR:?}/release
mkdir -p "$dir"
printf '#!/bin/sh\necho "aws-secrets-env 0.1.0 (stub build)"\n' >"$dir/aws-secrets-env"
chmod 0755 "$dir/aws-secrets-env"
EOF
chmod 0755 "$tmp/stub/cargo"
before=$(requests)
run_install stub PATH="$tmp/stub:$PATH" STUB_CARGO_ARGS="$tmp/stub/args" \
    CARGO_TARGET_DIR="$tmp/stub-target" -- --manifest "$tmp/unreleased.json"
check "unreleased: source build, bin in CARGO_TARGET_DIR/release" "$tmp/stub.log" \
    test "$rc/$(output_of stub source)/$(output_of stub bin)" = "0/source/$tmp/stub-target/release/aws-secrets-env"
check "unreleased: cargo build --locked --manifest-path <action>/Cargo.toml --release" "$tmp/stub.log" \
    test "$(tr '\n' ' ' <"$tmp/stub/args")" = "build --locked --manifest-path $repo/Cargo.toml --bin aws-secrets-env --release "
check "unreleased: ::warning:: says it builds from source, no download" "$tmp/stub.log" \
    bash -c 'grep -q "^::warning::.*building aws-secrets-env 0.1.0 from the action" "$1" && [[ $2 == "$3" ]]' \
    _ "$tmp/stub.log" "$(requests)" "$before"

# 9. Unknown platform without cargo: a clear ::error::.
mkdir -p "$tmp/nocargo"
for t in bash env dirname uname mktemp rm mkdir tar gzip sha256sum curl cp mv chmod cat sed; do
    ln -s "$(command -v "$t")" "$tmp/nocargo/$t"
done
run_install nocargo PATH="$tmp/nocargo" RUNNER_OS=Plan9
check "unknown platform, no cargo: ::error:: mentions cargo and the input binary" "$tmp/nocargo.log" \
    bash -c '[[ $1 == 1 ]] && grep -q "^::error.*no prebuilt binary for Plan9/X64, and cargo is not installed.*input binary" "$2"' \
    _ "$rc" "$tmp/nocargo.log"

# 10. Unknown platform with the real cargo: builds the action's own source.
if command -v cargo >/dev/null; then
    start=$SECONDS
    run_install source RUNNER_OS=Plan9 RUNNER_ARCH=MIPS CARGO_TARGET_DIR="$repo/target" \
        CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
        -- --cargo-profile dev
    check "unknown platform: real cargo source build, source=source ($((SECONDS - start))s)" "$tmp/source.log" \
        test "$rc/$(output_of source source)/$(output_of source bin)" = "0/source/$repo/target/debug/aws-secrets-env"
    check "unknown platform: built binary runs --version" "$tmp/source.log" \
        bash -c '[[ $("$1" --version) == "aws-secrets-env "* ]]' _ "$(output_of source bin)"
else
    not_ok "unknown platform: real cargo source build (cargo not installed)"
fi

# 12. Variables an earlier step can plant through $GITHUB_ENV are ignored.
#     The override names of 0.1.0 as environment variables, with no argument:
#     a planted binary is not used, a planted manifest (the review's
#     checksum-pin bypass: a manifest inside app.env) is not read, a planted
#     mirror is not contacted; each named in a ::warning::.
before=$(requests)
run_install planted_binary AWS_SECRETS_ENV_BINARY="$tmp/pkg/aws-secrets-env" RUNNER_TOOL_CACHE="$cache"
check "planted AWS_SECRETS_ENV_BINARY ignored: the verified asset is installed (source=cache)" "$tmp/planted_binary.log" \
    test "$rc/$(output_of planted_binary source)" = 0/cache
check "planted AWS_SECRETS_ENV_BINARY: ::warning:: names it" "$tmp/planted_binary.log" \
    grep -q '^::warning::aws-secrets-env: AWS_SECRETS_ENV_BINARY is ignored' "$tmp/planted_binary.log"
run_install planted_manifest PATH="$tmp/stub:$PATH" STUB_CARGO_ARGS="$tmp/stub/args2" \
    CARGO_TARGET_DIR="$tmp/stub-target2" AWS_SECRETS_ENV_MANIFEST="$tmp/evil.json" -- --manifest '' --download-url ''
check "planted AWS_SECRETS_ENV_MANIFEST ignored: dist/manifest.json is read (its version, not 9.9.9)" "$tmp/planted_manifest.log" \
    bash -c '[[ $1 != 9.9.9 ]] && ! grep -q "9.9.9" "$2" && grep -q "AWS_SECRETS_ENV_MANIFEST is ignored" "$2"' \
    _ "$(output_of planted_manifest version)" "$tmp/planted_manifest.log"
before=$(requests)
run_install planted_mirror AWS_SECRETS_ENV_DOWNLOAD_URL="$mirror" -- --download-url ''
check "planted AWS_SECRETS_ENV_DOWNLOAD_URL ignored: the manifest's base is used, the mirror gets no request" "$tmp/planted_mirror.log" \
    bash -c '[[ $1 == 1 ]] && grep -q "download failed: https://downloads.invalid/" "$2" && [[ $3 == "$4" ]]' \
    _ "$rc" "$tmp/planted_mirror.log" "$(requests)" "$before"

# 13. The cached archive is extracted from the very bytes that were hashed
#     (redteam I2): a stub sha256sum hashes its file, then swaps the cached
#     archive for another one, as a concurrent writer of a shared tool cache
#     could between the hash and tar. The verified binary must be installed.
mkdir -p "$tmp/swap/pkg" "$tmp/swapstub"
printf '#!/bin/sh\necho "aws-secrets-env 0.1.0 (swapped archive)"\n' >"$tmp/swap/pkg/aws-secrets-env"
chmod 0755 "$tmp/swap/pkg/aws-secrets-env"
tar -czf "$tmp/swap/evil.tar.gz" -C "$tmp/swap/pkg" aws-secrets-env
real_sha256sum=$(command -v sha256sum)
cat >"$tmp/swapstub/sha256sum" <<EOF
#!/usr/bin/env bash
"$real_sha256sum" "\$@"
cp -- "$tmp/swap/evil.tar.gz" "$cache/aws-secrets-env/0.1.0/$target/$asset"
EOF
chmod 0755 "$tmp/swapstub/sha256sum"
cp -- "$tmp/www/v0.1.0/$asset" "$cache/aws-secrets-env/0.1.0/$target/$asset"
run_install swapped PATH="$tmp/swapstub:$PATH" RUNNER_TOOL_CACHE="$cache"
check "cache swapped after the hash: the verified binary is installed" "$tmp/swapped.log" \
    bash -c '[[ $1 == 0 && $("$2" --version) == *"fake test asset"* ]]' _ "$rc" "$(output_of swapped bin)"
cp -- "$tmp/www/v0.1.0/$asset" "$cache/aws-secrets-env/0.1.0/$target/$asset"

# 14. TAR_OPTIONS from the job (planted through $GITHUB_ENV, redteam H1)
#     does not reach install.sh's tar.
run_install tar_options RUNNER_TOOL_CACHE="$cache" \
    TAR_OPTIONS="--checkpoint=1 --checkpoint-action=exec=touch\ $tmp/tar-options-ran"
check "planted TAR_OPTIONS: tar ignores it, the install works" "$tmp/tar_options.log" \
    bash -c '[[ $1 == 0 && ! -e $2 ]]' _ "$rc" "$tmp/tar-options-ran"

# 11. The committed manifest parses and is what install.sh expects.
check "dist/manifest.json is valid JSON with version and 5 assets" /dev/null \
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["version"] and len(m["assets"])==5 and isinstance(m["unreleased"], bool)' "$repo/dist/manifest.json"

finish_tests
