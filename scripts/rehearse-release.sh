#!/usr/bin/env bash
# Rehearses the release on this machine: everything .github/workflows/release.yml
# does for a tag, short of publishing, with the same scripts, in one command.
#
# Usage: scripts/rehearse-release.sh OUT
# OUT must not exist, be empty, or be an earlier rehearsal's output. It gets:
#   OUT/download/v<version>/  release assets and their .sha256 sidecars, built
#                             by scripts/build-asset.sh as the workflow's build
#                             job does (see "Stand-in" below)
#   OUT/remote.git            the bare repository standing for GitHub: the
#                             tag pushed by the maintainer, then the release
#                             commit, release/v<version>, v<version>, v<major>
#                             pushed by scripts/release-commit.sh (publish job)
#   OUT/action/               a clone of it checked out at v<major>: what
#                             `uses: aws-secrets-env/aws-secrets-env@v<major>`
#                             gets (dist/manifest.json "unreleased": false and
#                             the sha256 of every asset built)
#   OUT/wheels/               the manylinux x86_64 wheel (maturin, bindings =
#                             "bin", pyproject.toml) and the sdist
#   OUT/crate/                the package `cargo publish` would upload
#   OUT/image.oci.tar         the OCI image (packaging/Dockerfile from the
#                             context scripts/image-context.sh makes of the
#                             assets), built by buildah without a daemon
#
# What is rehearsed: the tag you would push is the committed HEAD plus, if the
# working tree has changes, one commit holding them (the log says so); it is
# pushed to OUT/remote.git, checked out there as actions/checkout does, built,
# released into OUT/remote.git and cloned back as a user's runner would.
#
# Stand-in: this machine has Rust's std for x86_64-unknown-linux-gnu only, so
# the rehearsal builds that target statically linked (crt-static) into the
# x86_64-unknown-linux-musl asset, and the wheel and the image carry that
# same binary (one release build). The musl, aarch64, macOS and Windows
# builds, the other wheels and the arm64 image run in release.yml only; the
# manifest's entries for targets not built here have an empty sha256.
#
# Needs: cargo (x86_64 Linux host), git, python3, tar, sha256sum, maturin
# (.venv/bin/maturin: `bash scripts/setup.sh --release`), buildah. Tests that
# use the result as a user would: tests/release/*.sh (run_all.sh).
# Environment: CARGO_TARGET_DIR (default: this repository's target/, so
# dependencies already built for the release profile are reused).
set -CeEuo pipefail

started=$SECONDS
say() { printf 'rehearse-release: [%4ss] %s\n' "$((SECONDS - started))" "$*" >&2; }
die() {
    printf 'rehearse-release: FAILED: %s\n' "$*" >&2
    exit 1
}

(($# == 1)) || die "usage: scripts/rehearse-release.sh OUT"
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
venv=${VENV:-$root/.venv}
maturin=$(command -v maturin || true)
[[ -x $venv/bin/maturin ]] && maturin=$venv/bin/maturin
for tool in cargo git python3 tar sha256sum buildah; do
    command -v "$tool" >/dev/null || die "$tool is required (bash scripts/setup.sh --release)"
done
[[ -n $maturin ]] || die "maturin is required (bash scripts/setup.sh --release)"
[[ $(uname -sm) == 'Linux x86_64' ]] || die "the rehearsal builds the x86_64 Linux asset: run it on x86_64 Linux"

mkdir -p -- "$1"
out=$(cd -- "$1" && pwd -P)
if [[ -n $(ls -A -- "$out") && ! -f $out/.rehearsal ]]; then
    die "$out is not empty and holds no earlier rehearsal: give a new directory"
fi
find "$out" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +
: >"$out/.rehearsal"
work=$out/.work
mkdir -p "$work"
storage=''
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
    if [[ -n $storage ]]; then
        buildah --root "$storage/root" --runroot "$storage/run" --storage-driver vfs \
            rm --all >/dev/null 2>&1 || true
    fi
    [[ -n ${KEEP_WORK:-} ]] || rm -rf -- "$work"
}
trap cleanup EXIT

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_SYSTEM=/dev/null GIT_CONFIG_NOSYSTEM=1
# update-manifest.sh must write the real download base, as in the workflow.
unset AWS_SECRETS_ENV_DOWNLOAD_BASE
maintainer=(-c user.name=rehearsal -c user.email=rehearsal@localhost)

# ------------------------------------------------------------ the tag pushed
version=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' "$root/Cargo.toml" | head -n 1)
[[ $version =~ ^([0-9]+)\.[0-9]+\.[0-9]+$ ]] || die "Cargo.toml version is not X.Y.Z: $version"
tag=v$version
major=v${BASH_REMATCH[1]}
say "version $version: tag $tag, major tag $major"

src=$work/src
git clone -q --no-local "$root" "$src"
head=$(git -C "$src" rev-parse --short HEAD)
# Lay the working tree (tracked and untracked files, .gitignore honoured)
# over the clone, so the rehearsal releases what you have.
(
    cd "$root"
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do
            if [[ -e $f || -L $f ]]; then printf '%s\0' "$f"; fi
        done | xargs -0 -r tar -cf - --
) >"$work/tree.tar"
(
    cd "$src"
    git ls-files -z | xargs -0 -r rm -f --
    tar -xf "$work/tree.tar"
    git add -A
    if git diff --cached --quiet; then
        say "tagging HEAD $head (the working tree has no changes)"
    else
        git "${maintainer[@]}" commit -q -m "rehearsal: the working tree's changes on $head"
        say "tagging HEAD $head plus one commit with the working tree's changes: $(git diff --name-only HEAD~1 HEAD | wc -l) files"
    fi
    git "${maintainer[@]}" tag -a "$tag" -m "aws-secrets-env $version"
)
git init -q --bare --initial-branch=main "$out/remote.git"
git -C "$src" push -q "$out/remote.git" "HEAD:refs/heads/main" "refs/tags/$tag"
say "pushed main and $tag to OUT/remote.git (standing for github.com/aws-secrets-env/aws-secrets-env)"

# ------------------------------------------------------------ release.yml: build
# The build job: a checkout of the tag, scripts/build-asset.sh per target.
build=$work/build
git clone -q "$out/remote.git" "$build"
git -C "$build" -c advice.detachedHead=false checkout -q "$tag"
assets=$out/download/$tag
say "build: x86_64-unknown-linux-musl asset (release profile; minutes when cold)"
bin=$(bash "$build/scripts/build-asset.sh" --static --cargo-target x86_64-unknown-linux-gnu \
    x86_64-unknown-linux-musl "$assets")
say "build: STAND-IN: the x86_64-unknown-linux-musl asset holds the statically linked x86_64-unknown-linux-gnu build ($(file -b "$bin" 2>/dev/null | grep -o 'static[-a-z]* linked' || echo static)); release.yml builds musl, aarch64, macOS and Windows on native runners"
"$bin" --version >/dev/null || die "the built binary does not run"
if command -v ldd >/dev/null && ldd "$bin" 2>&1 | grep -q '=>'; then
    die "$bin is dynamically linked"
fi
cp -- "$bin" "$work/aws-secrets-env"
bin=$work/aws-secrets-env

# ------------------------------------------------------------ release.yml: publish
# The publish job: verify the sidecars, then scripts/release-commit.sh in a
# checkout of the tag with the whole history.
(cd "$assets" && sha256sum --quiet -c -- ./*.sha256)
say "publish: sidecar checksums verified"
publish=$work/publish
git clone -q "$out/remote.git" "$publish"
git -C "$publish" -c advice.detachedHead=false checkout -q "$tag"
(cd "$publish" && bash scripts/release-commit.sh --allow-missing "$tag" "$assets" origin)

# ------------------------------------------------------------ what users get
git clone -q "$out/remote.git" "$out/action"
git -C "$out/action" -c advice.detachedHead=false checkout -q "$major"
release_commit=$(git -C "$out/action" rev-parse HEAD)
[[ $(git -C "$out/action" rev-parse "$tag^{commit}") == "$release_commit" ]] || die "$tag and $major differ"
[[ $(git -C "$out/action" rev-parse "origin/release/$tag") == "$release_commit" ]] ||
    die "release/$tag is not the release commit"
[[ $(git -C "$out/action" diff --name-only "$release_commit~1" "$release_commit") == dist/manifest.json ]] ||
    die "the release commit changes more than dist/manifest.json"
asset_sha=$(cut -d' ' -f1 "$assets/aws-secrets-env-x86_64-unknown-linux-musl.tar.gz.sha256")
grep -q '^  "unreleased": false,$' "$out/action/dist/manifest.json" || die "OUT/action's manifest is not released"
grep -q "\"x86_64-unknown-linux-musl\": { \"file\": \"aws-secrets-env-x86_64-unknown-linux-musl.tar.gz\", \"sha256\": \"$asset_sha\" }" \
    "$out/action/dist/manifest.json" || die "OUT/action's manifest does not pin the built asset"
say "action: OUT/action at $major = $tag = $(git -C "$out/action" rev-parse --short HEAD) (release commit on the tagged $(git -C "$out/action" rev-parse --short HEAD~1)); manifest pins x86_64-unknown-linux-musl $asset_sha"

# ------------------------------------------------------------ wheels
# release.yml's wheel job runs maturin per target on native runners; here,
# manylinux x86_64 with the same RUSTFLAGS, target and target dir as the asset,
# so cargo reuses that build and the wheel carries the same binary.
say "wheels: maturin build (manylinux2014 x86_64) and sdist"
(
    cd "$build"
    RUSTFLAGS='-C target-feature=+crt-static' "$maturin" build --release --locked \
        --target x86_64-unknown-linux-gnu --compatibility manylinux2014 --out "$out/wheels" >"$work/maturin.log" 2>&1 ||
        {
            cat "$work/maturin.log" >&2
            die "maturin build failed"
        }
    "$maturin" sdist --out "$out/wheels" >>"$work/maturin.log" 2>&1 || {
        cat "$work/maturin.log" >&2
        die "maturin sdist failed"
    }
)
wheel=$(find "$out/wheels" -name "aws_secrets_env-$version-*manylinux*x86_64*.whl" | head -n 1)
[[ -n $wheel ]] || die "no manylinux x86_64 wheel in OUT/wheels"
python3 - "$wheel" "$bin" <<'EOF' || die "the wheel does not carry the asset's binary"
import hashlib, sys, zipfile
wheel, binary = sys.argv[1:3]
want = hashlib.sha256(open(binary, "rb").read()).hexdigest()
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.endswith(".data/scripts/aws-secrets-env")]
    assert len(names) == 1, names
    got = hashlib.sha256(z.read(names[0])).hexdigest()
assert got == want, (got, want)
EOF
say "wheels: $(cd "$out/wheels" && find . -type f -printf '%P ')(the wheel's binary is the asset's)"

# ------------------------------------------------------------ crate
# release.yml's crate job runs `cargo publish --locked` on the tag; here the
# package it would upload (metadata, file list, Cargo.lock). Not verified by a
# build: that is a second full build of every dependency in a scratch target
# directory; the asset above built the same sources.
(cd "$build" && cargo package --locked --no-verify --quiet) >"$work/package.log" 2>&1 || {
    cat "$work/package.log" >&2
    die "cargo package failed"
}
mkdir -p "$out/crate"
cp -- "$CARGO_TARGET_DIR/package/aws-secrets-env-$version.crate" "$out/crate/"
members=$(tar -tzf "$out/crate/aws-secrets-env-$version.crate")
grep -qx "aws-secrets-env-$version/Cargo.lock" <<<"$members" ||
    die "the crate has no Cargo.lock (cargo install --locked needs it)"
say "crate: OUT/crate/aws-secrets-env-$version.crate ($(wc -c <"$out/crate/aws-secrets-env-$version.crate") bytes, with Cargo.lock)"

# ------------------------------------------------------------ image
# release.yml's image job builds the same Dockerfile with docker buildx from
# the same context script, for linux/amd64 and linux/arm64, and pushes it.
storage=$work/containers
ctx=$work/image-context
arches=$(bash "$build/scripts/image-context.sh" "$assets" "$ctx")
[[ $arches == amd64 ]] || die "expected the amd64 binary only, got: $arches"
bh=(buildah --root "$storage/root" --runroot "$storage/run" --storage-driver vfs)
image=ghcr.io/aws-secrets-env/aws-secrets-env:$version
say "image: buildah build --platform linux/amd64 (vfs storage, chroot isolation, no daemon)"
"${bh[@]}" build --quiet --isolation chroot --platform linux/amd64 --pull=never \
    --build-arg "VERSION=$version" -f "$build/packaging/Dockerfile" -t "$image" "$ctx" >"$work/buildah.log" 2>&1 || {
    cat "$work/buildah.log" >&2
    die "buildah build failed"
}
"${bh[@]}" push --quiet "$image" "oci-archive:$out/image.oci.tar:$image" >>"$work/buildah.log" 2>&1 || {
    cat "$work/buildah.log" >&2
    die "buildah push failed"
}
say "image: OUT/image.oci.tar ($image, $(wc -c <"$out/image.oci.tar") bytes)"

# ------------------------------------------------------------ summary
{
    echo "rehearsal of aws-secrets-env $version ($(date -u +%Y-%m-%dT%H:%M:%SZ), $((SECONDS - started)) s)"
    echo "stand-in: x86_64-unknown-linux-musl asset = static x86_64-unknown-linux-gnu build"
    (cd "$out" && find download wheels crate image.oci.tar -type f ! -name '*.sha256' -print0 | sort -z | xargs -0 sha256sum)
    echo "action: $major = $tag = $release_commit"
} >|"$out/SUMMARY"
cat "$out/SUMMARY" >&2
say "done"
