#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Counting never acts: ListVMs and GetVM, open to every user, recount the
# VMs but never write to any mmu_reclaim, even with a VM far above its
# MaxPages=.  Enforcement comes from the cap timer and privileged calls: a
# root Reload brings the VM down to its cap at once.  The fake kernel's
# write log is the witness.  The kernel is the first series, without
# "limit" (a kernel with it keeps the cap itself, set when the VM is seen:
# test-daemon-limits.sh).
. "$(dirname "$0")/../lib/daemon.sh"

: "${KVMR_DBUS_POLICY:?}"
require_dbus
require_nobody
mount_fake --kernel=v1
dbus_start_private "$KVMR_DBUS_POLICY" || fail "no private bus"

spawn_vm_process big
VM=$SPAWNED_PID-10
fakekvm_add_vm "$FAKE" "$SPAWNED_PID" 10 5000 100 1
# The cap timer would act only after an hour: anything written before that
# came from a read.
start_reclaimd "RefreshInterval=1h" "[Policy /]" "MaxPages=3000"

OBJ=(org.kvmreclaim1 /org/kvmreclaim1 org.kvmreclaim1.Manager)
as_nobody() { run_as_nobody busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" "$@"; }
writes() { wc -l <"$FAKE/.fake_log"; }

# Reads older than a second recount; three rounds of reads, each after
# the counts went stale, and the VM grows in between.
for i in 1 2 3; do
	as_nobody ListVMs >"$TEST_TMP/vms" || fail "ListVMs as nobody"
	grep -q "\"$VM\"" "$TEST_TMP/vms" || fail "ListVMs lacks $VM: $(cat "$TEST_TMP/vms")"
	as_nobody GetVM s "$VM" >/dev/null || fail "GetVM as nobody"
	fakekvm_set "$FAKE" "$VM" shadow=+100
	sleep 1.1
done
as_nobody ListVMs >"$TEST_TMP/vms" || fail "ListVMs as nobody"
grep -q "\"$VM\" [0-9]* \"big\" \"[^\"]*\" 5300 " "$TEST_TMP/vms" ||
	fail "ListVMs did not recount: $(cat "$TEST_TMP/vms")"
[ "$(writes)" -eq 0 ] || fail "reads wrote to the kernel: $(cat "$FAKE/.fake_log")"
ok "8 reads as nobody, 0 writes to mmu_reclaim"

# A privileged call enforces: Reload runs the MaxPages= round.
busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" Reload || fail "Reload as root"
fake_wait_log "^$VM zap " 5
grep -q "^$VM zap 2300 " "$FAKE/.fake_log" ||
	fail "Reload did not enforce MaxPages=: $(cat "$FAKE/.fake_log")"
[ "$(fakekvm_get "$FAKE" "$VM" shadow)" -eq 3000 ] || fail "VM not at its cap after Reload"
ok "a root Reload enforced MaxPages= with one write"
pass
