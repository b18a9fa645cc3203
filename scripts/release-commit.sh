#!/usr/bin/env bash
# The release commit: on top of the tagged commit checked out in the current
# directory, commits dist/manifest.json (the version, "unreleased": false and
# the sha256 of every asset in ASSET_DIR), checks that the commit changes
# nothing else, moves the tag v<version> and the major tag v<major> to it, and
# pushes the commit to the branch release/v<version> and both tags to REMOTE.
# The release workflow's publish job runs it against GitHub;
# scripts/rehearse-release.sh runs it against a local bare repository.
#
# Usage: scripts/release-commit.sh [--allow-missing] [--no-push] TAG ASSET_DIR [REMOTE]
#   TAG              vX.Y.Z; must match Cargo.toml's version
#   ASSET_DIR        holds aws-secrets-env-<target>.tar.gz for every target
#   REMOTE           git remote name or URL (default origin)
#   --allow-missing  targets without an asset get an empty sha256 (the
#                    rehearsal, which builds one target only; install.sh
#                    then builds those from source); never in a release
#   --no-push        commit and tag only
# Credentials: none are read here. The workflow passes its token to git
# through GIT_CONFIG_COUNT/GIT_CONFIG_KEY_n/GIT_CONFIG_VALUE_n (an
# http.extraheader), so it is neither in argv nor in .git/config.
# Why the tag moves: the action installs what dist/manifest.json in its own
# ref names, so the manifest must be inside the tagged tree, and it can only
# be written once the assets exist (docs/action.md, "Releasing").
set -CeEuo pipefail

die() {
    printf '::error::release-commit: %s\n' "$*" >&2
    exit 1
}
say() { printf 'release-commit: %s\n' "$*" >&2; }

allow_missing=() push=true positional=()
while (($#)); do
    case $1 in
        --allow-missing) allow_missing=(--allow-missing) ;;
        --no-push) push=false ;;
        -h | --help)
            sed -n '2,21p' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        -*) die "unknown option $1" ;;
        *) positional+=("$1") ;;
    esac
    shift
done
((${#positional[@]} == 2 || ${#positional[@]} == 3)) ||
    die "usage: release-commit.sh [--allow-missing] [--no-push] TAG ASSET_DIR [REMOTE]"
tag=${positional[0]}
asset_dir=$(cd -- "${positional[1]}" && pwd -P)
remote=${positional[2]:-origin}
[[ $tag =~ ^v([0-9]+)\.[0-9]+\.[0-9]+$ ]] || die "not a release tag vX.Y.Z: $tag"
major=v${BASH_REMATCH[1]}
version=${tag#v}

[[ -f Cargo.toml && -f dist/update-manifest.sh ]] || die "run it at the root of the tagged checkout"
[[ -z $(git status --porcelain --untracked-files=no) ]] || die "the checkout has uncommitted changes"
cargo_version=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)
[[ $cargo_version == "$version" ]] || die "tag $tag does not match Cargo.toml version $cargo_version"

# The identity release.yml commits and tags with, here and in the rehearsal.
export GIT_AUTHOR_NAME='github-actions[bot]' GIT_COMMITTER_NAME='github-actions[bot]'
export GIT_AUTHOR_EMAIL='41898282+github-actions[bot]@users.noreply.github.com'
export GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL

tagged=$(git rev-parse HEAD)
bash dist/update-manifest.sh ${allow_missing[@]+"${allow_missing[@]}"} "$version" "$asset_dir"
git add dist/manifest.json
git commit -q -m "release: dist/manifest.json for $tag"
changed=$(git diff --name-only "$tagged" HEAD)
[[ $changed == dist/manifest.json ]] || die "the release commit changes more than dist/manifest.json: $changed"
grep -q '^  "unreleased": false,$' dist/manifest.json || die "dist/manifest.json is not marked released"
git tag -f -a "$tag" -m "aws-secrets-env $version" >/dev/null
git tag -f "$major" >/dev/null
say "$(git rev-parse --short HEAD) (on $(git rev-parse --short "$tagged")): dist/manifest.json for $version; tags $tag and $major moved to it"
if [[ $push == true ]]; then
    git push -q --force "$remote" "HEAD:refs/heads/release/$tag" "refs/tags/$tag" "refs/tags/$major"
    say "pushed release/$tag, $tag and $major to $remote"
fi
