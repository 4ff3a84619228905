#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# systemd-analyze verify on the configured kvm-reclaimd.service. verify exits
# 0 on many parse errors, so any line it prints counts as a failure. The
# unit's ExecStart= points at the daemon in the build tree and MANPATH at our
# man pages, so every Documentation= entry must resolve too. A copy with a
# typo must fail, which shows that the check can fail at all.
#
# Usage: test-unit-verify.sh UNIT DAEMON MANDIR_SRC
set -u
UNIT=${1:?usage: $0 UNIT DAEMON MANDIR_SRC}
DAEMON=${2:?}
MANSRC=${3:?}
. "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
command -v man >/dev/null || skip "man not installed"

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

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
unit=$(unit_for_verify "$UNIT" "$DAEMON" "$tmp/good")
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
bad=$(unit_for_verify "$UNIT" "$DAEMON" "$tmp/bad")
sed -i 's/^ProtectSystem=strict/ProtectSystm=strict/' "$bad"
rc=$(verify_out "$bad")
if [ -s "$tmp/verify.out" ]; then
        ok "verify reports a misspelt key: $(head -1 "$tmp/verify.out")"
else
        fail "verify stayed silent on a misspelt key (rc $rc): this test cannot detect errors"
fi

finish
