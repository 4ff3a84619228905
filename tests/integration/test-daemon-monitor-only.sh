#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# On a stock kernel the VM directories exist but hold none of the series'
# files: the daemon says so once, keeps running, follows VMs, and never
# writes.  The stock layout is a plain directory tree: debugfs on a stock
# kernel is nothing more than that as far as the daemon can see.
. "$(dirname "$0")/../lib/daemon.sh"

require_dbus
KVM="$TEST_TMP/kvm"
mkdir -p "$KVM" "$TEST_TMP/conf.d" "$TEST_TMP/run.d"
sleep 600 </dev/null >/dev/null 2>&1 &
P=$!
cleanup_pid "$P"
mkdir "$KVM/$P-11"
# What 6.12 has per VM without the series.
for f in mmu_shadow_zapped mmu_pte_write mmu_recycled pages_4k; do echo 0 > "$KVM/$P-11/$f"; done
chmod -R a-w "$KVM/$P-11"

dbus_start_private || fail "no private bus"
start_daemon --bus-address="$DBUS_TEST_ADDRESS" --config=/dev/null --conf-dir="$TEST_TMP/conf.d" \
	--runtime-conf-dir="$TEST_TMP/run.d" --debugfs-dir="$KVM" --state-dir="$TEST_TMP/state"
bus_has_vm "$P-11" || fail "VM on a stock kernel not followed"
assert_eq "$(bus_prop Mode)" 's "monitor-only"' "Mode on a stock kernel"
assert_eq "$(bus_prop KernelInterface)" "b false" "KernelInterface on a stock kernel"
bus_prop ModeReason | grep -q "lacks the kvm-reclaimd series" || fail "ModeReason: $(bus_prop ModeReason)"
assert_eq "$(grep -c 'Monitor-only mode: no mmu_reclaim files' "$DAEMON_LOG")" 1 "monitor-only announcements"

# A second VM appears and goes: followed, and no second announcement.
mkdir "$KVM/$P-12"
bus_wait_vm "$P-12" present 3 || fail "second VM not followed"
rmdir "$KVM/$P-12"
bus_wait_vm "$P-12" absent 3 || fail "second VM's removal not noticed"
assert_eq "$(grep -c 'Monitor-only mode' "$DAEMON_LOG")" 1 "monitor-only announcements"
bus_call Reclaim sts "$P-11" 0 caches 2>"$TEST_TMP/err" && fail "Reclaim succeeded in monitor-only mode"
grep -q "Monitor-only mode" "$TEST_TMP/err" || fail "Reclaim's error in monitor-only mode: $(cat "$TEST_TMP/err")"
ok "monitor-only on a stock kernel: VMs followed, said once, Reclaim refused"

# The kvm directory itself vanishes (module unloaded) and returns.
chmod -R u+w "$KVM"
rm -rf "$KVM"
bus_wait_prop VMCount "u 0" 3 || fail "vanished kvm dir not noticed: $(bus_prop VMCount)"
mkdir -p "$KVM/$P-13"
bus_wait_vm "$P-13" present 3 || fail "VM in the recreated kvm dir not found"
ok "the kvm directory went away and came back: followed"
stop_daemon || fail "unclean exit"
pass
