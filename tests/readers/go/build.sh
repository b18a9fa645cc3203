#!/usr/bin/env bash
# Build the Go conformance readers OFFLINE, in GOPATH mode, against Debian's -dev packages
# (golang-go golang-github-joho-godotenv-dev golang-github-subosito-gotenv-dev
#  golang-github-spf13-viper-dev; see ../install.sh). Output: <repo>/target/readers/{godotenv,gotenv,viper}
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
out="$repo/target/readers"
mkdir -p "$out/gopath" "$out/gocache"
command -v go >/dev/null || { echo "go not found: run tests/readers/install.sh" >&2; exit 2; }
export GO111MODULE=off GOFLAGS='' GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0
export GOPATH="$out/gopath:/usr/share/gocode" GOCACHE="$out/gocache"
for prog in godotenv gotenv viper; do
  (cd "$here/$prog" && go build -trimpath -o "$out/$prog.tmp" . && mv -f "$out/$prog.tmp" "$out/$prog")
done
