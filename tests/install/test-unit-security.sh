#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# systemd-analyze security --offline=true for kvm-reclaimd.service, printed
# in full and compared with systemd-oomd.service (the closest relative: a
# root-ish PSI daemon with a bus API) when that is installed. Fails when our
# exposure rises above MAX (default 1.5): a regression in the hardening.
#
# Usage: test-unit-security.sh UNIT DAEMON [MAX]
set -u
UNIT=${1:?usage: $0 UNIT DAEMON [MAX]}
DAEMON=${2:?}
MAX=${3:-1.5}
. "$(dirname "$0")/../lib/units.sh"

command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
systemd-analyze security --help 2>/dev/null | grep -q -- --offline || skip "systemd-analyze has no --offline"

tmp=$(mktemp -d)
cleanup_dir "$tmp"

exposure() {
        sed -n 's/^→ Overall exposure level for .*: \([0-9.]*\) .*/\1/p' "$1"
}

unit=$(unit_for_verify "$UNIT" "$DAEMON" "$tmp")
echo "=== systemd-analyze security --offline=true kvm-reclaimd.service"
systemd-analyze security --offline=true --no-pager "$unit" >"$tmp/ours" 2>&1
cat "$tmp/ours"
ours=$(exposure "$tmp/ours")

oomd=
for d in /usr/lib/systemd/system /lib/systemd/system; do
        if [ -f "$d/systemd-oomd.service" ]; then
                oomd=$d/systemd-oomd.service
                break
        fi
done
if [ -n "$oomd" ]; then
        echo "=== systemd-analyze security --offline=true $oomd"
        systemd-analyze security --offline=true --no-pager "$oomd" >"$tmp/oomd" 2>&1
        cat "$tmp/oomd"
        theirs=$(exposure "$tmp/oomd")
else
        theirs="n/a (systemd-oomd not installed)"
fi

echo
echo "Exposure (0 = most restricted, 10 = unrestricted), $(systemd-analyze --version | head -1):"
echo "    kvm-reclaimd.service  $ours"
echo "    systemd-oomd.service  $theirs"
echo

if [ -z "$ours" ]; then
        fail "no overall exposure level in the output"
elif awk -v a="$ours" -v b="$MAX" 'BEGIN { exit !(a <= b) }'; then
        ok "kvm-reclaimd.service exposure $ours <= $MAX"
else
        fail "kvm-reclaimd.service exposure $ours > $MAX: hardening regressed (see docs/SECURITY.md)"
fi
if [ -n "$oomd" ] && [ -n "$theirs" ]; then
        awk -v a="$ours" -v b="$theirs" 'BEGIN { exit !(a <= b) }' &&
                ok "kvm-reclaimd.service ($ours) is no more exposed than systemd-oomd.service ($theirs)" ||
                fail "kvm-reclaimd.service ($ours) is more exposed than systemd-oomd.service ($theirs)"
fi

pass
