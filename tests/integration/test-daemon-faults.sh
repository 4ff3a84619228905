#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Faults from the kernel side, through the fake kernel and the file
# system: debugfs missing at start and mounted later; a VM removed between
# the read that planned its write and the write, and one removed while its
# write is in flight; mmu_reclaim writes failing with EIO, EINVAL, ENOENT
# and EPERM; counters holding each kind of garbage, and the largest
# numbers a u64 holds; the kvm directory made read-only and writable
# again; a cgroup removed while its PSI trigger is armed; debugfs unmounted
# and mounted again.  After each: the daemon runs, said what happened in
# one clear line, and what it knows over D-Bus (ListVMs, properties) is
# what the fake holds.  At the end it stops cleanly, which under ASan
# means no leak (LeakSanitizer exits 23).  The kernel is the first series,
# whose per-VM files the daemon reads (a v2 kernel's mmu_vms gives all
# counters in one read, so garbage= of a VM's own files would not show).
. "$(dirname "$0")/../lib/daemon.sh"

require_dbus
require_cgroups
command -v python3 >/dev/null || skip "python3 not installed"
fakekvm_require_fuse

TOP=/kvmr-faults-$$
make_cgroup "$TOP"
make_cgroup "$TOP/a"
make_cgroup "$TOP/doomed"
spawn_in_cgroup "$TOP/a" sleep 600; P=$SPAWNED_PID
X=$P-10   # sorts before Y: a round writes X first
Y=$P-11
SCENARIOS=0

# recount: reads recount counts older than a second; a root Reload
# recounts at once.
recount() {
	bus_call Reload >/dev/null || fail "Reload failed"
}
# agree: every VM the fake holds and only those, with the fake's counts,
# in ListVMs.
agree() {
	local want got
	recount
	want=$(for d in "$FAKE"/*-*; do
		[ -d "$d" ] || continue
		echo "${d##*/} $(fakekvm_get "$FAKE" "${d##*/}" shadow) $(fakekvm_get "$FAKE" "${d##*/}" cache)"
	done | sort)
	got=$(busctl --address="$DBUS_TEST_ADDRESS" --json=short call "${BUS_OBJ[@]}" ListVMs |
		python3 -c 'import json, sys
for v in json.load(sys.stdin)["data"][0]: print(v[0], v[4], v[5])' | sort)
	[ "$want" = "$got" ] || fail "$1: the daemon's VMs and counts differ from the fake's:
want (fake): $want
got (ListVMs): $got"
	daemon_alive || fail "$1: the daemon died"
}
# scenario NAME: one more scenario passed (it checked its own outcome,
# then the daemon's state against the fake).
scenario() {
	agree "$1"
	SCENARIOS=$((SCENARIOS + 1))
	ok "$1"
}
# in_flight: a round has its plan and its worker is writing (Dump).
in_flight() { bus_call Dump | grep -q '"RoundInFlight" b true'; }

# said REGEX WHAT: the daemon said it (once more than before the mark).
LOG_MARK=0
log_mark() { LOG_MARK=$(wc -l <"$DAEMON_LOG"); }
_said() { tail -n +"$((LOG_MARK + 1))" "$DAEMON_LOG" | grep -Eq -- "$1"; }
said() {
	wait_until 2 _said "$1" || fail "$2: no log line matching '$1'"
}

# --- debugfs missing at start, mounted later ---
dbus_start_private || fail "no private bus"
LATE=$TEST_TMP/debug/kvm
mkdir -p "$TEST_TMP/debug"
FAKE=$LATE
start_reclaimd "SystemPressureThreshold=450ms" "[Policy $TOP/doomed]" "PressureThreshold=10ms"
assert_eq "$(bus_prop Mode)" 's "monitor-only"' "Mode without a kvm directory"
bus_prop ModeReason | grep -q "not present" || fail "ModeReason without a kvm directory: $(bus_prop ModeReason)"
mount_fake "$LATE" --kernel=v1
fakekvm_add_vm "$FAKE" "$P" 10 5000 100 2
fakekvm_add_vm "$FAKE" "$P" 11 3000 60 2
bus_wait_vm "$X" present 5 || fail "VMs of a kvm directory mounted after the start were not found"
bus_wait_vm "$Y" present 2 || fail "VM Y not found"
bus_wait_prop Mode 's "active"' 2 || fail "not active once the kvm directory was mounted: $(bus_prop ModeReason)"
scenario "debugfs missing at start and mounted later: followed, active"

bus_monitor_start

# --- a VM removed between the read that planned its write and the write:
# X's write takes 1.5 s; Y goes meanwhile.  Both planned from one count.
fakekvm_set "$FAKE" "$X" delay_ms=1500
fake_log_mark
log_mark
bus_call Reclaim sts "$TOP/a" 0 caches >"$TEST_TMP/out" 2>&1 &
CALL=$!
wait_until 5 in_flight || fail "no round in flight"
fakekvm_remove_vm "$FAKE" "$Y"
wait "$CALL" || fail "Reclaim with a VM removed before its write: $(cat "$TEST_TMP/out")"
grep -qF "\"$Y\" \"vanished during reclaim\"" "$TEST_TMP/out" || fail "no note that Y vanished: $(cat "$TEST_TMP/out")"
said "VM $Y vanished during reclaim" "Y removed before its write"
bus_has_vm "$Y" && fail "Y is still in the daemon's table"
fake_log_has "^$X caches -> caches_freed=100 " || fail "X's write: $(fake_log_since)"
fake_log_has "^$Y " && fail "a write reached Y after it was removed: $(fake_log_since)"
fakekvm_set "$FAKE" "$X" delay_ms=0
scenario "a VM removed between read and write: noted, dropped, the round went on"

# --- a VM removed while its own write is in flight ---
fakekvm_add_vm "$FAKE" "$P" 11 3000 60 2
bus_wait_vm "$Y" present 3 || fail "Y not seen again"
fakekvm_set "$FAKE" "$Y" delay_ms=1500
log_mark
bus_call Reclaim sts "$Y" 100 zap >"$TEST_TMP/out" 2>&1 &
CALL=$!
wait_until 5 in_flight || fail "no round in flight"
fakekvm_remove_vm "$FAKE" "$Y"
wait "$CALL" || fail "Reclaim of a VM removed mid-write: $(cat "$TEST_TMP/out")"
said "VM $Y (vanished during reclaim|is gone)" "Y removed mid-write"
bus_wait_vm "$Y" absent 2 || fail "Y is still in the daemon's table after it went mid-write"
scenario "a VM removed while its write is in flight: dropped"

# --- mmu_reclaim writes that fail ---
for e in EIO EINVAL ENOENT EPERM; do
	fakekvm_set "$FAKE" "$X" "fail=$e" cache=100
	fake_log_mark
	log_mark
	bus_call Reclaim sts "$X" 0 caches >"$TEST_TMP/out" 2>&1 || fail "Reclaim failing with $e: $(cat "$TEST_TMP/out")"
	fake_log_has "^$X caches -> -$e\$" || fail "$e: the fake did not fail the write: $(fake_log_since)"
	msg=$(python3 -c 'import errno, os, sys; print(os.strerror(getattr(errno, sys.argv[1])))' "$e")
	grep -qF "\"$X\" \"the kernel refused: $msg\"" "$TEST_TMP/out" || fail "$e: the reply's note: $(cat "$TEST_TMP/out")"
	said "VM $X: reclaim failed, continuing with the others: $msg" "$e"
	bus_has_vm "$X" || fail "$e: X was dropped though it is still there"
	# A write that fails is not a refusal to open (lockdown): still active.
	assert_eq "$(bus_prop Mode)" 's "active"' "Mode after a write failing with $e"
	fakekvm_set "$FAKE" "$X" fail=none cache=100
	fake_log_mark
	bus_call Reclaim sts "$X" 0 caches >/dev/null || fail "Reclaim after $e"
	fake_log_has "^$X caches -> caches_freed=100 " || fail "no write after $e: $(fake_log_since)"
	scenario "mmu_reclaim write failing with $e: noted, logged, the next write goes through"
done

# --- counters holding garbage: the last values stay, said once ---
fakekvm_set "$FAKE" "$X" shadow=5000 cache=0
recount
GARBAGE=([1]="junk" [2]="empty" [4]="2^64, one too many" [5]="-1" [6]="two numbers" [7]="hex")
for g in 1 2 4 5 6 7; do
	fakekvm_set "$FAKE" "$X" shadow=6000 "garbage=$g"
	log_mark
	recount
	bus_call GetVM s "$X" | grep -q "^(susstttta{sv}) \"$X\" $P \"[^\"]*\" \"$TOP/a\" 5000 0 " ||
		fail "garbage=$g: not the last values: $(bus_call GetVM s "$X")"
	said "VM $X: counters hold garbage, keeping the last values" "garbage=$g"
	fakekvm_set "$FAKE" "$X" shadow=5000 garbage=0
	scenario "counters holding garbage (${GARBAGE[g]}): the last values kept, said so"
done
# Mode 3, the number without its newline, is still the number.
fakekvm_set "$FAKE" "$X" shadow=6000 garbage=3
recount
bus_call GetVM s "$X" | grep -q "\"$TOP/a\" 6000 0 " || fail "garbage=3: $(bus_call GetVM s "$X")"
fakekvm_set "$FAKE" "$X" garbage=0
scenario "a counter without its newline: read as the number"

# --- the largest counts a u64 holds: shown as they are, totals saturate ---
MAX=18446744073709551615
fakekvm_add_vm "$FAKE" "$P" 11 "$MAX" "$MAX" 4
fakekvm_set "$FAKE" "$X" shadow="$MAX"
bus_wait_vm "$Y" present 3 || fail "Y not seen"
recount
assert_eq "$(bus_prop ShadowPages)" "t $MAX" "ShadowPages of two VMs at 2^64-1 (saturated, not wrapped)"
assert_eq "$(bus_prop CachePages)" "t $MAX" "CachePages saturated"
fake_log_mark
bus_call Reclaim sts "$TOP/a" 65536 caches+zap >"$TEST_TMP/out" || fail "Reclaim at 2^64-1 pages: $(cat "$TEST_TMP/out")"
fake_log_has "^$Y caches -> caches_freed=$MAX " || fail "Y's caches: $(fake_log_since)"
fake_log_has " zap " && fail "zapped though the caches covered the goal: $(fake_log_since)"
bus_call Reclaim sts "$X" 65536 zap >/dev/null || fail "zap of a VM at 2^64-1"
fake_log_has "^$X zap 65536 -> caches_freed=0 zapped=65536 " || fail "X's zap: $(fake_log_since)"
bus_call Reclaim sts "$Y" 0 caches >/dev/null || fail "caches of Y again"
assert_eq "$(bus_prop ReclaimedCachePages)" "t $MAX" "ReclaimedCachePages after freeing 2^64-1 pages more than once"
fakekvm_set "$FAKE" "$X" shadow=5000
fakekvm_remove_vm "$FAKE" "$Y"
bus_wait_vm "$Y" absent 3 || fail "Y not gone"
scenario "counts of 2^64-1: shown exactly, totals saturate, reclaim bounded per write"

# --- the kvm directory made read-only, then writable again ---
fakekvm_set "$FAKE" "$X" cache=50
mount --bind "$FAKE" "$FAKE" || fail "cannot bind-mount the fake on itself"
cleanup_mount "$FAKE"
mount -o remount,bind,ro "$FAKE" || fail "cannot make the bind mount read-only"
log_mark
bus_call Reclaim sts "$X" 0 caches >"$TEST_TMP/out" 2>&1
said "Monitor-only mode: mmu_reclaim is on a read-only mount \(EROFS\)" "read-only"
bus_prop ModeReason | grep -q "read-only mount (EROFS)" || fail "ModeReason on a read-only mount: $(bus_prop ModeReason)"
bus_call Reclaim sts "$X" 0 caches 2>"$TEST_TMP/err" && fail "Reclaim succeeded on a read-only kvm directory"
grep -q "read-only" "$TEST_TMP/err" || fail "Reclaim's error on a read-only kvm directory: $(cat "$TEST_TMP/err")"
umount "$FAKE" || fail "cannot undo the read-only bind mount"
recount
bus_wait_prop Mode 's "active"' 2 || fail "not active again once writable: $(bus_prop ModeReason)"
fake_log_mark
bus_call Reclaim sts "$X" 0 caches >/dev/null || fail "Reclaim once writable again"
fake_log_has "^$X caches -> caches_freed=50 " || fail "no write once writable: $(fake_log_since)"
scenario "kvm directory made read-only while running: monitor-only, said why; writable again: active"

# --- a cgroup removed while its PSI trigger is armed ---
triggers() { bus_call Dump | grep -o '"a(sstttt)" [^]]*' ; }
bus_call Dump | grep -q "\"$TOP/doomed\" \"[^\"]*memory.pressure\"" || fail "no trigger on $TOP/doomed: $(bus_call Dump)"
log_mark
rmdir "$CG2$TOP/doomed" || fail "cannot remove $TOP/doomed"
said "cgroup $TOP/doomed is gone, dropping its PSI trigger" "removed cgroup"
bus_call Dump | grep -q "\"$TOP/doomed\" \"[^\"]*memory.pressure\"" && fail "the trigger of a removed cgroup is still listed"
mkdir "$CG2$TOP/doomed"
reload_daemon
bus_call Dump | grep -q "\"$TOP/doomed\" \"[^\"]*memory.pressure\"" || fail "no trigger on $TOP/doomed once it is back"
scenario "a cgroup removed while its PSI trigger is armed: dropped, said so; armed again once back"

# --- debugfs unmounted, then mounted again ---
log_mark
fakekvm_umount "$FAKE" || fail "cannot unmount the fake"
said "$FAKE (went away, waiting for it to come back|is another directory now \\(a file system was mounted or unmounted there\\))" "unmounted"
bus_wait_prop VMCount "u 0" 3 || fail "VMs left after the unmount: $(bus_vm_ids)"
assert_eq "$(bus_prop Mode)" 's "monitor-only"' "Mode after the unmount"
fakekvm_mount "$FAKE" --kernel=v1 >/dev/null || fail "cannot mount the fake again"
fakekvm_add_vm "$FAKE" "$P" 12 700 7 1
bus_wait_vm "$P-12" present 5 || fail "a VM of the remounted kvm directory was not found"
bus_wait_prop Mode 's "active"' 2 || fail "not active after the remount: $(bus_prop ModeReason)"
scenario "debugfs unmounted and mounted again: followed, active"

stop_daemon || fail "the daemon did not stop cleanly (a leak under ASan exits 23)"
echo "$SCENARIOS fault scenarios"
pass
