# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# units.sh - the systemd unit in tests (part of the test library, common.sh).

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# unit_for_verify UNIT DAEMON DIR [CTL]: a copy of UNIT in DIR whose
# ExecStart= is DAEMON and ExecReload= CTL (the binaries in the build
# tree), so "systemd-analyze verify" can check that the commands exist
# without the unit being installed.
unit_for_verify() {
	local unit=$1 daemon dir=$3 ctl=${4:-} out
	# meson passes build targets relative to the build directory.
	daemon=$(realpath "$2")
	out="$dir/$(basename "$unit")"
	sed "s|^ExecStart=[^ ]*|ExecStart=$daemon|" "$unit" >"$out"
	if [ -n "$ctl" ]; then
		sed -i "s|^ExecReload=[^ ]*|ExecReload=$(realpath "$ctl")|" "$out"
	fi
	echo "$out"
}
