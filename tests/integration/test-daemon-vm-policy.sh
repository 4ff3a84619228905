#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Policies that select VMs by what stays across restarts (issue 8, item 4):
# libvirt's domain name (from the machine scope) and the UUID (from qemu's
# -uuid), against the real daemon, real cgroups and the fake kernel.  A
# vm: glob protects web-1 under a cgroup whose cap takes every other VM
# down, and keeps protecting it after the domain restarts in a new scope
# with a new ID and pid; a uuid: section beats the name, and what a VM
# section does not set comes from the VM's cgroup policy.
. "$(dirname "$0")/../lib/daemon.sh"

require_dbus
require_cgroups
mount_fake

TOP=/kvmr-vmp-$$
SCOPE1='machine-qemu\x2d1\x2dweb\x2d1.scope'
SCOPE2='machine-qemu\x2d7\x2dweb\x2d1.scope'
UUID_DB=5a1b2c3d-0000-4000-8000-00000000d00b
make_cgroup "$TOP"
make_cgroup "$TOP/$SCOPE1"
make_cgroup "$TOP/$SCOPE2"
make_cgroup "$TOP/other"
VM=("${VM_CMD[@]}")
spawn_in_cgroup "$TOP/$SCOPE1" "${VM[@]}" -name guest=web-1 -uuid 0a1b2c3d-0000-4000-8000-0000000000e1; PW=$SPAWNED_PID
spawn_in_cgroup "$TOP/other" "${VM[@]}" -name guest=batch; PB=$SPAWNED_PID
spawn_in_cgroup "$TOP/other" "${VM[@]}" -name guest=db -uuid "${UUID_DB^^}"; PD=$SPAWNED_PID
fakekvm_add_vm "$FAKE" "$PW" 10 5000 0 1
fakekvm_add_vm "$FAKE" "$PB" 11 5000 0 1
fakekvm_add_vm "$FAKE" "$PD" 12 5000 0 1

dbus_start_private || fail "no private bus"
call() { bus_call "$@"; }
# vm_value ID KEY: one key of a VM's policy dict, from GetVM.
vm_value() { call GetVM s "$1" | grep -o "\"$2\" [a-z] \"\?[^\" ]*" | head -1 | cut -d' ' -f3 | tr -d '"'; }

start_reclaimd \
	"RefreshInterval=1s" "SystemPressureThreshold=450ms" \
	"[Policy $TOP]" "Weight=200" "MaxPages=1000" \
	"[Policy vm:web-*]" "Protect=yes" \
	"[Policy vm:db]" "Weight=300" \
	"[Policy uuid:${UUID_DB//-/}]" "Weight=9"

# The name comes from the machine scope, the UUID from -uuid.
W=$PW-10
assert_eq "$(vm_value "$W" Cgroup)" "vm:web-*" "web-1's policy"
assert_eq "$(vm_value "$W" Protect)" true "web-1 protected by name"
assert_eq "$(vm_value "$W" Weight)" 200 "web-1's Weight, from $TOP"
call GetVM s "$W" | grep -q "\"Weight\" \"inherited from $TOP " || fail "web-1's Weight is not shown as inherited from $TOP"
# A UUID beats a name, in any spelling.
assert_eq "$(vm_value "$PD-12" Cgroup)" "uuid:$UUID_DB" "db's policy"
assert_eq "$(vm_value "$PD-12" Weight)" 9 "db's Weight, from its uuid: section"
assert_eq "$(vm_value "$PB-11" Cgroup)" "$TOP" "batch's policy"

# The cap takes batch and db down to 1000; protected web-1 is never written.
fake_wait_log "^$PB-11 zap 4000 " 6
fake_wait_log "^$PD-12 zap 4000 " 2
assert_eq "$(fakekvm_get "$FAKE" "$PB-11" shadow)" 1000 "batch after the cap"
assert_eq "$(fakekvm_get "$FAKE" "$PD-12" shadow)" 1000 "db after the cap"
call Reclaim sts "$TOP" 500 zap >/dev/null || fail "Reclaim on $TOP"
# Reclaim of a protected VM frees nothing and says why, as for a cgroup.
call Reclaim sts "$W" 500 zap > "$TEST_TMP/out" || fail "Reclaim of protected web-1: $(cat "$TEST_TMP/out")"
grep -q "protected by the policy for vm:web-\*" "$TEST_TMP/out" ||
	fail "Reclaim of protected web-1 did not say it is protected: $(cat "$TEST_TMP/out")"
assert_eq "$(fakekvm_log "$FAKE" | grep -c "^$W ")" 0 "writes to web-1"

# The domain restarts: new ID, new scope, new pid; the name stays, and so
# does its protection.
fakekvm_remove_vm "$FAKE" "$PW" 10
kill "$PW"
bus_wait_vm "$W" absent 5 || fail "web-1's first run did not go away"
spawn_in_cgroup "$TOP/$SCOPE2" "${VM[@]}" -name guest=web-1; PW2=$SPAWNED_PID
fakekvm_add_vm "$FAKE" "$PW2" 10 5000 0 1
W2=$PW2-10
bus_wait_vm "$W2" present 5 || fail "web-1's second run not seen"
assert_eq "$(vm_value "$W2" Cgroup)" "vm:web-*" "web-1's policy after the restart"
assert_eq "$(vm_value "$W2" Protect)" true "web-1 protected after the restart"
sleep 1.5   # a cap round
assert_eq "$(fakekvm_log "$FAKE" | grep -c "^$W2 ")" 0 "writes to web-1 after the restart"
stop_daemon || fail "unclean exit"
pass
