#!/usr/bin/env bash
# Conformance reader: systemd `EnvironmentFile=` (systemd 252 on Debian 12), measured with a
# REAL systemd user manager. Usage: systemd_read.sh FILE -> {"K": "V", ...}
#
# How: inside `unshare -m` (private mount namespace, needs root) a tmpfs is mounted on /run
# and /run/systemd/system created, then `systemd --user --unit=reader.service` starts with
# a scratch XDG_CONFIG_HOME holding three units:
#   base.service    oneshot, EnvironmentFile=<empty file>, ExecStart=/usr/bin/env -0  (baseline)
#   reader.service  oneshot, EnvironmentFile=<copy of FILE>, ExecStart=/usr/bin/env -0,
#                   OnFailure=failed.service
#   failed.service  records that reader.service failed
# The printed object is reader's environment minus every variable found in base's with the
# same value (and minus INVOCATION_ID / SYSTEMD_EXEC_PID, which differ per unit).
# If systemd refuses the file (e.g. invalid UTF-8), the unit fails: exit 1 with the unit's
# Result as reported by `systemctl --user show` (the manager's own log is not available here).
# Exit 2 if the environment cannot run it (not root, no unshare/systemd, timeout).
set -euo pipefail
if [ "$#" -ne 1 ]; then echo "usage: systemd_read.sh FILE" >&2; exit 2; fi
[ -f "$1" ] || { echo "reader: no such file: $1" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "reader: systemd_read.sh needs root (unshare -m, mount)" >&2; exit 2; }
for c in unshare systemd systemctl mount; do
  command -v "$c" >/dev/null || { echo "reader: $c not found" >&2; exit 2; }
done
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="$here/../../.venv/bin/python"; [ -x "$py" ] || py="$(command -v python3)"

tmp="$(mktemp -d /tmp/systemd-reader.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
cp -- "$1" "$tmp/input.env"     # a path without spaces or % for the unit file
: >"$tmp/empty.env"
units="$tmp/config/systemd/user"
mkdir -p "$units"
cat >"$units/base.service" <<U
[Service]
Type=oneshot
EnvironmentFile=$tmp/empty.env
ExecStart=/usr/bin/env -0
StandardOutput=file:$tmp/base.out
U
cat >"$units/reader.service" <<U
[Unit]
Wants=base.service
After=base.service
OnFailure=failed.service
[Service]
Type=oneshot
EnvironmentFile=$tmp/input.env
ExecStart=/usr/bin/env -0
ExecStartPost=/usr/bin/touch $tmp/done
StandardOutput=file:$tmp/reader.out
U
cat >"$units/failed.service" <<U
[Service]
Type=oneshot
ExecStart=/usr/bin/touch $tmp/failed
U

# Runs inside the new mount namespace.
inner='
set -u
tmp=$1
mount -t tmpfs tmpfs /run || exit 3
mkdir -p /run/systemd/system /run/user/0
export XDG_RUNTIME_DIR=/run/user/0 XDG_CONFIG_HOME=$tmp/config
systemd --user --unit=reader.service </dev/null >"$tmp/manager.log" 2>&1 &
pid=$!
i=0
while [ ! -e "$tmp/done" ] && [ ! -e "$tmp/failed" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
if [ -e "$tmp/failed" ]; then
  systemctl --user show -p Result -p ActiveState -p StatusErrno reader.service >"$tmp/show" 2>&1 || true
fi
kill $pid 2>/dev/null; wait $pid 2>/dev/null
exit 0
'
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  unshare -m --propagation private /bin/sh -c "$inner" sh "$tmp" || {
    echo "reader: unshare/mount failed (exit $?)" >&2; cat "$tmp/manager.log" >&2 2>/dev/null || true; exit 2; }

if [ -e "$tmp/failed" ]; then
  echo "systemd: reader.service with EnvironmentFile= failed: $(tr '\n' ' ' <"$tmp/show" 2>/dev/null)" >&2
  exit 1
fi
if [ ! -e "$tmp/done" ]; then
  echo "reader: systemd --user did not run the unit within 60 s" >&2
  cat "$tmp/manager.log" >&2 2>/dev/null || true
  exit 2
fi
"$py" "$here/env0_diff.py" "$tmp/base.out" "$tmp/reader.out" \
  --volatile INVOCATION_ID --volatile SYSTEMD_EXEC_PID --volatile JOURNAL_STREAM
