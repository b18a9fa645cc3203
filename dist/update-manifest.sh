#!/usr/bin/env bash
# Writes dist/manifest.json: the version the action installs and, per target,
# the release asset name and its sha256. Run by the release workflow (and by
# hand, see docs/action.md) on the assets built for a tag; the result is
# committed so that the action's git ref pins the checksums.
#
# Usage: dist/update-manifest.sh [--unreleased] [--allow-missing]
#                                [--output FILE] VERSION [ASSET_DIR]
#   VERSION        e.g. 0.1.0 (a leading v is dropped)
#   ASSET_DIR      directory holding aws-secrets-env-<target>.tar.gz; without
#                  it every sha256 is empty (only useful with --unreleased)
#   --unreleased   mark the version as not released: install.sh then builds
#                  from source instead of downloading
#   --allow-missing  a target without an asset gets an empty sha256 (install.sh
#                  falls back to a source build there) instead of an error
#   --output FILE  default: manifest.json next to this script
#
# The output keeps one scalar per line and one asset object per line:
# install.sh reads it with bash alone. Keep that shape if you edit it.
set -CeEuo pipefail

readonly TOOL=aws-secrets-env
readonly TARGETS=(
    x86_64-unknown-linux-musl
    aarch64-unknown-linux-musl
    x86_64-apple-darwin
    aarch64-apple-darwin
    x86_64-pc-windows-msvc
)
download_base=${AWS_SECRETS_ENV_DOWNLOAD_BASE:-https://github.com/aws-secrets-env/aws-secrets-env/releases/download}

die() {
    printf 'update-manifest: %s\n' "$*" >&2
    exit 1
}

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
output=$script_dir/manifest.json
unreleased=false
allow_missing=false
positional=()
while (($#)); do
    case $1 in
        --unreleased) unreleased=true ;;
        --allow-missing) allow_missing=true ;;
        --output)
            (($# >= 2)) || die "--output needs a value"
            output=$2
            shift
            ;;
        --output=*) output=${1#--output=} ;;
        -h | --help)
            sed -n '2,20p' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        -*) die "unknown option $1" ;;
        *) positional+=("$1") ;;
    esac
    shift
done
((${#positional[@]} >= 1 && ${#positional[@]} <= 2)) || die "usage: update-manifest.sh [--unreleased] [--allow-missing] [--output FILE] VERSION [ASSET_DIR]"
version=${positional[0]#v}
asset_dir=${positional[1]:-}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || die "not a semver version: $version"
[[ $download_base == https://* && $download_base != *'"'* ]] || die "download base must be an https URL"

sha256_of() {
    local out
    if command -v sha256sum >/dev/null 2>&1; then
        out=$(sha256sum -b "$1")
    else
        out=$(shasum -a 256 -b "$1")
    fi
    out=${out%% *}
    printf '%s\n' "${out#\\}"
}

{
    printf '{\n'
    printf '  "name": "%s",\n' "$TOOL"
    printf '  "version": "%s",\n' "$version"
    printf '  "tag": "v%s",\n' "$version"
    printf '  "unreleased": %s,\n' "$unreleased"
    printf '  "download_base": "%s",\n' "$download_base"
    printf '  "assets": {\n'
    n=${#TARGETS[@]}
    i=0
    for target in "${TARGETS[@]}"; do
        i=$((i + 1))
        file=$TOOL-$target.tar.gz
        sha=''
        if [[ -n $asset_dir ]]; then
            if [[ -f $asset_dir/$file ]]; then
                sha=$(sha256_of "$asset_dir/$file")
            elif [[ $allow_missing != true ]]; then
                die "missing asset $asset_dir/$file (use --allow-missing to publish without it)"
            fi
        fi
        sep=,
        ((i < n)) || sep=''
        printf '    "%s": { "file": "%s", "sha256": "%s" }%s\n' "$target" "$file" "$sha" "$sep"
    done
    printf '  }\n'
    printf '}\n'
} >"$output.tmp.$$"
mv -f -- "$output.tmp.$$" "$output"
printf 'update-manifest: wrote %s (version %s, unreleased=%s)\n' "$output" "$version" "$unreleased" >&2
