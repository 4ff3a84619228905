#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The shipped configuration and the documented examples parse with the real
# daemon (kvm-reclaimd --check-config):
#   - units/kvm-reclaimd.conf as shipped (everything commented out),
#   - the same file with every "#Key=" and "#[Section]" line uncommented, so
#     that every key name and default it documents is one the daemon knows,
#   - the EXAMPLE of kvm-reclaimd.conf(5), taken from the roff source.
# A file with an unknown key must fail, to show the check works.
#
# Usage: test-default-config.sh DAEMON CONF MAN5
set -u
DAEMON=${1:?usage: $0 DAEMON CONF MAN5}
CONF=${2:?}
MAN5=${3:?}
. "$(dirname "$0")/../lib/common.sh"

tmp=$(mktemp -d)
cleanup_dir "$tmp"
mkdir -p "$tmp/conf.d" "$tmp/run"

check() {
        "$DAEMON" --check-config --config="$1" --conf-dir="$tmp/conf.d" --runtime-conf-dir="$tmp/run" \
                >"$tmp/out" 2>&1
}

# A copy: the daemon reads only files root owns in directories only root
# can write, which a source tree need not be.
install -m 0644 "$CONF" "$tmp/kvm-reclaimd.conf"
if check "$tmp/kvm-reclaimd.conf"; then
        ok "the shipped kvm-reclaimd.conf parses"
else
        fail "the shipped kvm-reclaimd.conf: $(cat "$tmp/out")"
fi

sed -E 's/^#([A-Z][A-Za-z]*=)/\1/; s/^#(\[)/\1/' "$CONF" >"$tmp/uncommented.conf"
n=$(grep -cE '^[A-Z][A-Za-z]*=' "$tmp/uncommented.conf")
if check "$tmp/uncommented.conf"; then
        ok "kvm-reclaimd.conf with its $n documented settings uncommented parses"
else
        fail "kvm-reclaimd.conf uncommented: $(cat "$tmp/out")"
fi

# The EXAMPLE section: lines between .EX and .EE, roff escapes undone.
sed -n '/^\.SH EXAMPLE/,/^\.SH/{/^\.EX/,/^\.EE/p}' "$MAN5" | sed '/^\.E[XE]/d; s/\\-/-/g; s/\\e/\\/g' \
        >"$tmp/example.conf"
if [ ! -s "$tmp/example.conf" ]; then
        fail "no EXAMPLE in $MAN5"
elif check "$tmp/example.conf"; then
        ok "the EXAMPLE of kvm-reclaimd.conf(5) parses ($(grep -c '^\[' "$tmp/example.conf") sections)"
else
        fail "the EXAMPLE of kvm-reclaimd.conf(5): $(cat "$tmp/out")"
        cat "$tmp/example.conf"
fi

printf '[Policy /machine.slice]\nWieght=5\n' >"$tmp/typo.conf"
if check "$tmp/typo.conf"; then
        fail "--check-config accepted an unknown key: this test cannot detect errors"
else
        ok "--check-config refuses an unknown key: $(head -1 "$tmp/out")"
fi

pass
