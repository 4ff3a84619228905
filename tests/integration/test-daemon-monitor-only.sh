#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# On a stock kernel the VM directories exist but hold none of the series'
# files: the daemon says so once, keeps running, follows VMs, and never
# writes.  The stock layout is a plain directory tree: debugfs on a stock
# kernel is nothing more than that as far as the daemon can see.
. "$(dirname "$0")/lib.sh"

KVM="$TEST_TMP/kvm"
mkdir -p "$KVM" "$TEST_TMP/conf.d" "$TEST_TMP/run.d"
sleep 600 </dev/null >/dev/null 2>&1 &
P=$!
STARTED_PIDS+=("$P")
mkdir "$KVM/$P-11"
# What 6.12 has per VM without the series.
for f in mmu_shadow_zapped mmu_pte_write mmu_recycled pages_4k; do echo 0 > "$KVM/$P-11/$f"; done
chmod -R a-w "$KVM/$P-11"

start_daemon --no-bus --config=/dev/null --conf-dir="$TEST_TMP/conf.d" --runtime-conf-dir="$TEST_TMP/run.d" \
	--debugfs-dir="$KVM"
grep -q "VM $P-11 appeared" "$DAEMON_LOG" || fail "VM on a stock kernel not followed"
assert_eq "$(count_log 'Monitor-only mode: no mmu_reclaim files')" 1 "monitor-only announcements"

# A second VM appears and goes: followed, and no second announcement.
mkdir "$KVM/$P-12"
wait_for_log "VM $P-12 appeared" 3 || fail "second VM not followed"
rmdir "$KVM/$P-12"
wait_for_log "VM $P-12 is gone" 3 || fail "second VM's removal not noticed"
assert_eq "$(count_log 'Monitor-only mode')" 1 "monitor-only announcements"
kill -0 "$DAEMON_PID" || fail "daemon exited in monitor-only mode"

# The kvm directory itself vanishes (module unloaded) and returns.
chmod -R u+w "$KVM"
rm -rf "$KVM"
wait_for_log "went away, waiting for it to come back" 3 || fail "vanished kvm dir not noticed"
mkdir -p "$KVM/$P-13"
wait_for_log "VM $P-13 appeared" 3 || fail "VM in the recreated kvm dir not found"
stop_daemon || fail "unclean exit"
echo "PASS"
