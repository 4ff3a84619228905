#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs one integration test with every kvm-reclaimd it starts under
# memcheck: the test must pass, and each daemon's valgrind log must be
# empty (no error, no definite or indirect leak).
#   run-daemon.sh TEST-SCRIPT     (with the integration tests' environment)
set -u
here=$(cd "$(dirname "$0")" && pwd)
logs=$(mktemp -d /tmp/kvmr-valgrind.XXXXXX)
trap 'rm -rf "$logs"' EXIT
chmod 1777 "$logs"      # a test may run the daemon as nobody, too
export KVMR_VALGRIND_LOG_DIR=$logs
export KVMR_VALGRIND_DAEMON=${KVM_RECLAIMD:?the integration environment sets KVM_RECLAIMD}
export KVM_RECLAIMD=$here/valgrind-daemon.sh

start=$(date +%s)
bash "$1"
rc=$?
runs=0 dirty=0
for f in "$logs"/daemon.*.log; do
	[ -f "$f" ] || continue
	runs=$((runs + 1))
	if [ -s "$f" ]; then
		dirty=$((dirty + 1))
		echo "--- valgrind: $(basename "$f")"
		cat "$f"
	fi
done
echo "valgrind: $(basename "$1"): $runs daemon runs, $dirty with memcheck reports, $(($(date +%s) - start)) s"
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "FAIL: the test failed with the daemon under valgrind (exit $rc)"; exit 1; }
[ $runs -gt 0 ] || { echo "FAIL: the test started no daemon"; exit 1; }
[ $dirty -eq 0 ] || exit 1
exit 0
