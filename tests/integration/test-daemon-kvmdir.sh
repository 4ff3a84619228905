#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Why the daemon cannot write is said as it is: a kvm directory mounted
# read-only (what a unit gets when kvm loads after the service started,
# because of how ReadWritePaths= binds it) is not "a kernel without the
# series"; writes refused at open (EROFS here, EPERM under lockdown) are
# probed again at each count, so a remount read-write is seen.  A kvm
# directory that is missing at start and appears later is followed, and
# the daemon turns active.  Refused at open (EPERM, what lockdown answers)
# is said as such too.  Mode and ModeReason are read over D-Bus.
. "$(dirname "$0")/../lib/daemon.sh"

: "${KVMR_DBUS_POLICY:?}"
require_dbus
mount_fake
sleep 600 </dev/null >/dev/null 2>&1 &
P=$!
cleanup_pid "$P"
fakekvm_add_vm "$FAKE" "$P" 10 3000 10 1

mkdir "$TEST_TMP/ro"
mount --bind "$FAKE" "$TEST_TMP/ro" || skip "cannot bind-mount the fake kernel"
RO=$TEST_TMP/ro
cleanup_mount "$RO"
mount -o remount,bind,ro "$RO" || skip "cannot make a bind mount read-only"

dbus_start_private "$KVMR_DBUS_POLICY" || fail "no private bus"
mkdir -p "$TEST_TMP/conf.d" "$TEST_TMP/run.d"
printf '[Daemon]\nDisableKernelShrinker=no\nSystemPressureThreshold=450ms\n' >"$TEST_TMP/main.conf"
ARGS=(--bus-address="$DBUS_TEST_ADDRESS" --config="$TEST_TMP/main.conf" --conf-dir="$TEST_TMP/conf.d"
	--runtime-conf-dir="$TEST_TMP/run.d")
OBJ=("${BUS_OBJ[@]}")
prop() { bus_prop "$1"; }

# --- Read-only: monitor-only, and the reason says read-only. ---
start_daemon "${ARGS[@]}" --debugfs-dir="$RO"
assert_eq "$(prop Mode)" 's "monitor-only"' "Mode on a read-only kvm directory"
assert_eq "$(prop KernelInterface)" "b true" "KernelInterface on a read-only kvm directory"
prop ModeReason | grep -q "read-only mount (EROFS)" || fail "ModeReason: $(prop ModeReason)"
prop ModeReason | grep -q "lacks" && fail "a read-only directory is reported as a missing series"
busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" Reclaim sts "$P-10" 0 caches 2>"$TEST_TMP/err" &&
	fail "Reclaim on a read-only kvm directory succeeded"
grep -q "read-only" "$TEST_TMP/err" || fail "Reclaim's error: $(cat "$TEST_TMP/err")"
ok "read-only: monitor-only, $(prop ModeReason)"

# Remounted read-write: seen at the next count (a read older than 1 s).
mount -o remount,bind,rw "$RO" || fail "cannot remount read-write"
sleep 1.1
busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" ListVMs >/dev/null || fail "ListVMs"
assert_eq "$(prop Mode)" 's "active"' "Mode after a remount read-write"
busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" Reclaim sts "$P-10" 0 caches >/dev/null ||
	fail "Reclaim after the remount"
grep -q "^$P-10 caches -> caches_freed=10 " "$FAKE/.fake_log" || fail "no write after the remount"
ok "read-write again: active, and the write goes through"
stop_daemon || fail "unclean exit"

# --- Missing at start, there later: followed, and active. ---
LATER=$TEST_TMP/later/kvm
mkdir -p "$TEST_TMP/later"
start_daemon "${ARGS[@]}" --debugfs-dir="$LATER"
assert_eq "$(prop Mode)" 's "monitor-only"' "Mode without a kvm directory"
prop ModeReason | grep -q "not present" || fail "ModeReason without a kvm directory: $(prop ModeReason)"
# What the series makes per VM, as plain files.
mkdir -p "$LATER/$P-11"
echo 100 >"$LATER/$P-11/mmu_shadow_pages"
echo 0 >"$LATER/$P-11/mmu_cache_pages"
: >"$LATER/$P-11/mmu_reclaim"
bus_wait_vm "$P-11" present 5 || fail "VM in the late kvm directory not found"
bus_wait_prop Mode 's "active"' 3
assert_eq "$(prop Mode)" 's "active"' "Mode once the kvm directory appeared"
ok "a kvm directory that appears later is followed: active"

# A counter that cannot be read (here a directory where the file should
# be; EIO on a real kernel): said once, the last values kept, the VM kept.
echo 150 >"$LATER/$P-11/mmu_shadow_pages"
busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" Reload || fail "Reload"
rm "$LATER/$P-11/mmu_shadow_pages"
mkdir "$LATER/$P-11/mmu_shadow_pages"
busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" Reload || fail "Reload"
busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" Reload || fail "Reload"
assert_eq "$(grep -c "VM $P-11: cannot read its counters, keeping the last values: Is a directory" "$DAEMON_LOG")" 1 \
	"warnings for a counter that cannot be read, over two recounts"
busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" GetVM s "$P-11" | grep -q " 150 0 " ||
	fail "not the last values: $(busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" GetVM s "$P-11")"
rmdir "$LATER/$P-11/mmu_shadow_pages"
echo 120 >"$LATER/$P-11/mmu_shadow_pages"
busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" Reload || fail "Reload"
busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" GetVM s "$P-11" | grep -q " 120 0 " || fail "not read again"
ok "a counter that cannot be read: said once, the last values kept, read again once it can be"
stop_daemon || fail "unclean exit"

# --- Refused at open (EPERM), as kernel lockdown refuses writable debugfs
# files: an immutable mmu_reclaim gives the same errno to root. ---
LOCKED=$TEST_TMP/locked
mkdir -p "$LOCKED/$P-12"
echo 100 >"$LOCKED/$P-12/mmu_shadow_pages"
echo 0 >"$LOCKED/$P-12/mmu_cache_pages"
: >"$LOCKED/$P-12/mmu_reclaim"
if chattr +i "$LOCKED/$P-12/mmu_reclaim" 2>/dev/null; then
	# An immutable file would keep the temp directory from going.
	cleanup_cmd "chattr -i '$LOCKED/$P-12/mmu_reclaim' 2>/dev/null"
	# The kernel says its lockdown mode in securityfs; here a file of ours.
	echo "none [integrity] confidentiality" >"$TEST_TMP/lockdown"
	start_daemon "${ARGS[@]}" --debugfs-dir="$LOCKED" --lockdown-file="$TEST_TMP/lockdown"
	assert_eq "$(prop Mode)" 's "monitor-only"' "Mode with mmu_reclaim refused at open"
	prop ModeReason | grep -qF "refused (EPERM): kernel lockdown (integrity mode, $TEST_TMP/lockdown) refuses writable debugfs files, while the stat files still read" ||
		fail "ModeReason for EPERM: $(prop ModeReason)"
	chattr -i "$LOCKED/$P-12/mmu_reclaim"
	sleep 1.1
	busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" ListVMs >/dev/null || fail "ListVMs"
	assert_eq "$(prop Mode)" 's "active"' "Mode once writes are allowed again"
	ok "refused at open (EPERM), the stat files read: monitor-only, said as lockdown in its mode; allowed again: active"
	stop_daemon || fail "unclean exit"
else
	echo "note: no immutable files on this file system: EPERM not tested"
fi
pass
