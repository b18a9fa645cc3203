#!/usr/bin/env bash
# Conformance reader: a POSIX shell sourcing the file with `set -a` (auto-export).
# Usage: shell.sh SHELL FILE      SHELL = bash | dash | sh | any shell name or path.
# Runs, in a scratch directory:
#   env -i SHELL -c 'set -a; . "$1" >&2 || exit; exec /usr/bin/env -0 >"$2"' sh FILE OUT
# and prints the exported environment as one JSON object, minus what the shell itself
# exports: a baseline is taken by sourcing an EMPTY file the same way, and every variable
# present there with the same value is dropped (PWD, SHLVL, OLDPWD...), as is `_`.
# Anything the sourced file prints (stdout is sent to stderr) or a non-zero status of `.`
# (syntax error, `K=a b` running `b`, ...) counts as the shell rejecting the file: exit 1 with
# the shell's messages on stderr. Values may contain anything but NUL (execve limit).
set -euo pipefail
if [ "$#" -ne 2 ]; then echo "usage: shell.sh SHELL FILE" >&2; exit 2; fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
shell_path="$(command -v -- "$1" || true)"
if [ -z "$shell_path" ]; then echo "reader: shell '$1' not found" >&2; exit 2; fi
file="$(cd "$(dirname -- "$2")" && pwd)/$(basename -- "$2")"
if [ ! -f "$file" ]; then echo "reader: no such file: $2" >&2; exit 2; fi
py="$here/../../.venv/bin/python"; [ -x "$py" ] || py="$(command -v python3)"

tmp="$(mktemp -d /tmp/shell-reader.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/cwd"
: >"$tmp/empty"
script='set -a; . "$1" >&2 || exit; exec /usr/bin/env -0 >"$2"'

run() { # run FILE OUT ERR -> shell's exit status
  local rc=0
  (cd "$tmp/cwd" && exec env -i "$shell_path" -c "$script" sh "$1" "$2") 2>"$3" </dev/null || rc=$?
  return "$rc"
}

if ! run "$tmp/empty" "$tmp/base.env" "$tmp/base.err" || [ -s "$tmp/base.err" ]; then
  echo "reader: $1 cannot source an empty file:" >&2; cat "$tmp/base.err" >&2; exit 2
fi
rc=0; run "$file" "$tmp/out.env" "$tmp/out.err" || rc=$?
if [ "$rc" -ne 0 ] || [ -s "$tmp/out.err" ]; then
  cat "$tmp/out.err" >&2
  echo "$1: sourcing failed (exit status $rc$( [ -s "$tmp/out.err" ] && echo ', wrote to stderr'))" >&2
  exit 1
fi
"$py" "$here/env0_diff.py" "$tmp/base.env" "$tmp/out.env" --drop _
