#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kvm-reclaimd against the fake kernel, in real cgroups: VMs appear and
# vanish, MaxPages= is enforced with exactly the planned writes, a
# protected VM is never written to, and kernel files that fail, hold
# garbage or vanish mid-write cost one VM its turn, not the daemon its life.
. "$(dirname "$0")/lib.sh"

require_cgroups
mount_fake
TOP=/kvmr-it-$$
make_cgroup "$TOP"
make_cgroup "$TOP/a"
make_cgroup "$TOP/b"
make_cgroup "$TOP/doomed"
spawn_in_cgroup "$TOP/a" sleep 600; PA=$SPAWNED_PID
spawn_in_cgroup "$TOP/b" sleep 600; PB=$SPAWNED_PID
spawn_in_cgroup "$TOP/a" sleep 600; PC=$SPAWNED_PID

fakekvm_add_vm "$FAKE" "$PA" 10 5000 100 4
fakekvm_add_vm "$FAKE" "$PB" 11 9000 50 4

mkdir -p "$TEST_TMP/conf.d" "$TEST_TMP/run.d"
cat > "$TEST_TMP/main.conf" <<CONF
[Daemon]
DebugfsDir=$FAKE
RefreshInterval=1s
SystemPressureThreshold=450ms
DisableKernelShrinker=no
[Policy $TOP/a]
MaxPages=3000
[Policy $TOP/b]
Protect=yes
[Policy $TOP/doomed]
PressureThreshold=10ms
CONF
start_daemon --no-bus --config="$TEST_TMP/main.conf" --conf-dir="$TEST_TMP/conf.d" \
	--runtime-conf-dir="$TEST_TMP/run.d"

# Discovery at start, with cgroups and policies from /proc.
grep -q "VM $PA-10 appeared: .*cgroup=$TOP/a .*policy=$TOP/a" "$DAEMON_LOG" || fail "VM A not discovered with its cgroup"
grep -q "VM $PB-11 appeared: .*cgroup=$TOP/b .*policy=$TOP/b" "$DAEMON_LOG" || fail "VM B not discovered with its cgroup"
grep -q "active mode" "$DAEMON_LOG" || fail "daemon did not see the kernel interface"

# A cgroup with a PSI trigger is removed: the trigger says so (POLLERR)
# and is dropped, and nothing else changes.
grep -q "Watching memory pressure of $TOP/doomed" "$DAEMON_LOG" || fail "no trigger on $TOP/doomed"
rmdir "$CG2$TOP/doomed" || fail "cannot remove $TOP/doomed"
wait_for_log "cgroup $TOP/doomed is gone, dropping its PSI trigger" 5 || fail "removed cgroup's trigger not dropped"

# MaxPages=3000: A is zapped by exactly 2000 within one refresh; B never.
wait_for_log "VM $PA-10 .*zapped 2000" 5 || fail "MaxPages= not enforced on A"
assert_eq "$(fakekvm_log "$FAKE" | grep -c "^$PA-10 ")" 1 "writes to A"
fakekvm_log "$FAKE" | grep -q "^$PA-10 zap 2000" || fail "A's write was not 'zap 2000': $(fakekvm_log "$FAKE")"
assert_eq "$(fakekvm_get "$FAKE" "$PA-10" shadow)" 3000 "A's shadow pages after the cap"
assert_eq "$(fakekvm_log "$FAKE" | grep -c "^$PB-11 ")" 0 "writes to protected B"

# A VM created at run time is seen through inotify, and its removal too.
fakekvm_add_vm "$FAKE" "$PC" 12 100 0 1
wait_for_log "VM $PC-12 appeared" 3 || fail "new VM not seen"
fakekvm_remove_vm "$FAKE" "$PC" 12
wait_for_log "VM $PC-12 is gone" 3 || fail "removed VM not noticed"

# Garbage in a counter: a warning, the last values kept, the daemon alive.
fakekvm_set "$FAKE" "$PB-11" garbage=1
wait_for_log "VM $PB-11: counters hold garbage" 4 || fail "garbage not reported"
fakekvm_set "$FAKE" "$PB-11" garbage=0
kill -0 "$DAEMON_PID" || fail "daemon died on garbage"

# A write that fails with EIO: reported, and the next round still runs.
fakekvm_set "$FAKE" "$PA-10" shadow=3500 fail=EIO
wait_for_log "VM $PA-10: reclaim failed" 4 || fail "EIO not reported"
fakekvm_set "$FAKE" "$PA-10" fail=none
wait_for_log "VM $PA-10 .*zapped 500" 4 || fail "no retry after EIO"
assert_eq "$(fakekvm_get "$FAKE" "$PA-10" shadow)" 3000 "A after the retry"

# The VM vanishes while its zap is in flight (qemu exits mid-action).
fakekvm_add_vm "$FAKE" "$PC" 13 4000 0 1
fakekvm_set "$FAKE" "$PC-13" delay_ms=1500
wait_for_log "VM $PC-13 appeared" 3 || fail "slow VM not seen"
sleep 1.2
fakekvm_remove_vm "$FAKE" "$PC" 13
wait_for_log "VM $PC-13 (vanished during reclaim|is gone)" 5 || fail "vanished VM not handled"
kill -0 "$DAEMON_PID" || fail "daemon died when a VM vanished mid-write"

# A clean exit on SIGTERM.
stop_daemon || fail "daemon did not exit cleanly on SIGTERM"
grep -q "Received SIGTERM, exiting" "$DAEMON_LOG" || fail "no clean-exit message"
echo "PASS"
