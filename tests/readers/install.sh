#!/usr/bin/env bash
# Install everything the conformance readers in this directory need, on Debian 12 (as root),
# starting from python3 + node + npm. Idempotent; safe to run from any directory.
#   apt:  golang-go + Debian's godotenv/gotenv/viper -dev packages (Go readers, GOPATH mode,
#         offline), ruby-dotenv, php-cli + php-vlucas-phpdotenv, dash, util-linux
#         (flock/unshare), systemd (systemd_read.sh),
#         docker CLI (docker.io, only if no `docker` is on PATH already)
#   pip:  python-dotenv, django-environ, ruamel.yaml, PyYAML into <repo>/.venv (created if missing)
#   npm:  `npm ci` in node/ from the committed package-lock.json
#   go:   go/build.sh -> <repo>/target/readers/{godotenv,gotenv,viper}
# Then each reader is run once on a tiny file and reported ready.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/.venv"

PY_PINS=(python-dotenv==1.2.4 django-environ==0.14.0 ruamel.yaml==0.19.1 PyYAML==6.0.3)
APT_PKGS=(golang-go golang-github-joho-godotenv-dev golang-github-subosito-gotenv-dev
          golang-github-spf13-viper-dev ruby-dotenv php-cli php-vlucas-phpdotenv
          dash util-linux systemd)

log() { printf '[readers/install] %s\n' "$*" >&2; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

# ---- apt -------------------------------------------------------------------------------
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v docker >/dev/null || missing+=(docker.io)
venv_needs_apt=0
if [ ! -x "$venv/bin/python" ] && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  missing+=(python3-venv); venv_needs_apt=1
fi
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "apt packages already installed"
fi

# ---- python venv + pins ----------------------------------------------------------------
if [ ! -x "$venv/bin/python" ]; then
  log "creating $venv"
  if [ "$venv_needs_apt" = 1 ]; then /usr/bin/python3 -m venv "$venv"; else python3 -m venv "$venv"; fi
fi
if "$venv/bin/python" - "${PY_PINS[@]}" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
then
  log "python pins already satisfied"
else
  log "pip install ${PY_PINS[*]}"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "${PY_PINS[@]}"
fi

# ---- node ------------------------------------------------------------------------------
lock_sum="$(sha256sum "$here/node/package-lock.json" | cut -d' ' -f1)"
stamp="$here/node/node_modules/.readers-lock-sha256"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
  log "node_modules already match package-lock.json"
else
  log "npm ci in node/"
  (cd "$here/node" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  echo "$lock_sum" >"$stamp"
fi

# ---- go --------------------------------------------------------------------------------
log "building Go readers"
"$here/go/build.sh"

# ---- smoke-check every reader ----------------------------------------------------------
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
printf "READY='ok'\n" >"$tmp/k.env"
printf 'READY: "ok"\n' >"$tmp/k.yaml"
ver() { "$venv/bin/python" -c "from importlib.metadata import version; print(version('$1'))"; }
nodever() { node -p "require('$here/node/node_modules/$1/package.json').version"; }
fail=0
check() { # check NAME VERSION-TEXT EXPECT-KEY CMD...
  local name=$1 what=$2 key=$3; shift 3
  local out
  if out="$("$@" 2>"$tmp/err")" && printf '%s' "$out" | grep -qi "\"$key\": *\"ok\""; then
    printf 'ready: %-16s %s\n' "$name" "$what"
  else
    printf 'NOT READY: %-12s %s: %s %s\n' "$name" "$what" "$out" "$(tr '\n' ' ' <"$tmp/err")"
    return 1
  fi
}
check python_dotenv "python-dotenv $(ver python-dotenv)" READY "$here/python_dotenv.py" "$tmp/k.env" || fail=1
check node_dotenv "dotenv $(nodever dotenv) (node $(node -v))" READY "$here/node_dotenv.sh" "$tmp/k.env" || fail=1
check node_dotenvx "@dotenvx/dotenvx $(nodever @dotenvx/dotenvx)" READY "$here/node_dotenvx.sh" "$tmp/k.env" || fail=1
gv() { dpkg-query -W -f='${Version}' "$1"; }
check go_godotenv "godotenv $(gv golang-github-joho-godotenv-dev) ($(go version | cut -d' ' -f3))" READY "$here/go_godotenv.sh" "$tmp/k.env" || fail=1
check go_gotenv "gotenv $(gv golang-github-subosito-gotenv-dev)" READY "$here/go_gotenv.sh" "$tmp/k.env" || fail=1
check go_viper "viper $(gv golang-github-spf13-viper-dev) (keys lowercased)" ready "$here/go_viper.sh" "$tmp/k.env" || fail=1
check ruby_dotenv "ruby-dotenv $(gv ruby-dotenv) ($(ruby -e 'print RUBY_VERSION'))" READY "$here/ruby_dotenv.rb" "$tmp/k.env" || fail=1
check php_dotenv "phpdotenv $(gv php-vlucas-phpdotenv) (php $(php -r 'echo PHP_VERSION;'))" READY "$here/php_dotenv.php" "$tmp/k.env" || fail=1
check django_environ "django-environ $(ver django-environ)" READY "$here/django_environ.py" "$tmp/k.env" || fail=1
check "shell bash" "$(bash --version | head -1 | sed 's/ (.*//')" READY "$here/shell.sh" bash "$tmp/k.env" || fail=1
check "shell dash" "dash $(gv dash)" READY "$here/shell.sh" dash "$tmp/k.env" || fail=1
check docker_envfile "$(docker --version 2>/dev/null | sed 's/,.*//' || echo 'docker CLI ?')" READY \
  bash -c 'printf "READY=ok\n" >"$1.d"; "$0" "$1.d"' "$here/docker_envfile.sh" "$tmp/k.env" || fail=1
check yaml_read "ruamel.yaml $(ver ruamel.yaml) (YAML 1.2)" READY "$here/yaml_read.py" "$tmp/k.yaml" || fail=1
check yaml11_read "PyYAML $(ver PyYAML) (YAML 1.1)" READY "$here/yaml11_read.py" "$tmp/k.yaml" || fail=1
check github_env "port of actions/runner EnvFileKeyValuePairs" READY \
  bash -c 'printf "READY=ok\n" >"$1.g"; "$0" "$1.g"' "$here/github_env.py" "$tmp/k.env" || fail=1
# Optional: needs root + unshare -m; reported but never fatal.
check systemd_read "systemd $(gv systemd) EnvironmentFile= (optional)" READY "$here/systemd_read.sh" "$tmp/k.env" || true
exit "$fail"
