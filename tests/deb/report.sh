# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# report.sh - outcomes for the scripts that run inside a throw-away root
# (tests/deb/in-root-*.sh) or a booted guest (tests/deb/guest/), copied
# there by the tests.  Unlike tests/lib/common.sh, whose fail ends the test,
# a failed check here is counted and the script goes on: each run costs
# minutes, a guest must still power off, and the host test reads every
# line, then fails once for all of them (tests/deb/lib.sh, deb_report).
#
#   ok MSG       a check passed
#   fail MSG     a check failed; the script goes on
#   finish       "N passed, N failed" (the host looks for it); status 1 on
#                any failure

passed=0
failed=0

ok() {
	echo "ok: $*"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
