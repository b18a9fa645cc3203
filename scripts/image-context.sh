#!/usr/bin/env bash
# Makes the build context of packaging/Dockerfile from the release assets, so
# the image carries exactly the binaries the release publishes (and the
# action and the wheels pin): for each Linux architecture whose asset is in
# ASSET_DIR, its sha256 sidecar is checked and the binary extracted to
# CONTEXT/<arch>/aws-secrets-env; the build host's CA bundle is copied to
# CONTEXT/ca-certificates.crt. The release workflow's image job and
# scripts/rehearse-release.sh both call it.
#
# Usage: scripts/image-context.sh ASSET_DIR CONTEXT
# Prints the architectures found (amd64, arm64), one per line; fails if none.
# CA_BUNDLE overrides the bundle's path (default: Debian's and Ubuntu's
# /etc/ssl/certs/ca-certificates.crt).
set -CeEuo pipefail

readonly TOOL=aws-secrets-env
die() {
    printf 'image-context: %s\n' "$*" >&2
    exit 1
}
(($# == 2)) || die "usage: image-context.sh ASSET_DIR CONTEXT"
assets=$1 context=$2
ca=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[[ -s $ca ]] || die "no CA bundle at $ca (apt-get install ca-certificates, or set CA_BUNDLE)"
grep -q 'BEGIN CERTIFICATE' "$ca" || die "$ca holds no PEM certificate"

mkdir -p -- "$context"
found=0
for pair in amd64:x86_64-unknown-linux-musl arm64:aarch64-unknown-linux-musl; do
    arch=${pair%%:*}
    asset=$TOOL-${pair#*:}.tar.gz
    [[ -f $assets/$asset ]] || continue
    [[ -f $assets/$asset.sha256 ]] || die "$asset has no $asset.sha256"
    (cd -- "$assets" && sha256sum --quiet -c -- "$asset.sha256") >&2 || die "$asset does not match $asset.sha256"
    rm -rf -- "${context:?}/$arch"
    mkdir -p -- "$context/$arch"
    tar -xzf "$assets/$asset" -C "$context/$arch" -- "$TOOL"
    [[ -f $context/$arch/$TOOL && ! -L $context/$arch/$TOOL ]] || die "$asset has no regular file $TOOL"
    chmod 0755 "$context/$arch/$TOOL"
    printf '%s\n' "$arch"
    found=$((found + 1))
done
((found > 0)) || die "no Linux asset in $assets"
cp -f -- "$ca" "$context/ca-certificates.crt"
chmod 0644 "$context/ca-certificates.crt"
