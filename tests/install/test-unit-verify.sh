#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# systemd-analyze verify on the configured kvm-reclaimd.service. verify exits
# 0 on many parse errors, so any line it prints counts as a failure. The
# unit's ExecStart= points at the daemon in the build tree and MANPATH at our
# man pages, so every Documentation= entry must resolve too. A copy with a
# typo must fail, which shows that the check can fail at all.
#
# Then the unit's ExecReload= is run as systemd would run it for
# "systemctl reload", against the real daemon on a private system bus: it
# must succeed for a good configuration and fail for a bad one (a reload
# that only sent SIGHUP could not fail).
#
# Usage: test-unit-verify.sh UNIT DAEMON MANDIR_SRC CTL DBUS_POLICY
set -u
UNIT=${1:?usage: $0 UNIT DAEMON MANDIR_SRC CTL DBUS_POLICY}
DAEMON=${2:?}
MANSRC=${3:?}
CTL=${4:?}
DBUS_POLICY=${5:?}
. "$(dirname "$0")/../lib/units.sh"
. "$(dirname "$0")/../lib/daemon.sh"

command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
command -v man >/dev/null || skip "man not installed"

tmp=$(mktemp -d)
cleanup_dir "$tmp"

# man -w finds pages by section directory.
for page in "$MANSRC"/*.[0-9]; do
        sec=${page##*.}
        mkdir -p "$tmp/man/man$sec"
        cp "$page" "$tmp/man/man$sec/"
done
export MANPATH="$tmp/man"

# verify_clean FILE: succeeds when verify says nothing and exits 0.
verify_out() {
        # Offline: no manager to talk to; the unit loads from its own dir.
        systemd-analyze verify --no-pager "$1" >"$tmp/verify.out" 2>&1
        echo $?
}

mkdir -p "$tmp/good" "$tmp/bad"
unit=$(unit_for_verify "$UNIT" "$DAEMON" "$tmp/good" "$CTL")
rc=$(verify_out "$unit")
echo "--- systemd-analyze verify $(basename "$unit") (ExecStart=$DAEMON)"
cat "$tmp/verify.out"
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/verify.out" ]; then
        ok "verify is silent on kvm-reclaimd.service"
else
        fail "verify exited $rc and printed $(wc -l <"$tmp/verify.out") lines"
fi

grep -q '^ExecStart=/' "$UNIT" || fail "ExecStart= is not an absolute path: $(grep ^ExecStart= "$UNIT")"
grep -q '@[a-z]*@' "$UNIT" && fail "unsubstituted @variable@ in $UNIT: $(grep -o '@[a-z]*@' "$UNIT" | sort -u | tr '\n' ' ')"

# Negative control: a misspelt setting must make verify speak.
bad=$(unit_for_verify "$UNIT" "$DAEMON" "$tmp/bad" "$CTL")
sed -i 's/^ProtectSystem=strict/ProtectSystm=strict/' "$bad"
rc=$(verify_out "$bad")
if [ -s "$tmp/verify.out" ]; then
        ok "verify reports a misspelt key: $(head -1 "$tmp/verify.out")"
else
        fail "verify stayed silent on a misspelt key (rc $rc): this test cannot detect errors"
fi

# ExecReload=, as "systemctl reload" runs it: the command line of the unit
# (with the ctl of the build tree), the system bus where the daemon is.
reload_cmd=$(sed -n 's/^ExecReload=//p' "$unit")
grep -q '^ExecReload=.*kill' "$UNIT" && fail "ExecReload= only sends a signal: a reload could not fail"
if ! command -v dbus-daemon >/dev/null; then
        skip "dbus-daemon not installed: ExecReload= not run"
fi
dbus_start_private "$DBUS_POLICY" || fail "no private bus"
mkdir -p "$tmp/conf.d" "$tmp/run.d" "$tmp/kvm"
printf '[Daemon]\nDisableKernelShrinker=no\n' >"$tmp/main.conf"
KVM_RECLAIMD=$(realpath "$DAEMON")
start_daemon --bus-address="$DBUS_TEST_ADDRESS" --config="$tmp/main.conf" --conf-dir="$tmp/conf.d" \
        --runtime-conf-dir="$tmp/run.d" --debugfs-dir="$tmp/kvm" --state-dir="$tmp/state"
# shellcheck disable=SC2086 # the unit's command line, split as systemd does
if DBUS_SYSTEM_BUS_ADDRESS=$DBUS_TEST_ADDRESS $reload_cmd >"$tmp/reload.out" 2>&1; then
        ok "ExecReload= ($reload_cmd) succeeds on a good configuration"
else
        fail "ExecReload= failed on a good configuration: $(cat "$tmp/reload.out")"
fi
printf '[Policy /machine.slice]\nWeight=many\n' >"$tmp/conf.d/bad.conf"
# shellcheck disable=SC2086
if DBUS_SYSTEM_BUS_ADDRESS=$DBUS_TEST_ADDRESS $reload_cmd >"$tmp/reload.out" 2>&1; then
        fail "ExecReload= succeeded on a bad configuration"
elif grep -q "bad.conf:2: Weight=many" "$tmp/reload.out"; then
        ok "ExecReload= fails on a bad configuration: $(cat "$tmp/reload.out")"
else
        fail "ExecReload= failed without naming the error: $(cat "$tmp/reload.out")"
fi
stop_daemon || fail "the daemon did not exit cleanly"
pass
