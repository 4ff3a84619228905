#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kvm-reclaimd against the fake kernel, in real cgroups: VMs appear and
# vanish, MaxPages= is enforced with exactly the planned writes, a
# protected VM is never written to.  The kernel here is the first series
# (no "limit"), where the daemon's own cap timer enforces MaxPages=; the
# kernel's cap is test-daemon-limits.sh.  What the daemon knows is read over
# D-Bus; what it wrote, from the fake's write log.  (Faults: the kernel's in
# test-daemon-faults.sh, the configuration's in test-daemon-config-faults.sh.)
. "$(dirname "$0")/../lib/daemon.sh"

require_dbus
require_cgroups
mount_fake --kernel=v1
TOP=/kvmr-it-$$
make_cgroup "$TOP"
make_cgroup "$TOP/a"
make_cgroup "$TOP/b"
spawn_in_cgroup "$TOP/a" sleep 600; PA=$SPAWNED_PID
spawn_in_cgroup "$TOP/b" sleep 600; PB=$SPAWNED_PID
spawn_in_cgroup "$TOP/a" sleep 600; PC=$SPAWNED_PID

fakekvm_add_vm "$FAKE" "$PA" 10 5000 100 4
fakekvm_add_vm "$FAKE" "$PB" 11 9000 50 4

dbus_start_private || fail "no private bus"
start_reclaimd "RefreshInterval=1s" "SystemPressureThreshold=450ms" \
	"[Policy $TOP/a]" "MaxPages=3000" \
	"[Policy $TOP/b]" "Protect=yes"

# Discovery at start, with cgroups and policies from /proc.
bus_call GetVM s "$PA-10" | grep -q "\"$TOP/a\" [0-9]* [0-9]* 0 [0-9]* .*\"Cgroup\" s \"$TOP/a\"" ||
	fail "VM A not discovered with its cgroup and policy: $(bus_call GetVM s "$PA-10")"
bus_call GetVM s "$PB-11" | grep -q "\"$TOP/b\" 9000 50 .*\"Cgroup\" s \"$TOP/b\"" ||
	fail "VM B not discovered with its cgroup and policy: $(bus_call GetVM s "$PB-11")"
assert_eq "$(bus_prop Mode)" 's "active"' "Mode"
ok "discovery at start: A in $TOP/a, B in $TOP/b, active"

# MaxPages=3000: A is zapped by exactly 2000 within one refresh; B never.
fake_wait_log "^$PA-10 zap 2000 -> caches_freed=0 zapped=2000 " 5 || fail "MaxPages= not enforced on A: $(fake_log_since)"
assert_eq "$(fakekvm_log "$FAKE" | grep -c "^$PA-10 ")" 1 "writes to A"
assert_eq "$(fakekvm_get "$FAKE" "$PA-10" shadow)" 3000 "A's shadow pages after the cap"
sleep 1.2   # one more cap round: nothing more to do
assert_eq "$(fakekvm_log "$FAKE" | grep -c "^$PA-10 ")" 1 "writes to A after the next round"
assert_eq "$(fakekvm_log "$FAKE" | grep -c "^$PB-11 ")" 0 "writes to protected B"
ok "MaxPages= took A down to 3000 with one write; protected B untouched"

# A VM created at run time is seen through inotify, and its removal too.
fakekvm_add_vm "$FAKE" "$PC" 12 100 0 1
bus_wait_vm "$PC-12" present 3 || fail "new VM not seen"
# Its counters are set just after its directory is made: read again shortly.
vm_counted() { bus_call GetVM s "$PC-12" | grep -q "\"$TOP/a\" 100 0 "; }
wait_until 3 vm_counted || fail "new VM: $(bus_call GetVM s "$PC-12")"
fakekvm_remove_vm "$FAKE" "$PC" 12
bus_wait_vm "$PC-12" absent 3 || fail "removed VM not noticed"
assert_eq "$(bus_vm_ids | tr '\n' ' ')" "$(printf '%s\n' "$PA-10" "$PB-11" | sort | tr '\n' ' ')" "VMs after the churn"
ok "a VM made and removed at run time is followed"

# A clean exit on SIGTERM.
stop_daemon || fail "daemon did not exit cleanly on SIGTERM"
pass
