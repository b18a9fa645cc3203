#!/usr/bin/env bash
# Prints, for each manual page named (default: the ones src/names/policy/deny.txt
# cites), the variable names its ENVIRONMENT section mentions, and marks each
# name the deny set does not cover. A maintainer runs it when the runner image
# or a tool changes, and reads the unmarked names: add a name to deny.txt
# when its program runs a command, loads code, options or configuration from
# it, or sends traffic or credentials where it says.
#
#   scripts/deny-sources.sh [PAGE...]
#
# Needs man and col (Debian: man-db, bsdextrautils). Pages that are not
# installed are reported and skipped. Prints names only, never runs a tool.
set -euo pipefail
cd "$(dirname "$0")/.."

pages=("$@")
if ((${#pages[@]} == 0)); then
    pages=(bash dash less more man git curl wget ssh python3 node javac gzip xz
        zip unzip dpkg psql openssl groff grep find iconv patch pkg-config ld)
fi

# The deny set's patterns, as one extended regular expression.
patterns=$(grep -Ev '^(#|source:|\[|$)' src/names/policy/deny.txt |
    sed -e 's/?/./g' -e 's/\*/.*/g' | paste -sd '|' -)
credentials=$(awk '/^\[credentials\]/{on=1;next} /^\[/{on=0} on && !/^(#|source:|$)/' \
    src/names/policy/deny.txt | sed -e 's/?/./g' -e 's/\*/.*/g' | paste -sd '|' -)

for page in "${pages[@]}"; do
    if ! text=$(MANWIDTH=200 man -P cat "$page" 2>/dev/null | col -b); then
        printf '%s: not installed\n' "$page"
        continue
    fi
    section=$(printf '%s\n' "$text" | awk '
        /^(ENVIRONMENT|ENVIRONMENT VARIABLES)/ {on=1; next}
        on && /^[A-Z][A-Z ]+$/ {on=0}
        on')
    names=$(printf '%s\n' "$section" | grep -oE '\b[A-Z_][A-Z0-9_]{2,}\b' | sort -u || true)
    line=''
    for name in $names; do
        if [[ $name =~ ^($credentials)$ ]]; then
            line+=" $name(credential)"
        elif [[ $name =~ ^($patterns)$ ]]; then
            line+=" $name"
        else
            line+=" $name(NOT-DENIED)"
        fi
    done
    printf '%s:%s\n' "$page" "${line:- (no ENVIRONMENT section)}"
done
