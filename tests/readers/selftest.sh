#!/usr/bin/env bash
# Self-test for the conformance readers: writes a few sample files, runs every reader on
# them and prints what each one parsed. A consumer REJECTING a file (exit 1) is a result,
# not a failure; this script fails (exit 1) only if a reader cannot run (exit 2 or other
# codes, or not a JSON object on stdout) or if the plain sample `K='a b'` is not read as
# expected (which would mean the reader's plumbing is broken).
# systemd_read.sh is optional: skipped (not failed) when it reports it cannot run here.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="$here/../../.venv/bin/python"; [ -x "$py" ] || py="$(command -v python3)"
tmp="$(mktemp -d /tmp/readers-selftest.XXXXXX)"; trap 'rm -rf "$tmp"' EXIT

printf "K='a b'\nU='h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93'\n" >"$tmp/simple.env"
printf 'K="x"\n' >"$tmp/dq.env"
printf "K='line1\nline2 \"q\" \$HOME'\n" >"$tmp/multiline.env"
printf "export K='it'\\\\''s'\n" >"$tmp/shell.env"
printf 'K=${HOME}\nS='"'"'${HOME}'"'"'\n' >"$tmp/interp.env"
printf 'K<<ghadelim_0123\nline1\nline2\nghadelim_0123\nJ=a=b "c"\n' >"$tmp/github.env"
printf 'K: "a b"\nB: yes\nO: 0777\nN: ~\n' >"$tmp/sample.yaml"

env_readers=(python_dotenv node_dotenv node_dotenvx go_godotenv go_gotenv go_viper
             ruby_dotenv php_dotenv django_environ "shell bash" "shell dash" docker_envfile github_env systemd_read)
cmd_for() {
  case "$1" in
    python_dotenv) echo "$here/python_dotenv.py" ;;
    node_dotenv) echo "$here/node_dotenv.sh" ;;
    node_dotenvx) echo "$here/node_dotenvx.sh" ;;
    go_*) echo "$here/$1.sh" ;;
    ruby_dotenv) echo "$here/ruby_dotenv.rb" ;;
    php_dotenv) echo "$here/php_dotenv.php" ;;
    django_environ) echo "$here/django_environ.py" ;;
    "shell bash") echo "$here/shell.sh bash" ;;
    "shell dash") echo "$here/shell.sh dash" ;;
    docker_envfile) echo "$here/docker_envfile.sh" ;;
    github_env) echo "$here/github_env.py" ;;
    systemd_read) echo "$here/systemd_read.sh" ;;
    yaml_read) echo "$here/yaml_read.py" ;;
    yaml11_read) echo "$here/yaml11_read.py" ;;
  esac
}

broken=0
run() { # run READER FILE -> prints one result line; sets $last_out
  local reader=$1 file=$2 rc=0 out
  # shellcheck disable=SC2046
  out="$(env HOME=/home/selftest $(cmd_for "$reader") "$file" 2>"$tmp/err")" || rc=$?
  last_out=$out; last_rc=$rc
  if [ "$rc" = 0 ]; then
    if ! printf '%s' "$out" | "$py" -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if isinstance(d, dict) else 1)' 2>/dev/null; then
      printf '  %-15s BROKEN (stdout is not one JSON object): %s\n' "$reader" "$out"; broken=1; return
    fi
    printf '  %-15s %s\n' "$reader" "$out"
  elif [ "$rc" = 1 ]; then
    printf '  %-15s rejected: %s\n' "$reader" "$(tr '\n' ' ' <"$tmp/err" | cut -c1-150)"
  elif [ "$reader" = systemd_read ] && [ "$rc" = 2 ]; then
    printf '  %-15s skipped (cannot run here): %s\n' "$reader" "$(tr '\n' ' ' <"$tmp/err" | cut -c1-150)"
  else
    printf '  %-15s BROKEN (exit %s): %s\n' "$reader" "$rc" "$(tr '\n' ' ' <"$tmp/err" | cut -c1-300)"; broken=1
  fi
}

for f in simple dq multiline shell interp github; do
  echo "== $f.env:"; sed 's/^/   | /' "$tmp/$f.env"
  for r in "${env_readers[@]}"; do
    run "$r" "$tmp/$f.env"
    if [ "$f" = simple ] && [ "$last_rc" != 2 ]; then
      # plumbing check: every reader must read the plain sample, with its known quirks
      want='{"K": "a b", "U": "h\u00e9llo w\u00f6rld \u2713"}'
      case "$r" in
        docker_envfile|github_env) want='{"K": "'"'"'a b'"'"'", "U": "'"'"'h\u00e9llo w\u00f6rld \u2713'"'"'"}' ;;
        go_viper) want='{"k": "a b", "u": "h\u00e9llo w\u00f6rld \u2713"}' ;;
      esac
      got="$(printf '%s' "$last_out" | "$py" -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))' 2>/dev/null || true)"
      if [ "$last_rc" != 0 ] || [ "$got" != "$want" ]; then
        printf '  %-15s BROKEN: expected %s\n' "$r" "$want"; broken=1
      fi
    fi
  done
done
echo "== sample.yaml:"; sed 's/^/   | /' "$tmp/sample.yaml"
for r in yaml_read yaml11_read; do run "$r" "$tmp/sample.yaml"; done

if [ "$broken" != 0 ]; then echo "selftest: FAILED (a reader could not run; see BROKEN above)"; exit 1; fi
echo "selftest: all readers ran"
