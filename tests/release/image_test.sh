#!/usr/bin/env bash
# The image as a user meets it, with buildah (vfs storage under a temporary
# directory, chroot isolation, the host's network; no daemon, no registry):
#   - OUT/image.oci.tar's config: entrypoint /aws-secrets-env, SSL_CERT_FILE,
#     version label; its files: the binary (the release asset's, byte for
#     byte) and a CA bundle, nothing else;
#   - its binary runs from the image's layers (buildah run): --version, and a
#     write against moto into a mounted directory, read back exactly;
#   - the CA bundle is what verifies TLS: against moto over HTTPS with a
#     certificate of a CA made here, the image's own bundle refuses it (an
#     unknown issuer), the same bundle with that CA added lets the write
#     through, and so does SSL_CERT_FILE naming that CA;
#   - a user's Dockerfile: FROM scratch plus a shell, `COPY --from=
#     ghcr.io/aws-secrets-env/aws-secrets-env:<version> /aws-secrets-env
#     /usr/local/bin/` and `ENTRYPOINT ["aws-secrets-env", "exec", …, "--",
#     app]`; run as its entrypoint, the app gets the secret's exact value.
#
# Usage: bash tests/release/image_test.sh OUT   (OUT: scripts/rehearse-release.sh OUT)
# Needs: buildah, skopeo, busybox-static (bash scripts/setup.sh --release),
# the project venv (.venv: moto[server], python-dotenv), openssl.
# Prints "N passed, M failed" last.
# shellcheck disable=SC2016 # the bash -c snippets get their arguments as $1...
set -CeEuo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/release/lib.sh
. "$here/lib.sh"
release_setup release-image-test "$@"
for tool in buildah skopeo; do
    command -v "$tool" >/dev/null || {
        echo "image_test: $tool is missing (bash scripts/setup.sh --release)" >&2
        exit 2
    }
done
[[ -x /bin/busybox ]] || {
    echo "image_test: /bin/busybox is missing (bash scripts/setup.sh --release)" >&2
    exit 2
}

archive=$out/image.oci.tar
image=ghcr.io/aws-secrets-env/aws-secrets-env:$version
storage=$tmp/containers
bh=(buildah --root "$storage/root" --runroot "$storage/run" --storage-driver vfs)
# shellcheck disable=SC2317 # invoked by the EXIT trap
image_cleanup() {
    "${bh[@]}" umount --all >/dev/null 2>&1 || true
    "${bh[@]}" rm --all >/dev/null 2>&1 || true
    _release_cleanup
}
trap image_cleanup EXIT

# ---------------------------------------------------------------- config
config=$(skopeo inspect --config "oci-archive:$archive")
check "entrypoint is [\"/aws-secrets-env\"]" "$python" -c '
import json, sys
c = json.loads(sys.argv[1])["config"]
sys.exit(0 if c["Entrypoint"] == ["/aws-secrets-env"] else 1)' "$config"
check "SSL_CERT_FILE names the bundle" "$python" -c '
import json, sys
c = json.loads(sys.argv[1])["config"]
sys.exit(0 if "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" in c["Env"] else 1)' "$config"
check "label org.opencontainers.image.version is $version" "$python" -c '
import json, sys
c = json.loads(sys.argv[1])["config"]
sys.exit(0 if c["Labels"]["org.opencontainers.image.version"] == sys.argv[2] else 1)' "$config" "$version"

"${bh[@]}" pull -q "oci-archive:$archive" >"$tmp/id"
"${bh[@]}" tag "$(cat "$tmp/id")" "$image"
ctr=$("${bh[@]}" from --pull=never -q "$image")
root=$("${bh[@]}" mount "$ctr")
files=$(cd "$root" && find . \( -type f -o -type l \) | sort | tr '\n' ' ')
check "the image holds the binary and the CA bundle only (got: $files)" \
    test "$files" = "./aws-secrets-env ./etc/ssl/certs/ca-certificates.crt "
mkdir -p "$tmp/asset"
tar -xzf "$out/download/$tag/aws-secrets-env-x86_64-unknown-linux-musl.tar.gz" -C "$tmp/asset" aws-secrets-env
check "its binary is the release asset's" cmp -s "$root/aws-secrets-env" "$tmp/asset/aws-secrets-env"
check "its CA bundle holds certificates" grep -q 'BEGIN CERTIFICATE' "$root/etc/ssl/certs/ca-certificates.crt"
cp "$root/etc/ssl/certs/ca-certificates.crt" "$tmp/image-bundle.crt"
"${bh[@]}" umount "$ctr" >/dev/null

# ---------------------------------------------------------------- run from the layers
run=("${bh[@]}" run --isolation chroot --network host)
check "buildah run: /aws-secrets-env --version says $version" \
    test "$("${run[@]}" "$ctr" -- /aws-secrets-env --version 2>&1)" = "aws-secrets-env $version"

start_moto
mapfile -t aws < <(aws_env)
envs=()
for v in "${aws[@]}"; do envs+=(--env "$v"); done
mkdir -p "$tmp/vol"
chmod 0777 "$tmp/vol"
w_rc=0
"${run[@]}" "${envs[@]}" -v "$tmp/vol:/out" "$ctr" -- \
    /aws-secrets-env write --secret-id rel/app --output /out/app.env >"$tmp/write.log" 2>&1 || w_rc=$?
check "buildah run: write against moto exits 0" test "$w_rc" -eq 0
check "buildah run: its log holds no secret value" no_value_in "$tmp/write.log"
check "buildah run: app.env reads back exactly with python-dotenv" "$python" - "$tmp/vol/app.env" "$tmp/expected" <<'PY'
import os, sys
from dotenv import dotenv_values
env, expected = sys.argv[1:3]
want = {n: open(os.path.join(expected, n), newline="").read() for n in ("DB_PASSWORD", "API_KEY")}
sys.exit(0 if dict(dotenv_values(env)) == want else 1)
PY

# ---------------------------------------------------------------- the CA bundle verifies TLS
# moto over HTTPS with a certificate the test CA signs (start_mirror makes it).
mkdir -p "$tmp/www"
start_mirror "$tmp/www"
tls_port=$(free_port "$python")
"${python%/python}/moto_server" -H 127.0.0.1 -p "$tls_port" \
    --ssl-cert "$tmp/ca/server.pem" --ssl-key "$tmp/ca/server.key" >"$tmp/moto-tls.log" 2>&1 &
_release_pids+=($!)
tls=https://127.0.0.1:$tls_port
for _ in $(seq 1 100); do
    curl -fsS --cacert "$tmp/ca/ca.pem" -o /dev/null "$tls/moto-api/" 2>/dev/null && break
    sleep 0.1
done
curl -fsS --cacert "$tmp/ca/ca.pem" -o /dev/null "$tls/moto-api/" || {
    cat "$tmp/moto-tls.log" >&2
    echo "image_test: moto over TLS did not start" >&2
    exit 1
}
AWS_ENDPOINT_URL=$tls "$python" -W ignore - <<'PY'
import os, boto3
c = boto3.client("secretsmanager", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test", verify=False)
c.create_secret(Name="rel/tls", SecretString="tls-value-rehearsal")
PY
tls_env=()
for v in "${aws[@]}"; do
    [[ $v == AWS_ENDPOINT_URL=* ]] && v=AWS_ENDPOINT_URL=$tls
    tls_env+=(--env "$v")
done
mkdir -p "$tmp/ca-vol"
cp "$tmp/ca/ca.pem" "$tmp/ca-vol/test-ca.pem"
tls_write() { # tls_write LOG [buildah run options...]
    local log=$1
    shift
    "${run[@]}" "${tls_env[@]}" --env AWS_MAX_ATTEMPTS=1 -v "$tmp/ca-vol:/test-ca" -v "$tmp/vol:/out" "$@" "$ctr" -- \
        /aws-secrets-env write --secret-id rel/tls --output - --timeout 10 >"$log" 2>&1
}
rc=0
tls_write "$tmp/tls-bundle.log" || rc=$?
check "TLS, the image's bundle: the test CA's certificate is refused" test "$rc" -ne 0
check "TLS, the image's bundle: the error names the unknown issuer" grep -q 'invalid peer certificate: UnknownIssuer' "$tmp/tls-bundle.log"
# The same image with the test CA added to its bundle, nothing else changed:
# the write goes through, so the bundle at that path is what verifies TLS.
cat "$tmp/image-bundle.crt" "$tmp/ca/ca.pem" >"$tmp/bundle-plus-test-ca.crt"
plus=$("${bh[@]}" from --pull=never -q "$image")
"${bh[@]}" copy -q "$plus" "$tmp/bundle-plus-test-ca.crt" /etc/ssl/certs/ca-certificates.crt >/dev/null
rc=0
"${run[@]}" "${tls_env[@]}" --env AWS_MAX_ATTEMPTS=1 "$plus" -- \
    /aws-secrets-env write --secret-id rel/tls --output - --timeout 10 >"$tmp/tls-plus.log" 2>&1 || rc=$?
check "TLS, the image's bundle with the test CA added: the write goes through" \
    bash -c '(($1 == 0)) && [[ $(cat "$2") == *tls-value-rehearsal* ]]' _ "$rc" "$tmp/tls-plus.log"
rc=0
tls_write "$tmp/tls-ca.log" --env SSL_CERT_FILE=/test-ca/test-ca.pem || rc=$?
check "TLS, SSL_CERT_FILE naming the test CA: the write goes through" \
    bash -c '(($1 == 0)) && [[ $(cat "$2") == *tls-value-rehearsal* ]]' _ "$rc" "$tmp/tls-ca.log"

# ---------------------------------------------------------------- a user's image
mkdir -p "$tmp/user"
cp /bin/busybox "$tmp/user/busybox"
cat >"$tmp/user/Dockerfile" <<EOF
FROM scratch
COPY busybox /bin/busybox
COPY --from=$image /aws-secrets-env /usr/local/bin/
ENV PATH=/usr/local/bin:/bin
ENTRYPOINT ["aws-secrets-env", "exec", "--secret-id", "rel/app", "--", "/bin/busybox", "sh", "-c", "printf '%s' \"\$DB_PASSWORD\" >/out/DB_PASSWORD"]
EOF
b_rc=0
"${bh[@]}" build --quiet --isolation chroot --pull=never -t localhost/user-app -f "$tmp/user/Dockerfile" "$tmp/user" \
    >"$tmp/user-build.log" 2>&1 || b_rc=$?
check "a user's Dockerfile with COPY --from=$image builds" test "$b_rc" -eq 0
((b_rc == 0)) || cat "$tmp/user-build.log"
if ((b_rc == 0)); then
    "${bh[@]}" inspect --type image localhost/user-app >"$tmp/user-image.json"
    mapfile -t argv < <("$python" -c 'import json, sys
print("\n".join(json.load(open(sys.argv[1]))["OCIv1"]["config"]["Entrypoint"]))' "$tmp/user-image.json")
    uctr=$("${bh[@]}" from --pull=never -q localhost/user-app)
    rm -f "$tmp/vol/DB_PASSWORD"
    e_rc=0
    "${run[@]}" "${envs[@]}" -v "$tmp/vol:/out" "$uctr" -- "${argv[@]}" >"$tmp/user-run.log" 2>&1 || e_rc=$?
    check "its ENTRYPOINT [\"aws-secrets-env\", \"exec\", …] runs the app (exit $e_rc)" test "$e_rc" -eq 0
    check "the app got the secret's exact value" cmp -s "$tmp/vol/DB_PASSWORD" "$tmp/expected/DB_PASSWORD"
    check "the run's log holds no secret value" no_value_in "$tmp/user-run.log"
fi
finish_tests
