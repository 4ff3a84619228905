#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Counting never acts: ListVMs and GetVM, open to every user, recount the
# VMs but never write to any mmu_reclaim, even with a VM far above its
# MaxPages=.  Enforcement comes from the cap timer and privileged calls: a
# root Reload brings the VM down to its cap at once.  The fake kernel's
# write log is the witness.
set -u
. "$(dirname "$0")/dbus-lib.sh"

fail() {
	echo "FAIL: $*" >&2
	[ -n "${DBUS_RECLAIMD_LOG:-}" ] && tail -n 40 "$DBUS_RECLAIMD_LOG" >&2
	exit 1
}
skip() {
	echo "SKIP: $*" >&2
	exit 77
}

: "${KVM_RECLAIMD:?}" "${FAKEKVM:?}"
command -v busctl >/dev/null || skip "busctl not installed"
command -v setpriv >/dev/null || skip "setpriv not installed"
id nobody >/dev/null 2>&1 || skip "no user nobody"
dbus_mount_fakekvm "$FAKEKVM" || skip "no fake kernel: $DBUS_LIB_WHY"
dbus_start_private "${KVMR_DBUS_POLICY:?}" || fail "no private bus"

dbus_spawn_vm 10 5000 100 big
VM=$DBUS_VM_ID
# The cap timer would act only after an hour: anything written before that
# came from a read.
dbus_start_reclaimd "$KVM_RECLAIMD" "RefreshInterval=1h" "[Policy /]" "MaxPages=3000" ||
	fail "daemon did not start"

OBJ=(org.kvmreclaim1 /org/kvmreclaim1 org.kvmreclaim1.Manager)
as_nobody() { run_as_nobody busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" "$@"; }
writes() { wc -l <"$DBUS_FAKEKVM_DIR/.fake_log"; }

# Reads older than a second recount; three rounds of reads, each after
# the counts went stale, and the VM grows in between.
for i in 1 2 3; do
	as_nobody ListVMs >"$DBUS_TEST_DIR/vms" || fail "ListVMs as nobody"
	grep -q "\"$VM\"" "$DBUS_TEST_DIR/vms" || fail "ListVMs lacks $VM: $(cat "$DBUS_TEST_DIR/vms")"
	as_nobody GetVM s "$VM" >/dev/null || fail "GetVM as nobody"
	fakekvm_set "$DBUS_FAKEKVM_DIR" "$VM" shadow=+100
	sleep 1.1
done
as_nobody ListVMs >"$DBUS_TEST_DIR/vms" || fail "ListVMs as nobody"
grep -q "\"$VM\" [0-9]* \"big\" \"[^\"]*\" 5300 " "$DBUS_TEST_DIR/vms" ||
	fail "ListVMs did not recount: $(cat "$DBUS_TEST_DIR/vms")"
[ "$(writes)" -eq 0 ] || fail "reads wrote to the kernel: $(cat "$DBUS_FAKEKVM_DIR/.fake_log")"
echo "ok: 8 reads as nobody, 0 writes to mmu_reclaim"

# A privileged call enforces: Reload runs the MaxPages= round.
busctl --address="$DBUS_TEST_ADDRESS" call "${OBJ[@]}" Reload || fail "Reload as root"
for _ in $(seq 50); do
	[ "$(writes)" -ge 1 ] && break
	sleep 0.1
done
grep -q "^$VM zap 2300 " "$DBUS_FAKEKVM_DIR/.fake_log" ||
	fail "Reload did not enforce MaxPages=: $(cat "$DBUS_FAKEKVM_DIR/.fake_log")"
[ "$(fakekvm_get "$DBUS_FAKEKVM_DIR" "$VM" shadow)" -eq 3000 ] || fail "VM not at its cap after Reload"
echo "ok: a root Reload enforced MaxPages= with one write"
echo "PASS"
