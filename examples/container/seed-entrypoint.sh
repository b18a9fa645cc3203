#!/bin/bash
# seed-entrypoint.sh: a re-creation of seed 001's entrypoint script (the
# todobackend image of "Docker in AWS": alpine + python3 + awscli + jq + bash).
# It is THE PATTERN `aws-secrets-env exec` REPLACES, kept here only so that
# bench/container_startup.sh can measure it. Do not use it in new images.
#
# Faithful to the seed: bash, `set -e -o pipefail`, a space-separated SECRETS,
# one `aws secretsmanager get-secret-value` (a Python process) plus one jq per
# secret, `export key='value'` lines run through an unquoted `eval $vars`,
# then `exec "$@"`.
#
# What breaks in it (checked against moto with this very file, see
# docs/container.md):
#   - A value containing `'` ends the single quotes early: `it's` makes eval
#     fail with "unexpected EOF while looking for matching `''" (the script
#     exits 2 and the app does not start); a crafted value such as
#     `x'; touch /tmp/pwned; A='y` is executed as shell code, and the app
#     then starts normally (with A=y).
#   - `eval $vars` is unquoted, so every value is word-split and globbed
#     before eval sees it: a newline, a tab or a run of spaces becomes ONE
#     space (a PEM key or a multi-line value arrives mangled, silently), and a
#     stand-alone `*` or `?` word is replaced by the file names in the
#     working directory.
#   - A key that is not a shell name (`db-host`, `1KEY`) makes `export` fail
#     and set -e stops the script (exit 1): one odd key in any secret keeps
#     the app from starting.
#   - Non-string JSON values are rendered by jq: numbers and booleans are
#     fine, `null` becomes the text `null`, objects and arrays become JSON.
#   - Errors: NOT swallowed in this form. `vars=$(...)` is an assignment
#     whose status is the pipeline's, and pipefail makes an `aws` failure
#     (missing secret, access denied) fail it, so set -e stops the script
#     with the CLI's status (255) and the app does not start. The tempting
#     one-liner `eval $(aws ... | jq ...)` WOULD swallow it (eval of nothing
#     succeeds), as the seed itself warns. An empty or unset SECRETS loads
#     nothing and starts the app without any secret, silently.
#   - The image needs python3 + awscli + jq + bash (and AWS_DEFAULT_REGION in
#     the task definition); every secret costs one Python start-up.
set -e -o pipefail

# Inject AWS Secrets Manager Secrets
# Read space delimited list of secret names from SECRETS environment variable
echo "Processing secrets [${SECRETS}]..."
read -r -a secrets <<< "$SECRETS"
for secret in "${secrets[@]}"
do
  # shellcheck disable=SC2086 # unquoted as in the seed
  vars=$(aws secretsmanager get-secret-value --secret-id $secret \
    --query SecretString --output text \
    | jq -r 'to_entries[] | "export \(.key)='\''\(.value)'\''"')
  # shellcheck disable=SC2086 # unquoted as in the seed: this is one of its bugs
  eval $vars
done

# Run application
exec "$@"
