#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# MaxPages= where the kernel keeps the cap ("limit N", include/kvm-reclaim.h):
#  - each VM under a MaxPages= policy gets "limit N" when the daemon starts
#    or sees it, the kernel zaps what is over it, and nothing wakes the
#    daemon afterwards (no cap timer: not one context switch while idle);
#  - a VM whose tables are TDP gets its shadow pages capped, and the
#    daemon says once that its TDP tables have no cap;
#  - a new cap is written at a reload, a removed one given back ("limit 0");
#  - at exit every cap the daemon set is given back; after a crash, the
#    next start gives back those no policy wants any more (the state file);
#  - ListVMCounters and Dump show the cap (KernelLimit, ShadowPagesMax).
. "$(dirname "$0")/../lib/daemon.sh"

require_dbus
require_cgroups
mount_fake
TOP=/kvmr-limits-$$
make_cgroup "$TOP"
make_cgroup "$TOP/a"
make_cgroup "$TOP/b"
spawn_in_cgroup "$TOP/a" sleep 600; PA=$SPAWNED_PID
spawn_in_cgroup "$TOP/b" sleep 600; PB=$SPAWNED_PID
spawn_in_cgroup "$TOP/a" sleep 600; PT=$SPAWNED_PID
spawn_in_cgroup "$TOP/a" sleep 600; PC=$SPAWNED_PID
A=$PA-10 B=$PB-11 T=$PT-12 C=$PC-13
fakekvm_add_vm "$FAKE" "$PA" 10 5000 0 2
fakekvm_add_vm "$FAKE" "$PB" 11 9000 0 2
# A TDP guest: 4 shadow pages (its roots), 2000 TDP tables.
fakekvm_add_vm "$FAKE" "$PT" 12 4 0 2
fakekvm_set "$FAKE" "$T" tdp=2000

dbus_start_private || fail "no private bus"
start_reclaimd "RefreshInterval=1s" "SystemPressureThreshold=1900ms" "PressureWindow=2s" \
	"[Policy $TOP/a]" "MaxPages=3000"
limit_of() { fakekvm_get "$FAKE" "$1" limit; }

# --- At start: the kernel's cap, one write each. ---
fake_wait_log "^$A limit 3000 -> caches_freed=0 zapped=2000 " 5 || fail "no cap on A: $(fake_log_since)"
fake_wait_log "^$T limit 3000 -> caches_freed=0 zapped=0 " 5 || fail "no cap on T: $(fake_log_since)"
assert_eq "$(fakekvm_get "$FAKE" "$A" shadow) $(limit_of "$A") $(fakekvm_get "$FAKE" "$A" shadow_max)" "3000 3000 3000" \
	"A's shadow pages, limit and cap in force"
fake_log_has "^$B " && fail "B has no MaxPages= and was written to: $(fake_log_since)"
wait_until 3 grep -q "VM $T: MaxPages= caps its shadow pages; its 2000 TDP page tables have no cap" "$DAEMON_LOG" ||
	fail "no word about T's TDP tables"
bus_call ListVMCounters | grep -q "\"$A\" [0-9]* .*\"ShadowPagesMax\" t 3000 .*\"KernelLimit\" t 3000 " ||
	fail "ListVMCounters: $(bus_call ListVMCounters)"
ok "start: limit 3000 on A (2000 zapped by the kernel) and T; B untouched; T's TDP tables said uncapped"

# --- Nothing wakes the daemon for caps the kernel keeps. ---
fakekvm_set "$FAKE" "$A" shadow=2900
sleep 1.5  # the settle recount and the textfile-free start are behind us
note_writes() { W0=$(fake_log_lines); }
quiet_window 3.2 note_writes || fail "no 3 s without host memory pressure in 5 tries"  # three RefreshInterval=1s
assert_eq "$IDLE_S1" "$IDLE_S0" "the daemon's context switches in 3 s (RefreshInterval=1s)"
assert_eq "$(fake_log_lines)" "$W0" "writes in 3 s"
ok "no cap timer: 0 wake-ups and 0 writes in 3 RefreshInterval=s"

# --- A VM that appears gets its cap at once. ---
fakekvm_add_vm "$FAKE" "$PC" 13 3500 0 1
fake_wait_log "^$C limit 3000 -> caches_freed=0 zapped=500 " 5 || fail "no cap on C when it appeared: $(fake_log_since)"
ok "a VM that appears is capped by the kernel at once"

# --- A new cap at a reload; a removed one given back. ---
sed -i 's/^MaxPages=3000$/MaxPages=2000/' "$DAEMON_DIR/main.conf"
fake_log_mark
reload_daemon
for v in "$A" "$T" "$C"; do
	fake_wait_log "^$v limit 2000 " 5 || fail "no new cap on $v: $(fake_log_since)"
done
sed -i '/^MaxPages=/d' "$DAEMON_DIR/main.conf"
fake_log_mark
reload_daemon
for v in "$A" "$T" "$C"; do
	fake_wait_log "^$v limit 0 " 5 || fail "cap of $v not given back: $(fake_log_since)"
	assert_eq "$(limit_of "$v")" 0 "$v's limit after the policy went"
done
assert_eq "$(fakekvm_get "$FAKE" "$A" shadow_max)" 15728 "A's cap in force: KVM's own again"
ok "a reload writes the new caps, and gives back the ones no policy wants"

# --- At exit, the caps go back to KVM. ---
sed -i "s|^\[Policy $TOP/a\]$|&\nMaxPages=3000|" "$DAEMON_DIR/main.conf"
fake_log_mark
reload_daemon
fake_wait_log "^$C limit 3000 " 5 || fail "caps not set again: $(fake_log_since)"
fake_log_mark
stop_daemon || fail "unclean exit"
for v in "$A" "$T" "$C"; do
	fake_log_has "^$v limit 0 " || fail "no limit 0 for $v at exit: $(fake_log_since)"
done
[ -e "$DAEMON_DIR/state/limits" ] && fail "the state file is left after a clean exit: $(cat "$DAEMON_DIR/state/limits")"
ok "a clean exit gives every cap back (limit 0), and leaves no state"

# --- After a crash: the caps it left, set to what the policies want now. ---
start_daemon "${DARGS[@]}"
fake_wait_log "^$C limit 3000 " 5 || fail "caps not set at the restart: $(fake_log_since)"
wait_until 3 test -s "$DAEMON_DIR/state/limits" || fail "no state file while caps are set"
kill_daemon
assert_eq "$(limit_of "$A")" 3000 "A's cap after the crash"
sed -i '/^MaxPages=/d' "$DAEMON_DIR/main.conf"
fake_log_mark
start_daemon "${DARGS[@]}"
for v in "$A" "$T" "$C"; do
	fake_wait_log "^$v limit 0 " 5 || fail "cap a crash left on $v not given back: $(fake_log_since)"
done
grep -q "3 VMs may keep a cap on their shadow pages from before a crash" "$DAEMON_LOG" || fail "no word about the crash's caps"
fake_log_has "^$B " && fail "B was written to: $(fake_log_since)"
stop_daemon || fail "unclean exit"
ok "caps a crashed daemon left are given back at the next start"
pass
