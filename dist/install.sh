#!/usr/bin/env bash
# Installs the aws-secrets-env binary for the composite action (action.yml).
#
# Trust model: dist/manifest.json is committed in the same tagged commit as
# this script, so the action ref a workflow pins also pins the version and
# the sha256 of every release asset. Nothing is trusted that did not match.
#
# Order of preference:
#   1. --binary PATH                use this executable, no download
#   2. tool cache                   a previously verified archive whose
#                                   sha256 still matches the manifest
#   3. download                     curl over https, verify sha256, then cache
#   4. source build                 no asset for this platform, or the
#                                   manifest says "unreleased": cargo build
#                                   --release --locked from the action's tree
#
# Arguments (all optional; an empty value means "not given"):
#   --binary PATH         a binary to use as is (the action input `binary`)
#   --download-url URL    mirror base URL (https); <base>/<tag>/<asset>
#                         (the action input `download-url`)
#   --manifest FILE       manifest instead of dist/manifest.json (tests only:
#                         the action never passes it)
#   --cargo-profile NAME  cargo profile of the source build (default release;
#                         tests only)
# Overrides are arguments, not environment variables: an earlier workflow
# step can set any variable for this one through $GITHUB_ENV, and
# AWS_SECRETS_ENV_BINARY=/usr/bin/true or a manifest inside app.env would
# then pass for the tool. Those variables are ignored, with a warning.
#
# Environment:
#   AWS_SECRETS_ENV_VERSION       version wanted; empty = the manifest's (set
#                                 by the action's step env: from its input)
#   RUNNER_TOOL_CACHE             cache root (set by the runner)
#   RUNNER_TEMP                   scratch root (set by the runner)
#   CARGO_TARGET_DIR              honoured by the source build
#
# Result: the step output `bin` (and `version`, `source`) in $GITHUB_OUTPUT;
# without GITHUB_OUTPUT the binary path is printed on stdout.
set -CeEuo pipefail
umask 022
# Variables an earlier step can plant that change what tar and read do:
# TAR_OPTIONS runs code on every tar (--checkpoint-action=exec), GZIP adds
# gzip options, TMOUT makes `read` time out (a loop ends early, as at EOF).
unset TAR_OPTIONS GZIP TMOUT

# Functions exported by earlier steps (BASH_FUNC_*) could shadow the commands
# below; drop them all before defining our own.
mapfile -t _inherited_functions < <(compgen -A function || true)
for _f in "${_inherited_functions[@]}"; do
    unset -f "$_f"
done
unset _f _inherited_functions

readonly TOOL=aws-secrets-env
installed=''

log() { printf '%s: %s\n' "$TOOL" "$*" >&2; }
# Workflow-command data escaping (% first, then CR and LF).
escape_data() {
    local s=$*
    s=${s//'%'/%25}
    s=${s//$'\r'/%0D}
    s=${s//$'\n'/%0A}
    printf '%s' "$s"
}
warn() { printf '::warning::%s: %s\n' "$TOOL" "$(escape_data "$*")"; }
bail() {
    printf '::error title=%s install failed::%s\n' "$TOOL" "$(escape_data "$*")"
    exit 1
}

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
action_path=${GITHUB_ACTION_PATH:-$(dirname -- "$script_dir")}

opt_binary='' opt_download_url='' opt_manifest='' opt_cargo_profile=''
while (($#)); do
    case $1 in
        --binary | --download-url | --manifest | --cargo-profile)
            (($# >= 2)) || bail "$1 needs a value"
            _o=${1#--}
            printf -v "opt_${_o//-/_}" '%s' "$2"
            shift
            ;;
        *) bail "unknown argument: $1" ;;
    esac
    shift
done
for _v in AWS_SECRETS_ENV_BINARY AWS_SECRETS_ENV_DOWNLOAD_URL AWS_SECRETS_ENV_MANIFEST AWS_SECRETS_ENV_CARGO_PROFILE; do
    if [[ -n ${!_v+set} ]]; then
        warn "$_v is ignored: an earlier step could have set it through \$GITHUB_ENV. Use the action inputs binary or download-url."
    fi
done
unset _v _o
manifest=${opt_manifest:-$script_dir/manifest.json}

no_newline() {
    case $2 in
        *$'\n'* | *$'\r'*) bail "$1 must not contain a newline" ;;
    esac
}

emit() {
    # emit NAME VALUE: step output, or stdout when run outside a runner.
    no_newline "$1" "$2"
    if [[ -n ${GITHUB_OUTPUT:-} ]]; then
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    elif [[ $1 == bin ]]; then
        printf '%s\n' "$2"
    fi
}

finish() {
    # finish BIN VERSION SOURCE
    local bin=$1
    [[ -f $bin && -x $bin ]] || bail "not an executable file: $bin"
    if ! "$bin" --version >/dev/null 2>&1; then
        bail "$bin does not run on this machine (${RUNNER_OS:-?}/${RUNNER_ARCH:-?})"
    fi
    installed=1
    log "using $bin ($3, version $2)"
    emit bin "$bin"
    emit version "$2"
    emit source "$3"
    exit 0
}

# ---------------------------------------------------------------- override
if [[ -n $opt_binary ]]; then
    bin=$opt_binary
    no_newline binary "$bin"
    case $bin in
        /* | [A-Za-z]:[\\/]*) ;;
        *) bin=$PWD/$bin ;;
    esac
    [[ -f $bin && -x $bin ]] || bail "binary is not an executable file: $bin"
    # Report what the binary says it is ("aws-secrets-env 0.1.0").
    over_version=$("$bin" --version 2>/dev/null || true)
    over_version=${over_version##* }
    [[ $over_version =~ ^[0-9A-Za-z.+-]+$ ]] || over_version=unknown
    finish "$bin" "$over_version" override
fi

# ---------------------------------------------------------------- manifest
# The manifest is generated by dist/update-manifest.sh with one scalar per
# line and one asset object per line, so it can be read without jq/python
# (neither is guaranteed in container jobs). Anything unexpected fails closed.
[[ -f $manifest ]] || bail "manifest not found: $manifest"
m_version='' m_tag='' m_unreleased='' m_base=''
declare -A asset_file=() asset_sha=()
re_str='^[[:space:]]*"([a-z_]+)":[[:space:]]*"([^"\\]*)",?[[:space:]]*$'
re_bool='^[[:space:]]*"([a-z_]+)":[[:space:]]*(true|false),?[[:space:]]*$'
re_asset='^[[:space:]]*"([A-Za-z0-9_.-]+)":[[:space:]]*\{[[:space:]]*"file":[[:space:]]*"([A-Za-z0-9_.+-]*)",[[:space:]]*"sha256":[[:space:]]*"([0-9a-f]*)"[[:space:]]*\},?[[:space:]]*$'
while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    if [[ $line =~ $re_asset ]]; then
        asset_file[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
        asset_sha[${BASH_REMATCH[1]}]=${BASH_REMATCH[3]}
    elif [[ $line =~ $re_str ]]; then
        case ${BASH_REMATCH[1]} in
            version) m_version=${BASH_REMATCH[2]} ;;
            tag) m_tag=${BASH_REMATCH[2]} ;;
            download_base) m_base=${BASH_REMATCH[2]} ;;
        esac
    elif [[ $line =~ $re_bool ]]; then
        [[ ${BASH_REMATCH[1]} == unreleased ]] && m_unreleased=${BASH_REMATCH[2]}
    fi
done <"$manifest"
[[ $m_version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] ||
    bail "manifest $manifest has no valid \"version\""
[[ -n $m_unreleased ]] || bail "manifest $manifest has no \"unreleased\": true|false"
m_tag=${m_tag:-v$m_version}

wanted=${AWS_SECRETS_ENV_VERSION:-}
wanted=${wanted#v}
if [[ -n $wanted && $wanted != "$m_version" ]]; then
    bail "version '$wanted' requested, but this action ref pins $m_version (dist/manifest.json). Checksums are pinned per action ref: use the action at the tag for $wanted (uses: …/aws-secrets-env@v$wanted) or give the action input binary."
fi
version=$m_version

# ---------------------------------------------------------------- platform
os=${RUNNER_OS:-}
arch=${RUNNER_ARCH:-}
if [[ -z $os ]]; then
    case $(uname -s) in
        Linux) os=Linux ;;
        Darwin) os=macOS ;;
        MINGW* | MSYS* | CYGWIN* | Windows_NT) os=Windows ;;
        *) os=$(uname -s) ;;
    esac
fi
if [[ -z $arch ]]; then
    case $(uname -m) in
        x86_64 | amd64) arch=X64 ;;
        aarch64 | arm64) arch=ARM64 ;;
        *) arch=$(uname -m) ;;
    esac
fi
exe=''
case $os/$arch in
    Linux/X64) target=x86_64-unknown-linux-musl ;;
    Linux/ARM64) target=aarch64-unknown-linux-musl ;;
    macOS/ARM64) target=aarch64-apple-darwin ;;
    macOS/X64) target=x86_64-apple-darwin ;;
    Windows/X64) target=x86_64-pc-windows-msvc exe=.exe ;;
    # Windows on Arm runs x64 binaries under emulation.
    Windows/ARM64) target=x86_64-pc-windows-msvc exe=.exe ;;
    *) target='' ;;
esac
[[ $os == Windows ]] && exe=.exe

file=''
sha=''
if [[ -n $target ]]; then
    file=${asset_file[$target]:-}
    sha=${asset_sha[$target]:-}
fi

# ---------------------------------------------------------------- source build
build_from_source() {
    local why=$1 profile=${opt_cargo_profile:-release} out_dir bin
    if ! command -v cargo >/dev/null 2>&1; then
        bail "$why, and cargo is not installed: install a Rust toolchain before this step, or give the action input binary a prebuilt binary."
    fi
    [[ -f $action_path/Cargo.toml ]] || bail "$why, and there is no Cargo.toml in $action_path to build from"
    warn "$why: building $TOOL $version from the action's source with cargo (slow)"
    local -a args=(build --locked --manifest-path "$action_path/Cargo.toml" --bin "$TOOL")
    case $profile in
        release) args+=(--release) out_dir=release ;;
        dev) args+=(--profile dev) out_dir=debug ;;
        *[!A-Za-z0-9_-]* | '') bail "invalid --cargo-profile: $profile" ;;
        *) args+=(--profile "$profile") out_dir=$profile ;;
    esac
    echo "::group::cargo ${args[*]}"
    cargo "${args[@]}" >&2 || {
        echo "::endgroup::"
        bail "cargo build failed"
    }
    echo "::endgroup::"
    bin=${CARGO_TARGET_DIR:-$action_path/target}/$out_dir/$TOOL$exe
    case $bin in /*) ;; *) bin=$action_path/$bin ;; esac
    finish "$bin" "$version" source
}

if [[ $m_unreleased == true ]]; then
    build_from_source "version $version is not released yet (dist/manifest.json says unreleased)"
fi
if [[ -z $target ]]; then
    build_from_source "no prebuilt binary for $os/$arch"
fi
if [[ -z $file || ! $sha =~ ^[0-9a-f]{64}$ ]]; then
    build_from_source "release $version has no asset for $target"
fi

# ---------------------------------------------------------------- verify helpers
if command -v sha256sum >/dev/null 2>&1; then
    hasher=(sha256sum -b)
elif command -v shasum >/dev/null 2>&1; then
    hasher=(shasum -a 256 -b)
else
    bail "neither sha256sum nor shasum is available to verify the download"
fi
sha256_of() {
    local out
    out=$("${hasher[@]}" "$1") || return 1
    out=${out%% *}
    printf '%s\n' "${out#\\}"
}

tmp_root=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
cache_root=${RUNNER_TOOL_CACHE:-}
if [[ $os == Windows ]] && command -v cygpath >/dev/null 2>&1; then
    # GNU tar in Git Bash reads "D:\a\..." as host:path; use POSIX paths.
    tmp_root=$(cygpath -u "$tmp_root")
    [[ -z $cache_root ]] || cache_root=$(cygpath -u "$cache_root")
fi
work=$(mktemp -d "$tmp_root/$TOOL-install.XXXXXXXX")
run_dir=''
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
    rm -rf -- "$work"
    # Fail closed: on any error leave no binary behind.
    if [[ -z $installed && -n $run_dir ]]; then
        rm -rf -- "$run_dir"
    fi
}
trap cleanup EXIT

extract() {
    # extract ARCHIVE DEST: the binary only, refusing odd archive members.
    local archive=$1 dest=$2 member list members=()
    list=$(tar -tzf "$archive") || bail "$file is not a readable archive"
    mapfile -t members <<<"$list"
    for member in "${members[@]}"; do
        case $member in
            /* | ../* | */../* | *\\*) bail "refusing archive member '$member' in $file" ;;
        esac
    done
    mkdir -p -- "$dest"
    tar -xzf "$archive" -C "$dest" "$TOOL$exe" ||
        bail "$file does not contain $TOOL$exe at its root"
    [[ -f $dest/$TOOL$exe && ! -L $dest/$TOOL$exe ]] || bail "$TOOL$exe in $file is not a regular file"
    chmod 0755 "$dest/$TOOL$exe"
}

# Tool-cache layout as @actions/tool-cache: <root>/<tool>/<version>/<arch>/
# plus a <arch>.complete marker. Only verified archives are stored; the
# binary is extracted afresh for every job after re-checking the archive.
cache_dir=''
if [[ -n $cache_root ]]; then
    cache_dir=$cache_root/$TOOL/$version/$target
fi
run_dir=$(mktemp -d "$tmp_root/$TOOL-$version.XXXXXXXX")

# The cached archive is copied to this job's private directory first, and
# that copy is hashed and extracted: the bytes tar reads are the bytes that
# were verified, whatever another job does to the shared cache meanwhile.
if [[ -n $cache_dir && -f $cache_dir.complete && -f $cache_dir/$file ]] &&
    cp -- "$cache_dir/$file" "$work/cached-$file"; then
    got=$(sha256_of "$work/cached-$file") || got=''
    if [[ $got == "$sha" ]]; then
        extract "$work/cached-$file" "$run_dir"
        finish "$run_dir/$TOOL$exe" "$version" cache
    fi
    warn "cached $file does not match the pinned sha256 any more; downloading it again"
    rm -f -- "$cache_dir.complete" "$cache_dir/$file"
fi

# ---------------------------------------------------------------- download
base=${opt_download_url:-$m_base}
base=${base%/}
[[ -n $base ]] || bail "manifest has no download_base and no download-url was given"
no_newline download-url "$base"
case $base in
    https://*) ;;
    *) bail "download URL must use https: $base" ;;
esac
url=$base/$m_tag/$file
command -v curl >/dev/null 2>&1 || bail "curl is required to download $url"
echo "::group::$TOOL: download $file"
log "downloading $url"
# --disable (first): no .curlrc, which CURL_HOME or HOME could point anywhere.
if ! curl --disable --proto '=https' --tlsv1.2 -fsSL --retry 3 --retry-connrefused \
    --connect-timeout 30 -o "$work/$file" -- "$url"; then
    echo "::endgroup::"
    bail "download failed: $url"
fi
got=$(sha256_of "$work/$file") || bail "could not hash $file"
if [[ $got != "$sha" ]]; then
    echo "::endgroup::"
    bail "checksum mismatch for $file: expected $sha (dist/manifest.json), got $got. Nothing was installed."
fi
log "sha256 verified: $got"
extract "$work/$file" "$work/bin"
echo "::endgroup::"

if [[ -n $cache_dir ]]; then
    # Publish atomically: a concurrent job sees either nothing or a whole file.
    if mkdir -p -- "$cache_dir" 2>/dev/null &&
        cp -- "$work/$file" "$cache_dir/.$file.$$" &&
        mv -f -- "$cache_dir/.$file.$$" "$cache_dir/$file" &&
        : >|"$cache_dir.complete"; then
        log "cached in $cache_dir"
    else
        rm -f -- "$cache_dir/.$file.$$"
        warn "could not write the tool cache $cache_dir; continuing without it"
    fi
fi
mv -- "$work/bin/$TOOL$exe" "$run_dir/$TOOL$exe"
finish "$run_dir/$TOOL$exe" "$version" download
