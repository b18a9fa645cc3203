#!/usr/bin/env bash
# The wheel as a user installs it: a fresh venv installs the rehearsal's
# manylinux x86_64 wheel from OUT/wheels with pip --no-index and
# --require-hashes (the hash a user pins in requirements.txt or uv.lock), the
# binary lands on the venv's PATH, and `aws-secrets-env write` loads a secret
# from moto into app.env, which python-dotenv reads back exactly.
#
# Usage: bash tests/release/wheel_test.sh OUT   (OUT: scripts/rehearse-release.sh OUT)
# Needs: python3 with venv, the project venv (.venv: moto[server], python-dotenv).
# Prints "N passed, M failed" last.
# shellcheck disable=SC2016 # the bash -c snippets get their arguments as $1...
set -CeEuo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/release/lib.sh
. "$here/lib.sh"
release_setup release-wheel-test "$@"

wheel=$(find "$out/wheels" -name "aws_secrets_env-$version-py3-none-manylinux*x86_64*.whl" | head -n 1)
check "OUT/wheels has the manylinux x86_64 wheel of $version" test -n "$wheel"
check "OUT/wheels has the sdist" test -f "$out/wheels/aws_secrets_env-$version.tar.gz"
[[ -n $wheel ]] || finish_tests

# The wheel carries the very binary of the release asset.
mkdir -p "$tmp/asset"
tar -xzf "$out/download/$tag/aws-secrets-env-x86_64-unknown-linux-musl.tar.gz" -C "$tmp/asset" aws-secrets-env

python3 -m venv "$tmp/venv"
printf 'aws-secrets-env==%s --hash=sha256:%s\n' "$version" "$(sha256sum "$wheel" | cut -d' ' -f1)" >"$tmp/requirements.txt"
pip_rc=0
"$tmp/venv/bin/pip" install -q --disable-pip-version-check --no-index --find-links "$out/wheels" \
    --only-binary :all: --require-hashes -r "$tmp/requirements.txt" >"$tmp/pip.log" 2>&1 || pip_rc=$?
check "pip install --no-index --require-hashes of the wheel" test "$pip_rc" -eq 0
((pip_rc == 0)) || cat "$tmp/pip.log"
printf 'aws-secrets-env==%s --hash=sha256:%s\n' "$version" "$(printf '0%.0s' {1..64})" >"$tmp/wrong.txt"
wrong_rc=0
python3 -m venv "$tmp/venv-wrong"
"$tmp/venv-wrong/bin/pip" install -q --disable-pip-version-check --no-index --find-links "$out/wheels" \
    --only-binary :all: --require-hashes -r "$tmp/wrong.txt" >"$tmp/wrong.log" 2>&1 || wrong_rc=$?
check "a wrong pinned hash is refused" bash -c '(($1 != 0)) && grep -q "DO NOT MATCH THE HASHES" "$2"' _ "$wrong_rc" "$tmp/wrong.log"

installed=$(PATH="$tmp/venv/bin:/usr/bin:/bin" command -v aws-secrets-env || true)
check "the binary is on the venv's PATH" test "$installed" = "$tmp/venv/bin/aws-secrets-env"
check "it is the release asset's binary" cmp -s "$tmp/venv/bin/aws-secrets-env" "$tmp/asset/aws-secrets-env"
check "aws-secrets-env --version says $version" \
    test "$("$tmp/venv/bin/aws-secrets-env" --version)" = "aws-secrets-env $version"

start_moto
mkdir -p "$tmp/work"
mapfile -t aws < <(aws_env)
w_rc=0
(cd "$tmp/work" && env -i PATH="$tmp/venv/bin:/usr/bin:/bin" HOME="$tmp" "${aws[@]}" \
    aws-secrets-env write --secret-id rel/app --output app.env) >"$tmp/write.log" 2>&1 || w_rc=$?
check "aws-secrets-env write against moto exits 0" test "$w_rc" -eq 0
check "its log holds no secret value" no_value_in "$tmp/write.log"
check "app.env reads back exactly with python-dotenv" "$python" - "$tmp/work/app.env" "$tmp/expected" <<'PY'
import os, sys
from dotenv import dotenv_values
env, expected = sys.argv[1:3]
got = dotenv_values(env)
want = {n: open(os.path.join(expected, n), newline="").read() for n in ("DB_PASSWORD", "API_KEY")}
sys.exit(0 if dict(got) == want else 1)
PY
((w_rc == 0)) || { no_value_in "$tmp/write.log" 2>/dev/null && cat "$tmp/write.log"; }
finish_tests
