#!/usr/bin/env bash
# Builds one release asset: the aws-secrets-env binary for TARGET, packed as
# OUT_DIR/aws-secrets-env-TARGET.tar.gz (the binary at the archive root, then
# README.md and the licences) with its sha256 in OUT_DIR/<asset>.sha256.
# The release workflow (.github/workflows/release.yml) calls it once per
# target on a native runner, and scripts/rehearse-release.sh calls it here.
#
# Usage: scripts/build-asset.sh [--cargo-target TRIPLE] [--static] TARGET OUT_DIR
#   TARGET          the asset's target, as named in dist/manifest.json
#   OUT_DIR         where the archive and its .sha256 go (created)
#   --cargo-target  build for TRIPLE instead of TARGET (the rehearsal builds
#                   x86_64-unknown-linux-gnu into the x86_64-unknown-linux-musl
#                   asset: this machine has no musl std); the log says so
#   --static        link the C runtime statically (-C target-feature=+crt-static;
#                   always on for *-windows-msvc)
#
# Prints the path of the built binary on stdout (the rehearsal reuses it for
# the wheel and the image). [profile.release] in Cargo.toml: lto,
# codegen-units = 1, strip, opt-level "z", panic = "abort".
set -CeEuo pipefail

readonly TOOL=aws-secrets-env
die() {
    printf 'build-asset: %s\n' "$*" >&2
    exit 1
}
say() { printf 'build-asset: %s\n' "$*" >&2; }

cargo_target='' static=false positional=()
while (($#)); do
    case $1 in
        --cargo-target)
            (($# >= 2)) || die "--cargo-target needs a value"
            cargo_target=$2
            shift
            ;;
        --static) static=true ;;
        -h | --help)
            sed -n '2,20p' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        -*) die "unknown option $1" ;;
        *) positional+=("$1") ;;
    esac
    shift
done
((${#positional[@]} == 2)) || die "usage: build-asset.sh [--cargo-target TRIPLE] [--static] TARGET OUT_DIR"
target=${positional[0]}
out_dir=${positional[1]}
[[ $target =~ ^[a-z0-9_]+(-[a-z0-9_]+){2,3}$ ]] || die "not a target triple: $target"
cargo_target=${cargo_target:-$target}
[[ $cargo_target =~ ^[a-z0-9_]+(-[a-z0-9_]+){2,3}$ ]] || die "not a target triple: $cargo_target"

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"

exe=''
[[ $target == *-windows-* ]] && exe=.exe
[[ $cargo_target == *-windows-msvc ]] && static=true
if [[ $cargo_target != "$target" ]]; then
    say "NOTE: building $cargo_target into the $target asset (a stand-in: $target cannot be built on this machine; the release workflow builds it on a native runner)"
fi
if [[ $static == true ]]; then
    # With --target, RUSTFLAGS reach the target's crates only, not build
    # scripts and proc macros, which must stay dynamic on the host.
    export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C target-feature=+crt-static"
fi
say "cargo build --release --locked --target $cargo_target --bin $TOOL${RUSTFLAGS:+ (RUSTFLAGS=$RUSTFLAGS)}"
cargo build --release --locked --target "$cargo_target" --bin "$TOOL" >&2
bin=${CARGO_TARGET_DIR:-$root/target}/$cargo_target/release/$TOOL$exe
[[ -f $bin ]] || die "cargo did not leave $bin"

asset=$TOOL-$target.tar.gz
mkdir -p -- "$out_dir"
tmp_root=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
if command -v cygpath >/dev/null 2>&1; then
    # Git Bash on Windows: RUNNER_TEMP is D:\a\_temp, which GNU tar and
    # mktemp read badly; use the POSIX form (as dist/install.sh does).
    tmp_root=$(cygpath -u "$tmp_root")
fi
pkg=$(mktemp -d "$tmp_root/build-asset.XXXXXXXX")
trap 'rm -rf -- "$pkg"' EXIT
members=("$TOOL$exe")
cp -- "$bin" "$pkg/$TOOL$exe"
chmod 0755 "$pkg/$TOOL$exe"
for f in README.md LICENSE-APACHE LICENSE-MIT; do
    [[ -f $f ]] || continue
    cp -- "$f" "$pkg/$f"
    members+=("$f")
done
# Members by name, never `-C pkg .`: dist/install.sh extracts the member
# "aws-secrets-env" exactly, and GNU tar does not match it to "./aws-secrets-env".
# Fixed owner, order and times where GNU tar offers them; gzip -n stores no
# name or time, so the same binary gives the same archive.
tar_flags=()
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
    tar_flags=(--owner=0 --group=0 --numeric-owner --mtime=@"${SOURCE_DATE_EPOCH:-0}")
fi
# (${a[@]+"${a[@]}"}: macOS's bash 3.2 calls an empty array unbound under set -u)
tar -cf - ${tar_flags[@]+"${tar_flags[@]}"} -C "$pkg" -- "${members[@]}" | gzip -n -9 >|"$out_dir/$asset"
if command -v sha256sum >/dev/null 2>&1; then
    (cd -- "$out_dir" && sha256sum -- "$asset" >|"$asset.sha256")
else
    (cd -- "$out_dir" && shasum -a 256 -- "$asset" >|"$asset.sha256")
fi
say "wrote $out_dir/$asset ($(wc -c <"$out_dir/$asset" | tr -d ' ') bytes): $(cat "$out_dir/$asset.sha256")"
printf '%s\n' "$bin"
